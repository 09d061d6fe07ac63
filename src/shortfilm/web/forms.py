"""The pages' forms: parse, call the workflow, send the browser back (303) to where it was.

The workflow decides (roles, checkpoints, revisions); a refusal comes back as an error page with
its status (:mod:`shortfilm.web.errors`). Every form carries the session's CSRF token, checked
before any of this runs (:func:`shortfilm.web.auth.check_csrf`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from shortfilm import review
from shortfilm.domain.review import Checkpoint, Decision, SubjectKind
from shortfilm.domain.rubric import CRITERIA, Score
from shortfilm.errors import InputError
from shortfilm.publish.final import publish as publish_final
from shortfilm.web.deps import Slug, TheStore, Uploaded, Who, the_file
from shortfilm.web.flash import redirect_with
from shortfilm.web.login import local_target
from shortfilm.web.schemas import beyond_max_id
from shortfilm.web.uploads import Limits, QCJobs, add_board_reference, import_external_take

router = APIRouter(include_in_schema=False)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(form: FormData, name: str) -> int | None:
    text = _text(form, name)
    if not text:
        return None
    if beyond_max_id(text):
        raise InputError(f"{name}: {text[:24]} is out of range")
    if not text.removeprefix("-").isdigit():
        raise InputError(f"{name}: {text[:24]!r} is not a whole number")
    return int(text)


def rubric_scores(form: FormData) -> list[Score]:
    """The rubric as the form sends it: ``score-<criterion>`` 1-5 (blank: not scored) and
    ``note-<criterion>``."""
    scores = []
    for criterion in CRITERIA:
        value = _int(form, f"score-{criterion.key}")
        if value is not None:
            scores.append(Score(criterion.key, value, _text(form, f"note-{criterion.key}")))
    return scores


def _kind(form: FormData) -> SubjectKind:
    try:
        return SubjectKind(_text(form, "kind"))
    except ValueError:
        raise InputError("kind: board, take, edit or render") from None


def _back(form: FormData, default: str, done: str) -> RedirectResponse:
    """303 back to the page the form was on, confirming there what was ``done``."""
    return redirect_with(local_target(_text(form, "back"), default), done)


DECIDED = {
    Decision.APPROVE: "approved",
    Decision.REQUEST_CHANGES: "asked for changes to",
    Decision.REJECT: "rejected",
}


@router.post("/p/{slug}/reviews")
async def decide(request: Request, slug: Slug, who: Who, store: TheStore) -> Response:
    form = await request.form()
    kind = _kind(form)
    subject_id = _int(form, "subject_id")
    if subject_id is None:
        raise InputError("subject_id: missing")
    try:
        decision = Decision(_text(form, "decision"))
    except ValueError:
        raise InputError("decision: approve, request-changes or reject") from None
    record = await run_in_threadpool(
        review.decide,
        store,
        slug,
        kind,
        subject_id,
        who.actor,
        decision,
        scores=rubric_scores(form),
        note=_text(form, "note"),
        changes=_text(form, "changes"),
        expected_revision=_int(form, "revision"),
    )
    subject = record.subject or f"{kind} {subject_id}"
    return _back(form, f"/p/{slug}", f"Recorded: you {DECIDED[decision]} {subject}.")


@router.post("/p/{slug}/clips/{position}/select")
async def select(
    request: Request, slug: Slug, position: int, who: Who, store: TheStore
) -> Response:
    form = await request.form()
    take = _int(form, "take")
    if take is None:
        raise InputError("take: missing")
    await run_in_threadpool(
        review.select_take,
        store,
        slug,
        position,
        take,
        who.actor,
        expected_revision=_int(form, "revision"),
    )
    done = f"Selected take-{take:03d} for clip-{position:02d}."
    return _back(form, f"/p/{slug}/clips/{position}", done)


@router.post("/p/{slug}/comments")
async def comment(request: Request, slug: Slug, who: Who, store: TheStore) -> Response:
    form = await request.form()
    subject_id = _int(form, "subject_id")
    if subject_id is None:
        raise InputError("subject_id: missing")
    at = _text(form, "at_s")
    try:
        at_s = float(at) if at else None
    except ValueError:
        raise InputError(f"at_s: {at!r} is not a time in seconds") from None
    await run_in_threadpool(
        review.add_comment,
        store,
        slug,
        _kind(form),
        subject_id,
        who.actor,
        _text(form, "body"),
        at_s=at_s,
    )
    at = f" at {int(at_s) // 60:02d}:{at_s % 60:04.1f}" if at_s is not None else ""
    return _back(form, f"/p/{slug}", f"Comment added{at}.")


@router.post("/p/{slug}/overrides")
async def override(request: Request, slug: Slug, who: Who, store: TheStore) -> Response:
    form = await request.form()
    try:
        gate = Checkpoint(_text(form, "gate"))
    except ValueError:
        raise InputError("gate: board, clip or final") from None
    await run_in_threadpool(
        review.override,
        store,
        slug,
        gate,
        who.actor,
        _text(form, "reason"),
        subject_id=_int(form, "subject_id"),
    )
    return _back(form, f"/p/{slug}", f"Overrode the {gate} checkpoint, with your reason.")


@router.post("/p/{slug}/publish")
async def publish(request: Request, slug: Slug, who: Who, store: TheStore) -> Response:
    form = await request.form()
    preset = _text(form, "preset") or None
    files = await run_in_threadpool(publish_final, store, slug, who.actor, preset=preset)
    done = f"Published {len(files)} file{'s' if len(files) != 1 else ''} of the approved final."
    return _back(form, f"/p/{slug}", done)


@router.post("/p/{slug}/board/references")
def board_reference(
    slug: Slug, who: Who, store: TheStore, body: Uploaded, limits: Limits
) -> Response:
    role, label = body.fields.get("role", ""), body.fields.get("label", "")
    made = add_board_reference(
        store, slug, the_file(body), who.actor, role=role, label=label, limits=limits
    )
    done = f"Added: board v{made.version}, to be reviewed before any take is generated from it."
    return redirect_with(f"/p/{slug}/board", done)


@router.post("/p/{slug}/clips/{position}/takes")
def external_take(
    slug: Slug,
    position: int,
    who: Who,
    store: TheStore,
    body: Uploaded,
    limits: Limits,
    queue: QCJobs,
) -> Response:
    note = body.fields.get("note", "").strip()
    made = import_external_take(
        store, slug, position, the_file(body), who.actor, note, limits=limits, queue=queue
    )
    done = f"Uploaded take-{made.take:03d}; its QC runs now."
    return redirect_with(f"/p/{slug}/clips/{position}", done)
