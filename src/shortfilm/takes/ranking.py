"""A clip's takes ranked by their QC evidence (:mod:`shortfilm.domain.take_rank`), and the rule
that keeps the best one selected while nobody has chosen one by hand.

The selection follows the ranking only among the takes of the clip's newest prompt, the same
board and the same keyframe continued (takes that differ by seed alone): a take of an older plan
was judged against that plan, not against the current one. A person's pick (``take select``,
an approval, an import with ``--select``) is never replaced.
"""

from __future__ import annotations

from shortfilm.domain.qc_report import QCReport
from shortfilm.domain.take import Take
from shortfilm.domain.take_rank import RankedTake, TakeEvidence, leader, rank_takes
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store, Tx
from shortfilm.takes.lookup import find_clip
from shortfilm.takes.request import clip_name
from shortfilm.team.people import AUTO


def ranked(s: Tx, clip_id: int, takes: list[Take] | None = None) -> list[RankedTake]:
    """``takes`` (default: every take of the clip) best first, from their stored QC reports."""
    if takes is None:
        takes = stored.clip_takes(s, clip_id)
    return rank_takes([_evidence(s, t) for t in takes])


def clip_ranking(store: Store, slug: str, position: int) -> list[RankedTake]:
    """Every take of ``slug``'s clip ``position``, best first (:class:`InputError` for an
    unknown production or clip)."""
    with store.session() as s:
        return ranked(s, find_clip(s, slug, position).id)


def production_leaders(s: Tx, production_id: int) -> dict[int, RankedTake]:
    """Clip position to its leading take, for the clips with more than one take."""
    found: dict[int, RankedTake] = {}
    for clip in stored.clips(s, production_id):
        takes = stored.clip_takes(s, clip.id)
        if len(takes) > 1:
            best = leader(ranked(s, clip.id, takes))
            if best is not None:
                found[clip.position] = best
    return found


def best_peer(s: Tx, take: Take) -> Take | None:
    """The leading take among those made like ``take`` (same prompt, board and keyframe), or
    ``None`` when none of them has evidence yet."""
    peers = [t for t in stored.clip_takes(s, take.clip_id) if _alike(t, take)]
    best = leader(ranked(s, take.clip_id, peers))
    return next((t for t in peers if best is not None and t.number == best.number), None)


def follow_ranking(s: Tx, take: Take, fallback: bool = False) -> Take | None:
    """Select the best take among those made like ``take`` (its clip's newest prompt, its board)
    when the clip's selection is nobody's choice (``fallback``: ``take`` itself when none has
    evidence); the take selected now, else ``None``.

    Called when a take has landed (and been checked); the caller's session holds the clip."""
    clip = stored.clip(s, take.clip_id)
    if clip.selected_by not in (None, AUTO):
        return None
    newest = stored.newest_prompt(s, clip.id)
    if newest is None or take.prompt_id != newest.id:
        return None
    chosen = best_peer(s, take) or (take if fallback else None)
    if chosen is None or chosen.id == clip.selected_take_id:
        return None
    if clip.selected_take_id is not None and not _outranks(s, chosen, clip.selected_take_id):
        return None
    stored.select_take(s, clip.id, chosen.id, AUTO)
    subject = f"{clip_name(clip.position)}/take-{chosen.number:03d}"
    repo.event(s, clip.production_id, "take.selected", subject, auto=True)
    return chosen


def _outranks(s: Tx, chosen: Take, selected_id: int) -> bool:
    """Whether ``chosen`` should replace the take selected now. A take of an older plan or
    board always gives way (the clip was changed: what the edit plays is stale). Among takes
    made alike, never one a person approved (an approval is a person's choice, even when
    ``run --yes`` or the demo recorded the pick as automatic), and only on a strictly better
    score, so that an equal newcomer does not turn the edit stale for nothing."""
    selected = next((t for t in stored.clip_takes(s, chosen.clip_id) if t.id == selected_id), None)
    if selected is None or not _alike(selected, chosen):
        return True
    if stored.take_standing(s, selected_id).passes:
        return False
    scores = {r.number: r.score for r in ranked(s, chosen.clip_id, [chosen, selected])}
    now, new = scores.get(selected.number), scores.get(chosen.number)
    return now is None or (new is not None and new > now)


def _alike(a: Take, b: Take) -> bool:
    """Whether two takes were asked for alike but for their seed: the same prompt version, the
    same board version and the same keyframe continued (a clip whose previous clip changed is
    asked again from the new keyframe: its old takes continue a frame the film no longer has)."""
    return (a.prompt_id, a.board_id, a.keyframe_id) == (b.prompt_id, b.board_id, b.keyframe_id)


def _evidence(s: Tx, take: Take) -> TakeEvidence:
    row = stored.analysis(s, take.id)
    report = QCReport.from_json(row.report) if row is not None else None
    return TakeEvidence(take.number, str(take.status), report, take.error)
