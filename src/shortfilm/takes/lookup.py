"""Finding a clip and a take by the names people use (``SLUG``, clip position, take number), with
errors that say what is missing and what there is instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shortfilm.domain.take import Take, TakeClip, TakeState
from shortfilm.errors import InputError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Tx


@dataclass(frozen=True)
class NamedTake:
    """A take by the names people use: the base of every result that reports on one take, so
    each prints and serialises those names the same way (its own fields follow them)."""

    slug: str
    clip: int
    """1-based clip position."""
    take: int
    """Take number within the clip."""

    @property
    def subject(self) -> str:
        """The take as a review or log subject (``clip-02/take-003``)."""
        return naming.take_subject(self.clip, self.take)

    def names_json(self) -> dict[str, Any]:
        """The first keys of the result's JSON: ``slug``, ``clip``, ``take``."""
        return {"slug": self.slug, "clip": self.clip, "take": self.take}


def only_production(s: Tx) -> str:
    """The slug of the home's one production; :class:`InputError` when there are none or more."""
    slugs = [p.slug for p in repo.productions(s)]
    if len(slugs) != 1:
        which = ", ".join(slugs) if slugs else "none yet"
        raise InputError(f"name the production as SLUG:CLIP (productions here: {which})")
    return slugs[0]


def find_clip(s: Tx, slug: str, position: int) -> TakeClip:
    """Clip ``position`` of ``slug`` (rows past the spec's clips, left from a longer earlier
    version, are not part of the film); :class:`InputError` naming what there is otherwise."""
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        known = ", ".join(p.slug for p in repo.productions(s)) or "none yet"
        raise InputError(f"no production {slug!r} in this home (productions: {known})")
    clips = stored.clips(s, prod.id)[: len(spec_from_dict(prod.spec).clips)]
    clip = next((c for c in clips if c.position == position), None)
    if clip is None:
        have = f"clip-01 to clip-{len(clips):02d}" if clips else "no clips"
        raise InputError(f"{slug} has no clip-{position:02d} (it has {have})")
    return clip


def find_take(s: Tx, slug: str, position: int, number: int | None = None) -> tuple[TakeClip, Take]:
    """Clip ``position`` of ``slug`` and its take ``number`` (default: the selected take), which
    must have a video; :class:`InputError` naming what is missing otherwise."""
    clip = find_clip(s, slug, position)
    return clip, _take(s, slug, clip, number)


def _take(s: Tx, slug: str, clip: TakeClip, number: int | None) -> Take:
    """Take ``number`` of the clip, or its selected take; :class:`InputError` if there is none."""
    where = f"{slug}/clip-{clip.position:02d}"
    if number is None:
        if clip.selected_take_id is None:
            raise InputError(f"{where} has no selected take; name one with --take")
        take = stored.take(s, clip.selected_take_id)
        assert take is not None
    else:
        found = next((t for t in stored.clip_takes(s, clip.id) if t.number == number), None)
        if found is None:
            raise InputError(f"{where} has no take {number}")
        take = found
    if take.status != TakeState.SUCCEEDED or take.video_sha256 is None:
        raise InputError(f"{where}/take-{take.number:03d} is {take.status}: it has no video")
    return take
