"""The text-layout solver (media/text_layout.py) and the texts it places on the films, covers and
animatic takes: no two texts on screen at once intersect, every text is inside its preset's safe
area, a text that fits nowhere is refused with a message naming it.

The render test plays the example's texts (title card, hook, caption, lower third, end card) over
two short black takes of the size takes are asked for, in every preset, and checks the layout
twice: from the solver's own boxes (which keep clear of the takes' shot-tag slot), and from the
pixels (over black, the render is the text layer alone). The animatic's burned-in tag is checked
from its own pixels (drawn frame against the bare camera frame).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from render_plans import spec_plan

from shortfilm.domain.production import Caption, EditIntent, EndCard, Hook, TitleCard
from shortfilm.domain.take import CLIP_SIZE
from shortfilm.domain.timeline_parts import TextItem, TextKind
from shortfilm.examples import example_dir
from shortfilm.media.cover import cover_image
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.overlays import _graded_background, film_layout, render_title_card
from shortfilm.media.presets import PRESETS, VERTICAL, Preset
from shortfilm.media.render import render
from shortfilm.media.take_tags import MODES, map_box, reserved_slots, shot_tag, tag_slot
from shortfilm.media.text_layout import (
    STYLES,
    Block,
    Box,
    Placed,
    TextFitError,
    block_image,
    draw_block,
    measure,
    padding_for,
    solve,
    type_sizes,
)
from shortfilm.prompts.lint import lint_production
from shortfilm.providers.animatic_plan import draw_frame, plan_shots
from shortfilm.providers.base import GenerationRequest
from shortfilm.spec import load_spec

FRAME = (1080, 1920)
SAFE = Box(*VERTICAL.safe.box(*FRAME))


def _clear(placed: list[Placed]) -> None:
    """No two placed blocks on screen at once share a pixel, and all are in the safe area."""
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            together = a.block.start < b.block.end and b.block.start < a.block.end
            assert not (together and a.box.intersects(b.box)), (a, b)


# -- the solver ---------------------------------------------------------------------------------


def test_texts_on_screen_together_are_stacked_not_drawn_on_each_other() -> None:
    blocks = [
        Block("caption 1", "caption", "The last white house on a dead coast.", 0, 48),
        Block("caption 2", "caption", "Every dusk, the patrol comes.", 24, 72),
        Block("end card", "end_card", "@wasteland", 30, 60),
        Block("hook", "hook", "WAIT FOR IT", 0, 40),
    ]
    placed = solve(blocks, FRAME, SAFE)
    assert [p.block for p in placed] == blocks
    assert all(p.box.inside(SAFE) for p in placed)
    _clear(placed)
    first, second = placed[0].box, placed[1].box
    assert first.bottom == SAFE.bottom, "the first caption keeps its home at the bottom"
    assert second.bottom <= first.top, "the second one is slid above it"
    assert 0 <= placed[3].box.top - SAFE.top <= 1, "the hook is at the top (on an even row)"


def test_texts_at_different_times_share_a_slot() -> None:
    a, b = solve(
        [Block("c1", "caption", "One.", 0, 24), Block("c2", "caption", "Two.", 24, 48)],
        FRAME,
        SAFE,
    )
    assert a.box.bottom == b.box.bottom == SAFE.bottom


def test_a_long_caption_wraps_inside_the_safe_width_at_full_size() -> None:
    text = "The last white house on a dead coast, where the patrol comes."
    (placed,) = solve([Block("c", "caption", text)], FRAME, SAFE)
    assert len(placed.lines) == 2
    assert placed.size == type_sizes("caption", 1080)[0] == 54
    assert placed.box.width <= SAFE.width
    assert " ".join(placed.lines) == text


def test_a_caption_too_long_for_its_lines_shrinks_but_not_below_its_floor() -> None:
    text = " ".join(["Every dusk the patrol comes down the coast road."] * 3)
    (placed,) = solve([Block("c", "caption", text)], FRAME, SAFE)
    sizes = type_sizes("caption", 1080)
    assert sizes[-1] <= placed.size < sizes[0]
    assert len(placed.lines) <= STYLES["caption"].max_lines
    assert placed.box.inside(SAFE)


def test_a_word_wider_than_the_safe_area_is_refused_by_name() -> None:
    word = "https://www.wasteland-villa.example/the-last-white-house-on-a-dead-coast"
    with pytest.raises(TextFitError) as err:
        solve([Block("caption 3", "caption", word)], FRAME, SAFE, where="preset vertical")
    message = str(err.value)
    assert "caption 3 (preset vertical)" in message
    assert "wider than the safe area" in message
    assert err.value.block is not None and err.value.block.key == "caption 3"


def test_too_many_texts_at_once_are_refused_not_overlapped() -> None:
    blocks = [
        Block(f"caption {i}", "caption", f"Line {i} " + "word " * 30, 0, 24) for i in range(6)
    ]
    with pytest.raises(TextFitError, match="every free slot"):
        solve(blocks, FRAME, SAFE)


def test_a_title_card_too_long_for_its_half_of_the_card_is_refused() -> None:
    title = TextItem(TextKind.TITLE_CARD, "WASTELAND VILLA " * 12, 0, 60, "One blade.")
    with pytest.raises(TextFitError, match="title card: 'WASTELAND VILLA"):
        render_title_card(title, FRAME, VERTICAL.safe)
    fits = TextItem(TextKind.TITLE_CARD, "WASTELAND VILLA", 0, 60, "One blade. One house.")
    assert render_title_card(fits, FRAME, VERTICAL.safe).size == FRAME


def test_a_reserved_box_is_kept_clear_and_the_lower_priority_text_moves() -> None:
    tag = Box(SAFE.left, SAFE.top, SAFE.right, SAFE.top + 60)
    (hook,) = solve([Block("hook", "hook", "WAIT")], FRAME, SAFE, reserved=[tag])
    assert hook.box.top >= tag.bottom and hook.box.inside(SAFE)


def test_a_drawn_block_stays_inside_its_box() -> None:
    """The ink (and plate) of every kind, at its largest and smallest size, never leaves the box
    the solver reports: the boxes are what the collision checks trust."""
    text = "Ágjpy Qq| WAIT, the last house"
    for kind in STYLES:
        for size in (type_sizes(kind, 1080)[0], type_sizes(kind, 1080)[-1]):
            lines, w, h = measure(text, size, 1000)
            box = Box(100, 100, 100 + w, 100 + h)
            placed = Placed(Block("x", kind, text), box, size, lines, padding_for(size))
            image = Image.new("RGBA", (1200, 400), (0, 0, 0, 0))
            draw_block(image, placed)
            ink = image.getchannel("A").getbbox()
            assert ink is not None
            assert Box(*ink).inside(box), (kind, size, ink, box)
            assert block_image(placed).size == (w, h)


# -- the takes' shot tags -----------------------------------------------------------------------


@pytest.mark.parametrize("take", [CLIP_SIZE, (720, 1280), (1920, 1080)])
def test_the_shot_tag_slot_is_safe_in_every_preset_film_and_cover(take: tuple[int, int]) -> None:
    slot = tag_slot(take)
    assert slot is not None
    for preset in PRESETS.values():
        safe = Box(*preset.safe.box(*preset.size))
        for mode in MODES:
            assert map_box(slot, take, preset, mode).inside(safe.grown(1)), (preset.name, mode)


def test_a_take_too_small_for_a_legible_tag_carries_none() -> None:
    assert tag_slot((64, 36)) is None
    assert shot_tag((64, 36), ["1/3"]) is None


def test_the_animatic_burns_only_its_tag_and_only_inside_the_slot() -> None:
    spec = load_spec(example_dir())
    w, h = CLIP_SIZE
    request = GenerationRequest(spec.clips[0], "", (), 2.0, w, h, 24, seed=3)
    plans = plan_shots(request, 48)
    slot = tag_slot(CLIP_SIZE)
    assert slot is not None
    plan = plans[0]
    middle = 24 - plan.start if plan.end > 24 else plan.end - plan.start - 1
    tagged = np.asarray(draw_frame(plan, middle), dtype=np.int16)
    bare = np.asarray(plan.camera.frame(middle), dtype=np.int16)
    ys, xs = np.nonzero(np.abs(tagged - bare).max(axis=2) > 0)
    assert len(ys) > 50, "a tag was drawn"
    assert Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1).inside(slot)
    edge = np.asarray(draw_frame(plan, 0), dtype=np.int16)
    assert np.array_equal(edge, np.asarray(plan.camera.frame(0), dtype=np.int16)), (
        "no tag in the take's first half second, where a transition overlaps two takes"
    )


# -- every preset, rendered ---------------------------------------------------------------------

EDIT = EditIntent(
    title_card=TitleCard("WASTELAND VILLA", "One blade. One house. One night.", 0.5),
    hook=Hook("WHO GUARDS THE LAST WHITE HOUSE ON THE DEAD COAST?", 0.5, 2.6),
    captions=(Caption("The last white house on a dead coast.", 0.6, 1.8),),
    lower_thirds=(Caption("Kestrel, the keeper", 2.0, 2.7),),
    end_card=EndCard("Follow @wasteland for part two", 1.0),
)
"""The example's title card and first caption, a long hook on screen with the caption, the lower
third and the end card, and the end card with the lower third: every kind at once, in a film of
3.1 s. On the square frame the hook, pushed under the takes' tag slot, reaches the middle where
the end card would sit, so the solver has to move one of them."""


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two 1.5 s black takes at the size takes are asked for: over black, a render shows its text
    layer alone (white ink; the plates are black), so the drawn pixels are found without a
    second, text-free render of each preset."""
    folder = tmp_path_factory.mktemp("layout-takes")
    w, h = CLIP_SIZE
    out = []
    for i in (1, 2):
        path = folder / f"black{i}.mp4"
        run_ffmpeg(
            ["-f", "lavfi", "-i", f"color=black:size={w}x{h}:rate=24:duration=1.5",
             "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "1.5",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
             "-c:a", "aac", path],
            what="black take", file=path,
        )  # fmt: skip
        out.append(path)
    return out


def _frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    """The frames of ``path`` at ``indices`` (0-based, decode order), decoded in one pass."""
    out: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in indices:
                out[i] = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.int16)
            if len(out) == len(indices):
                break
    assert set(out) == indices, f"{path} lacks frames {indices - set(out)}"
    return out


def _ink(rgb: np.ndarray) -> np.ndarray:
    """Pixels of text ink over black: far brighter than coding noise."""
    return np.asarray(rgb.max(axis=2) > 60)


def _own_ink(placed: Placed) -> tuple[np.ndarray, np.ndarray]:
    """Where ``placed`` alone puts ink over black in its box, as drawn and grown by two pixels
    (yuv420 and coding blur an edge by about that much)."""
    layer = block_image(placed)
    black = Image.new("RGB", layer.size, (0, 0, 0))
    black.paste(layer, mask=layer)
    ink = _ink(np.asarray(black, dtype=np.int16))
    grown = ink.copy()
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            grown |= np.roll(np.roll(ink, dy, axis=0), dx, axis=1)
    return ink, grown


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_keeps_its_texts_apart_and_safe(
    name: str, takes: list[Path], tmp_path: Path
) -> None:
    preset: Preset = PRESETS[name]
    safe = Box(*preset.safe.box(*preset.size))
    plan = spec_plan(takes, EDIT, rate=Fraction(24))
    texts = [t for t in plan.timeline.texts if t.kind is not TextKind.TITLE_CARD]
    assert {t.kind for t in texts} == {
        TextKind.HOOK,
        TextKind.CAPTION,
        TextKind.LOWER_THIRD,
        TextKind.END_CARD,
    }
    tags = reserved_slots([CLIP_SIZE], preset, "film")
    layout = film_layout(texts, preset, [CLIP_SIZE])
    # the layout's own boxes
    for placed in layout:
        assert placed.box.inside(safe), (name, placed)
        assert not any(placed.box.intersects(t) for t in tags), (name, placed)
    _clear(layout)
    together = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if a.start < b.end]
    assert len([p for p in together if p[1].start < p[0].end]) >= 2, "texts do meet in time"

    # the pixels: the text layer alone, rendered over black takes
    drawn = render(plan, preset, tmp_path / "texts.mp4", tmp_path / "work").path
    moments = sorted({(t.start + t.end) // 2 for t in texts} | {b.start + 2 for _, b in together})
    rendered = _frames(drawn, set(moments))
    for f in moments:
        ink = _ink(rendered[f])
        shown = [p for p, t in zip(layout, texts, strict=True) if t.start <= f < t.end]
        assert shown, f
        allowed = np.zeros_like(ink)
        for p in shown:
            box = p.box.grown(3)
            allowed[max(0, box.top) : box.bottom, max(0, box.left) : box.right] = True
            # inside its box, the ink is this text's own (no other text drawn over it)
            drawn_alone, own = _own_ink(p)
            seen = ink[p.box.top : p.box.bottom, p.box.left : p.box.right]
            assert (seen & own).sum() > 0.8 * drawn_alone.sum(), (name, f, p.block.key, "missing")
            assert (seen & ~own).sum() < 20, (name, f, p.block.key, "another text over it")
        assert not (ink & ~allowed).any(), (name, f, np.argwhere(ink & ~allowed)[:5])
        ys, xs = np.nonzero(ink)
        assert Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1).inside(
            safe.grown(3)
        )

    # the title card: title and subtitle inside the safe area
    title = TextItem(TextKind.TITLE_CARD, EDIT.title_card.text, 0, 12, EDIT.title_card.subtitle)
    card = np.asarray(render_title_card(title, preset.size, preset.safe), dtype=np.int16)
    background = np.asarray(_graded_background(None, preset.size), dtype=np.int16)
    ys, xs = np.nonzero(np.abs(card - background).max(axis=2) > 30)
    assert Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1).inside(safe)

    # the cover: the title drawn inside the safe area, clear of the take's tag
    timeline = plan.timeline
    with_title = np.asarray(cover_image(timeline, takes, preset, "WASTELAND VILLA"), np.int16)
    without = np.asarray(cover_image(timeline, takes, preset, ""), np.int16)
    ys, xs = np.nonzero(np.abs(with_title - without).max(axis=2) > 30)
    drawn_box = Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    assert drawn_box.inside(safe)
    assert not any(drawn_box.intersects(t) for t in reserved_slots([CLIP_SIZE], preset, "cover"))


def test_lint_reports_a_caption_that_fits_16_9_but_not_9_16() -> None:
    """S412 runs the render's layout on each channel's frame: a caption of three lines on the
    horizontal frame needs five on the vertical one, whose safe area is half as wide."""
    spec = load_spec(example_dir())
    text = " ".join(["The last white house on a dead coast, where the patrol comes."] * 4)
    long = Caption(text, 3.5, 7.0)
    edit = replace(spec.edit, captions=(long, *spec.edit.captions[1:]))
    film = replace(spec, edit=edit, channels=("youtube",))
    assert not [f for f in lint_production(film) if f.code == "S412"]
    both = replace(film, channels=("youtube", "tiktok"))
    (found,) = [f for f in lint_production(both) if f.code == "S412"]
    assert found.place == "edit.captions[0]"
    assert "vertical" in found.message and "caption 1" in found.message
    assert lint_production(spec) == [], "the example itself fits both its channels"
