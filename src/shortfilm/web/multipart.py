"""Reading an upload: a multipart body streamed into temp files under the store's home.

Starlette's own form parser spools files to the system temp folder and limits only the size of
plain fields; here the whole body is counted as it arrives (413 past the limit), file names that
carry a path are refused before a byte is written, and files land only in ``folder`` (under the
store's home), from where the workflow moves what it keeps.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import HTTPException, Request
from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from shortfilm.errors import InputError

MAX_FIELD_BYTES = 64 * 1024
"""A plain form field (a note, a token): far more than any form here needs."""
MAX_PARTS = 16


@dataclass
class Upload:
    """One received file: the name the browser gave and where its bytes are now."""

    filename: str
    path: Path
    size: int


@dataclass
class FormBody:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def discard(self) -> None:
        """Remove the temp files (what the workflow kept, it has copied into the store)."""
        for upload in self.files.values():
            with contextlib.suppress(FileNotFoundError):
                upload.path.unlink()


def check_filename(name: str) -> str:
    """The browser sends a bare file name; one with a path or a parent step is refused."""
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise InputError(f"refused upload name {name!r}: a file name only, without a path")
    return name


class _Receiver:
    """The parser's callbacks: collect fields, write files to temp files as parts arrive."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.body = FormBody()
        self.parts = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._filename: str | None = None
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._buffer = bytearray()
        self._size = 0

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise InputError("too many form fields")
        self._headers = {}
        self._buffer = bytearray()
        self._size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        raw = options.get(b"filename")
        self._filename = None if raw is None else check_filename(raw.decode("utf-8", "replace"))
        if self._filename is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            suffix = Path(self._filename).suffix.lower()[:10]
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".upload-", suffix=suffix)
            self._file = os.fdopen(fd, "wb")
            self._path = Path(tmp)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        self._size += len(chunk)
        if self._file is not None:
            self._file.write(chunk)
        else:
            if self._size > MAX_FIELD_BYTES:
                raise InputError(f"form field {self._name!r} is too long")
            self._buffer += chunk

    def on_part_end(self) -> None:
        if self._file is not None and self._path is not None and self._filename is not None:
            self._file.close()
            self.body.files[self._name] = Upload(self._filename, self._path, self._size)
            self._file = None
            self._path = None
        else:
            self.body.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def abandon(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()
        self.body.discard()


async def read_multipart(request: Request, folder: Path, limit: int) -> FormBody:
    """The multipart body of ``request``; 413 when it is over ``limit`` bytes, InputError for a
    path in a file name or a malformed body. Nothing is left behind on failure."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"upload over the limit of {limit} bytes")
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise InputError("multipart body without a boundary")
    receiver = _Receiver(folder)
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise HTTPException(413, f"upload over the limit of {limit} bytes")
            parser.write(chunk)
        parser.finalize()
    except ParseError as exc:
        receiver.abandon()
        raise InputError(f"malformed upload: {exc}") from None
    except BaseException:
        receiver.abandon()
        raise
    return receiver.body


async def uploaded(request: Request) -> FormBody:
    """The multipart body :func:`~shortfilm.web.auth.check_csrf` read (and will clean up); a
    route is an upload route exactly when it asks for this (:func:`reads_upload`)."""
    body: FormBody | None = getattr(request.state, "form_body", None)
    if body is None:
        raise HTTPException(415, "send the file as multipart/form-data")
    return body


def reads_upload(route: object) -> bool:
    """Whether a matched route (``scope["route"]``) takes an upload: it depends on
    :func:`uploaded`. Only such a route has a multipart body read for it."""
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        if dependant.call is uploaded:
            return True
        pending.extend(dependant.dependencies)
    return False
