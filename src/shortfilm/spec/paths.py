"""The files a spec names stay inside the spec's folder, on the way in and on the way out.

A spec is shared like a document, so its paths are hostile until checked: ``music.path:
/etc/passwd`` on import would copy a server file into the store (and serve it to every user), and
``../.bashrc`` on export would overwrite a file beside the export folder. A path is therefore
usable only when its text is relative with no ``..`` (checked by the validation models, so the
error names the line and field) *and* it still lands inside the folder after symbolic links are
followed (checked where the file is opened). Export writes only under a private folder it has
just created, so no link planted in the destination can redirect a write.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from shortfilm.errors import InputError
from shortfilm.spec.limits import MAX_PATH_CHARS

_DRIVE = re.compile(r"[A-Za-z]:")
_EXAMPLE = "e.g. refs/kestrel.png"


def path_problem(text: str) -> str | None:
    """Why ``text`` cannot name a file inside a folder, or ``None`` when it can.

    Looks at the text alone: absolute paths (``/x``, ``C:x``), ``..`` anywhere, ``\\`` (a
    separator on Windows, so ``..\\x`` would climb there), control characters, the folder itself.
    """
    if len(text) > MAX_PATH_CHARS:
        return f"a path of at most {MAX_PATH_CHARS} characters, got {len(text)}"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return f"{text!r} contains a control character: name a file inside the spec's folder"
    if "\\" in text:
        return f"{text!r} uses '\\': separate folders with '/' ({_EXAMPLE})"
    if text.startswith("/") or _DRIVE.match(text):
        return (
            f"{text!r} is an absolute path: name a file inside the spec's folder, relative to it "
            f"({_EXAMPLE})"
        )
    parts = PurePosixPath(text).parts
    if ".." in parts:
        return f"{text!r} climbs out of the spec's folder with '..': name a file inside it"
    if not parts or parts == (".",):
        return f"{text!r} names the folder itself: name a file inside it ({_EXAMPLE})"
    return None


def relative_path(text: str) -> str:
    """``text`` when :func:`path_problem` finds nothing; :class:`ValueError` otherwise (the
    validation models turn it into ``file:line: field: message``)."""
    problem = path_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def escape_problem(folder: Path, relative: str) -> str | None:
    """Why ``folder / relative`` does not stay inside ``folder`` once symbolic links are
    followed, or ``None`` when it does (the file need not exist)."""
    problem = path_problem(relative)
    if problem:
        return problem
    try:
        root = folder.resolve()
        target = (root / relative).resolve()
    except (OSError, RuntimeError):  # a link loop: RuntimeError before Python 3.13
        return f"{relative!r} is a loop of symbolic links"
    if not target.is_relative_to(root):
        return f"{relative!r} leads out of the spec's folder through a symbolic link"
    return None


def resolve_inside(folder: Path, relative: str, *, field: str | None = None) -> Path:
    """The real path of the file ``relative`` names inside ``folder``.

    :class:`InputError` (prefixed with ``field`` when given) when the text or a symbolic link
    leads outside ``folder``; opening the returned path reads no file outside it.
    """
    problem = escape_problem(folder, relative)
    if problem:
        raise InputError(f"{field}: {problem}" if field else problem)
    return (folder.resolve() / relative).resolve()


__all__ = ["escape_problem", "path_problem", "relative_path", "resolve_inside"]
