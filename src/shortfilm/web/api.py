"""The JSON API (OpenAPI at ``/api/openapi.json``): everything the pages do.

Reads come from the store's read model (:mod:`shortfilm.store.read_model`); every write calls
the stages (:mod:`shortfilm.review`, :mod:`shortfilm.publish`), whose role checks, checkpoint
rules and revisions decide;
:mod:`shortfilm.web.errors` turns its refusals into 403 / 409 / 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from shortfilm import review
from shortfilm.domain.checklist import ChecklistStep
from shortfilm.domain.page_views import (
    BoardPage,
    ClipPage,
    EditPage,
    EventView,
    ProductionSummary,
    ReviewOverview,
)
from shortfilm.domain.review import CommentRecord, ReviewRecord
from shortfilm.domain.rubric import Score
from shortfilm.domain.staleness import Stale
from shortfilm.production.trace import trace_thing
from shortfilm.publish.final import publish as publish_final
from shortfilm.store.read_model import overview as overviews
from shortfilm.store.read_model import pages
from shortfilm.web.deps import Slug, TheStore, Uploaded, Who, the_file
from shortfilm.web.schemas import (
    CommentBody,
    DecisionBody,
    Me,
    OverrideBody,
    PublishBody,
    SelectBody,
)
from shortfilm.web.uploads import Limits, QCJobs, add_board_reference, import_external_take

router = APIRouter(prefix="/api")


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    checklist: list[ChecklistStep]
    activity: list[EventView]
    stale: list[Stale]
    """What was approved or published on top of something that changed since, with why and the
    command that brings it up to date."""


@dataclass(frozen=True)
class ReferenceAdded:
    """The board version an uploaded reference image made (``draft`` until reviewed)."""

    sha256: str
    board_version: int
    role: str
    label: str
    spec_path: str


@dataclass(frozen=True)
class TakeAdded:
    """The take an uploaded video made (or the one that already held these bytes)."""

    clip: int
    take: int
    take_id: int
    already: bool
    """The same file was imported for this clip before: nothing was added."""
    qc: str
    """``queued``: its QC runs in the background (the clip page shows the report once done);
    ``stored``: the take already had one."""


@router.get("/me")
def me(who: Who) -> Me:
    return Me(name=who.actor.name, role=who.actor.role.value, csrf_token=who.csrf)


@router.get("/productions")
def productions(store: TheStore) -> list[ProductionSummary]:
    with store.session() as s:
        return overviews.productions(s)


@router.get("/productions/{slug}")
def dashboard(slug: str, store: TheStore) -> Dashboard:
    """The checklist (each step's state and who it waits for) and the activity log."""
    with store.session() as s:
        view = overviews.dashboard(s, slug)
    return Dashboard(slug, view.title, list(view.steps), list(view.events), list(view.stale.all))


@router.get("/productions/{slug}/board")
def board(slug: str, store: TheStore) -> BoardPage:
    with store.session() as s:
        return pages.board_page(s, slug)


@router.get("/productions/{slug}/clips/{position}")
def clip(slug: str, position: int, store: TheStore) -> ClipPage:
    with store.session() as s:
        return pages.clip_page(s, slug, position)


@router.get("/productions/{slug}/edit")
def edit(slug: str, store: TheStore) -> EditPage:
    with store.session() as s:
        return pages.edit_page(s, slug)


@router.get("/productions/{slug}/trace")
def lineage(slug: str, thing: str, store: TheStore) -> dict[str, Any]:
    """What made ``thing`` and what depends on it (``shortfilm trace``'s JSON); ``thing`` is
    named as the command names it (``board:2``, ``clip-02:take:3``, ``edit:4:render:vertical``)."""
    return trace_thing(store, slug, thing).to_json()


@router.get("/productions/{slug}/review")
def overview(slug: str, store: TheStore) -> ReviewOverview:
    with store.session() as s:
        return overviews.review_overview(s, slug)


@router.post("/productions/{slug}/reviews", status_code=201)
def decide(slug: Slug, body: DecisionBody, who: Who, store: TheStore) -> ReviewRecord:
    """Approve, request changes on or reject one exact version (board, take, edit, render)."""
    scores = [Score(x.criterion, x.value, x.note) for x in body.scores]
    return review.decide(
        store,
        slug,
        body.kind,
        body.subject_id,
        who.actor,
        body.decision,
        scores=scores,
        note=body.note,
        changes=body.changes,
        expected_revision=body.expected_revision,
    )


@router.post("/productions/{slug}/clips/{position}/selection", status_code=204)
def select(slug: Slug, position: int, body: SelectBody, who: Who, store: TheStore) -> None:
    """Make a take the clip's selection (what the edit uses)."""
    review.select_take(
        store, slug, position, body.take, who.actor, expected_revision=body.expected_revision
    )


@router.post("/productions/{slug}/comments", status_code=201)
def comment(slug: Slug, body: CommentBody, who: Who, store: TheStore) -> CommentRecord:
    """A comment on a take, render, edit or board version, optionally at a time (seconds)."""
    return review.add_comment(
        store, slug, body.kind, body.subject_id, who.actor, body.body, at_s=body.at_s
    )


@router.post("/productions/{slug}/overrides", status_code=204)
def override(slug: Slug, body: OverrideBody, who: Who, store: TheStore) -> None:
    """Let a checkpoint pass without an approval: the owner only, with a reason, recorded."""
    review.override(store, slug, body.gate, who.actor, body.reason, subject_id=body.subject_id)


@router.post("/productions/{slug}/publish")
def publish(slug: Slug, body: PublishBody, who: Who, store: TheStore) -> list[str]:
    """Write the approved final renders for the channels; the files written, relative to the
    production home (the server's own paths are not the client's business)."""
    written = publish_final(store, slug, who.actor, preset=body.preset)
    return [p.relative_to(store.home).as_posix() for p in written]


@router.post("/productions/{slug}/board/references", status_code=201)
def board_reference(
    slug: Slug, who: Who, store: TheStore, body: Uploaded, limits: Limits
) -> ReferenceAdded:
    """Add a reference image to the board as a new draft version, to be reviewed before any
    generation (multipart: ``file`` PNG/JPEG/WebP, ``role`` character/environment/board,
    ``label`` the character's or view's name, or a name for a style image)."""
    added = add_board_reference(
        store,
        slug,
        the_file(body),
        who.actor,
        role=body.fields.get("role", ""),
        label=body.fields.get("label", ""),
        limits=limits,
    )
    return ReferenceAdded(added.sha256, added.version, added.role, added.label, added.spec_path)


@router.post("/productions/{slug}/clips/{position}/takes", status_code=201)
def external_take(
    slug: Slug,
    position: int,
    who: Who,
    store: TheStore,
    body: Uploaded,
    limits: Limits,
    queue: QCJobs,
) -> TakeAdded:
    """Upload a video made elsewhere as a new take of the clip (multipart field ``file``).

    Answered once the file is stored and proved playable; its QC is queued (``"qc":
    "queued"``) and appears on the clip when done."""
    note = body.fields.get("note", "")
    result = import_external_take(
        store, slug, position, the_file(body), who.actor, note, limits=limits, queue=queue
    )
    qc = "stored" if result.already else "queued"
    return TakeAdded(result.clip, result.take, result.take_id, result.already, qc)
