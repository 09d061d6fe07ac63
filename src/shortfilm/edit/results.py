"""What a render run gives back: an outcome per preset, and the error that lists the failed ones.

:mod:`shortfilm.edit.assemble` makes them; the CLI and the pipeline print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shortfilm.errors import MediaError
from shortfilm.media.presets import Preset
from shortfilm.media.render import RenderResult
from shortfilm.media.verify import Verification


@dataclass
class RenderOutcome:
    preset: str
    path: Path
    duration_s: float
    width: int
    height: int
    integrated_lufs: float
    true_peak_dbtp: float
    reused: bool
    status: str = "passed"
    """``passed`` or ``failed`` (see :mod:`shortfilm.media.verify`)."""
    reasons: tuple[str, ...] = ()
    """Why the render failed its checks; empty when it passed."""
    sidecars: tuple[Path, ...] = ()
    """The stored SRT and WebVTT caption files."""
    cover: Path | None = None
    """The stored cover image (JPEG at the preset's size)."""
    draft: bool = False
    """A review draft (:func:`~shortfilm.edit.assemble.draft_edit`): stored as a file only, never
    a publishable render."""


def made(
    preset: Preset,
    path: Path,
    rendered: RenderResult,
    checked: Verification,
    sidecars: tuple[Path, ...] = (),
    cover: Path | None = None,
    *,
    draft: bool = False,
) -> RenderOutcome:
    """The outcome of a render made in this run (not reused), as its checks judged it."""
    return RenderOutcome(
        preset.name,
        path,
        rendered.duration_s,
        rendered.width,
        rendered.height,
        rendered.loudness.integrated_lufs,
        rendered.loudness.true_peak_dbtp,
        reused=False,
        status=checked.status,
        reasons=checked.reasons,
        sidecars=sidecars,
        cover=cover,
        draft=draft,
    )


class RenderCheckError(MediaError):
    """One or more renders failed verification; they are stored and marked ``failed``.

    ``result`` holds every render of the run (passed ones too), so a caller can still show them.
    """

    def __init__(self, result: EditResult) -> None:
        self.result = result
        lines = [
            f"{r.preset}: {'; '.join(r.reasons)}" for r in result.renders if r.status == "failed"
        ]
        super().__init__("render checks failed: " + " | ".join(lines))


@dataclass
class EditResult:
    edit_version: int
    renders: list[RenderOutcome] = field(default_factory=list)
    carried: tuple[str, ...] = ()
    """When this run made the Edit version by carrying a person's changes over a new cut: one
    line per decision clamped or dropped, then what was kept (see ``CarriedEdits.lines``)."""
