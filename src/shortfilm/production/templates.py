"""``shortfilm new SLUG --from OTHER``: start the next film from the last one.

The new production keeps the source's world (see :mod:`shortfilm.domain.template` for what each
``--keep`` word keeps) and plans a new scenario: its clips are planned from the script given
(``--script``), or from the source's script when none is (deterministically, as ``shortfilm
plan`` does, with the kept board's names). A kept board is the source's newest board version
itself, referenced, not copied: no board row is written, the new production's takes point at
that row, and its approval holds for both. The first board version the new production makes of
its own continues that number (see :mod:`shortfilm.store.boards`) and ends the reference.

Everything is checked before the store is written (the words, the source, the new slug, the
script file, the plan), and everything is written in one transaction: a refusal leaves nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from shortfilm.board.versions import board_from_blocks
from shortfilm.campaign.variants import record_imported
from shortfilm.domain import AssetBoard, EditIntent, Production, Script, Style
from shortfilm.domain.board import BoardVersion
from shortfilm.domain.production import Campaign
from shortfilm.domain.template import KEEPABLE, Template, missing_parts
from shortfilm.errors import InputError, SpecError
from shortfilm.production.importing import ImportResult, import_clips, import_script
from shortfilm.prompts.planning import plan_clips
from shortfilm.spec import spec_to_dict
from shortfilm.spec.script_file import read_script_file
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.boards import claim_board_version, latest_board
from shortfilm.store.productions import create_production, production_record
from shortfilm.store.repo import Store, Tx, content_hash
from shortfilm.store.templates import record_template, template_of
from shortfilm.team.people import current_person


@dataclass(frozen=True)
class TemplateResult:
    """What ``new --from`` made."""

    slug: str
    template: Template
    clips: int
    script_from: str
    """The script file's name, or the source's slug when its script was kept."""
    new_versions: tuple[str, ...]
    """``script v1``, ``board v1`` (only when the board was not kept), ``clip-01 prompt v1`` ..."""


def new_from_template(
    store: Store,
    slug: str,
    source_slug: str,
    kept: tuple[str, ...],
    *,
    script_file: Path | None = None,
    title: str | None = None,
) -> TemplateResult:
    """Make production ``slug`` from ``source_slug`` keeping ``kept`` (words of
    :data:`~shortfilm.domain.template.KEEPABLE`, as :func:`parse_keep` gives them).

    :class:`InputError` (nothing written) for an unknown source, a slug already taken, a kept
    part the source does not have; :class:`~shortfilm.errors.SpecError` for a script file that
    is missing, too big or not a script, or a new spec that would not load (a bad slug).
    """
    script = None
    if script_file is not None:
        read = read_script_file(script_file)
        script = read.script
        title = title or read.title  # a new film is called what its script calls it
    with store.exclusive(f"import:{slug}"), store.session() as s:
        source = production_record(s, source_slug)
        if source is None:
            raise InputError(f"--from {source_slug!r}: no such production in this home")
        if production_record(s, slug) is not None:
            raise InputError(f"{slug!r} already exists: choose a new name for the new production")
        source_spec = spec_from_dict(dict(source.spec))
        source_board = latest_board(s, source.id)
        missing = missing_parts(kept, _parts(source_spec, source_board is not None))
        if missing:
            raise InputError(
                f"--keep {','.join(missing)}: {source_slug} has no "
                f"{' and no '.join(missing)} to keep"
            )
        board = _kept_board(
            board_from_blocks(source_board.blocks) if source_board else source_spec.board, kept
        )
        production = _production(source_spec, slug, title, board, kept, script)
        data = spec_to_dict(production)
        try:  # the new spec loads as any spec (its slug checked)
            production = spec_from_dict(data)
        except SpecError as exc:
            raise SpecError(
                exc.message, file=f"the new production {slug!r}", field=exc.field
            ) from None
        record = create_production(s, production, data)
        record_template(
            s,
            record.id,
            source.id,
            source_board.id if source_board is not None and "board" in kept else None,
            kept,
            current_person(),
        )
        repo.event(
            s, record.id, "production.created", slug, title=production.title,
            template=source_slug, kept=list(kept),
        )  # fmt: skip
        result = ImportResult(production_id=record.id, slug=slug, created=True)
        import_script(s, record, production, result)
        if "board" in kept:
            stored = latest_board(s, record.id)
            assert stored is not None
        else:
            stored = _own_board(store, s, record.id, slug, board, source_board)
            result.new_versions.append(f"board v{stored.version}")
        import_clips(store, s, record, production, Path("."), stored, result)
        result.new_versions += record_imported(s, record.id, production, current_person())
        lineage = template_of(s, record.id)
        assert lineage is not None
    return TemplateResult(
        slug,
        lineage,
        len(production.clips),
        script_file.name if script_file is not None else source_slug,
        tuple(result.new_versions),
    )


def _parts(source: Production, has_board: bool) -> list[str]:
    """The ``--keep`` words ``source`` has something for."""
    has = {
        "board": has_board,
        "style": source.board.style != Style()
        or bool(source.board.consistency or source.board.negative),
        "characters": bool(source.board.characters),
        "accounts": bool(source.campaign.variants),
    }
    return [word for word in KEEPABLE if has[word]]


def _kept_board(board: AssetBoard, kept: tuple[str, ...]) -> AssetBoard:
    """The source's board, whole when ``board`` is kept, else only the kept parts of it."""
    if "board" in kept:
        return board
    return AssetBoard(
        world="",
        characters=board.characters if "characters" in kept else (),
        style=board.style if "style" in kept else Style(),
        consistency=board.consistency if "style" in kept else (),
        negative=board.negative if "style" in kept else (),
    )


def _production(
    source: Production,
    slug: str,
    title: str | None,
    board: AssetBoard,
    kept: tuple[str, ...],
    script: Script | None,
) -> Production:
    """The new production's spec: the source's settings, the kept world, a planned scenario."""
    if not board.characters:
        raise InputError(
            f"--keep: a production needs characters; keep board or characters from {source.slug}"
        )
    script = script if script is not None else source.script
    clips = plan_clips(script, source.target_duration_s, board=board)
    return dataclasses.replace(
        source,
        slug=slug,
        title=title if title else source.title,
        script=script,
        board=board,
        clips=clips,
        # the house settings of the edit, not the old film's cards, captions and music
        edit=EditIntent(crossfade_s=source.edit.crossfade_s, loudness=source.edit.loudness),
        campaign=source.campaign if "accounts" in kept else Campaign(),
    )


def _own_board(
    store: Store,
    s: Tx,
    production_id: int,
    slug: str,
    board: AssetBoard,
    source_board: BoardVersion | None,
) -> BoardVersion:
    """Board v1 of the new production: the kept parts, their reference images as the source's
    board stored them."""
    wanted = set(board.reference_paths())
    refs = [
        dict(r)
        for r in (source_board.references if source_board is not None else ())
        if r.get("path") in wanted
    ]
    blocks = dataclasses.asdict(board)
    written = claim_board_version(
        s,
        production_id,
        1,
        blocks,
        refs,
        content_hash({"blocks": blocks, "refs": refs}),
        current_person(),
        f"{slug!r} got a board while it was being made; nothing was written",
    )
    for i, ref in enumerate(refs, 1):
        suffix = Path(str(ref["path"])).suffix.lower() or ".png"
        name = naming.board_reference(slug, 1, i, str(ref["label"]), suffix)
        store.put_artifact(s, store.artifact_path(str(ref["sha256"])), name)
    return written
