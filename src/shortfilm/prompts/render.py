"""Rendering prompt blocks into the text a provider wants.

Two forms: ``plain`` (the animatic: a readable shot plan) and ``reference-mode`` (hosted models
such as Seedance 2.0: the reference images are sent in a stable order and the prompt names them
by position, "[Image 1] is Kestrel ...", because the API counts images in content order and
accepts no semantic roles). A provider states which form it takes; the blocks stay the same.

A clip in first/last-frame mode sends its frames instead of references. The API places those by
role, not by position, so they get no "[Image N]" line: one sentence says the clip starts (and
ends) exactly on the given frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shortfilm.domain.reference_roles import reference_line
from shortfilm.prompts.blocks import AssetBrief, VideoPrompt

PLAIN = "plain"
REFERENCE_MODE = "reference-mode"
FORMS = (PLAIN, REFERENCE_MODE)


@dataclass(frozen=True)
class NamedReference:
    """A reference image as the prompt names it: its role and human label, in send order."""

    role: str
    """``character``, ``environment``, ``board`` or ``keyframe`` (reference images named by
    position), or ``first_frame`` / ``last_frame`` (the frames a clip starts and ends on, which
    the model places by role and the prompt does not number)."""
    label: str


def render_asset_brief(brief: AssetBrief) -> str:
    """The asset image prompt as a production brief, one block per line group."""
    lines = [f"World: {brief.world}", "Characters:"]
    lines += [f"- {c}" for c in brief.characters]
    lines.append("Environment:")
    lines += [f"- {e}" for e in brief.environment]
    lines.append(f"Style: {brief.style}")
    if brief.consistency:
        lines.append("Consistency: " + "; ".join(brief.consistency))
    if brief.negative:
        lines.append("Negative rules: " + "; ".join(brief.negative))
    return "\n".join(lines)


FIRST_FRAME = "first_frame"
LAST_FRAME = "last_frame"
FRAME_ROLES = (FIRST_FRAME, LAST_FRAME)
"""Roles of first/last-frame mode: sent as frames, never as positional references."""


def _frame_sentence(prompt: VideoPrompt, references: Sequence[NamedReference]) -> str | None:
    """What the frames mean for the clip, or ``None`` when none are sent.

    A first frame of a continuing clip is where the previous clip stopped, so the action goes
    on from it without a cut rather than restarting.
    """
    roles = {r.role for r in references}
    if FIRST_FRAME in roles and LAST_FRAME in roles:
        sentence = (
            "The clip starts exactly on the given first frame and ends exactly on the given "
            "last frame."
        )
    elif FIRST_FRAME in roles:
        sentence = "The clip starts exactly on the given first frame."
    elif LAST_FRAME in roles:
        sentence = "The clip ends exactly on the given last frame."
    else:
        return None
    if FIRST_FRAME in roles and prompt.continues_previous:
        sentence += " Continue the action from it without a cut."
    return sentence


def _shot_lines(prompt: VideoPrompt) -> list[str]:
    return [
        f"Shot {i} ({s.start_s:.1f}-{s.end_s:.1f}s): {s.camera}, {s.movement}. "
        f"{s.subject}: {s.action}"
        for i, s in enumerate(prompt.shots, 1)
    ]


def _tail(prompt: VideoPrompt) -> list[str]:
    lines = [f"Style: {prompt.style}"] if prompt.style else []
    if prompt.consistency:
        lines.append("Consistency: " + "; ".join(prompt.consistency))
    if prompt.negative:
        lines.append("Avoid: " + "; ".join(prompt.negative))
    lines.append(f"Sound rule: {prompt.sound_rule}")
    lines.append(f"Duration: {prompt.duration_s:g} seconds")
    return lines


def render_plain(prompt: VideoPrompt, references: Sequence[NamedReference] = ()) -> str:
    """The shot plan as readable text (the animatic's form)."""
    lines = [f"Job: {prompt.job}", f"Tone and world: {prompt.tone_world}"]
    lines.append(f"Character and environment: {prompt.character_environment}")
    numbered = [(i, r) for i, r in enumerate(references, 1) if r.role not in FRAME_ROLES]
    if numbered:
        lines.append("References: " + "; ".join(f"[Image {i}] {r.label}" for i, r in numbered))
    frames = _frame_sentence(prompt, references)
    if frames:
        named = "; ".join(
            f"{r.role.replace('_', ' ')}: {r.label}" for r in references if r.role in FRAME_ROLES
        )
        lines.append(f"Frames: {frames} ({named})")
    return "\n".join(lines + _shot_lines(prompt) + _tail(prompt))


def render_reference_mode(prompt: VideoPrompt, references: Sequence[NamedReference]) -> str:
    """The hosted-model form: each reference named by position, then the shot plan.

    ``references`` must be in the order the images are sent; ``[Image N]`` counts from 1.
    First/last frames are not numbered; a sentence after the shot plan's opening says the clip
    starts and ends on them.
    """
    lines = [
        reference_line(i, r.role, r.label)
        for i, r in enumerate(references, 1)
        if r.role not in FRAME_ROLES
    ]
    lines.append(f"Tone and world: {prompt.tone_world}")
    lines.append(f"Character and environment: {prompt.character_environment}")
    frames = _frame_sentence(prompt, references)
    if frames:
        lines.append(frames)
    if prompt.continues_previous and any(r.role == "keyframe" for r in references):
        first = next(i for i, r in enumerate(references, 1) if r.role == "keyframe")
        lines.append(f"Continue the action directly from [Image {first}].")
    return "\n".join(lines + _shot_lines(prompt) + _tail(prompt))


def render_for(form: str, prompt: VideoPrompt, references: Sequence[NamedReference]) -> str:
    """Render ``prompt`` in ``form`` (one of :data:`FORMS`)."""
    if form == REFERENCE_MODE:
        return render_reference_mode(prompt, references)
    if form == PLAIN:
        return render_plain(prompt, references)
    raise ValueError(f"unknown prompt form {form!r}; known: {', '.join(FORMS)}")
