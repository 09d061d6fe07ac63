"""Small in-process providers for workflow tests (the real adapters have their own fake servers)."""

from __future__ import annotations

from pathlib import Path

from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    ProviderLimits,
    TakeStatus,
)


class RefusingProvider:
    """A provider whose every job ends FAILED, as a hosted model does on a policy refusal."""

    name = "refusing"
    model = "refusing-1"
    cost_unit = "tokens"
    prompt_form = "reference-mode"
    limits = ProviderLimits((4.0, 15.0), ((1280, 720),), 9)

    def __init__(self) -> None:
        self.submitted: list[GenerationRequest] = []

    def submit(self, request: GenerationRequest) -> str:
        self.submitted.append(request)
        return f"job-{len(self.submitted)}"

    def status(self, job_id: str) -> ProviderJob:
        return ProviderJob(job_id, TakeStatus.FAILED, error="OutputVideoSensitiveContentDetected")

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        raise AssertionError("a failed job is never fetched")
