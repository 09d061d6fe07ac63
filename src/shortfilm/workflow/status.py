"""Where each production stands: every stage of the workflow, and what is still pending."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shortfilm.media.presets import presets_for_channels
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Store
from shortfilm.store.tables import BoardRow, EditRow, PromptRow, ScriptRow, TakeRow


@dataclass
class ClipStatus:
    clip: str
    name: str
    job: str
    prompt_version: int | None
    takes: int
    failed_takes: int
    selected_take: int | None
    keyframe: str | None
    state: str
    """``pending``, ``generated``, ``failed`` or ``blocked``."""


@dataclass
class ProductionStatus:
    slug: str
    title: str
    campaign_role: str
    script_version: int | None
    board_version: int | None
    board_status: str | None
    clips: list[ClipStatus] = field(default_factory=list)
    edit_version: int | None = None
    renders: dict[str, str] = field(default_factory=dict)
    """Preset name -> readable path, or ``pending``."""
    total_cost: float = 0.0
    events: int = 0
    pending: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def production_status(store: Store) -> list[ProductionStatus]:
    out: list[ProductionStatus] = []
    with store.session() as s:
        for prod in repo.productions(s):
            production = spec_from_dict(prod.spec)
            script = repo.latest(s, ScriptRow, ScriptRow.production_id, prod.id)
            board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
            st = ProductionStatus(
                slug=prod.slug,
                title=prod.title,
                campaign_role=prod.campaign_role,
                script_version=script.version if script else None,
                board_version=board.version if board else None,
                board_status=board.status if board else None,
                events=len(repo.events(s, prod.id)),
            )
            if board is not None and board.status != "approved":
                st.pending.append(f"board v{board.version}: review (checkpoint 1)")
            for clip in repo.clips(s, prod.id)[: len(production.clips)]:
                prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
                takes = repo.takes(s, clip.id)
                st.total_cost += sum(t.cost for t in takes)
                failed = sum(1 for t in takes if t.status in FAILED_TAKE_STATUSES)
                selected = s.get(TakeRow, clip.selected_take_id) if clip.selected_take_id else None
                kf = repo.chosen_keyframe(s, selected.id) if selected else None
                name = f"clip-{clip.position:02d}"
                if selected is not None:
                    state = "generated"
                elif failed:
                    state = "failed"
                else:
                    state = "pending"
                if state != "generated":
                    st.pending.append(f"{name}: generate a take")
                st.clips.append(
                    ClipStatus(
                        clip=name,
                        name=clip.name,
                        job=clip.job,
                        prompt_version=prompt.version if prompt else None,
                        takes=len(takes),
                        failed_takes=failed,
                        selected_take=selected.number if selected else None,
                        keyframe=f"{kf.time_ms} ms" if kf else None,
                        state=state,
                    )
                )
            edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
            st.edit_version = edit.version if edit else None
            done = {r.preset: r for r in repo.renders(s, edit.id)} if edit else {}
            for preset in presets_for_channels(production.channels):
                row = done.get(preset.name)
                if row is None:
                    st.renders[preset.name] = "pending"
                    st.pending.append(f"render {preset.name}")
                else:
                    path = store.readable_path(s, row.sha256)
                    st.renders[preset.name] = str(path) if path else row.sha256
            if edit is None:
                st.pending.insert(len(st.pending) - len(st.renders), "edit: assemble")
            st.pending.append("final review (checkpoint 3)")
            out.append(st)
    return out
