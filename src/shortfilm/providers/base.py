"""The one protocol every video generator speaks: the offline animatic and hosted models alike.

A take is created from a request (prompt text, references, duration, seed), reported on by status,
and delivered as a video plus its last frame. Hosted providers are asynchronous and paid, so the
workflow records the job id *before* waiting: a crash between submit and fetch never pays twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from shortfilm.domain import ClipPlan
from shortfilm.domain.subjects import BoardSubject


class TakeStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELLED)


@dataclass(frozen=True)
class Reference:
    """A reference image given to the model, in the stable order the prompt names them by."""

    path: Path
    role: str
    """``character``, ``environment``, ``board`` or ``keyframe``; or ``first_frame`` /
    ``last_frame`` for a clip in first/last-frame mode, whose request holds only those."""
    label: str
    """Human name: the character's or view's name, the clip a keyframe comes from, or a frame's
    path as the spec wrote it."""


@dataclass(frozen=True)
class GenerationRequest:
    clip: ClipPlan
    prompt_text: str
    references: tuple[Reference, ...]
    duration_s: float
    width: int = 1280
    height: int = 720
    fps: int = 24
    seed: int = 0
    palette: tuple[str, ...] = ()
    subjects: tuple[BoardSubject, ...] = ()
    """The board's characters, places and props a shot may be about (the animatic resolves
    each shot's subject against them; a hosted model reads the prompt instead)."""


@dataclass(frozen=True)
class ProviderJob:
    """What ``status`` reports of a submitted job."""

    job_id: str
    status: TakeStatus
    error: str | None = None
    cost: float = 0.0
    """Cost in the provider's unit (``cost_unit``); 0 for the offline animatic."""


@dataclass(frozen=True)
class Delivery:
    video: Path
    last_frame: Path
    metadata: dict[str, object] = field(default_factory=dict)
    """Provider facts worth keeping (shot boundaries in seconds, model version, usage)."""


@dataclass(frozen=True)
class ProviderLimits:
    durations_s: tuple[float, float]
    """Inclusive range of clip durations the model accepts, seconds."""
    resolutions: tuple[tuple[int, int], ...]
    max_references: int
    max_concurrent: int = 4
    """Takes this provider may have in flight at once (the workers' cap)."""
    submits_per_s: float | None = None
    """Average create requests per second the provider accepts; ``None``: no limit."""


@runtime_checkable
class VideoProvider(Protocol):
    name: str
    model: str
    cost_unit: str
    limits: ProviderLimits
    prompt_form: str
    """How the shot plan is written for this model: ``plain`` or ``reference-mode``."""

    def submit(self, request: GenerationRequest) -> str:
        """Start a take; return the provider's job id. Must not block on a hosted queue."""
        ...

    def status(self, job_id: str) -> ProviderJob:
        """Where the job stands now."""
        ...

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        """Download (or move) the finished video and its last frame into folder ``dest``."""
        ...

    def recover(self, request: GenerationRequest) -> str | None:
        """The job already created for ``request``, if the provider has one, else ``None``.

        Called before re-submitting a take whose create may have reached the provider without
        its id being recorded (a crash in between): finding it avoids paying twice.
        """
        ...

    def estimate_cost(self, request: GenerationRequest) -> float:
        """What ``request`` would cost in ``cost_unit``, before it is sent (0 when free).

        Budgets are checked against this, so it should not underestimate.
        """
        ...
