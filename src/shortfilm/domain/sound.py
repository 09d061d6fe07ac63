"""What a clip's sound rule asks of a take's audio: one reading for every layer.

The spec's sound rule is free text ("Wind and surf only; no music"). A hosted model is asked to
generate audio unless the rule forbids *all* of it, and QC judges a take's sound against the
same reading; so the rule is read here, below both, and neither borrows it from the other.
"""

from __future__ import annotations

import re

_SILENT_RULE = re.compile(
    r"(?:(?:completely|fully|entirely|totally) )?(?:silent|silence|mute|muted|none|no audio|"
    r"no sound|no sound at all|audio off|sound off)(?: (?:clip|shot|video|take))?"
)
_FORBIDS_ALL_AUDIO = re.compile(
    r"\bno (?:audio|sound)\b(?! effects?)|\bwithout (?:any )?(?:audio|sound)\b(?! effects?)|"
    r"\b(?:completely|fully|entirely|totally) silent\b|\b(?:audio|sound) off\b|"
    r"\bmuted? (?:clip|shot|video|take|output)\b|\bsilent (?:clip|shot|video|take)\b"
)


def audio_wanted(sound_rule: str) -> bool:
    """Whether a clip's sound rule lets the model generate audio (``generate_audio``).

    False only when the rule forbids *all* audio: the whole rule is "silent" / "mute" / "no
    audio" / "none", or it says "no audio", "no sound" (but not "no sound effects"), "without
    sound", "completely silent", "sound off", "silent clip". Forbidding music or voice leaves
    diegetic sound wanted; an empty rule keeps the model's default (audio on).
    """
    text = " ".join(re.sub(r"[^a-z ]+", " ", sound_rule.lower()).split())
    if not text:
        return True
    if _SILENT_RULE.fullmatch(text):
        return False
    return _FORBIDS_ALL_AUDIO.search(text) is None
