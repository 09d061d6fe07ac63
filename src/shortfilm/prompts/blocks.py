"""The workflow's prompt structures as types: the asset brief and the video prompt (shot plan).

An asset prompt is a production brief, not a caption: World, Characters, Environment, Style,
Consistency, Negative rules. A video prompt is a shot plan, not a mood sentence: Tone and world,
Character and environment, Shot 1..4, Sound rule, Duration. These blocks are what is versioned
(as ``sections()``); the text each provider receives is rendered from them in ``render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shortfilm.domain import AssetBoard, ClipPlan


@dataclass(frozen=True)
class AssetBrief:
    """The board as a production brief: what must stay stable in every later clip."""

    world: str
    characters: tuple[str, ...]
    """One line per character: name, role, outfit, silhouette, props."""
    environment: tuple[str, ...]
    style: str
    consistency: tuple[str, ...]
    negative: tuple[str, ...]

    @classmethod
    def from_board(cls, board: AssetBoard) -> AssetBrief:
        characters = tuple(
            "; ".join(
                part
                for part in (
                    f"{c.name} ({c.role} role)",
                    c.description,
                    f"outfit: {c.outfit}" if c.outfit else "",
                    f"silhouette: {c.silhouette}" if c.silhouette else "",
                    f"props: {c.props}" if c.props else "",
                )
                if part
            )
            for c in board.characters
        )
        environment = tuple(f"{v.name}: {v.description}" for v in board.environment)
        s = board.style
        style = "; ".join(p for p in (s.camera, s.lighting, s.texture, s.realism) if p)
        if s.palette:
            style += f"; palette {', '.join(s.palette)}"
        return cls(
            world=board.world,
            characters=characters,
            environment=environment,
            style=style,
            consistency=board.consistency,
            negative=board.negative,
        )


@dataclass(frozen=True)
class ShotBlock:
    camera: str
    movement: str
    subject: str
    action: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class VideoPrompt:
    """One clip's shot plan, with the board's style rules it must keep."""

    job: str
    tone_world: str
    character_environment: str
    shots: tuple[ShotBlock, ...]
    sound_rule: str
    duration_s: float
    continues_previous: bool
    style: str
    consistency: tuple[str, ...]
    negative: tuple[str, ...]

    @classmethod
    def from_clip(cls, board: AssetBoard, clip: ClipPlan) -> VideoPrompt:
        shots: list[ShotBlock] = []
        start = 0.0
        for shot, seconds in zip(clip.shots, clip.shot_durations(), strict=True):
            end = round(start + seconds, 3)
            shots.append(
                ShotBlock(
                    shot.camera, shot.movement, shot.subject, shot.action, round(start, 3), end
                )
            )
            start = end
        brief = AssetBrief.from_board(board)
        return cls(
            job=clip.job,
            tone_world=clip.tone_world,
            character_environment=clip.character_environment,
            shots=tuple(shots),
            sound_rule=clip.sound_rule,
            duration_s=clip.duration_s,
            continues_previous=clip.continues_previous,
            style=brief.style,
            consistency=board.consistency,
            negative=board.negative,
        )

    def sections(self) -> dict[str, Any]:
        """JSON-able content, stable key order: what a prompt version stores and hashes."""
        return {
            "job": self.job,
            "tone_world": self.tone_world,
            "character_environment": self.character_environment,
            "shots": [
                {
                    "camera": s.camera,
                    "movement": s.movement,
                    "subject": s.subject,
                    "action": s.action,
                    "start_s": s.start_s,
                    "end_s": s.end_s,
                }
                for s in self.shots
            ],
            "sound_rule": self.sound_rule,
            "duration_s": self.duration_s,
            "continues_previous": self.continues_previous,
            "style": self.style,
            "consistency": list(self.consistency),
            "negative": list(self.negative),
        }

    @classmethod
    def from_sections(cls, data: dict[str, Any]) -> VideoPrompt:
        """The prompt a stored version states. Keys beyond the blocks are ignored: import adds
        ``frames`` (the clip's first/last-frame images) to the sections of a frame-mode clip so
        that a changed frame makes a new version, but frames are references, not prompt text."""
        return cls(
            job=data["job"],
            tone_world=data["tone_world"],
            character_environment=data["character_environment"],
            shots=tuple(ShotBlock(**s) for s in data["shots"]),
            sound_rule=data["sound_rule"],
            duration_s=data["duration_s"],
            continues_previous=data["continues_previous"],
            style=data["style"],
            consistency=tuple(data["consistency"]),
            negative=tuple(data["negative"]),
        )
