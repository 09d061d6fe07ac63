"""The small error hierarchy every layer raises and the CLI maps to exit codes.

Bad input (a spec, an image, an argument) is a ``SpecError`` or ``InputError`` and exits 2;
a media or provider failure exits 1. Messages always name the place: a file, a line, a field.
"""

from __future__ import annotations

from pathlib import Path


class ShortfilmError(Exception):
    """Base of every error shortfilm raises on purpose."""

    exit_code = 1


class InputError(ShortfilmError):
    """Unusable input from the user (a path, an argument); nothing was written."""

    exit_code = 2


class SpecError(InputError):
    """A production spec that cannot be used: names the file, the line and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class MediaError(ShortfilmError):
    """ffmpeg or a decoder failed on a file: names the file and why."""

    def __init__(self, message: str, *, file: Path | str | None = None) -> None:
        self.file = str(file) if file is not None else None
        super().__init__(f"{file}: {message}" if file else message)


class ProviderError(ShortfilmError):
    """A generation provider failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        self.retryable = retryable
        super().__init__(message)


class GateError(ShortfilmError):
    """A checkpoint refused to go on (lint errors before generation, an unapproved board ...).

    Not bad input: the input is readable, but spending on it now would likely be wasted.
    """


class StoreError(ShortfilmError):
    """The store is missing, locked or inconsistent."""


class NotFound(ShortfilmError):
    """No such production, clip, take or file (404)."""


class PermissionDenied(ShortfilmError):
    """The actor's role does not allow this (approve the final, override a gate ...).

    Names the action and the roles that may take it; nothing was written. ``action`` and
    ``allowed`` say the same in parts, for a page that explains the refusal (empty when the
    refusal is not about a role, like approving one's own take).
    """

    def __init__(self, message: str, *, action: str = "", allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.action = action
        self.allowed = allowed


class ConflictError(ShortfilmError):
    """Someone else changed the item since it was read (another reviewer decided first).

    Names what changed; nothing was written. Reload and decide again.
    """
