"""The board, clip and edit pages of a production, each read in a handful of bulk queries.

Each function takes an open session and returns the frozen views of
:mod:`shortfilm.domain.page_views` that the templates and the JSON API both render. Writes never
happen here: they go through the stages (:mod:`shortfilm.review.decisions` ...).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.domain.board_brief import brief_diff, brief_lines
from shortfilm.domain.page_views import (
    BoardPage,
    BoardVersion,
    ClipPage,
    EditPage,
    EditVersion,
    KeyframeView,
    Reference,
    RenderView,
    TakeView,
)
from shortfilm.domain.review import SubjectKind
from shortfilm.domain.staleness import stale_take
from shortfilm.domain.timeline_view import stored_timeline_view
from shortfilm.errors import NotFound
from shortfilm.store.boards import board_rows
from shortfilm.store.read_model.checkpoints import clip_facts, production_snapshot
from shortfilm.store.read_model.overview import production
from shortfilm.store.read_model.standings import reviewed as _reviewed
from shortfilm.store.tables import (
    ArtifactNameRow,
    ClipRow,
    EditRow,
    KeyframeRow,
    PromptRow,
    RenderRow,
    TakeAnalysisRow,
    TakeRow,
)


def board_page(s: Session, slug: str) -> BoardPage:
    prod = production(s, slug)
    rows = board_rows(s, prod.id)
    reviewed = _reviewed(s, prod.id, SubjectKind.BOARD, (b.id for b in rows))
    briefs = [brief_lines(b.blocks, b.references) for b in rows]
    versions = []
    for n, b in enumerate(rows):
        image = b.blocks.get(BOARD_IMAGE_KEY)
        refs = tuple(
            Reference(str(r.get("label", "")), str(r.get("role", "")), str(r["sha256"]))
            for r in b.references
            if isinstance(r, dict) and r.get("sha256")
        )
        before = briefs[n + 1] if n + 1 < len(rows) else None  # newest first: next is older
        versions.append(
            BoardVersion(
                b.id,
                b.version,
                b.status,
                b.revision,
                b.created_by,
                str(image["sha256"]) if isinstance(image, dict) and image.get("sha256") else None,
                refs,
                reviewed[b.id],
                brief=briefs[n],
                changes=brief_diff(before, briefs[n]) if before is not None else (),
                superseded_by=rows[0].version if n > 0 else None,
            )
        )
    uploads = s.execute(
        select(ArtifactNameRow.name, ArtifactNameRow.sha256)
        .where(ArtifactNameRow.name.like(f"{slug}/board/uploads/%"))
        .order_by(ArtifactNameRow.created_at)
    ).all()
    return BoardPage(slug, prod.title, tuple(versions), tuple((n, h) for n, h in uploads))


def clip_page(s: Session, slug: str, position: int) -> ClipPage:
    prod = production(s, slug)
    clip = s.scalars(
        select(ClipRow).where(ClipRow.production_id == prod.id, ClipRow.position == position)
    ).first()
    if clip is None:
        raise NotFound(f"{slug} has no clip {position}")
    clip_count = s.scalar(select(func.count()).where(ClipRow.production_id == prod.id)) or 0
    prompts = s.execute(
        select(PromptRow.id, PromptRow.version, PromptRow.text)
        .where(PromptRow.clip_id == clip.id)
        .order_by(PromptRow.version.desc())
    ).all()
    prompt_versions = {pid: version for pid, version, _ in prompts}
    prompt = prompts[0].text if prompts else None
    takes = list(
        s.scalars(select(TakeRow).where(TakeRow.clip_id == clip.id).order_by(TakeRow.number))
    )
    ids = [t.id for t in takes]
    analyses = {
        a.take_id: a
        for a in s.scalars(select(TakeAnalysisRow).where(TakeAnalysisRow.take_id.in_(ids)))
    }
    frames: dict[int, list[KeyframeView]] = defaultdict(list)
    for k in s.scalars(
        select(KeyframeRow)
        .where(KeyframeRow.take_id.in_(ids))
        .order_by(KeyframeRow.chosen.desc(), KeyframeRow.score.desc(), KeyframeRow.time_ms)
    ):
        frames[k.take_id].append(KeyframeView(k.time_ms, k.sha256, k.score, k.chosen))
    reviewed = _reviewed(s, prod.id, SubjectKind.TAKE, ids)
    [facts] = clip_facts(s, [clip])
    why = stale_take(slug, facts)
    views = tuple(
        TakeView(
            t.id,
            t.number,
            t.status,
            t.provider,
            t.model,
            t.video_sha256,
            t.notes,
            t.error,
            t.created_by,
            analyses[t.id].status if t.id in analyses else None,
            analyses[t.id].report if t.id in analyses else None,
            tuple(frames[t.id][:6]),
            reviewed[t.id],
            t.id == clip.selected_take_id,
            prompt_versions.get(t.prompt_id),
        )
        for t in takes
    )
    return ClipPage(
        slug,
        prod.title,
        clip.id,
        clip.position,
        clip.name,
        clip.job,
        clip.duration_s,
        clip.revision,
        clip.selected_by,
        prompt or "",
        views,
        int(clip_count),
        str(why) if why is not None else "",
        prompts[0].version if prompts else 0,
    )


def edit_page(s: Session, slug: str) -> EditPage:
    prod = production(s, slug)
    edits = list(
        s.scalars(
            select(EditRow).where(EditRow.production_id == prod.id).order_by(EditRow.version.desc())
        )
    )
    edit_ids = [e.id for e in edits]
    renders: dict[int, list[RenderRow]] = defaultdict(list)
    for r in s.scalars(
        select(RenderRow).where(RenderRow.edit_id.in_(edit_ids)).order_by(RenderRow.preset)
    ):
        renders[r.edit_id].append(r)
    render_reviews = _reviewed(
        s, prod.id, SubjectKind.RENDER, (r.id for rs in renders.values() for r in rs)
    )
    edit_reviews = _reviewed(s, prod.id, SubjectKind.EDIT, edit_ids)
    versions = []
    for e in edits:
        segments = e.timeline.get("segments")
        views = tuple(
            RenderView(
                r.id,
                r.preset,
                r.sha256,
                r.status,
                r.revision,
                r.duration_s,
                r.width,
                r.height,
                r.integrated_lufs,
                tuple(str(x) for x in (r.checks or {}).get("reasons", [])),
                r.vtt_sha256,
                r.cover_sha256,
                render_reviews[r.id],
            )
            for r in renders[e.id]
        )
        versions.append(
            EditVersion(
                e.id,
                e.version,
                e.revision,
                len(segments) if isinstance(segments, list) else 0,
                views,
                edit_reviews[e.id],
                stored_timeline_view(e.timeline),
            )
        )
    stale = production_snapshot(s, prod).stale
    later = (*stale.all[len(stale.takes) :],) if stale is not None else ()
    return EditPage(slug, prod.title, tuple(versions), stale=later)
