"""The whole job in one call: import the spec, generate takes, edit, render, report.

The review checkpoints hold here as everywhere: generation waits for an approved board, the
render for approved takes. ``approve_as`` (``shortfilm run --yes``, ``shortfilm demo``) records
that actor's approval ahead of each checkpoint -- marked as given in advance, never over a
person's request for changes -- so an offline run goes end to end; without it the run stops at
the first checkpoint nobody has passed, with a :class:`GateError` saying what waits for review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shortfilm.domain.checklist import ChecklistStep, StepState
from shortfilm.domain.people import Actor
from shortfilm.domain.progress import Progress, silent
from shortfilm.domain.review import Checkpoint
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.edit.assemble import assemble_edit
from shortfilm.edit.results import EditResult
from shortfilm.errors import ProviderError
from shortfilm.production.importing import ImportResult, import_spec
from shortfilm.production.report import write_report
from shortfilm.providers.base import VideoProvider
from shortfilm.review.checklist import checklist
from shortfilm.review.gates import approve_pending
from shortfilm.store.repo import Store
from shortfilm.takes.generate import GenerateResult, generate_takes


@dataclass
class RunResult:
    imported: ImportResult
    generated: GenerateResult
    edit: EditResult
    report: Path
    waiting: list[ChecklistStep] = field(default_factory=list)
    """Checklist steps still waiting after the run (the final review, publishing)."""


def run_production(
    store: Store,
    spec_path: Path,
    provider: VideoProvider,
    *,
    seed: int = 0,
    force: bool = False,
    progress: Progress = silent,
    approve_as: Actor | None = None,
    takes: int = 1,
    strategy: TakeStrategy = TakeStrategy.BEST_OF,
) -> RunResult:
    """Run every stage for ``spec_path``; stages already done are reused, not redone.
    ``takes`` of each clip are asked for with ``strategy`` (see
    :func:`~shortfilm.takes.generate.generate_takes`).

    Raises :class:`ProviderError` when a clip could not be generated (its failed take is kept),
    and :class:`GateError` at a checkpoint that is not passed (unless ``approve_as`` passes it).
    """
    imported = import_spec(store, spec_path)
    generated, edit, report_path, waiting = carry_on(
        store,
        imported.slug,
        provider,
        seed=seed,
        force=force,
        progress=progress,
        approve_as=approve_as,
        takes=takes,
        strategy=strategy,
    )
    return RunResult(imported, generated, edit, report_path, waiting)


def carry_on(
    store: Store,
    slug: str,
    provider: VideoProvider,
    *,
    seed: int = 0,
    force: bool = False,
    progress: Progress = silent,
    approve_as: Actor | None = None,
    takes: int = 1,
    strategy: TakeStrategy = TakeStrategy.BEST_OF,
) -> tuple[GenerateResult, EditResult, Path, list[ChecklistStep]]:
    """Every stage after the import, for a production already stored: what a worker does for
    ``shortfilm run --detach``, whose spec was read and stored where the command ran."""
    if approve_as is not None:
        approve_pending(store, slug, approve_as, Checkpoint.BOARD)
    generated = generate_takes(
        store,
        slug,
        provider,
        seed=seed,
        force=force,
        progress=progress,
        takes=takes,
        strategy=strategy,
    )
    report_path = store.home / "reports" / f"{slug}.md"
    if generated.failed:
        write_report(store, slug, report_path)
        first = generated.failed[0]
        raise ProviderError(
            f"clip-{first.position:02d}: {first.status}: {first.error}; see {report_path}"
        )
    if approve_as is not None:
        approve_pending(store, slug, approve_as, Checkpoint.CLIP)
    edit = assemble_edit(store, slug, progress=progress)
    if approve_as is not None:
        approve_pending(store, slug, approve_as, Checkpoint.FINAL)
    write_report(store, slug, report_path)
    waiting = [step for step in checklist(store, slug) if step.state is not StepState.DONE]
    return generated, edit, report_path, waiting
