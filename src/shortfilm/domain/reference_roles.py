"""What each reference image is for, in the words a hosted model is told.

Hosted models (Seedance video, Seedream board images) count the images of a request in send
order and accept no semantic roles, so the prompt names each one by position: "[Image 2] is
the harbour at dusk: keep this place, its layout and light". The sentence per role is one fact
shared by the prompt renderer (video prompts) and the Seedream adapter (board-image prompts);
it lives here, below both, so neither borrows the other's insides.
"""

from __future__ import annotations

ROLE_SENTENCES: dict[str, str] = {
    "character": "is {label}: keep this face, outfit and silhouette",
    "environment": "is {label}: keep this place, its layout and light",
    "board": "is the style board ({label}): keep its palette and texture",
    "keyframe": "is the last moment of the previous clip ({label}): start from this pose, "
    "position and camera direction",
}
"""Per reference role, what the image is for; ``{label}`` is the reference's human name. A role
not listed is named by its label alone."""


def reference_line(position: int, role: str, label: str) -> str:
    """``[Image N] is <label>: keep ...``: how a hosted model is told what image ``position``
    (counted from 1, in send order) is for; video and board-image prompts alike."""
    return f"[Image {position}] " + ROLE_SENTENCES.get(role, "is {label}").format(label=label) + "."


__all__ = ["ROLE_SENTENCES", "reference_line"]
