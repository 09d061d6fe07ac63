"""The final gate and publishing: only an approved (or overridden), up-to-date final ships."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.render import Render
from shortfilm.domain.review import Standing, SubjectKind
from shortfilm.domain.rubric import CRITERION_KEYS
from shortfilm.domain.staleness import Staleness, render_command
from shortfilm.errors import GateError, InputError
from shortfilm.publish.folder import write_folder
from shortfilm.publish.manifest import manifest_entry
from shortfilm.store import publications, repo, reviews
from shortfilm.store.read_model.checkpoints import PUBLISHED, production_row, production_snapshot
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Store


def publish(store: Store, slug: str, actor: Actor, *, preset: str | None = None) -> list[Path]:
    """Copy the approved final render(s) of the latest edit, with their caption sidecars, cover
    and a ``manifest.json``, into ``HOME/publish/SLUG/``; return the files written.

    Every render published (all of the latest edit's, or the one of ``preset``) needs an approved
    final -- the owner's review or override -- else :class:`GateError` says what waits. The
    folder is built beside its place and renamed into it, so it is never half-written; publishing
    again replaces it whole.
    """
    require(actor, Action.PUBLISH)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        edit = reviews.version(tx, prod_id, SubjectKind.EDIT)
        if edit is None:
            raise GateError(f"{slug} has no edit yet: nothing to publish")
        edit_id, version = edit
        renders = sorted(publications.renders(tx, edit_id), key=lambda r: r.preset)
        chosen = [r for r in renders if preset is None or r.preset == preset]
        if not renders:
            # a person edited since the last render (or the selection changed): the latest
            # edit is what would be published, and it has not been rendered yet
            stale_now = production_snapshot(tx, production_row(tx, slug)).stale
            raise GateError(_unrendered(slug, version, stale_now))
        if not chosen:
            have = ", ".join(r.preset for r in renders) or "none"
            raise InputError(f"preset: edit v{version} has no {preset} render; it has: {have}")
        standings = Standings(tx, prod_id)
        waiting = [r for r in chosen if not standings.of(SubjectKind.RENDER, r.stored_id).passes]
        if waiting:
            raise GateError(_final_waits(slug, version, waiting, standings))
        stale = production_snapshot(tx, production_row(tx, slug)).stale
        presets = {r.preset for r in chosen}
        refused = [r.preset for r in (stale.renders if stale else ()) if r.preset in presets]
        if refused and stale is not None and stale.under_renders is not None:
            under = stale.under_renders
            raise GateError(
                f"{slug}: nothing was published: the {', '.join(refused)} render of edit "
                f"v{version} is stale, because {under.subject} is stale: {under.because}; "
                f"bring it up to date: `{under.fix}`, then approve the new final and publish"
            )
        files: list[tuple[Path, str]] = []
        entries: list[dict[str, Any]] = []
        for render in chosen:
            entry, render_files = manifest_entry(store, tx, slug, version, render)
            entries.append(entry)
            files.extend(render_files)
        manifest = {
            "slug": slug,
            "title": publications.title(tx, prod_id),
            "edit_version": version,
            "published_by": actor.name,
            "published_role": actor.role.value,
            "published_at": datetime.now(UTC).isoformat(),
            "renders": entries,
        }
    dest = write_folder(store.home / "publish" / slug, files, manifest)
    with store.session() as tx:
        repo.event(
            tx,
            prod_id,
            PUBLISHED,
            slug,
            edit_version=version,
            presets=[e["preset"] for e in entries],
            renders={e["preset"]: e["sha256"] for e in entries},
            by=actor.name,
            role=actor.role.value,
            folder=str(dest),
        )
    return sorted(dest / name for _, name in files) + [dest / "manifest.json"]


def _unrendered(slug: str, version: int, stale: Staleness | None) -> str:
    """Why nothing can be published when the latest edit has no render: the edit's own
    staleness (a selection changed under it) first, since its fix comes before the render."""
    said = f"{slug}: nothing was published: edit v{version} has no render yet"
    if stale is not None and stale.edit is not None:
        return f"{said}, and {stale.edit}, then approve the new final and publish"
    return f"{said}: render it with `{render_command(slug)}`, then approve the final and publish"


def _final_waits(slug: str, version: int, waiting: list[Render], standings: Standings) -> str:
    parts = []
    for r in waiting:
        st = standings.of(SubjectKind.RENDER, r.stored_id)
        parts.append(f"{r.preset} {'waits for the owner' if st is Standing.UNREVIEWED else st}")
    scores = " ".join(f"--score {key}=N" for key in CRITERION_KEYS)
    return (
        f"{slug}: the final of edit v{version} is not approved ({', '.join(parts)}), so nothing "
        f"was published; the owner approves it with the rubric: `shortfilm review final {slug} "
        f"--preset PRESET --approve {scores}`, or overrides: "
        f"`shortfilm override {slug} final --reason TEXT`"
    )
