"""The product's vocabulary as plain typed classes: no I/O, no imports from outer layers."""

from shortfilm.domain.camera import CameraMove, parse_camera_move
from shortfilm.domain.production import (
    AssetBoard,
    Caption,
    Character,
    ClipPlan,
    EditIntent,
    EnvironmentView,
    Production,
    Script,
    Shot,
    SoundEffectCue,
    Style,
)

__all__ = [
    "AssetBoard",
    "CameraMove",
    "Caption",
    "Character",
    "ClipPlan",
    "EditIntent",
    "EnvironmentView",
    "Production",
    "Script",
    "Shot",
    "SoundEffectCue",
    "Style",
    "parse_camera_move",
]
