"""Continuity rules (K3xx): what keeps clip N+1 looking like it follows clip N.

Two mechanisms carry continuity in the workflow: the keyframe ("when two generated clips are
closely connected, the workflow uses a keyframe from the previous clip as the next reference")
and the asset board's names, which route each character and place to its reference image. These
rules catch a continuation that will get no keyframe and a name that reaches no reference.
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.production import ClipPlan
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


def _named_texts(index: int, clip: ClipPlan) -> Iterator[tuple[FieldPath, str, bool]]:
    """The texts where a clip names people and places; ``True`` marks a noun phrase."""
    yield ("clips", index, "character_environment"), clip.character_environment, False
    for number, shot in enumerate(clip.shots):
        yield ("clips", index, "shots", number, "subject"), shot.subject, True
        yield ("clips", index, "shots", number, "action"), shot.action, False
