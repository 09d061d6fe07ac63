"""A person revises one clip's plan from the web app (or ``take new --plan``): the clip as the spec
writes it, edited, becomes the production's spec for that clip and the clip's next prompt version.

The text is the clip's entry of ``production.yaml`` (name, job, tone and world, shots, sound,
duration), so what a person edits on the page and in the file is one language, and ``export``
writes the revision back as the file would have said it. It is checked as the spec is (the
field named on error, with its place in the text) and linted before anything is written: a plan
lint would refuse to generate is refused here, with the findings, so no take is asked for on it.

The revision is a change made outside the spec file, like a reference added on the web: the next
import of the file keeps it unless the file changed that clip too (then it is a conflict, said
with both values; :mod:`shortfilm.spec.merge`). First/last-frame paths name image files beside
the spec, which a browser does not have: they are changed in the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from shortfilm.domain import Production
from shortfilm.errors import ConflictError, GateError, InputError, SpecError, StoreError
from shortfilm.production.prompt_versions import record_prompt
from shortfilm.prompts.lint import Finding
from shortfilm.prompts.linting import clips_with_errors
from shortfilm.spec import spec_to_dict
from shortfilm.spec.dump import dump_yaml
from shortfilm.spec.load import explain_error
from shortfilm.spec.models import ProductionSpec
from shortfilm.spec.source import format_path
from shortfilm.store import clip_plans, repo
from shortfilm.store import takes as stored_takes
from shortfilm.store.boards import latest_board
from shortfilm.store.productions import locked_production, production_record, update_production
from shortfilm.store.repo import Store

MAX_PLAN_BYTES = 32_000
"""A clip's plan is a page of YAML; anything larger is not one."""

FRAME_FIELDS = ("first_frame", "last_frame")


class LintRefusal(GateError):
    """A revised plan lint would refuse to generate: nothing was written. ``findings`` are the
    errors, each with its code, place and message."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass(frozen=True)
class Revision:
    position: int
    prompt_version: int
    """The clip's newest prompt version after the revision (a new one only if it changed)."""
    changed: bool


def plan_digest(text: str) -> str:
    """What a page sends back with a revision: the plan it showed (see :func:`revise_clip`)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def clip_plan_text(store: Store, slug: str, position: int) -> str:
    """Clip ``position``'s entry of the spec as YAML, as ``export`` would write it."""
    with store.session() as s:
        record = production_record(s, slug)
        if record is None:
            raise StoreError(f"no production {slug!r}")
        clips = list(record.spec.get("clips", []))
    if not 1 <= position <= len(clips):
        raise InputError(f"{slug!r} plans {len(clips)} clips, not clip {position}")
    return dump_yaml(clips[position - 1])


def revise_clip(
    store: Store,
    slug: str,
    position: int,
    text: str,
    *,
    durations_s: tuple[float, float] | None = None,
    based_on: str | None = None,
) -> Revision:
    """Make ``text`` (a clip's entry of the spec, as :func:`clip_plan_text` gives it) clip
    ``position``'s plan and prompt. :class:`SpecError` naming the field (and line) of a plan
    that does not validate, :class:`LintRefusal` with the findings of one lint would refuse
    (``durations_s``: the provider's clip lengths); nothing written either way.

    ``based_on``: the :func:`plan_digest` of the plan the person started from. When the clip's
    plan changed since (an import, another person's revision), the revision would undo that
    change unseen: :class:`ConflictError`, nothing written."""
    label = f"clip-{position:02d}'s plan"
    entry = _parse(text, label)
    with store.exclusive(f"import:{slug}"), store.session() as s:
        found = production_record(s, slug)
        if found is None:
            raise StoreError(f"no production {slug!r}")
        record = locked_production(s, found.id)
        data = dict(record.spec)
        clips = list(data.get("clips", []))
        if not 1 <= position <= len(clips):
            raise InputError(f"{slug!r} plans {len(clips)} clips, not clip {position}")
        old = clips[position - 1]
        if based_on is not None and plan_digest(dump_yaml(old)) != based_on:
            raise ConflictError(
                f"{label} changed since you opened it (an import or another person's revision)"
                "; nothing was saved: reload it, then make your change again"
            )
        for name in FRAME_FIELDS:
            if entry.get(name) != old.get(name):
                raise SpecError(
                    "names an image beside the spec: change it in production.yaml and import",
                    file=label,
                    field=name,
                )
        clips[position - 1] = entry
        production = _validated(data | {"clips": clips}, label, position)
        errors = clips_with_errors(production, durations_s).get(position - 1, [])
        if errors:
            lines = "; ".join(f"{f.code} {f.place}: {f.message}" for f in errors)
            raise LintRefusal(f"{label} has lint errors, nothing was saved: {lines}", errors)
        clip_id = clip_plans.clip_ids(s, record.id)[position]
        board = latest_board(s, record.id)
        if board is None:
            raise StoreError(f"production {slug!r} has no asset board")
        revised = spec_to_dict(production)
        if record.spec_hash != repo.content_hash(revised):
            update_production(s, record.id, production, revised)
            clip_plans.update_clip(s, clip_id, production.clips[position - 1])
        newest = stored_takes.newest_prompt(s, clip_id)
        frames = None if newest is None else newest.data.get("frames")
        version = record_prompt(
            store, s, production, position, clip_id, board, frames,
            conflict=f"clip-{position:02d} of {slug!r} got a new prompt version meanwhile; "
            "nothing was saved: reload and revise again",
        )  # fmt: skip
        if version is None:
            assert newest is not None
            return Revision(position, newest.version, changed=False)
        repo.event(s, record.id, "prompt.version", f"clip-{position:02d} prompt v{version}")
        return Revision(position, version, changed=True)


def _parse(text: str, label: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_PLAN_BYTES:
        raise InputError(f"{label}: {len(text.encode())} bytes, more than {MAX_PLAN_BYTES}")
    try:
        entry = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"not YAML: {problem}", file=label, line=mark.line + 1 if mark else None
        ) from exc
    if not isinstance(entry, dict):
        raise SpecError("must be a mapping of the clip's fields (name, job, shots ...)", file=label)
    return entry


def _validated(data: dict[str, Any], label: str, position: int) -> Production:
    try:
        return ProductionSpec.model_validate(data).to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        # the clip's own fields, named as the text has them (shots[1].action)
        inside = loc[2:] if loc[:2] == ("clips", position - 1) else loc
        field = format_path(inside) or None
        raise SpecError(explain_error(first), file=label, field=field) from exc
