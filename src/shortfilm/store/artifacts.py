"""The artifact store: bytes kept once by sha256, each reachable under readable, linked names.

Objects live at ``objects/ab/abcdef…``; names live under ``library/`` as relative symlinks to the
object (a copy where links are impossible), e.g.
``library/wasteland-villa/clip-02/take-003__board-v2__prompt-v4.mp4``. Renaming never moves data
and identical bytes are stored once. Writes go to a temp file then ``os.replace``: no torn files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


class ArtifactStore(Protocol):
    """Where the bytes live: this folder (:class:`LocalArtifactStore`) or a bucket
    (:class:`~shortfilm.store.s3_artifacts.S3ArtifactStore`); readers always get a local path."""

    objects: Path
    """The folder this machine reads objects from (the store itself, or its cache)."""

    def put(self, source: Path) -> str:
        """Store the bytes of ``source``; return their sha256. Storing twice stores once."""
        ...

    def path(self, sha256: str) -> Path:
        """A local path to read the object from."""
        ...

    def link(self, name: str, sha256: str) -> Path:
        """Make the readable ``name`` point at the object; return the readable path."""
        ...

    def readable(self, name: str) -> Path:
        """The local path of the readable ``name`` (absent when nothing has that name)."""
        ...

    def media_url(self, sha256: str, media_type: str) -> str | None:
        """Where a browser may fetch the object itself, or ``None``: served from this host."""
        ...

    @property
    def media_origin(self) -> str | None:
        """The origin of :meth:`media_url`'s answers (the pages' CSP allows it), or ``None``."""
        ...


class LocalArtifactStore:
    """The embedded default: a folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.library = root / "library"

    def path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def put(self, source: Path, *, sha256: str | None = None) -> str:
        """``sha256``: the digest of ``source`` when the caller has just computed it."""
        digest = sha256 or sha256_file(source)
        dest = self.path(digest)
        if dest.exists():
            return digest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return digest

    def readable(self, name: str) -> Path:
        return self.library / name

    def media_url(self, sha256: str, media_type: str) -> str | None:
        return None  # the web app serves the file itself

    @property
    def media_origin(self) -> str | None:
        return None

    def link(self, name: str, sha256: str) -> Path:
        target = self.path(sha256)
        if not target.exists():
            raise FileNotFoundError(f"artifact {sha256} is not in {self.objects}")
        dest = self.readable(name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink() or dest.exists():
            if dest.resolve() == target.resolve():
                return dest
            dest.unlink(missing_ok=True)
        # a name of its own: another process may be linking the same name at this moment
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            tmp.symlink_to(os.path.relpath(target, dest.parent))
        except OSError:
            shutil.copyfile(target, tmp)
        os.replace(tmp, dest)
        return dest
