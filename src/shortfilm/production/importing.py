"""Import a production spec into the store: new versions only where the content changed.

The spec file is one of several places that change a production (the CLI and the web app are
the others), so an import never undoes a change made elsewhere since the last import: it
applies what the file changed relative to the spec the last import read (kept in the store,
:meth:`~shortfilm.store.repo.Store.last_import`), keeps what the store gained meanwhile (a
reference image added with ``shortfilm board add-reference`` or the web upload), and stops
with an :class:`ImportConflict` -- the field, both values, the commands that resolve it,
nothing written -- where both changed the same field (:mod:`shortfilm.spec.merge`).

The spec is fully validated before the store is even opened, so a bad spec writes nothing.
Importing the same spec twice changes nothing; editing one clip's shot adds one prompt version.
A clip's first/last-frame images are part of its prompt version (by content), so replacing a
frame image with another adds one prompt version too, even when the spec text is unchanged.
Every file is read through :func:`~shortfilm.spec.paths.resolve_inside`: a spec names files
inside its folder, never ``/etc/passwd`` or a link out of it, and that is checked for every file
before the store is touched.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shortfilm.board.placement import named_references
from shortfilm.board.versions import base_content_hash
from shortfilm.campaign.variants import record_imported
from shortfilm.domain import AssetBoard, Production
from shortfilm.domain.board import BoardVersion
from shortfilm.domain.production_record import ProductionRecord
from shortfilm.errors import ConflictError, SpecError, StoreError
from shortfilm.production.prompt_versions import clip_frames, name_frames, record_prompt
from shortfilm.spec import load_spec, spec_to_dict
from shortfilm.spec.load import SPEC_FILENAME, spec_file_of
from shortfilm.spec.merge import FieldConflict, merge_specs
from shortfilm.spec.paths import resolve_inside
from shortfilm.spec.references import escaping_files
from shortfilm.spec.source import format_path
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import clip_plans, naming, repo
from shortfilm.store.boards import claim_board_version, latest_board, next_board_version
from shortfilm.store.productions import (
    added_reference_paths,
    create_production,
    locked_production,
    production_record,
    update_production,
)
from shortfilm.store.repo import Store, Tx, content_hash
from shortfilm.store.scripts import add_script_version, latest_script_hash
from shortfilm.team.people import current_person


@dataclass
class ImportResult:
    production_id: int
    slug: str
    created: bool
    new_versions: list[str] = field(default_factory=list)
    """Human lines like ``board v2`` or ``clip-03 prompt v2``: what this import changed."""
    kept: list[str] = field(default_factory=list)
    """Fields changed in the store since the last import that the file left alone, kept
    (``board.characters[2].reference``)."""


def board_references(board: AssetBoard, base: Path) -> list[dict[str, Any]]:
    """Every reference image in the stable order prompts name them by, with role and label."""
    refs = named_references(board)
    for ref in refs:
        ref["source"] = str(resolve_inside(base, ref["path"]))
    return refs


def import_spec(store: Store, spec_path: Path, *, prefer_spec: bool = False) -> ImportResult:
    """Validate ``spec_path`` (a file, or a folder holding ``production.yaml``) and record it;
    see the module docstring for versioning rules."""
    production = load_spec(spec_path)
    spec_file = spec_file_of(spec_path)
    return import_production(
        store, production, spec_file.parent, prefer_spec=prefer_spec, spec_file=spec_file
    )


class ImportConflict(ConflictError):
    """The spec file and the store both changed the same fields since the last import.

    Names each field, the store's value and the file's, and the two commands that resolve it;
    nothing was imported.
    """

    def __init__(self, slug: str, conflicts: tuple[FieldConflict, ...], spec_file: Path) -> None:
        self.conflicts = conflicts
        shown = conflicts[:MAX_CONFLICTS_SHOWN]
        more = len(conflicts) - len(shown)
        lines = [f"  {c.describe()}" for c in shown]
        if more:
            lines.append(f"  (and {more} more)")
        spec = shlex.quote(str(spec_file))
        super().__init__(
            f"{slug}: the spec file and the store both changed "
            f"{'this field' if len(conflicts) == 1 else 'these fields'} since the last import, "
            "so nothing was imported:\n" + "\n".join(lines) + "\nTo take the spec file's values: "
            f"`shortfilm import {spec} --prefer-spec`. To keep the store's: write them into the "
            f"spec file (`shortfilm export {slug} {slug}-export` writes the spec as the store "
            "holds it) and import it again."
        )


MAX_CONFLICTS_SHOWN = 10
"""Conflicting fields listed one per line in an :class:`ImportConflict`; the rest are counted."""


def import_production(
    store: Store,
    production: Production,
    base: Path,
    *,
    prefer_spec: bool = False,
    spec_file: Path | None = None,
) -> ImportResult:
    """Record ``production``, whose files are named relative to the folder ``base``.

    The production is merged into what the store holds (:mod:`shortfilm.spec.merge`): what
    the file changed since the last import is applied, what was changed elsewhere since then
    (a reference image added with ``shortfilm board add-reference`` or the web upload) is
    kept, and a field changed in both places to different values is an
    :class:`ImportConflict` with nothing written -- unless ``prefer_spec``, which takes the
    file's value there. ``spec_file`` is the file as the person named it, for that message.

    :class:`SpecError` naming the field, with nothing written, when a file it names leads out
    of ``base`` (by ``..``, an absolute path or a symbolic link).
    """
    escaping = escaping_files(production, base)
    if escaping:
        first = escaping[0]
        more = f" (and {len(escaping) - 1} more)" if len(escaping) > 1 else ""
        raise SpecError(first.message + more, field=format_path(first.path))
    theirs = spec_to_dict(production)
    file_paths = set(production.board.reference_paths())
    # two runs of one spec started together: the second imports after the first, finding
    # nothing new, instead of creating the production twice
    with store.exclusive(f"import:{production.slug}"), store.session() as s:
        row = production_record(s, production.slug)
        created = row is None
        merged = production
        kept: tuple[str, ...] = ()
        if row is None:
            row = create_production(s, production, theirs)
            repo.event(s, row.id, "production.created", production.slug, title=production.title)
            last = None
        else:
            # a reference added at this moment must not be lost between reading and writing
            row = locked_production(s, row.id)
            last = store.last_import(s, production.slug)
            if last is None:
                last = _without_added_references(dict(row.spec), added_reference_paths(s, row.id))
            merged, kept = _merged(row, last, theirs, production.slug, prefer_spec, spec_file, base)
            data = spec_to_dict(merged)
            if row.spec_hash != content_hash(data):
                update_production(s, row.id, merged, data)
                repo.event(s, row.id, "production.updated", production.slug, kept=list(kept))
        result = ImportResult(
            production_id=row.id, slug=production.slug, created=created, kept=list(kept)
        )
        import_script(s, row, merged, result)
        board = _import_board(store, s, row, merged, base, file_paths, result)
        import_clips(store, s, row, merged, base, board, result)
        result.new_versions += record_imported(s, row.id, merged, current_person())
        music = merged.edit.music
        if music is not None and music.path:
            source = resolve_inside(base, music.path, field="edit.music.path")
            store.put_artifact(s, source, naming.music(merged.slug, music.path))
        if last != theirs:
            # last, once nothing can refuse the import: a refused one leaves no file behind
            store.remember_import(s, production.slug, theirs)
    return result


def _merged(
    row: ProductionRecord,
    last: dict[str, Any] | None,
    theirs: dict[str, Any],
    slug: str,
    prefer_spec: bool,
    spec_file: Path | None,
    base: Path,
) -> tuple[Production, tuple[str, ...]]:
    """The production the store will hold: the file's changes since the last import laid over
    the stored spec, and the fields kept from the store."""
    ours = dict(row.spec)
    outcome = merge_specs(last if last is not None else ours, ours, theirs, prefer_file=prefer_spec)
    if outcome.conflicts and not prefer_spec:
        raise ImportConflict(slug, outcome.conflicts, spec_file or base / SPEC_FILENAME)
    try:
        merged = spec_from_dict(outcome.data)
    except SpecError as exc:
        raise SpecError(
            f"{exc.message} (the spec file's changes merged with what the store holds: "
            f"`shortfilm import {shlex.quote(str(spec_file or base / SPEC_FILENAME))} "
            "--prefer-spec` takes the file as it is)",
            file=f"the merged spec of {slug!r}",
            field=exc.field,
        ) from exc
    return merged, tuple(format_path(path) or "(all)" for path in outcome.kept)


def _without_added_references(spec: dict[str, Any], added: set[str]) -> dict[str, Any]:
    """The stored ``spec`` without the reference images people added (``added``: the paths of
    the ``board.reference_added`` events): the base of a production whose last import was not
    kept (imported by an older version), so that its first import now keeps those images
    instead of dropping them."""
    board = dict(spec.get("board") or {})
    for key in ("characters", "environment"):
        if isinstance(board.get(key), list):
            board[key] = [
                {k: v for k, v in item.items() if k != "reference"}
                if isinstance(item, dict) and item.get("reference") in added
                else item
                for item in board[key]
            ]
    if isinstance(board.get("references"), list):
        kept = [path for path in board["references"] if path not in added]
        board["references"] = kept
        if not kept:
            del board["references"]  # as spec_to_dict leaves an empty list out
    return {**spec, "board": board}


def _new_version(
    s: Tx, prod: ProductionRecord, result: ImportResult, kind: str, label: str, **data: Any
) -> None:
    """Log a version the import made (event ``kind``, subject ``label``) and list it in the
    result, so the event log and what the import reports name it alike."""
    repo.event(s, prod.id, kind, label, **data)
    result.new_versions.append(label)


def import_script(s: Tx, prod: ProductionRecord, p: Production, result: ImportResult) -> None:
    """A new script version when ``p``'s script differs from the newest (listed in ``result``)."""
    data = {"logline": p.script.logline, "beats": list(p.script.beats)}
    digest = content_hash(data)
    if latest_script_hash(s, prod.id) == digest:
        return
    version = add_script_version(s, prod.id, p.script, digest)
    _new_version(s, prod, result, "script.version", f"script v{version}")


def _import_board(
    store: Store,
    s: Tx,
    prod: ProductionRecord,
    p: Production,
    base: Path,
    file_paths: set[str],
    result: ImportResult,
) -> BoardVersion:
    """The board version ``p`` states (a new one only when it differs from the latest).

    A reference the file names is read from ``base``; one kept from the store (the file does
    not name it: ``file_paths``) is the latest version's image at that path.
    """
    current = latest_board(s, prod.id)
    stored = {str(r["path"]): str(r["sha256"]) for r in current.references} if current else {}
    refs = board_references(p.board, base)
    sources: list[Path] = []
    for ref in refs:
        source = Path(ref.pop("source"))
        if ref["path"] not in file_paths:
            if ref["path"] not in stored:
                raise StoreError(f"board reference {ref['path']} has no stored image")
            source = store.artifact_path(stored[ref["path"]])
        ref["sha256"] = store.artifacts.put(source)
        sources.append(source)
    blocks = dataclasses.asdict(p.board)
    digest = content_hash({"blocks": blocks, "refs": refs})
    # a version that only added a generated board image still states this same board
    if current is not None and base_content_hash(current) == digest:
        return current
    version = next_board_version(s, prod.id)
    # someone adding a reference or importing at the same moment may take the number first
    board = claim_board_version(
        s,
        prod.id,
        version,
        blocks,
        refs,
        digest,
        current_person(),
        f"the board of {p.slug!r} got a new version while this import ran; nothing was "
        "imported: look at the board and import again",
    )
    for i, (ref, source) in enumerate(zip(refs, sources, strict=True), 1):
        suffix = Path(ref["path"]).suffix.lower() or ".png"
        name = naming.board_reference(p.slug, version, i, ref["label"], suffix)
        store.put_artifact(s, source, name)
    _new_version(s, prod, result, "board.version", f"board v{version}", references=len(refs))
    return board


def import_clips(
    store: Store,
    s: Tx,
    prod: ProductionRecord,
    p: Production,
    base: Path,
    board: BoardVersion,
    result: ImportResult,
) -> None:
    """Each clip of ``p`` recorded (added or updated), with a new prompt version where its
    plan or frames changed (listed in ``result``); frame images are read from ``base``."""
    existing = clip_plans.clip_ids(s, prod.id)
    for position, plan in enumerate(p.clips, 1):
        clip_id = existing.get(position)
        if clip_id is None:
            clip_id = clip_plans.add_clip(s, prod.id, position, plan)
            repo.event(s, prod.id, "clip.created", f"clip-{position:02d}", name=plan.name)
        else:
            clip_plans.update_clip(s, clip_id, plan)
        frames = clip_frames(store, plan, base)
        version = record_prompt(
            store, s, p, position, clip_id, board, frames,
            conflict=f"clip-{position:02d} of {p.slug!r} got a new prompt version while this "
            "import ran; nothing was imported: import again",
        )  # fmt: skip
        if version is None:
            continue
        if frames is not None:
            name_frames(store, s, p.slug, position, version, base, frames)
        label = f"clip-{position:02d} prompt v{version}"
        _new_version(s, prod, result, "prompt.version", label)
