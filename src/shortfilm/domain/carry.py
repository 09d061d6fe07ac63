"""How a person's changes survive the next run: the spec's new cut with what they changed laid
over (:func:`carry_edits`), and an account of each of their decisions (:class:`CarriedEdits`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_fit import incoming, joins_for, relayout
from shortfilm.domain.timeline_parts import (
    AudioPlan,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)


def _bottom(kind: TextKind) -> bool:
    return kind in (TextKind.CAPTION, TextKind.LOWER_THIRD)


def _clashes(a: TextItem, b: TextItem) -> bool:
    """Whether two texts cannot both be on the film: one of a kind, or the same place at once."""
    if a.kind is b.kind and a.kind in (TextKind.TITLE_CARD, TextKind.HOOK, TextKind.END_CARD):
        return True
    return _bottom(a.kind) and _bottom(b.kind) and a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class Decision:
    """One thing a person decided in their edit, as the next run carried it over."""

    what: str
    """The decision as a person would say it: ``whip 0.40 s into clip-03``."""
    clip: int | None = None
    """The clip it is about; ``None`` for texts, cues, music and loudness."""
    reason: str = ""
    """Why it was clamped or dropped (naming what changed); empty when kept as it was."""

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}" if self.reason else self.what


@dataclass(frozen=True)
class CarriedEdits:
    """What :func:`carry_edits` made: the timeline, and what became of each of the person's
    decisions. Nothing the person decided is left out of ``kept``, ``clamped`` or ``dropped``."""

    timeline: Timeline
    kept: tuple[Decision, ...] = ()
    """Carried over as the person made them."""
    clamped: tuple[Decision, ...] = ()
    """Carried over but cut to fit (a trim past the end of a shorter new take, a text past the
    film's new end); ``what`` is the adjusted decision, ``reason`` the old one and why."""
    dropped: tuple[Decision, ...] = ()
    """Could not apply any more; the spec's cut holds there instead."""
    new_takes: tuple[str, ...] = ()
    """Clips the person edited whose take changed since: ``clip-03 take 1 -> take 2``."""

    def lines(self) -> tuple[str, ...]:
        """One line per clamped or dropped decision (what a person must be told), then a line
        listing what was kept."""
        out = [f"clamped {d}" for d in self.clamped] + [f"dropped {d}" for d in self.dropped]
        if self.kept:
            out.append("kept " + ", ".join(str(d) for d in self.kept))
        return tuple(out)

    def summary(self) -> str:
        """The Edit version's ``what``: what changed upstream and what became of the edits."""
        head = "spec or selections changed"
        if self.new_takes:
            head += f" ({', '.join(self.new_takes)})"
        if not (self.kept or self.clamped or self.dropped):
            return head
        return f"{head}; " + "; ".join(self.lines())


def _s(tl: Timeline, frames: int) -> str:
    return f"{float(tl.seconds(frames)):.3f} s"


def _trim_words(tl: Timeline, seg: Segment) -> str:
    return f"{float(tl.seconds(seg.source_in)):.3f}-{_s(tl, seg.source_out)}"


def _transition_words(tl: Timeline, tr: Transition, clip: int) -> str:
    if tr.kind is TransitionKind.CUT:
        return f"cut into clip-{clip:02d}"
    return f"{tr.kind.value} {float(tl.seconds(tr.frames)):.2f} s into clip-{clip:02d}"


def _text_words(tl: Timeline, t: TextItem) -> str:
    span = f"{float(tl.seconds(t.start)):.2f}-{float(tl.seconds(t.end)):.2f} s"
    return f"{t.kind.value.replace('_', ' ')} {t.text!r} {span}"


def _carry_segment(
    ns: Segment,
    es: Segment,
    bs: Segment | None,
    tl: Timeline,
    take_frames: Callable[[Segment], int],
    notes: dict[str, list[Decision]],
) -> Segment:
    """``ns`` (the spec's new cut of a clip) with the person's trim, speed and sound laid over:
    each part is theirs when ``es`` differs from ``bs`` there (everything, without ``bs``).

    A trim is frames of the take it was made on: on a new take it stays when the new take is
    long enough, is cut at the new take's end when only its end is past it, and is dropped when
    it starts after that end.
    """
    clip, name = ns.clip, ns.name
    out = ns
    if bs is None or (es.source_in, es.source_out) != (bs.source_in, bs.source_out):
        said = f"trim {name} {_trim_words(tl, es)}"
        length = es.source_out if es.take_id == ns.take_id else take_frames(ns)
        if es.source_out <= length:
            out = replace(out, source_in=es.source_in, source_out=es.source_out)
            notes["kept"].append(Decision(said, clip))
        elif es.source_in < length:
            out = replace(out, source_in=es.source_in, source_out=length)
            old = f"was {_trim_words(tl, es)} of take {es.take} ({_s(tl, take_frames(es))})"
            why = f"{old}; take {ns.take} is {_s(tl, length)}"
            notes["clamped"].append(Decision(f"trim {name} {_trim_words(tl, out)}", clip, why))
        else:
            why = (
                f"it starts at {_s(tl, es.source_in)} of take {es.take} "
                f"({_s(tl, take_frames(es))}); take {ns.take} is only {_s(tl, length)}"
            )
            notes["dropped"].append(Decision(said, clip, why))
    if bs is None or es.speed != bs.speed:
        out = replace(out, speed=es.speed)
        notes["kept"].append(Decision(f"speed {name} x{es.speed:g}", clip))
    if bs is None or es.audio != bs.audio:
        out = replace(out, audio=es.audio)
        notes["kept"].append(Decision(f"audio {name} {'on' if es.audio else 'off'}", clip))
    if bs is None or es.gain_db != bs.gain_db:
        out = replace(out, gain_db=es.gain_db)
        notes["kept"].append(Decision(f"gain {name} {es.gain_db:+g} dB", clip))
    return out


def _account_texts(
    edited: Timeline,
    merged: Timeline,
    added: Sequence[TextItem],
    cues_added: Sequence[SoundCue],
    notes: dict[str, list[Decision]],
) -> None:
    """Note what became of the texts and cues a person added: kept at their film times, cut at
    the film's new end, or dropped because they would start after it."""
    end = merged.total_frames
    film_end = f"the film now ends at {_s(merged, end)}"
    for t in added:
        said = _text_words(edited, t)
        if t in merged.texts:
            notes["kept"].append(Decision(said))
        elif t.start >= end:
            notes["dropped"].append(Decision(said, None, film_end))
        else:
            cut = replace(t, end=end)
            notes["clamped"].append(
                Decision(_text_words(merged, cut), None, f"was {said}; {film_end}")
            )
    for cue in cues_added:
        said = f"sound {cue.kind} at {float(edited.seconds(cue.at)):.2f} s"
        if cue.at < end:
            notes["kept"].append(Decision(said))
        else:
            notes["dropped"].append(Decision(said, None, film_end))


def carry_edits(
    new: Timeline,
    edited: Timeline,
    base: Timeline,
    take_frames: Callable[[str], int] | None = None,
) -> CarriedEdits:
    """The spec's new cut (``new``) with what a person changed (``edited`` vs ``base``) laid over,
    and an account of each of the person's decisions (see :class:`CarriedEdits`).

    ``base`` is the spec's cut the person started from; a change is whatever ``edited`` holds that
    ``base`` did not. ``take_frames(media_sha256)`` is the length of a take in frames at the
    timeline rate; without it a take is taken to be as long as the longest cut of it at hand.
    The rule, part by part:

    - a clip's speed and sound, and the transition into it, are the person's when they changed
      them, whichever take the clip plays now; so is its trim, except on a new take shorter than
      the trim: then the trim is cut at the new take's end, or dropped when it starts after it
      (both reported, naming the clip, the old and new trim and both takes' lengths);
    - the order: when the person reordered or removed clips, their order is kept for the clips
      they kept and removed ones stay out; a clip new to the film goes where the spec puts it;
      decisions about a clip the spec no longer has are dropped (reported);
    - texts and sound cues: those the person added stay at their film times (reported when the
      film's new end cuts or drops them), those they removed stay removed, the rest follow the
      spec; a spec text that would clash with one the person added (the same one-per-film kind,
      or the bottom of the frame at the same time) gives way to theirs;
    - music and loudness targets: the person's when they changed them, else the spec's.

    When the rates differ the person's frames cannot be placed: ``new`` is returned with every
    decision dropped. If the person's transitions next to clips with a new take no longer fit
    (a long transition beside a short new take), the spec's transitions take their place there
    (reported); :class:`TimelineError` if the result still cannot be played.
    """
    if not (new.rate == edited.rate == base.rate):
        why = f"the edit is at {edited.rate} fps and the spec's cut at {new.rate} fps"
        return CarriedEdits(new, dropped=(Decision("every change to the edit", None, why),))
    known: dict[str, int] = {}
    for tl in (new, edited, base):
        for s in tl.segments:
            known[s.media_sha256] = max(known.get(s.media_sha256, 0), s.source_out)

    def frames_of(seg: Segment) -> int:
        if take_frames is not None and seg.media_sha256:
            return take_frames(seg.media_sha256)
        return known[seg.media_sha256]

    n_seg = {s.clip: s for s in new.segments}
    e_seg = {s.clip: s for s in edited.segments}
    b_seg = {s.clip: s for s in base.segments}
    b_order = [s.clip for s in base.segments]
    e_order = [s.clip for s in edited.segments]
    n_order = [s.clip for s in new.segments]
    notes: dict[str, list[Decision]] = {"kept": [], "clamped": [], "dropped": []}
    if e_order == b_order:
        order = n_order
    else:
        order = [c for c in e_order if c in n_seg]
        for c in n_order:
            if c not in b_seg and c not in e_seg:
                order.insert(min(n_order.index(c), len(order)), c)
        notes["kept"].append(Decision("order " + ", ".join(f"clip-{c:02d}" for c in order)))
    e_in, b_in, n_in = incoming(edited), incoming(base), incoming(new)
    segments: list[Segment] = []
    into: dict[int, Transition] = {}
    mine: dict[int, Transition] = {}
    new_takes: list[str] = []
    for c in e_order:
        if c not in n_seg and (
            c not in b_seg or e_seg[c] != b_seg[c] or e_in.get(c) != b_in.get(c)
        ):
            why = f"clip-{c:02d} is no longer in the spec's cut"
            notes["dropped"].append(Decision(f"changes to clip-{c:02d}", c, why))
    for c in order:
        ns, es, bs = n_seg[c], e_seg.get(c), b_seg.get(c)
        if es is None:
            segments.append(ns)
        else:
            if es.take_id != ns.take_id:
                new_takes.append(f"{ns.name} take {es.take} -> take {ns.take}")
            segments.append(_carry_segment(ns, es, bs, edited, frames_of, notes))
        if es is not None and c in e_in and e_in.get(c) != b_in.get(c):
            mine[c] = into[c] = e_in[c]
        elif c in n_in:
            into[c] = n_in[c]
    removed = set(base.texts) - set(edited.texts)
    added = [t for t in edited.texts if t not in set(base.texts)]
    # a spec that already states the person's text or cue (an export imported) holds it once
    texts = [
        t
        for t in new.texts
        if t not in removed and t not in added and not any(_clashes(t, mine) for mine in added)
    ] + added
    cues_removed = set(base.audio.sfx) - set(edited.audio.sfx)
    cues_added = [c for c in edited.audio.sfx if c not in set(base.audio.sfx)]
    sfx = [c for c in new.audio.sfx if c not in cues_removed and c not in cues_added] + cues_added
    music = new.audio.music
    if edited.audio.music != base.audio.music:
        music = edited.audio.music
        notes["kept"].append(Decision("music settings"))
    loudness = new.audio.loudness
    if edited.audio.loudness != base.audio.loudness:
        loudness = edited.audio.loudness
        notes["kept"].append(Decision("loudness targets"))
    has_title = any(t.kind is TextKind.TITLE_CARD for t in texts)
    audio = AudioPlan(sfx=tuple(sfx), music=music, loudness=loudness)

    def build(joins: Mapping[int, Transition]) -> Timeline:
        transitions = joins_for(new, segments, joins, new, has_title=has_title)
        return relayout(new, segments=segments, transitions=transitions, texts=texts, audio=audio)

    changed = {c for c in order if c in e_seg and e_seg[c].take_id != n_seg[c].take_id}
    before = {c: order[k - 1] for k, c in enumerate(order) if k > 0}
    # a transition of the person's beside a new take may no longer fit: those give way to the
    # spec's join there, longest first, until the film plays
    risky = sorted(
        (c for c in mine if c in n_in and (c in changed or before.get(c) in changed)),
        key=lambda c: -mine[c].frames,
    )
    joins = dict(into)
    gave_way: dict[int, str] = {}
    failures: list[TimelineError] = []
    merged: Timeline | None = None
    for step in range(len(risky) + 1):
        if step:
            c = risky[step - 1]
            joins[c] = n_in[c]
            gave_way[c] = f"it no longer fits beside the new take ({failures[-1]})"
        try:
            merged = build(joins)
            break
        except TimelineError as exc:
            failures.append(exc)
    if merged is None:
        raise failures[0]
    opening = None if has_title or not order else order[0]
    for c, tr in mine.items():
        said = _transition_words(edited, tr, c)
        if c == opening:
            why = f"clip-{c:02d} now opens the film: there is nothing before it to join"
            notes["dropped"].append(Decision(said, c, why))
        elif c in gave_way:
            notes["dropped"].append(Decision(said, c, gave_way[c]))
        else:
            notes["kept"].append(Decision(said, c))
    _account_texts(edited, merged, added, cues_added, notes)
    return CarriedEdits(
        merged,
        kept=tuple(notes["kept"]),
        clamped=tuple(notes["clamped"]),
        dropped=tuple(notes["dropped"]),
        new_takes=tuple(new_takes),
    )
