"""The generation requests the provider tests send: small reference images told apart by their
pixels, a two-shot clip, and the request as the workflow builds it (the prompt rendered in the
provider's form, naming the references in the order they are passed)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from shortfilm.domain import ClipPlan, Shot
from shortfilm.prompts.blocks import ShotBlock, VideoPrompt
from shortfilm.prompts.render import NamedReference, render_for
from shortfilm.providers.base import GenerationRequest, Reference


def make_image(
    path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (480, 320)
) -> Path:
    """A small PNG with a dominant colour and a mark, so images are told apart by pixels."""
    img = Image.new("RGB", size, colour)
    ImageDraw.Draw(img).rectangle((20, 20, 120, 90), fill=(255 - colour[0], 240, 30))
    img.save(path)
    return path


def reference_set(folder: Path) -> tuple[Reference, ...]:
    """A character, a view and the previous clip's keyframe, each a small PNG in ``folder``."""
    folder.mkdir()
    return (
        Reference(make_image(folder / "kestrel.png", (200, 40, 40)), "character", "Kestrel"),
        Reference(make_image(folder / "villa.png", (40, 160, 60)), "environment", "the villa"),
        Reference(make_image(folder / "key.png", (40, 60, 200)), "keyframe", "clip 01 end"),
    )


def make_clip(duration: float = 5.0, sound_rule: str = "Wind and surf only; no music") -> ClipPlan:
    return ClipPlan(
        name="c02",
        job="conflict",
        tone_world="sun-bleached wasteland noir",
        character_environment="Kestrel at the villa gate",
        shots=(
            Shot("low-angle wide", "slow push-in", "Kestrel", "walks to the gate", 2.0),
            Shot("close-up", "static", "the villa", "the gate creaks open"),
        ),
        sound_rule=sound_rule,
        duration_s=duration,
        continues_previous=True,
    )


def build_request(
    clip: ClipPlan,
    refs: tuple[Reference, ...],
    *,
    spans: list[tuple[float, float]],
    form: str = "reference-mode",
    size: tuple[int, int] = (320, 180),
    seed: int = 7,
    style: str = "grainy 35mm",
    consistency: tuple[str, ...] = ("same coat",),
    negative: tuple[str, ...] = ("no text",),
) -> GenerationRequest:
    """A request for ``clip`` as the workflow builds it: the prompt (its shots at ``spans``,
    seconds) rendered in the provider's ``form``, naming the references in the order they are
    passed."""
    prompt = VideoPrompt(
        job=clip.job,
        tone_world=clip.tone_world,
        character_environment=clip.character_environment,
        shots=tuple(
            ShotBlock(s.camera, s.movement, s.subject, s.action, a, b)
            for s, (a, b) in zip(clip.shots, spans, strict=True)
        ),
        sound_rule=clip.sound_rule,
        duration_s=clip.duration_s,
        continues_previous=clip.continues_previous,
        style=style,
        consistency=consistency,
        negative=negative,
    )
    text = render_for(form, prompt, [NamedReference(r.role, r.label) for r in refs])
    return GenerationRequest(
        clip=clip,
        prompt_text=text,
        references=refs,
        duration_s=clip.duration_s,
        width=size[0],
        height=size[1],
        seed=seed,
    )


def make_request(
    refs: tuple[Reference, ...],
    *,
    form: str = "reference-mode",
    duration: float = 5.0,
    size: tuple[int, int] = (320, 180),
    seed: int = 7,
    sound_rule: str = "Wind and surf only; no music",
) -> GenerationRequest:
    """A request as the workflow builds it for the two-shot clip (:func:`make_clip`)."""
    clip = make_clip(duration, sound_rule)
    spans = [(0.0, 2.0), (2.0, duration)]
    return build_request(clip, refs, spans=spans, form=form, size=size, seed=seed)
