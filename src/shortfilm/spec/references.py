"""Check the files a spec points at before anyone spends a generation on them.

A reference image or a clip's first/last frame that is missing, or is not really an image (a
text file renamed ``.png``, a truncated download), would otherwise surface much later as a
provider error far from its cause.
Paths are relative to the spec's folder so a production folder can be moved or shared whole,
and none may lead out of it, by its text or through a symbolic link (see
:mod:`shortfilm.spec.paths`): a shared spec must not read the files of whoever imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from shortfilm.domain import Production
from shortfilm.spec.paths import escape_problem
from shortfilm.spec.problems import Problem
from shortfilm.spec.source import FieldPath


def reference_problems(production: Production, folder: Path) -> list[Problem]:
    """Every referenced file that is missing or unreadable, in document order (may be empty)."""
    problems: list[Problem] = []
    for path, relative, what in referenced_files(production):
        check = _file_problem if what == MUSIC_FILE else _image_problem
        message = check(folder, relative, what=what)
        if message:
            problems.append(Problem(path, message))
    return problems


def escaping_files(production: Production, folder: Path) -> list[Problem]:
    """Every file ``production`` names that leads out of ``folder`` (may be empty).

    Cheap (no file is opened): an import checks this again right before it reads, so a
    production that did not come through :func:`~shortfilm.spec.load_spec` is held to it too.
    """
    problems: list[Problem] = []
    for path, relative, _ in referenced_files(production):
        message = escape_problem(folder, relative)
        if message:
            problems.append(Problem(path, message))
    return problems


MUSIC_FILE = "music file"


def referenced_files(production: Production) -> Iterator[tuple[FieldPath, str, str]]:
    """Each file the spec names: its field, its path and what to call it in a message.

    Images first (board, then clip frames), then the music file. A clip's ``first_frame:
    keyframe`` names no file (the image is picked at generation time), so it is not listed.
    """
    board = production.board
    reference = "reference image"
    for index, character in enumerate(board.characters):
        if character.reference:
            yield ("board", "characters", index, "reference"), character.reference, reference
    for index, view in enumerate(board.environment):
        if view.reference:
            yield ("board", "environment", index, "reference"), view.reference, reference
    for index, extra in enumerate(board.references):
        yield ("board", "references", index), extra, reference
    for index, clip in enumerate(production.clips):
        if clip.first_frame is not None and not clip.starts_on_keyframe:
            yield ("clips", index, "first_frame"), clip.first_frame, "first frame image"
        if clip.last_frame is not None:
            yield ("clips", index, "last_frame"), clip.last_frame, "last frame image"
    music = production.edit.music
    if music is not None and music.path is not None:
        yield ("edit", "music", "path"), music.path, MUSIC_FILE


def _file_problem(folder: Path, relative: str, *, what: str) -> str | None:
    escapes = escape_problem(folder, relative)
    if escapes:
        return f"{what}: {escapes}"
    file = folder / relative
    if not file.exists():
        return f"{what} not found: {relative} (looked in {folder.resolve()})"
    if not file.is_file():
        return f"{what} is not a file: {relative}"
    try:
        with file.open("rb") as stream:
            if not stream.read(1):
                return f"{what} is empty: {relative}"
    except OSError as exc:
        return f"{what} cannot be read: {relative} ({exc.strerror or exc})"
    return None


def _image_problem(folder: Path, relative: str, *, what: str = "reference image") -> str | None:
    """Why ``relative`` is not a usable image, or ``None`` when it decodes completely.

    ``verify`` catches broken structure (bad chunks, checksums) and a full ``load`` catches
    truncated pixel data; both are needed because each misses what the other finds.
    """
    problem = _file_problem(folder, relative, what=what)
    if problem:
        return problem
    file = folder / relative
    try:
        st = file.stat()
        _decodes_whole(str(file), (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    except Image.DecompressionBombError:
        return f"{what} is too large to decode safely: {relative}"
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow reports undecodable data as OSError (UnidentifiedImageError), SyntaxError
        # (broken PNG chunks) or ValueError depending on the format plugin.
        return f"not a readable image: {relative} ({exc})"
    return None


@functools.lru_cache(maxsize=512)
def _decodes_whole(file: str, identity: tuple[int, int, int, int]) -> None:
    """Decode ``file`` completely (raising what Pillow raises), remembered per process by the
    file's ``identity`` (device, inode, size, mtime): a worker or the web app loads the same
    spec's references for every import and lint (0.1 s of PNG decoding each time for the
    example's five); a file changed in any way since is decoded again, and a failure is never
    remembered."""
    with Image.open(file) as image:
        image.verify()
    with Image.open(file) as image:
        image.load()
