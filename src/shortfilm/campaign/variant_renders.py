"""Rendering a variant: the approved edit with the variant's texts and rhythm, for its account.

Only an approved film has variants: the newest edit must have a final render that passed the
final gate (the owner's approval or override), or nothing is rendered and the message says what
waits. The variant is laid over that edit's timeline
(:func:`~shortfilm.domain.variant.variant_timeline`), checked against its account's platform with
the film's real length (:func:`~shortfilm.domain.platforms.check_post`), rendered in its frame
(its own preset, else its account's) and checked like any render (:mod:`shortfilm.media.verify`).
The film is stored under a lineage name that says which edit, variant version and preset it is,
and announced by a ``variant.render`` event; a variant render is never a row of the renders
table, so the edit's final review and publishing can never take it for the edit's own render.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from shortfilm.domain.edit_version import EditVersion
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.platforms import PLATFORMS, check_post
from shortfilm.domain.render import Render
from shortfilm.domain.review import SubjectKind
from shortfilm.domain.rubric import CRITERION_KEYS
from shortfilm.domain.social_accounts import SocialAccount
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import TimelineError
from shortfilm.domain.variant import StoredVariant, variant_timeline
from shortfilm.edit.assemble import music_artifact
from shortfilm.edit.versions import load_edit
from shortfilm.errors import GateError, InputError
from shortfilm.media.delta_render import render_delta
from shortfilm.media.film import RenderPlan
from shortfilm.media.presets import PRESETS, Preset
from shortfilm.media.render import render
from shortfilm.media.verify import verify
from shortfilm.store import publications, repo, reviews
from shortfilm.store import social_accounts as account_rows
from shortfilm.store import variants as variant_rows
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Store
from shortfilm.store.variants import VARIANT_RENDER


@dataclass(frozen=True)
class VariantRender:
    """A variant's film as stored."""

    variant: str
    variant_version: int
    edit_version: int
    preset: str
    path: Path
    sha256: str
    duration_s: float
    status: str
    reasons: tuple[str, ...]
    encoded_frames: int
    """Frames encoded; the rest were copied from the approved render (see
    :mod:`shortfilm.media.delta_render`)."""
    copied_frames: int
    reused: bool = False
    """Made before for the same variant version, edit version and preset: not rendered again."""


def variant_file(slug: str, edit_version: int, name: str, version: int, preset: str) -> str:
    """The lineage name of a variant's film."""
    return f"{slug}/variants/{slug}__edit-v{edit_version}__{name}-v{version}__{preset}.mp4"


@dataclass(frozen=True)
class _Asked:
    """What a variant render is of, once its gates passed (before the edit is loaded)."""

    prod_id: int
    stored: StoredVariant
    account: SocialAccount
    edit_id: int
    edit_number: int
    base_render: Render | None
    """The approved final in the variant's frame, whose GOPs a delta copies."""
    preset: Preset


@dataclass(frozen=True)
class _LaidOut:
    """The variant over the approved edit, checked against its account's platform."""

    base: EditVersion
    timeline: Timeline


def check_variant_render(store: Store, slug: str, name: str, actor: Actor) -> None:
    """Every refusal :func:`render_variant` could make, made without rendering: a request from
    the web app is refused at once, not as a failed job later."""
    asked = _gates(store, slug, name, actor)
    _laid_out(store, slug, asked)


def render_variant(
    store: Store, slug: str, name: str, actor: Actor, *, again: bool = False
) -> VariantRender:
    """Render the newest version of variant ``name`` of ``slug``; see the module docstring.

    A film made before for the same variant version, edit version and preset, which passed its
    checks and is still stored, is returned as it is (``reused``) unless ``again``.

    :class:`GateError` when the edit is not approved, :class:`InputError` naming the variant, the
    account and the rule when the platform would refuse the film; nothing is rendered then.
    """
    asked = _gates(store, slug, name, actor)
    stored, preset, edit_number = asked.stored, asked.preset, asked.edit_number
    if not again:  # before the edit is loaded: publishing asks for films made long ago
        made_before = _made_before(store, asked.prod_id, stored, edit_number, preset.name)
        if made_before is not None:
            return made_before
    laid = _laid_out(store, slug, asked)
    base, timeline = laid.base, laid.timeline
    bed = timeline.audio.music
    plan = RenderPlan(
        timeline,
        [store.artifact_path(seg.media_sha256) for seg in timeline.segments],
        music_file=music_artifact(store, slug, bed.path) if bed is not None else None,
    )
    lufs = preset.loudness_lufs
    work = store.home / "work" / "variants" / f"edit-{asked.edit_id}"
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{name}-v{stored.version}-{preset.name}.mp4"
    plan = replace(plan, loudness_lufs=lufs)
    base_render = asked.base_render
    if base_render is not None and store.artifact_path(base_render.sha256).is_file():
        # the approved film in this frame exists: encode only what the variant changes
        target = dict(base_render.checks).get("measured", {}).get("target_lufs")
        base_plan = replace(
            plan,
            timeline=base.timeline,
            clips=[store.artifact_path(seg.media_sha256) for seg in base.timeline.segments],
            loudness_lufs=lufs if target is None else float(target),
        )
        made = render_delta(plan, base_plan, store.artifact_path(base_render.sha256), preset,
                            out, work)  # fmt: skip
        rendered, encoded = made.result, made.encoded_frames
    else:
        rendered, encoded = render(plan, preset, out, work), timeline.total_frames
    checked = verify(rendered.path, preset, duration=timeline.duration, fps=timeline.rate,
                     lufs=lufs, loudness=rendered.loudness, silent=rendered.silent)  # fmt: skip
    file = variant_file(slug, edit_number, name, stored.version, preset.name)
    with store.session() as tx:
        sha = store.put_artifact(tx, rendered.path, file)
        repo.event(tx, asked.prod_id, VARIANT_RENDER, file, variant=name, version=stored.version,
                   edit_version=edit_number, preset=preset.name, sha256=sha,
                   status=checked.status, reasons=list(checked.reasons), by=actor.name,
                   duration_s=rendered.duration_s)  # fmt: skip
    os.unlink(rendered.path)
    return VariantRender(name, stored.version, edit_number, preset.name,
                         store.artifacts.readable(file), sha, rendered.duration_s,
                         checked.status, tuple(checked.reasons), encoded,
                         timeline.total_frames - encoded)  # fmt: skip


def _gates(store: Store, slug: str, name: str, actor: Actor) -> _Asked:
    """The variant, its account, the approved edit and the frame, or the refusal naming them."""
    require(actor, Action.PREPARE_VARIANT)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        found = variant_rows.versions(tx, prod_id, name)
        if not found:
            raise InputError(f"variant: {slug} has no variant named {name!r}")
        stored: StoredVariant = found[-1]
        variant = stored.variant
        account = account_rows.live_account(tx, variant.account)
        if account is None:
            raise InputError(
                f"variant {name}: no account named {variant.account!r}: add it with "
                f"`shortfilm account add {variant.account} --platform tiktok --handle @you` "
                "(its platform and handle), or route the variant to another"
            )
        edit = reviews.version(tx, prod_id, SubjectKind.EDIT)
        if edit is None:
            raise GateError(f"variant {name}: {slug} has no edit yet, so no approved film")
        edit_id, edit_number = edit
        standings = Standings(tx, prod_id)
        approved = [
            r
            for r in publications.renders(tx, edit_id)
            if standings.of(SubjectKind.RENDER, r.stored_id).passes
        ]
        base_render = next((r for r in approved if r.preset == (variant.preset or account.preset)),
                           None)  # fmt: skip
        if not approved:
            scores = " ".join(f"--score {key}=N" for key in CRITERION_KEYS)
            raise GateError(
                f"variant {name}: edit v{edit_number} of {slug} is not approved, so it has no "
                "variants yet; the owner approves its final first: "
                f"`shortfilm review final {slug} --preset PRESET --approve {scores}`"
            )
    preset_name = variant.preset or account.preset
    preset = PRESETS.get(preset_name)
    if preset is None:
        raise InputError(f"variant {name}: no preset named {preset_name!r}")
    return _Asked(prod_id, stored, account, edit_id, edit_number, base_render, preset)


def _laid_out(store: Store, slug: str, asked: _Asked) -> _LaidOut:
    """The variant laid over the approved edit and checked against its platform's rules."""
    name, variant, account = asked.stored.name, asked.stored.variant, asked.account
    base = load_edit(store, slug, asked.edit_number)
    if base is None:
        raise GateError(f"variant {name}: edit v{asked.edit_number} of {slug} is gone")
    try:
        timeline = variant_timeline(base.timeline, variant)
    except TimelineError as exc:
        raise InputError(f"{exc} (edit v{asked.edit_number})") from None
    breaks = check_post(
        PLATFORMS[account.platform],
        duration_s=float(timeline.duration),
        caption=variant.caption,
        hashtags=variant.hashtags,
        title=variant.title,
        preset=asked.preset.name,
    )
    if breaks:
        said = "; ".join(str(b) for b in breaks)
        raise InputError(f"variant {name} for {account.label}: nothing was rendered: {said}")
    return _LaidOut(base, timeline)


def _made_before(
    store: Store, prod_id: int, stored: StoredVariant, edit_number: int, preset: str
) -> VariantRender | None:
    with store.session() as tx:
        found = variant_rows.renders(tx, prod_id, stored.name, VARIANT_RENDER)
    for made in found:
        same = (made.get("version"), made.get("edit_version"), made.get("preset")) == (
            stored.version,
            edit_number,
            preset,
        )
        if not same or made.get("status") != "passed" or "duration_s" not in made:
            continue
        path = store.artifacts.readable(made["file"])
        if not path.is_file():
            continue
        return VariantRender(stored.name, stored.version, edit_number, preset, path,
                             made["sha256"], float(made["duration_s"]), "passed", (), 0, 0,
                             reused=True)  # fmt: skip
    return None
