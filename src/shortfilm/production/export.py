"""Export a production back to a spec plus its artifacts: a finished film becomes a template.

The folder holds ``production.yaml`` with its reference images, clip frames and music at the
paths the spec names (so ``shortfilm import`` takes it as is; a reference a person added in the
web app or with ``shortfilm board add-reference`` is in the stored spec, so it is written and
listed like the others), ``artifacts/`` with every stored file of the production under its
readable name, and ``lineage.json`` linking takes, keyframes and renders.

The spec's ``edit:`` section states the latest Edit when a person changed it (``shortfilm edit
...``, an imported timeline): their trims, speeds, sound, transitions, texts, cues, music and
loudness targets, so the template keeps their work and importing the export back changes no
version of anything. What a spec cannot say (clips played out of their order) stays in
``lineage.json``, whose ``edit.spec_states_it`` is then false.

Every path written comes from the store, which may hold a spec from an older version or edited
by hand, so each is checked before anything is written (relative, no ``..``: see
:mod:`shortfilm.spec.paths`), and files are written only into a folder this export has just
created, never through a symbolic link. A refused or failed export leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from shortfilm.domain.lineage import ClipLineage
from shortfilm.domain.timeline_intent import intent_of, states
from shortfilm.edit.versions import load_edit, source_frames
from shortfilm.errors import InputError, SpecError, StoreError
from shortfilm.spec import dump_spec
from shortfilm.spec.paths import path_problem
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming
from shortfilm.store.boards import latest_board
from shortfilm.store.lineage import clip_lineages, latest_edit, named_artifacts
from shortfilm.store.productions import production_record
from shortfilm.store.repo import Store


@dataclass(frozen=True)
class _Copy:
    """One stored file to write at ``target``, a checked relative path inside the export."""

    target: str
    source: Path


def export_production(store: Store, slug: str, dest: Path, *, with_artifacts: bool = True) -> Path:
    """Write the export of ``slug`` into ``dest`` (created; must be an empty folder if it exists).

    :class:`InputError` when ``dest`` is a file, a symbolic link or holds files;
    :class:`SpecError` when a stored path would lead out of ``dest``. Nothing is written then.
    """
    _check_dest(dest)
    stored_edit = load_edit(store, slug) if _has_production(store, slug) else None
    with store.session() as s:
        prod = production_record(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production = spec_from_dict(dict(prod.spec))
        states_edit: bool | None = None
        if stored_edit is not None and stored_edit.edited_by is not None:
            # the person's timeline decisions, as the spec's edit: section says them
            frames = source_frames(store)
            intent = intent_of(stored_edit.timeline, production.edit, frames)
            states_edit = states(intent, stored_edit.timeline, frames)
            production = dataclasses.replace(production, edit=intent)
        board = latest_board(s, prod.id)
        assert board is not None
        copies: list[_Copy] = []
        for index, ref in enumerate(board.references):
            where = (f"the stored board v{board.version} of {slug!r}", f"references[{index}].path")
            target = _checked(str(ref["path"]), *where)
            copies.append(_Copy(target, store.artifact_path(ref["sha256"])))
        music = production.edit.music
        if music is not None and music.path:
            source = store.artifacts.readable(naming.music(slug, music.path))
            copies.append(_Copy(music.path, source))  # checked by spec_from_dict
        lineage: dict[str, Any] = {"slug": slug, "board_version": board.version, "clips": []}
        for clip in clip_lineages(s, prod.id):
            # a clip's first/last-frame images sit at the paths its spec names, like references
            frames = clip.prompt_sections.get("frames", {})
            for key, frame in frames.items():
                if isinstance(frame, dict) and clip.prompt_version is not None:
                    where = (
                        f"the stored prompt v{clip.prompt_version} of clip-{clip.position:02d}",
                        f"frames.{key}.path",
                    )
                    target = _checked(str(frame["path"]), *where)
                    copies.append(_Copy(target, store.artifact_path(frame["sha256"])))
            lineage["clips"].append(_clip_lineage(clip))
        edit = latest_edit(s, prod.id)
        if edit is not None:
            lineage["edit"] = {"version": edit.version, "timeline": edit.timeline}
            if states_edit is not None:
                # False: the spec cannot say all of it (clips out of order, a wipe's direction)
                lineage["edit"]["spec_states_it"] = states_edit
        if with_artifacts:
            for name, sha in named_artifacts(s, f"{slug}/"):
                problem = path_problem(name)
                if problem:
                    raise StoreError(f"the stored artifact name {name!r}: {problem}")
                copies.append(_Copy(f"artifacts/{name}", store.artifact_path(sha)))
        dest.parent.mkdir(parents=True, exist_ok=True)
        # a fresh name, made here (mkdir refuses an existing one): nothing planted beforehand
        # can be inside it
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")
        tmp.mkdir()
        try:
            for copy in copies:
                _copy_inside(tmp, copy.target, copy.source)
            dump_spec(production, tmp / "production.yaml")
            (tmp / "lineage.json").write_text(json.dumps(lineage, indent=2, default=str))
            _move_into(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest / "production.yaml"


def _has_production(store: Store, slug: str) -> bool:
    with store.session() as s:
        return production_record(s, slug) is not None


def _check_dest(dest: Path) -> None:
    if dest.is_symlink():
        raise InputError(f"{dest}: export folder is a symbolic link; give a real folder")
    if dest.exists():
        if not dest.is_dir():
            raise InputError(f"{dest}: not a folder")
        if any(dest.iterdir()):
            raise InputError(f"{dest}: export folder is not empty")


def _checked(relative: str, owner: str, field: str) -> str:
    """``relative`` when it names a file inside a folder; :class:`SpecError` naming where the
    store holds it otherwise."""
    problem = path_problem(relative)
    if problem:
        raise SpecError(problem, file=owner, field=field)
    return relative


def _copy_inside(root: Path, relative: str, source: Path) -> None:
    """Copy ``source`` to ``root / relative``, making folders one at a time and following no
    symbolic link: a folder that exists must be a real one, and the file is opened with
    ``O_NOFOLLOW`` (a second path naming the same file replaces it, as one copy would)."""
    try:
        reader = source.open("rb")
    except FileNotFoundError:
        raise StoreError(f"{relative}: its stored file is missing from the store") from None
    with reader:
        *folders, name = PurePosixPath(relative).parts
        parent = root
        for folder in folders:
            parent = parent / folder
            try:
                parent.mkdir()
            except FileExistsError:
                if parent.is_symlink() or not parent.is_dir():
                    raise InputError(f"{relative}: {folder!r} is a file and a folder") from None
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(parent / name, flags, 0o666)
        except IsADirectoryError:
            raise InputError(f"{relative}: is a file and a folder") from None
        with os.fdopen(fd, "wb") as writer:
            shutil.copyfileobj(reader, writer)


def _move_into(tmp: Path, dest: Path) -> None:
    """Put the finished export at ``dest``, which is absent or the empty folder checked first."""
    if dest.exists() and not dest.is_symlink():
        try:
            dest.rmdir()
        except OSError as exc:
            raise InputError(f"{dest}: export folder is not empty any more") from exc
    try:
        os.rename(tmp, dest)
    except OSError as exc:
        raise InputError(f"{dest}: cannot be written ({exc.strerror or exc})") from exc


def _clip_lineage(clip: ClipLineage) -> dict[str, Any]:
    return {
        "position": clip.position,
        "prompt_version": clip.prompt_version,
        "selected_take_id": clip.selected_take_id,
        "takes": [
            {
                "number": t.number,
                "status": t.status,
                "provider": t.provider,
                "model": t.model,
                "job_id": t.job_id,
                "cost": t.cost,
                "notes": t.notes,
                "error": t.error,
                "video_sha256": t.video_sha256,
                "keyframe_id": t.keyframe_id,
            }
            for t in clip.takes
        ],
    }
