"""Script -> clip plan drafted by a language model, held to the same shape as a hand-written one.

A model can write livelier shots than the deterministic planner, but it is untrusted input: its
reply is parsed as JSON, every clip is validated by the spec's own ``ClipPlanSpec`` (the model
that checks a hand-written ``production.yaml``), and anything off is refused with the place to
look (``clips[2].shots[0].camera: ...``). What passes is then linted by the caller like any
other plan; drafting never decides that a plan is good, only that it is well formed.

The system prompt teaches the workflow's rules (one job per clip, 12-15 s, 3-4 shots with
camera angle, movement, subject and one action, a sound rule); the user message carries the
script, the target, the board's names and the deterministic planner's slotting of beats into
clips as a suggestion, so a model and the planner start from the same arithmetic.

This module knows nothing of HTTP: it takes any :class:`ChatCompleter`, such as
:class:`shortfilm.providers.chat.ChatClient`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shortfilm.domain import AssetBoard, ClipPlan, Script
from shortfilm.errors import ProviderError
from shortfilm.prompts.clip_slots import (
    DEFAULT_CLIP_RANGE_S,
    JOB_PHRASES,
    SHOTS_PER_CLIP,
    slot_clips,
)
from shortfilm.spec.models import ClipPlanSpec
from shortfilm.spec.source import format_path

MAX_PROBLEMS_SHOWN = 5
"""An invalid reply names this many problems, then counts the rest."""


class ChatCompleter(Protocol):
    """What drafting needs from a chat model: its name and one completion call."""

    @property
    def model(self) -> str: ...

    def complete(
        self, messages: list[dict[str, str]], *, response_format_json: bool = True
    ) -> str: ...


class DraftError(ProviderError):
    """The model answered, but not with a usable clip plan; ``problems`` lists what was wrong.

    Not retryable by default: a person should read the reply (kept in ``reply``) and decide
    whether to ask again, change the model, or plan deterministically.
    """

    def __init__(self, message: str, *, problems: Sequence[str] = (), reply: str = "") -> None:
        super().__init__(message, retryable=False)
        self.problems = tuple(problems)
        self.reply = reply


_MOVEMENTS = (
    "static",
    "slow push-in",
    "pull back",
    "pan left",
    "pan right",
    "tilt up",
    "tilt down",
    "orbit",
    "handheld follow",
)
"""Movements written the way :func:`shortfilm.domain.parse_camera_move` reads them."""

_EXAMPLE_REPLY = {
    "clips": [
        {
            "name": "establish-villa",
            "job": "Establish the scene: the villa and the patrol on the coast road.",
            "tone_world": "Wasteland coast at late afternoon, hard sun, dust haze.",
            "character_environment": "Patrol unit from the board; Villa exterior, Wasteland road.",
            "shots": [
                {
                    "camera": "extreme wide, eye level",
                    "movement": "static",
                    "subject": "Villa exterior",
                    "action": "The neon ring on the antenna flickers on.",
                    "timing_s": 4.5,
                },
                {
                    "camera": "low-angle medium",
                    "movement": "slow push-in",
                    "subject": "Patrol unit",
                    "action": "The lead robot's foot stamps onto the asphalt.",
                    "timing_s": 4,
                },
                {
                    "camera": "close-up",
                    "movement": "pan left",
                    "subject": "Patrol unit",
                    "action": "Its green eye swings toward the villa.",
                    "timing_s": 4,
                },
            ],
            "sound_rule": "Diegetic sound only: wind, surf, servo whine; no music, no narration.",
            "duration_s": 12.5,
            "continues_previous": False,
        }
    ]
}


def system_prompt(clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S) -> str:
    """The rules of the workflow, as the model must follow them, and the reply's JSON shape."""
    low, high = clip_range_s
    jobs = "; ".join(phrase.lower() for phrase in dict.fromkeys(JOB_PHRASES.values()))
    schema = {
        "type": "object",
        "required": ["clips"],
        "additionalProperties": False,
        "properties": {"clips": {"type": "array", "items": ClipPlanSpec.model_json_schema()}},
    }
    return "\n".join(
        [
            "You plan AI short films shot clip by clip with a reference-mode video model.",
            "Turn the script you are given into a clip plan, following these rules exactly:",
            f"1. One clip does ONE job, chosen from: {jobs}. The first clip establishes the "
            "scene or hooks; the last clip closes the moment. The job line starts with its job "
            "and never names a second one (no establishing the world, starting a fight and "
            "revealing a villain in one clip). Start a fight or a chase only when the script "
            "has one; otherwise build the moment. After the job, say the clip's key action in "
            "the script's own words.",
            f"2. Each clip lasts {low:g}-{high:g} seconds (duration_s); all clips together add "
            "up to the target duration given below.",
            f"3. Each clip has {SHOTS_PER_CLIP[0]}-{SHOTS_PER_CLIP[1]} shots (visual moments). "
            "Every shot names a concrete camera angle and framing (e.g. 'low-angle medium', "
            "'extreme wide, eye level'), one camera movement from: "
            f"{', '.join(_MOVEMENTS)}; a subject (a character or place by its board name); "
            "and ONE visible action in one short sentence. Never join actions with 'and then'; "
            "give a second action its own shot. timing_s values add up to duration_s.",
            "4. Concrete direction, not mood: say what the camera sees and what moves.",
            "5. tone_world: one or two sentences placing the clip in the board's world. "
            "character_environment: the board characters and environment views the clip uses, "
            "by their board names. Use only characters and places on the board; invent no one.",
            "6. sound_rule: the diegetic sounds the clip may have, ending with what is not "
            "allowed, e.g. 'Diegetic sound only: wind, footfalls; no music, no narration.'",
            "7. continues_previous: true when a clip continues the previous clip's action "
            "(its first frame comes from the previous clip's last frame), otherwise false.",
            "8. name: a unique slug of lowercase letters, digits and '-', e.g. 'first-strike'.",
            "",
            'Reply with one JSON object and nothing else: {"clips": [ ... ]}, every clip with '
            "exactly these keys: name, job, tone_world, character_environment, shots (each: "
            "camera, movement, subject, action, timing_s), sound_rule, duration_s, "
            "continues_previous. No other keys, no comments, no Markdown.",
            "Example of the shape, one clip from another film (copy its form, not its content):",
            json.dumps(_EXAMPLE_REPLY, ensure_ascii=False),
            "JSON schema of the reply:",
            json.dumps(schema, ensure_ascii=False),
        ]
    )


def user_prompt(
    script: Script,
    target_s: float,
    *,
    board: AssetBoard | None = None,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> str:
    """The script, the target and the board's names, with a suggested beat-to-clip split."""
    slots = slot_clips(script, target_s, clip_range_s=clip_range_s)
    lines = [
        f"Target duration: {target_s:g} seconds.",
        f"Logline: {script.logline}",
        "Beats:",
        *(f"{i}. {beat}" for i, beat in enumerate(script.beats, 1)),
        "",
        f"Suggested split: {len(slots)} clips.",
        *(f"- clip {i}: {slot.label()}, {slot.duration_s:g} s" for i, slot in enumerate(slots, 1)),
    ]
    if board is not None:
        lines += ["", f"Board world: {' '.join(board.world.split())}", "Board characters:"]
        lines += [
            f"- {c.name} ({c.role.value}): {' '.join(c.description.split())}"
            for c in board.characters
        ]
        lines += ["Board environment views:"]
        lines += [f"- {v.name}: {' '.join(v.description.split())}" for v in board.environment]
        if board.negative:
            lines += ["Never show:", *(f"- {rule}" for rule in board.negative)]
    else:
        lines += ["", "There is no asset board yet: name subjects as the script does."]
    return "\n".join(lines)


def draft_messages(
    script: Script,
    target_s: float,
    *,
    board: AssetBoard | None = None,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> list[dict[str, str]]:
    """The chat messages sent to the model: the rules as system, the script as user."""
    return [
        {"role": "system", "content": system_prompt(clip_range_s)},
        {
            "role": "user",
            "content": user_prompt(script, target_s, board=board, clip_range_s=clip_range_s),
        },
    ]


def draft_clips(
    script: Script,
    target_s: float,
    client: ChatCompleter,
    *,
    board: AssetBoard | None = None,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> tuple[ClipPlan, ...]:
    """Ask ``client`` for a clip plan and return it as domain clips, in the model's order.

    Raises :class:`DraftError` when the reply is not a well-formed plan, the client's
    :class:`ProviderError` when the request failed, and ``InputError`` for a target the
    planner cannot split (checked before any request is made).
    """
    messages = draft_messages(script, target_s, board=board, clip_range_s=clip_range_s)
    reply = client.complete(messages, response_format_json=True)
    return parse_reply(reply, model=client.model)


def parse_reply(reply: str, *, model: str = "the model") -> tuple[ClipPlan, ...]:
    """The clips in a model's reply text, validated by the spec's ``ClipPlanSpec``."""
    text = _strip_fence(reply)
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DraftError(
            f"{model} did not reply with JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            problems=[f"not JSON: {exc.msg}"],
            reply=reply,
        ) from exc
    if not isinstance(data, dict) or "clips" not in data:
        raise DraftError(
            f'{model} replied without a "clips" list: expected {{"clips": [...]}}',
            problems=["clips: field required"],
            reply=reply,
        )
    clips = data["clips"]
    if not isinstance(clips, list) or not clips:
        raise DraftError(
            f"{model} replied with clips that are not a non-empty list",
            problems=["clips: expected a non-empty list"],
            reply=reply,
        )
    problems: list[str] = []
    plans: list[ClipPlan] = []
    for index, item in enumerate(clips):
        try:
            plans.append(ClipPlanSpec.model_validate(item).to_domain())
        except ValidationError as exc:
            problems += [_problem(("clips", index), error) for error in exc.errors()]
    extra = [key for key in data if key != "clips"]
    if extra:
        problems.append(f"{extra[0]}: unknown field; the reply holds only 'clips'")
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        suffix = f" (and {more} more)" if more > 0 else ""
        raise DraftError(
            f"{model} replied with an invalid clip plan: {shown}{suffix}",
            problems=problems,
            reply=reply,
        )
    return tuple(plans)


def _problem(prefix: tuple[str | int, ...], error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    where = format_path((*prefix, *loc))
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown field"
    if error["type"] == "missing":
        return f"{where}: field required"
    message = str(error["msg"])
    return f"{where}: {message[:1].lower()}{message[1:]}"


_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(?P<body>.*?)\n?\s*```\s*$", re.DOTALL)


def _strip_fence(reply: str) -> str:
    """Servers that ignore JSON mode often wrap the object in a Markdown code fence."""
    match = _FENCE.match(reply)
    return match.group("body") if match else reply.strip()


__all__ = [
    "ChatCompleter",
    "DraftError",
    "draft_clips",
    "draft_messages",
    "parse_reply",
    "system_prompt",
    "user_prompt",
]
