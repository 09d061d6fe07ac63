"""The production report: one Markdown page a producer reads to see what was made from what.

``run`` writes it to ``HOME/reports/SLUG.md``; from then on it is rewritten whenever its facts
change -- after every committed write to the production (a selection, a review, a render, a
publish, an edit) -- through the store's :attr:`~shortfilm.store.repo.Store.after_change` hook
that :func:`keep_reports_current` installs (the command line and the web app do), so it never
says done about something that went stale.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from shortfilm.edit.versions import summary
from shortfilm.production.status import status_of
from shortfilm.store import repo
from shortfilm.store.read_model.state import production_state
from shortfilm.store.repo import Store


def report_path(store: Store, slug: str) -> Path:
    """Where the report of ``slug`` lives in its home."""
    return store.home / "reports" / f"{slug}.md"


def keep_reports_current(store: Store) -> None:
    """Rewrite a production's report (where one was written) after every committed change to
    it, whoever made the change."""

    def rewrite(production_ids: frozenset[int]) -> None:
        with store.session() as s:
            slugs = [p.slug for p in repo.productions(s) if p.id in production_ids]
        for slug in slugs:
            path = report_path(store, slug)
            if not path.exists():
                continue
            try:
                write_report(store, slug, path)
            except OSError:
                # The change itself is committed and must not look failed: the report is
                # derived from the store and the next change (or run) writes it again.
                continue

    store.after_change.append(rewrite)


def write_report(store: Store, slug: str, dest: Path) -> Path:
    """Write the report of ``slug`` to ``dest`` (atomically) and return its path."""
    state = production_state(store, slug)
    status = status_of(state, datetime.now(UTC))
    lines = [f"# {status.title}", ""]
    lines += [
        f"- slug: `{slug}`; campaign role: **{state.campaign_role}**; owner: {state.owner}",
        f"- target: {state.target_duration_s:g} s; channels: {', '.join(state.channels)}",
        f"- script v{status.script_version}: {state.logline}",
        "",
        "## Asset board",
    ]
    board = state.board
    if board is not None:
        lines.append(f"Version {board.version} ({board.status}), references in prompt order:")
        for i, ref in enumerate(board.references, 1):
            lines.append(f"{i}. [Image {i}] {ref.role}: {ref.label} (`{ref.path}`)")
    lines += ["", "## Clips", ""]
    lines.append("| clip | job | prompt | takes (failed) | selected | keyframe | cost |")
    lines.append("|---|---|---|---|---|---|---|")
    for clip in state.clips[: len(status.clips)]:
        takes = clip.takes
        failed = sum(1 for t in takes if t.status != "succeeded")
        selected = clip.selected
        cost = sum(t.cost for t in takes)
        unit = takes[0].cost_unit if takes else ""
        lines.append(
            f"| clip-{clip.position:02d} {clip.name} | {clip.job} | "
            f"v{clip.prompt_version if clip.prompt_version is not None else '-'} | "
            f"{len(takes)} ({failed}) | "
            f"{f'take-{selected.number:03d}' if selected else 'pending'} | "
            f"{f'{clip.keyframe_ms} ms' if clip.keyframe_ms is not None else '-'} | "
            f"{cost:g} {unit} |"
        )
        for t in takes:
            if t.status != "succeeded":
                lines.append(
                    f"|  | take-{t.number:03d} {t.status}: {t.error or t.notes} | | | | | |"
                )
    lines += ["", "## Edit and renders", ""]
    if state.edit_version is None:
        lines.append("No edit yet.")
    else:
        timeline = state.edit_timeline
        edited = (timeline.get("edited") or {}).get("by")
        lines.append(
            f"Edit v{state.edit_version}: {summary(timeline)}"
            + (f" (edited by {edited})." if edited else ".")
        )
        lines.append("")
        lines.append("| preset | duration | size | loudness | true peak | checks | file |")
        lines.append("|---|---|---|---|---|---|---|")
        for r in state.renders:
            reasons = "; ".join(r.reasons)
            checks = f"{r.status}: {reasons}" if reasons else r.status
            lines.append(
                f"| {r.preset} | {r.duration_s:.2f} s | {r.width}x{r.height} | "
                f"{r.integrated_lufs:.1f} LUFS | {r.true_peak_dbtp:.1f} dBTP | {checks} | "
                f"`{r.path}` |"
            )
    if status.stale:
        lines += ["", "## Stale", ""]
        lines += [f"- {line}" for line in status.stale]
    lines += ["", "## Pending", ""]
    lines += [f"- {p}" for p in status.pending] or ["- nothing"]
    dest.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: two runs at once both write the report (the last one stays)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, dest)
    return dest
