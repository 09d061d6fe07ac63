"""Continuity rules (K3xx): what keeps clip N+1 looking like it follows clip N.

Two mechanisms carry continuity in the workflow: the keyframe ("when two generated clips are
closely connected, the workflow uses a keyframe from the previous clip as the next reference")
and the asset board's names, which route each character and place to its reference image. These
rules catch a continuation that will get no keyframe and a name that reaches no reference.

A clip may also pin its first and last frames (``first_frame`` / ``last_frame``). That is a
different request mode: the frames replace every board reference image, so the rules below also
catch frame settings the models refuse and frames that silently drop the board.
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.production import PREVIOUS_KEYFRAME, ClipPlan, Production
from shortfilm.domain.subjects import board_subjects, named_subjects, resolve_subject
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.registry import Hit, LintContext, clip_rule
from shortfilm.prompts.lint.vocabulary import continuation_phrase
from shortfilm.spec.source import FieldPath

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@clip_rule(
    "K301", "continues-from-nothing", ERROR, "The first clip is marked as continuing another."
)
def continues_from_nothing(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if index == 0 and clip.continues_previous:
        yield Hit(
            ("clips", 0, "continues_previous"),
            "the first clip continues_previous, but there is no previous clip to take a "
            "keyframe from",
            "set continues_previous: false, or move this clip after the clip it continues",
        )


@clip_rule(
    "K302",
    "continues-without-keyframe",
    WARNING,
    "The clip says it continues the previous one but will get no keyframe.",
)
def continues_without_keyframe(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if index == 0 or clip.continues_previous:
        return
    for text in (clip.job, clip.character_environment, clip.tone_world):
        phrase = continuation_phrase(text)
        if phrase:
            previous = ctx.production.clips[index - 1].name
            yield Hit(
                ("clips", index, "continues_previous"),
                f"clip says {phrase!r} but continues_previous is not set, so no keyframe of "
                f"{previous!r} is used",
                f"set continues_previous: true so the last frame of {previous!r} is the "
                "reference, or reword it",
            )
            return


@clip_rule(
    "K303", "name-not-on-board", WARNING, "A clip names a character or place the board lacks."
)
def name_not_on_board(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    for path, text, noun_phrase in _named_texts(index, clip):
        for name in ctx.names.unknown(text, first_word_counts=noun_phrase):
            if name.near is None:
                on_board = ", ".join(ctx.names.display) or "none yet"
                yield Hit(
                    path,
                    f"{name.text!r} is not on the board, so no reference image anchors it",
                    f"add {name.text} to the board with a reference, or use a board name "
                    f"({on_board})",
                )


@clip_rule(
    "K304", "board-name-misspelt", WARNING, "A clip misspells a character or place of the board."
)
def board_name_misspelt(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    for path, text, noun_phrase in _named_texts(index, clip):
        for name in ctx.names.unknown(text, first_word_counts=noun_phrase):
            if name.near is not None:
                yield Hit(
                    path,
                    f"{name.text!r} is not on the board; it looks like a misspelling of "
                    f"{name.near!r}",
                    f"write {name.near!r} exactly as the board does so its reference is used",
                )


@clip_rule("K305", "last-frame-without-first", ERROR, "A clip sets last_frame but no first_frame.")
def last_frame_without_first(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if clip.last_frame is not None and clip.first_frame is None:
        yield Hit(
            ("clips", index, "last_frame"),
            "last_frame is set without first_frame; the models take a last frame only together "
            "with a first frame, so the request would be refused",
            f"add first_frame (an image, or {PREVIOUS_KEYFRAME!r} to start on the previous "
            "clip's keyframe), or drop last_frame",
        )


@clip_rule(
    "K306",
    "keyframe-start-not-continuing",
    ERROR,
    "A clip starts on the previous clip's keyframe but is not marked as continuing it.",
)
def keyframe_start_not_continuing(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if not clip.starts_on_keyframe:
        return
    place = ("clips", index, "first_frame")
    if index == 0:
        yield Hit(
            place,
            f"first_frame: {PREVIOUS_KEYFRAME} on the first clip, but there is no previous clip "
            "to take a keyframe from",
            "give the first clip an image as first_frame, or move it after the clip it continues",
        )
    elif not clip.continues_previous:
        previous = ctx.production.clips[index - 1].name
        yield Hit(
            place,
            f"first_frame: {PREVIOUS_KEYFRAME} starts exactly where {previous!r} ends, but "
            "continues_previous is not set",
            "set continues_previous: true, or give first_frame an image path",
        )


@clip_rule(
    "K307",
    "frames-replace-board",
    WARNING,
    "A clip in first/last-frame mode names board characters the model will not be shown.",
)
def frames_replace_board(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    # A keyframe was generated from the board's own references, so a clip that only starts on
    # one already shows the characters as the board does; an image file may not.
    if clip.last_frame is None and (clip.first_frame is None or clip.starts_on_keyframe):
        return
    named = _board_characters_named(ctx.production, index, clip)
    if not named:
        return
    field = "first_frame" if clip.first_frame is not None else "last_frame"
    listed = ", ".join(named)
    yield Hit(
        ("clips", index, field),
        f"first/last-frame mode sends no board reference images, so {listed} reach the model "
        "only through the frames",
        f"make sure the frames show {listed} as the board does (e.g. frames made from the "
        "board), or drop first_frame/last_frame to send the board's references",
    )


def _board_characters_named(production: Production, index: int, clip: ClipPlan) -> list[str]:
    """Board characters with a reference image that the clip is about, in board order.

    Each shot's subject counts as the animatic reads it (:func:`resolve_subject`: "the lead
    robot" is the "Patrol unit", "no sign of Kestrel" is nobody), and a character named in the
    character-and-environment line or an action counts too (:func:`named_subjects`).
    """
    subjects = board_subjects(production.board)
    about = {
        found.name
        for shot in clip.shots
        if (found := resolve_subject(shot.subject, subjects).subject) is not None
    }
    texts = [clip.character_environment, *(shot.action for shot in clip.shots)]
    about.update(s.name for s in named_subjects(texts, subjects))
    return [c.name for c in production.board.characters if c.reference and c.name in about]


def _named_texts(index: int, clip: ClipPlan) -> Iterator[tuple[FieldPath, str, bool]]:
    """The texts where a clip names people and places; ``True`` marks a noun phrase."""
    yield ("clips", index, "character_environment"), clip.character_environment, False
    for number, shot in enumerate(clip.shots):
        yield ("clips", index, "shots", number, "subject"), shot.subject, True
        yield ("clips", index, "shots", number, "action"), shot.action, False
