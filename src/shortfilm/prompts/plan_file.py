"""``shortfilm plan``: a script file in, the ``clips:`` section of a production spec out.

The plan is a starting point a person edits, not a decision: so the result is YAML text with
comments (which beats each clip tells, how it was drafted), in the spec's own keys and layout,
ready to paste over a ``production.yaml``'s ``clips:``. It is deterministic unless a chat model
is given; either way the caller lints the clips (drafted clips get no special trust).

Nothing here touches HTTP directly: a chat client is passed in (see
:meth:`shortfilm.providers.chat.ChatClient.from_env`), so importing this module stays cheap.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shortfilm.domain import AssetBoard, ClipPlan
from shortfilm.prompts.clip_slots import DEFAULT_CLIP_RANGE_S, slot_clips
from shortfilm.prompts.drafting import ChatCompleter, draft_clips
from shortfilm.prompts.planning import plan_clips
from shortfilm.spec.dump import dump_yaml
from shortfilm.spec.script_file import ScriptFile, read_script_file

DETERMINISTIC = "deterministic"
"""``PlanResult.drafted_by`` when no model was involved."""
_COMMENT_WIDTH = 98
_TITLE_WORDS = 8
"""A title taken from a logline keeps this many words."""


@dataclass(frozen=True)
class PlanResult:
    """The plan both as domain clips (to lint) and as the text a person edits and pastes."""

    clips: tuple[ClipPlan, ...]
    yaml_text: str
    """A commented ``clips:`` YAML fragment in the spec's keys; loads with the spec models."""
    drafted_by: str
    """``"deterministic"`` or the chat model's name."""


def plan_script(
    script_path: Path,
    target_s: float,
    *,
    board: AssetBoard | None = None,
    client: ChatCompleter | None = None,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> PlanResult:
    """Plan the script at ``script_path`` into clips for a ``target_s``-second film.

    With ``client`` (any chat completer, normally a ``ChatClient``), the clips are drafted by
    that model and validated; without, the deterministic planner writes them. ``board`` (from
    the production the plan is for) lets shots name the board's characters and places.

    Raises ``SpecError`` for an unreadable script, ``InputError`` for a target the beats cannot
    fill, ``ProviderError`` (``DraftError`` for a malformed reply) when drafting fails; no file
    is written, the caller decides where the text goes.
    """
    source = read_script_file(script_path)
    if client is None:
        clips = plan_clips(source.script, target_s, board=board, clip_range_s=clip_range_s)
        slots = slot_clips(source.script, target_s, clip_range_s=clip_range_s)
        notes = [_beats_note(source, slot.beats, slot.label()) for slot in slots]
        drafted_by = DETERMINISTIC
    else:
        clips = draft_clips(source.script, target_s, client, board=board, clip_range_s=clip_range_s)
        notes = [[] for _ in clips]
        drafted_by = client.model
    header = _header(source, target_s, clips, drafted_by, script_path)
    return PlanResult(clips, clips_yaml(clips, header=header, notes=notes), drafted_by)


def clips_yaml(
    clips: Sequence[ClipPlan],
    *,
    header: Sequence[str] = (),
    notes: Sequence[Sequence[str]] = (),
) -> str:
    """``clips`` as the spec's ``clips:`` section, with ``header`` and per-clip comment lines.

    Written with the spec dumper, so keys, number style and folded text match an exported
    ``production.yaml`` and the fragment pastes into one unchanged.
    """
    lines = [_comment(text) for text in header]
    lines.append("clips:")
    for index, clip in enumerate(clips):
        if index:
            lines.append("")
        total = len(clips)
        summary = f"Clip {index + 1}/{total}: {clip.duration_s:g} s, {len(clip.shots)} shots"
        if clip.continues_previous:
            summary += ", continues the previous clip (its last frame is the keyframe)"
        lines.append(_comment(summary, indent="  "))
        lines += [
            _comment(text, indent="  ") for text in (notes[index] if index < len(notes) else ())
        ]
        dumped = dump_yaml({"clips": [clip]})
        lines += dumped.splitlines()[1:]  # drop the "clips:" key; keep the indented item
    return "\n".join(lines) + "\n"


def _header(
    source: ScriptFile,
    target_s: float,
    clips: Sequence[ClipPlan],
    drafted_by: str,
    script_path: Path,
) -> list[str]:
    total = sum(c.duration_s for c in clips)
    how = (
        "Drafted deterministically: the same script and target give the same plan."
        if drafted_by == DETERMINISTIC
        else f"Drafted by the model {drafted_by}: check every shot against the script and board."
    )
    return [
        f'Clip plan for "{plan_title(source)}" ({script_path.name}): {len(clips)} clips, '
        f"{total:g} s of a "
        f"{target_s:g} s target.",
        how,
        "One job per clip, 12-15 s, 3-4 shots with camera angle, movement, subject and one "
        "action. Edit freely, paste over the clips: of production.yaml, then run "
        "`shortfilm lint production.yaml`.",
    ]


def plan_title(source: ScriptFile) -> str:
    """The plan's title, never empty: the script's own title, else its logline's opening.

    A title line or heading wins; without one the logline's first sentence stands in, cut to
    a few words, so a person can still tell plans apart in a folder of them.
    """
    if source.title and source.title.strip():
        return " ".join(source.title.split())
    sentence = re.split(r"(?<=[.!?])\s", source.script.logline.strip(), maxsplit=1)[0]
    words = sentence.rstrip(".!?,;: ").split()
    if len(words) > _TITLE_WORDS:
        words = [*words[:_TITLE_WORDS], "..."]
    return " ".join(words) or source.path.stem


def _beats_note(source: ScriptFile, beats: Sequence[int], label: str) -> list[str]:
    text = " ".join(source.script.beats[b] for b in beats)
    line = source.beat_lines[beats[0]] if beats and source.beat_lines[beats[0]] else None
    where = f" ({source.path.name}:{line})" if line else ""
    return [f"From {label}{where}: {text}"]


def _comment(text: str, *, indent: str = "") -> str:
    wrapped = textwrap.wrap(text, width=_COMMENT_WIDTH - 2 - len(indent)) or [""]
    return "\n".join(f"{indent}# {part}".rstrip() for part in wrapped)


__all__ = ["DETERMINISTIC", "PlanResult", "clips_yaml", "plan_script", "plan_title"]
