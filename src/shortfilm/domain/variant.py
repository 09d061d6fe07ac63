"""A variant: one account's version of an approved film, and the campaign that holds them.

The source workflow ends with account-ready assets: the same world and the same approved edit
become several posts, each differing in what a viewer meets first (the hook), what they are left
with (the end card), the post's caption and hashtags, the edit's rhythm (another order, tighter
trims, a faster clip) and the frame. A variant says only what differs; everything else is the
approved edit's. It is routed to exactly one account, whose platform's rules it must keep
(:func:`~shortfilm.domain.platforms.check_post`).

Pure: :func:`variant_timeline` lays a variant over the approved edit's
:class:`~shortfilm.domain.timeline.Timeline`; the store keeps each variant's versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from shortfilm.domain.production import CampaignRole, Hook, Variant
from shortfilm.domain.review import Standing
from shortfilm.domain.timeline import Timeline, frames_for
from shortfilm.domain.timeline_parts import SoundCue, TextItem, TextKind, TimelineError

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
"""A variant's name: lower-case letters, digits and hyphens, as it appears in file names."""

ROLE_HOOK_WITHIN_S = 2.0
"""A variant of a ``hook`` campaign shows its opening text within this many seconds: a paid
hook is judged on the first two seconds of the feed."""


@dataclass(frozen=True)
class StoredVariant:
    """One stored version of a variant."""

    stored_id: int
    version: int
    variant: Variant
    created_by: str
    created_at: datetime
    revision: int = 0
    standing: Standing = Standing.UNREVIEWED
    """Where its review stands: the owner's approval is what lets it be published."""

    @property
    def name(self) -> str:
        return self.variant.name


# -- the variant's film ------------------------------------------------------------------------


def variant_timeline(base: Timeline, variant: Variant) -> Timeline:
    """The approved edit ``base`` with ``variant``'s texts and rhythm laid over it.

    Texts and sound cues stay with the picture they start on: a caption 1.5 s into clip 3 is
    1.5 s into clip 3 wherever the variant puts clip 3 (and goes with it when clip 3 is left out);
    the end card keeps to the film's last seconds. Joins stay where they were in the film's
    order (the second join is still the second). :class:`TimelineError` names what does not fit:
    a clip the edit does not play, a trim past the take, a text that now collides.
    """
    rate = base.rate
    timeline = _retimed(base, variant) if variant.retimed else base
    texts = [t for t in timeline.texts if t.kind not in (TextKind.HOOK, TextKind.END_CARD)]
    total = timeline.total_frames
    hook = variant.hook
    kept_hook = base.texts_of(TextKind.HOOK)
    if hook is not None:
        texts.append(
            TextItem(
                TextKind.HOOK,
                hook.text,
                frames_for(hook.start_s, rate),
                min(total, frames_for(hook.end_s, rate)),
            )  # fmt: skip
        )
    else:
        texts += [replace(t, end=min(t.end, total)) for t in kept_hook]
    end = variant.end_card
    kept_end = base.texts_of(TextKind.END_CARD)
    if end is not None:
        texts.append(TextItem(TextKind.END_CARD, end.text, total - frames_for(end.duration_s, rate),
                              total))  # fmt: skip
    else:
        texts += [replace(t, start=max(0, total - (t.end - t.start)), end=total) for t in kept_end]
    try:
        return replace(timeline, texts=tuple(texts))
    except TimelineError as exc:
        raise TimelineError(f"variant {variant.name}: {exc}") from exc


def _retimed(base: Timeline, variant: Variant) -> Timeline:
    """``base`` with the variant's order, trims and speeds; texts and cues moved with their
    pictures, the end card left for :func:`variant_timeline` to place."""
    rate = base.rate
    by_clip = {seg.clip: seg for seg in base.segments}
    order = variant.order or tuple(seg.clip for seg in base.segments)
    for clip in order:
        if clip not in by_clip:
            played = ", ".join(str(s.clip) for s in base.segments)
            raise TimelineError(
                f"variant {variant.name}: order names clip {clip}, which the approved edit does "
                f"not play (it plays {played})"
            )
    trims = {c.clip: c for c in variant.clips}
    for clip in trims:
        if clip not in order:
            raise TimelineError(
                f"variant {variant.name}: clips names clip {clip}, which the variant does not play"
            )
    segments = []
    for clip in order:
        seg = by_clip[clip]
        trim = trims.get(clip)
        if trim is not None:
            seg = replace(
                seg,
                source_in=seg.source_in if trim.in_s is None else frames_for(trim.in_s, rate),
                source_out=seg.source_out if trim.out_s is None else frames_for(trim.out_s, rate),
                speed=seg.speed if trim.speed is None else trim.speed,
            )
            if seg.source_out > by_clip[clip].source_out and trim.out_s is not None:
                # the approved take may be longer, but what was approved is the part the edit
                # used: a variant re-cuts inside it
                raise TimelineError(
                    f"variant {variant.name}: clip {clip}'s out ({trim.out_s:g} s) is past the "
                    f"approved edit's ({float(base.seconds(by_clip[clip].source_out)):.3f} s)"
                )
        segments.append(seg)
    lead = 1 if base.title is not None else 0
    joins = list(base.transitions)
    if len(segments) < len(base.segments):
        joins = joins[: len(segments) - 1 + lead]
    texts = [t for t in base.texts if t.kind is TextKind.TITLE_CARD]
    try:
        picture = Timeline(rate, tuple(segments), tuple(joins), tuple(texts),
                           replace(base.audio, sfx=()))  # fmt: skip
    except TimelineError as exc:
        raise TimelineError(f"variant {variant.name}: {exc}") from exc
    old = _anchors(base)
    new = _anchors(picture)
    for t in base.texts:
        if t.kind in (TextKind.TITLE_CARD, TextKind.HOOK, TextKind.END_CARD):
            continue
        moved = _move(t.start, old, new, base, picture)
        if moved is not None:
            length = min(t.end - t.start, picture.total_frames - moved)
            texts.append(replace(t, start=moved, end=moved + length))
    cues: list[SoundCue] = []
    for cue in base.audio.sfx:
        moved = _move(cue.at, old, new, base, picture)
        if moved is not None:
            cues.append(replace(cue, at=moved))
    try:
        return Timeline(rate, picture.segments, picture.transitions, tuple(texts),
                        replace(base.audio, sfx=tuple(cues)))  # fmt: skip
    except TimelineError as exc:
        raise TimelineError(f"variant {variant.name}: {exc}") from exc


def _anchors(tl: Timeline) -> dict[int | None, tuple[int, int]]:
    """Each picture's (first film frame, frames): clip position -> span; ``None``: the title."""
    lead = 1 if tl.title is not None else 0
    spans: dict[int | None, tuple[int, int]] = {}
    if lead:
        spans[None] = (0, tl.picture_frames[0])
    for k, seg in enumerate(tl.segments):
        spans[seg.clip] = (tl.starts[k + lead], tl.picture_frames[k + lead])
    return spans


def _move(
    at: int,
    old: dict[int | None, tuple[int, int]],
    new: dict[int | None, tuple[int, int]],
    base: Timeline,
    picture: Timeline,
) -> int | None:
    """Film frame ``at`` of ``base`` on the re-timed ``picture``: the same share of the way into
    the picture it falls on (the last picture that starts at or before it); ``None`` when that
    picture is not played."""
    owner: int | None = None
    for key, (start, _) in sorted(old.items(), key=lambda kv: kv[1][0]):
        if start <= at:
            owner = key
    if owner is None or owner not in new:
        return None
    o_start, o_len = old[owner]
    n_start, n_len = new[owner]
    offset = Fraction(at - o_start) * Fraction(n_len, max(1, o_len))
    moved = n_start + round(offset)
    return moved if 0 <= moved < picture.total_frames else None


class RoleFinding(NamedTuple):
    about: str
    """``hook`` or ``steps``: what of the variant the role's ask is about."""
    message: str


def role_findings(
    role: CampaignRole, variant: Variant, base_hook: Hook | None, film: Timeline | None = None
) -> list[RoleFinding]:
    """What the campaign role asks of every variant that ``variant`` does not give:

    - a ``hook`` campaign's opening text on screen within :data:`ROLE_HOOK_WITHIN_S`;
    - an ``educational`` film (a tutorial) labels each of its steps: every clip of ``film``
      (the variant's planned film, when it can be laid out) has a caption or a lower third on
      screen for some of its time.
    """
    found: list[RoleFinding] = []
    if role is CampaignRole.HOOK:
        hook = variant.hook or base_hook
        if hook is None:
            found.append(RoleFinding("hook",
                f"a hook campaign opens on text: give the variant a hook within the first "
                f"{ROLE_HOOK_WITHIN_S:g} s"
            ))  # fmt: skip
        elif hook.start_s > ROLE_HOOK_WITHIN_S:
            found.append(RoleFinding("hook",
                f"its hook starts at {hook.start_s:g} s; a hook campaign shows it within the "
                f"first {ROLE_HOOK_WITHIN_S:g} s"
            ))  # fmt: skip
    if role is CampaignRole.EDUCATIONAL and film is not None:
        bare = unlabelled_steps(film)
        if bare:
            named = ", ".join(f"clip {c}" for c in bare)
            found.append(RoleFinding("steps",
                f"{named} {'shows' if len(bare) == 1 else 'show'} no step label; an educational "
                "film labels each step with a caption or a lower third over it"
            ))  # fmt: skip
    return found


STEP_LABELS = (TextKind.CAPTION, TextKind.LOWER_THIRD)
"""The texts that label a tutorial's step."""


def unlabelled_steps(film: Timeline) -> list[int]:
    """The clips of ``film`` that no caption or lower third is over, in film order."""
    offset = 1 if film.title is not None else 0
    labels = [t for t in film.texts if t.kind in STEP_LABELS]
    bare = []
    for i, seg in enumerate(film.segments):
        start = film.starts[i + offset]
        end = start + seg.frames
        if not any(t.start < end and t.end > start for t in labels):
            bare.append(seg.clip)
    return bare


def differences(v: Variant) -> str:
    """What a variant changes, in a few words: ``hook '...', caption, rhythm``."""
    parts = []
    if v.hook is not None:
        parts.append(f"hook {v.hook.text!r}")
    if v.end_card is not None:
        parts.append(f"end card {v.end_card.text!r}")
    if v.caption or v.hashtags:
        parts.append("caption")
    if v.retimed:
        parts.append("rhythm")
    if v.preset is not None:
        parts.append(v.preset)
    return ", ".join(parts) or "nothing (the edit as approved)"
