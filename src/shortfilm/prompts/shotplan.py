"""A clip's video prompt as sections, and those sections rendered as the plain-text shot plan.

The prompt is a shot plan, not a mood sentence: tone and world, character and environment, shots
1..4 (camera angle, movement, subject, action, timing), the sound rule and the duration. The
sections are what is versioned; the text is derived from them for each provider.
"""

from __future__ import annotations

from typing import Any

from shortfilm.domain import AssetBoard, ClipPlan


def sections(board: AssetBoard, clip: ClipPlan) -> dict[str, Any]:
    """The versioned content of a clip's prompt (JSON-able, stable key order)."""
    durations = clip.shot_durations()
    return {
        "job": clip.job,
        "tone_world": clip.tone_world,
        "character_environment": clip.character_environment,
        "shots": [
            {
                "camera": shot.camera,
                "movement": shot.movement,
                "subject": shot.subject,
                "action": shot.action,
                "seconds": round(seconds, 3),
            }
            for shot, seconds in zip(clip.shots, durations, strict=True)
        ],
        "sound_rule": clip.sound_rule,
        "duration_s": clip.duration_s,
        "continues_previous": clip.continues_previous,
        "style": {
            "camera": board.style.camera,
            "lighting": board.style.lighting,
            "texture": board.style.texture,
            "realism": board.style.realism,
        },
        "consistency": list(board.consistency),
        "negative": list(board.negative),
    }


def render_plain(sec: dict[str, Any], reference_labels: list[str] | None = None) -> str:
    """The shot plan as plain text (the animatic's form; hosted forms add reference naming)."""
    lines = [f"Job: {sec['job']}", f"Tone and world: {sec['tone_world']}"]
    lines.append(f"Character and environment: {sec['character_environment']}")
    if reference_labels:
        refs = "; ".join(f"[Image {i}] {label}" for i, label in enumerate(reference_labels, 1))
        lines.append(f"References: {refs}")
    start = 0.0
    for i, shot in enumerate(sec["shots"], 1):
        end = start + float(shot["seconds"])
        lines.append(
            f"Shot {i} ({start:.1f}-{end:.1f}s): {shot['camera']}, {shot['movement']}. "
            f"{shot['subject']}: {shot['action']}"
        )
        start = end
    style = sec["style"]
    lines.append(
        f"Style: {style['camera']}; {style['lighting']}; {style['texture']}; {style['realism']}"
    )
    if sec["consistency"]:
        lines.append("Consistency: " + "; ".join(sec["consistency"]))
    if sec["negative"]:
        lines.append("Avoid: " + "; ".join(sec["negative"]))
    lines.append(f"Sound rule: {sec['sound_rule']}")
    lines.append(f"Duration: {sec['duration_s']:g} seconds")
    return "\n".join(lines)
