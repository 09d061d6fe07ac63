"""Clip rules (C2xx): a video prompt is a shot plan, not a mood sentence.

The workflow's video prompt has fixed sections (tone and world, character and environment, shots
1-4, sound rule, duration) and three habits: 12-15 s with 3-4 visual moments, one job per clip,
and concrete language ("name the camera angle, movement, subject, action, sound, and timing").
Messages count shots from 1, as the rendered prompt does ("Shot 2"); places are 0-based.
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.camera import CameraMove, parse_camera_move
from shortfilm.domain.production import ClipPlan
from shortfilm.prompts.lint.action_reading import read_action
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.job_words import job_families
from shortfilm.prompts.lint.registry import Hit, LintContext, clip_rule
from shortfilm.prompts.lint.vocabulary import mood_only, names_framing
from shortfilm.spec.source import FieldPath

ERROR, WARNING = Severity.ERROR, Severity.WARNING

CLIP_SECONDS = (12.0, 15.0)
"""The workflow's controllable clip length: long enough for motion, short enough not to drift."""
SHOTS_PER_CLIP = (3, 4)
"""Visual moments a 12-15 s clip holds."""

_MOVES = ", ".join(m.value for m in CameraMove)


def _blank(text: str) -> bool:
    return not text.strip()


@clip_rule(
    "C201",
    "clip-duration-model-range",
    ERROR,
    "The clip is longer or shorter than the target model accepts.",
)
def duration_model_range(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if ctx.durations_s is None:
        return
    low, high = ctx.durations_s
    if not low <= clip.duration_s <= high:
        fix = (
            f"split it into clips of at most {high:g} s"
            if clip.duration_s > high
            else f"lengthen it to at least {low:g} s or merge it with its neighbour"
        )
        yield Hit(
            ("clips", index, "duration_s"),
            f"clip is {clip.duration_s:g} s; the target model accepts {low:g}-{high:g} s",
            fix,
        )


@clip_rule(
    "C202", "clip-duration-not-12-15", WARNING, "The clip is outside the 12-15 s sweet spot."
)
def duration_sweet_spot(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    low, high = CLIP_SECONDS
    seconds = clip.duration_s
    if low <= seconds <= high:
        return
    if ctx.durations_s is not None and not ctx.durations_s[0] <= seconds <= ctx.durations_s[1]:
        return  # C201 already says it, as an error
    if seconds > high:
        hint = "split it into two clips of 12-15 s, one job each"
    else:
        hint = "lengthen it to 12 s with one more visual moment, or merge it into a neighbour"
    yield Hit(
        ("clips", index, "duration_s"),
        f"clip is {seconds:g} s; {low:g}-{high:g} s is long enough for motion and short "
        "enough to control",
        hint,
    )


@clip_rule("C203", "clip-too-few-shots", WARNING, "The clip has fewer than 3 shots.")
def too_few_shots(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if len(clip.shots) < SHOTS_PER_CLIP[0]:
        yield Hit(
            ("clips", index, "shots"),
            f"clip has {len(clip.shots)} shot(s); a 12-15 s clip holds 3-4 visual moments",
            "add a shot: a change of angle, a close-up or a reaction that serves the same job",
        )


@clip_rule("C204", "clip-too-many-shots", WARNING, "The clip has more than 4 shots.")
def too_many_shots(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    count = len(clip.shots)
    if count > SHOTS_PER_CLIP[1]:
        yield Hit(
            ("clips", index, "shots"),
            f"clip has {count} shots; a 12-15 s clip holds 3-4 visual moments",
            f"split it: move shots 4-{count} into the next clip",
        )


def _shot_field(clip: ClipPlan, index: int, field: str, what: str, example: str) -> Iterator[Hit]:
    for number, shot in enumerate(clip.shots):
        if _blank(getattr(shot, field)):
            yield Hit(
                ("clips", index, "shots", number, field),
                f"shot {number + 1} has no {what}",
                f"name the {what}, e.g. {example!r}",
            )


@clip_rule("C205", "shot-no-camera", ERROR, "A shot has no camera angle or framing.")
def shot_no_camera(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    yield from _shot_field(clip, index, "camera", "camera angle", "low-angle medium")


@clip_rule("C206", "shot-no-movement", ERROR, "A shot has no camera movement.")
def shot_no_movement(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    yield from _shot_field(clip, index, "movement", "camera movement", "slow push-in")


@clip_rule("C207", "shot-no-subject", ERROR, "A shot has no subject.")
def shot_no_subject(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    yield from _shot_field(clip, index, "subject", "subject", "the courier's hands on the rail")


@clip_rule("C208", "shot-no-action", ERROR, "A shot has no action.")
def shot_no_action(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    yield from _shot_field(clip, index, "action", "action", "she drops from the wall onto the road")


@clip_rule(
    "C209", "shot-unknown-movement", WARNING, "A shot's movement names no known camera move."
)
def unknown_movement(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    for number, shot in enumerate(clip.shots):
        if not _blank(shot.movement) and parse_camera_move(shot.movement) is None:
            yield Hit(
                ("clips", index, "shots", number, "movement"),
                f"shot {number + 1} movement {shot.movement!r} names no camera move",
                f"name one: {_MOVES} (e.g. 'slow push-in', 'handheld follow')",
            )


@clip_rule("C210", "shot-camera-no-framing", WARNING, "A shot's camera names no framing.")
def camera_no_framing(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    for number, shot in enumerate(clip.shots):
        if not _blank(shot.camera) and not names_framing(shot.camera):
            yield Hit(
                ("clips", index, "shots", number, "camera"),
                f"shot {number + 1} camera {shot.camera!r} names no framing or angle",
                "say how much is in frame and from where: wide, medium, close-up; low, high, "
                "eye level, overhead",
            )


@clip_rule("C211", "clip-no-sound-rule", ERROR, "The clip has no sound rule.")
def no_sound_rule(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if _blank(clip.sound_rule):
        yield Hit(
            ("clips", index, "sound_rule"),
            "clip has no sound rule, so the model may add music, narration or stray audio",
            "limit the audio, e.g. 'footfalls and one metal impact only; no music, no voice'",
        )


@clip_rule("C212", "clip-several-jobs", ERROR, "The clip tries to do more than one job.")
def several_jobs(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    shot_texts = [f"{s.subject}. {s.action}" for s in clip.shots]
    families = job_families(clip.job, shot_texts)
    kinds = set(families)
    too_many = len(kinds) >= 3 or (
        len(kinds) == 2 and "establish" in kinds and bool(kinds & {"reveal", "close"})
    )
    if not too_many:
        return
    said = ", ".join(
        f"{kind} ({', '.join(repr(w) for w in found)})" for kind, found in families.items()
    )
    first, *rest = families
    yield Hit(
        ("clips", index, "job"),
        f"clip does {len(kinds)} jobs: {said}",
        f"one clip, one job: keep {first} here and give {', '.join(rest)} a clip each",
    )


@clip_rule("C213", "shot-overloaded", WARNING, "A shot asks for several actions.")
def overloaded_shot(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    for number, shot in enumerate(clip.shots):
        reading = read_action(shot.action)
        if not reading.overloaded():
            continue
        verbs = reading.verbs
        joined = f" joined by {reading.sequence[0]!r}" if reading.sequence else ""
        yield Hit(
            ("clips", index, "shots", number, "action"),
            f"shot {number + 1} asks for {len(verbs)} actions ({', '.join(verbs)}){joined}",
            f"one action per shot: keep {verbs[0]!r} and move the rest into the next shot",
        )


@clip_rule("C214", "mood-only-text", WARNING, "Text that gives mood but no concrete direction.")
def mood_only_text(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    fields: list[tuple[FieldPath, str, str]] = [
        (("clips", index, "tone_world"), "tone and world", clip.tone_world),
        (
            ("clips", index, "character_environment"),
            "character and environment",
            clip.character_environment,
        ),
    ]
    for number, shot in enumerate(clip.shots):
        for field in ("subject", "action"):
            place = ("clips", index, "shots", number, field)
            fields.append((place, f"shot {number + 1} {field}", getattr(shot, field)))
    for path, what, text in fields:
        mood = mood_only(text)
        if mood:
            yield Hit(
                path,
                f"{what} is mood only ({', '.join(repr(w) for w in mood)}): nothing a camera "
                "can film",
                "replace the adjectives with what is seen: who, doing what, where, in what light",
            )


@clip_rule("C215", "clip-no-camera-direction", WARNING, "No shot of the clip names a camera move.")
def no_camera_direction(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if all(parse_camera_move(s.movement) is None for s in clip.shots):
        yield Hit(
            ("clips", index, "shots"),
            "no shot names a camera move; the clip reads as a mood sentence, not a shot plan",
            "give each shot a movement: static, slow push-in, pan left, handheld follow, orbit",
        )


@clip_rule("C216", "clip-no-tone-world", WARNING, "The clip has no tone-and-world line.")
def no_tone_world(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if _blank(clip.tone_world):
        yield Hit(
            ("clips", index, "tone_world"),
            "clip has no tone and world; only the board keeps it in the same visual universe",
            "restate the world in one line: place, time of day, light, what the mood is made of",
        )


@clip_rule(
    "C217",
    "clip-no-character-environment",
    WARNING,
    "The clip has no character-and-environment line.",
)
def no_character_environment(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    if _blank(clip.character_environment):
        names = ", ".join(ctx.names.display[:4]) or "the board's characters and views"
        yield Hit(
            ("clips", index, "character_environment"),
            "clip has no character and environment line, so the board is not pointed at",
            f"name who and where from the board ({names})",
        )


@clip_rule("C218", "shot-timings-overflow", WARNING, "The shots' timings do not fit in the clip.")
def timings_overflow(ctx: LintContext, index: int, clip: ClipPlan) -> Iterator[Hit]:
    fixed = sum(s.timing_s for s in clip.shots if s.timing_s is not None)
    untimed = sum(1 for s in clip.shots if s.timing_s is None)
    if fixed > clip.duration_s + 1e-9 or (untimed and fixed >= clip.duration_s - 1e-9):
        left = "no time is left for the untimed shots" if untimed else "the last shots are cut"
        yield Hit(
            ("clips", index, "shots"),
            f"shot timings add up to {fixed:g} s in a {clip.duration_s:g} s clip; {left}",
            "shorten the timed shots or lengthen duration_s",
        )
