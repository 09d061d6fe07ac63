"""The whole job in one call: import the spec, generate takes, edit, render, report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shortfilm.errors import ProviderError
from shortfilm.providers.base import VideoProvider
from shortfilm.store.repo import Store
from shortfilm.workflow.edit import EditResult, assemble_edit
from shortfilm.workflow.generate import GenerateResult, generate_takes
from shortfilm.workflow.importing import ImportResult, import_spec
from shortfilm.workflow.progress import Progress, silent
from shortfilm.workflow.report import write_report


@dataclass
class RunResult:
    imported: ImportResult
    generated: GenerateResult
    edit: EditResult
    report: Path


def run_production(
    store: Store,
    spec_path: Path,
    provider: VideoProvider,
    *,
    seed: int = 0,
    force: bool = False,
    progress: Progress = silent,
) -> RunResult:
    """Run every stage for ``spec_path``; stages already done are reused, not redone.

    Raises :class:`ProviderError` when a clip could not be generated (its failed take is kept).
    """
    imported = import_spec(store, spec_path)
    generated = generate_takes(
        store, imported.slug, provider, seed=seed, force=force, progress=progress
    )
    report_path = store.home / "reports" / f"{imported.slug}.md"
    if generated.failed:
        write_report(store, imported.slug, report_path)
        first = generated.failed[0]
        raise ProviderError(
            f"clip-{first.position:02d}: {first.status}: {first.error}; see {report_path}"
        )
    edit = assemble_edit(store, imported.slug, progress=progress)
    write_report(store, imported.slug, report_path)
    return RunResult(imported, generated, edit, report_path)
