"""An honest animatic: each shot shows its own subject, at its shot size, in the production's shape.

Two productions are rendered through the real request path (:func:`build_request`: the board's
subjects, the size chosen from the first channel) at a small size of the same aspect: the
example and ``tests/lighthouse_night`` (vertical-first, with an alias, a description-only
match, a prop, a character without a picture, a negated subject and an unmatched one). Each
shot is checked twice: its metadata names the subject written down here by hand, and its middle
frame looks like that subject's reference crop (or its placeholder) more than like any other
subject's picture.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from shortfilm.domain import ClipPlan, Production, Shot
from shortfilm.domain.camera import ShotSize, parse_shot_size
from shortfilm.domain.subjects import BoardSubject, Resolution, board_subjects, resolve_subject
from shortfilm.domain.take import TakeSource
from shortfilm.examples import example_dir
from shortfilm.media.probe import probe
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.lint import lint_production
from shortfilm.providers import animatic
from shortfilm.providers.animatic import AnimaticProvider
from shortfilm.providers.animatic_picture import Picture, placeholder_still, placeholder_text
from shortfilm.providers.base import GenerationRequest
from shortfilm.spec import load_spec
from shortfilm.takes.request import build_request, clip_size

SMALL = (108, 192)
"""9:16 like the requests, a fraction of their pixels: fast to render, big enough to compare."""
FPS = 8
LIGHTHOUSE = Path(__file__).parent / "lighthouse_night" / "production.yaml"

# Where the drawings put each figure's head, in reference pixels (centre x, centre y, radius).
ADA_HEAD = (120.0, 60.0, 26.0)
"""tests: :func:`_draw_ada` (240x400)."""
KESTREL_HEAD = (470.0, 88.0, 46.0)
"""shortfilm.art.figures: the heroine's head ellipse, feet at (470, 648), centre 560 px up."""
PATROL_HEAD = (360.0, 200.0, 60.0)
"""shortfilm.art.figures: the nearest unit's head box, p(-70..70, 480..600) from (360, 740)."""
HEADS = {"Ada Holm": ADA_HEAD, "Kestrel": KESTREL_HEAD, "Patrol unit": PATROL_HEAD}

# What each shot is about, written by hand from the shot lists: (subject, picture) per shot.
REF, CARD = "reference", "placeholder"
EXAMPLE_SHOWS = [
    [("Villa exterior", REF), ("Patrol unit", REF), ("Patrol unit", REF)],
    [("Kestrel", REF), ("Kestrel", REF), ("Spinning blade", CARD)],
    [("Kestrel", REF), ("Patrol unit", REF), ("Kestrel", REF), ("Kestrel", REF)],
    [("Kestrel", REF), ("Kestrel", REF), ("Villa exterior", REF)],
]
LIGHTHOUSE_SHOWS = [
    [("Lighthouse", REF), ("Ada Holm", REF), ("Storm lantern", CARD), (None, CARD)],
    [("Old Tom", CARD), ("Ada Holm", REF), ("Harbour", REF), (None, CARD)],
]


# --- the lighthouse's drawings ------------------------------------------------------------------


def _draw_ada(path: Path) -> None:
    """A keeper in a yellow oilskin on slate blue, her head at :data:`ADA_HEAD`."""
    img = Image.new("RGB", (240, 400), (40, 52, 78))
    draw = ImageDraw.Draw(img)
    x, y, r = ADA_HEAD
    draw.polygon([(70, 110), (170, 110), (205, 400), (35, 400)], fill=(235, 190, 30))
    draw.rectangle((100, 86, 140, 112), fill=(200, 150, 120))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(214, 160, 128))
    draw.rectangle((x + r - 8, y - 10, x + r + 4, y + 70), fill=(150, 150, 150))  # the braid
    img.save(path)


def _draw_lighthouse(path: Path) -> None:
    """A white tower with red bands on a black rock under a navy sky."""
    img = Image.new("RGB", (400, 300), (12, 24, 60))
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 300), (80, 230), (320, 225), (400, 300)], fill=(10, 10, 12))
    draw.polygon([(175, 60), (225, 60), (240, 235), (160, 235)], fill=(240, 238, 230))
    for top in (95, 150, 205):
        draw.rectangle((160, top, 240, top + 18), fill=(200, 40, 40))
    draw.rectangle((180, 30, 220, 60), fill=(255, 220, 90))
    img.save(path)


def _draw_harbour(path: Path) -> None:
    """A grey stone wall with an iron rail over green water."""
    img = Image.new("RGB", (480, 270), (30, 110, 90))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 150, 480, 270), fill=(128, 128, 124))
    for x in range(0, 480, 40):
        draw.line((x, 150, x, 270), fill=(90, 90, 88), width=3)
    draw.line((0, 132, 480, 132), fill=(20, 20, 24), width=4)
    img.save(path)


# --- rendering through the real request path ----------------------------------------------------


class _Artifacts:
    """Stands in for the store where :func:`build_request` only asks where an artifact lives."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def artifact_path(self, sha256: str) -> Path:
        return self.folder / sha256


def _board_source(production: Production, folder: Path) -> TakeSource:
    """The board version a take reads: its references in stable order, files named as stored."""
    refs = [
        {"path": c.reference, "sha256": c.reference, "role": "character", "label": c.name}
        for c in production.board.characters
        if c.reference
    ]
    refs += [
        {"path": v.reference, "sha256": v.reference, "role": "environment", "label": v.name}
        for v in production.board.environment
        if v.reference
    ]
    return TakeSource(id=1, version=1, content_hash="board", data={}, references=refs)


def _requests(production: Production, folder: Path) -> list[GenerationRequest]:
    provider = AnimaticProvider(folder / "work")
    board = _board_source(production, folder)
    out = []
    for position, plan in enumerate(production.clips, start=1):
        sections = VideoPrompt.from_clip(production.board, plan).sections()
        prompt = TakeSource(id=position, version=1, content_hash=f"p{position}", data=sections)
        request, _ = build_request(
            _Artifacts(folder),  # type: ignore[arg-type]
            production,
            plan,
            prompt,
            board,
            None,
            position,
            provider,
            seed=7,
        )
        out.append(request)
    return out


@dataclass
class Rendered:
    production: Production
    folder: Path
    requests: list[GenerationRequest]
    shots: list[list[dict[str, Any]]]
    """Each clip's ``delivery.json`` shots."""
    middles: list[list[np.ndarray]]
    """Each shot's middle frame (RGB)."""
    sizes: list[tuple[int, int]]
    """Each take's width and height as ffprobe reports them."""


def _render(spec: Path, folder: Path) -> Rendered:
    production = load_spec(spec)
    requests = _requests(production, folder)
    provider = AnimaticProvider(folder / "work")
    shots, middles, sizes = [], [], []
    for request in requests:
        small = dataclasses.replace(request, width=SMALL[0], height=SMALL[1], fps=FPS)
        job = provider.submit(small)
        take = provider.workdir / job
        meta = json.loads((take / animatic.METADATA_NAME).read_text("utf-8"))
        info = probe(take / animatic.VIDEO_NAME)
        sizes.append((info.width, info.height))
        frames = _decode(take / animatic.VIDEO_NAME)
        shots.append(meta["shots"])
        middles.append([frames[(s["start_frame"] + s["end_frame"]) // 2] for s in meta["shots"]])
    return Rendered(production, folder, requests, shots, middles, sizes)


def _decode(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(example_dir(), folder, dirs_exist_ok=True)
    return _render(folder / "production.yaml", folder)


@pytest.fixture(scope="module")
def lighthouse(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("lighthouse")
    shutil.copy(LIGHTHOUSE, folder / "production.yaml")
    (folder / "refs").mkdir()
    _draw_ada(folder / "refs" / "ada.png")
    _draw_lighthouse(folder / "refs" / "lighthouse.png")
    _draw_harbour(folder / "refs" / "harbour.png")
    return _render(folder / "production.yaml", folder)


# --- comparing pictures -------------------------------------------------------------------------


def _grid(image: np.ndarray | Image.Image) -> np.ndarray:
    """The middle of a frame (clear of the slate and the lower-third) as 6x4 mean colours."""
    frame = Image.fromarray(image) if isinstance(image, np.ndarray) else image
    w, h = frame.size
    middle = frame.convert("RGB").crop((w * 0.15, h * 0.22, w * 0.85, h * 0.62))
    return np.asarray(middle.resize((4, 6), Image.Resampling.BOX), dtype=np.float64)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(_grid(a) - _grid(b)).mean())


def _crop(reference: Path, box: list[float] | None) -> Image.Image:
    """The reference as the camera sees it at ``box`` (fractions of its size; black beyond its
    edges), frame-sized; the whole reference cover-cropped when no box is given."""
    with Image.open(reference) as img:
        rgb = img.convert("RGB")
    if box is None:
        return ImageOps.fit(rgb, SMALL)
    w, h = rgb.size
    left, top, right, bottom = box
    pixels = (round(left * w), round(top * h), round(right * w), round(bottom * h))
    return rgb.crop(pixels).resize(SMALL)


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def _card(meta: dict[str, Any]) -> Image.Image:
    """The placeholder a shot's metadata says it showed, drawn again and cropped to the view."""
    found = None
    if meta["subject"] is not None:
        found = BoardSubject(meta["subject_kind"], meta["subject"])
    resolution = Resolution(meta["subject_text"], found, meta["resolved_by"])
    picture = Picture("placeholder", resolution, None, ShotSize(meta["shot_size"]))
    words = placeholder_text(picture)[1]
    assert words == (meta["subject"] or meta["subject_text"]) == meta["placeholder"]["words"]
    still = placeholder_still(picture, SMALL)
    left = (still.width - SMALL[0]) // 2
    top = (still.height - SMALL[1]) // 2
    return still.crop((left, top, left + SMALL[0], top + SMALL[1]))


def _check_production(rendered: Rendered, expected: list[list[tuple[str | None, str]]]) -> None:
    production, folder = rendered.production, rendered.folder
    pictures = {c.name: folder / c.reference for c in production.board.characters if c.reference}
    pictures |= {v.name: folder / v.reference for v in production.board.environment if v.reference}
    cards = {
        (m["subject"] or m["subject_text"]): _card(m)
        for clip in rendered.shots
        for m in clip
        if m["picture"] == CARD
    }
    for c, (plan, metas, middles) in enumerate(
        zip(production.clips, rendered.shots, rendered.middles, strict=True)
    ):
        assert [(m["subject"], m["picture"]) for m in metas] == expected[c], plan.name
        for shot, meta, middle in zip(plan.shots, metas, middles, strict=True):
            where = f"{plan.name} / {shot.subject!r}"
            assert meta["subject_text"] == shot.subject, where
            assert meta["shot_size"] == parse_shot_size(shot.camera), where
            if meta["picture"] == REF:
                own = _crop(pictures[meta["subject"]], meta["view_box"])
                assert meta["reference"] == meta["subject"], where
            else:
                own = cards[meta["subject"] or meta["subject_text"]]
                assert meta["reference"] is None, where
            others = [
                _crop(p, meta.get("view_box")) for n, p in pictures.items() if n != meta["subject"]
            ]
            others += [card for key, card in cards.items() if card is not own]
            mine = _distance(middle, np.asarray(own))
            closest = min(_distance(middle, np.asarray(o)) for o in others)
            assert mine < closest, (
                f"{where}: {mine:.1f} to its own picture, {closest:.1f} to another"
            )


# --- the tests ----------------------------------------------------------------------------------


def test_every_shot_of_the_example_shows_its_own_subject(example: Rendered) -> None:
    _check_production(example, EXAMPLE_SHOWS)


def test_every_shot_of_the_lighthouse_shows_its_own_subject(lighthouse: Rendered) -> None:
    _check_production(lighthouse, LIGHTHOUSE_SHOWS)
    metas = [m for clip in lighthouse.shots for m in clip]
    how = {m["subject_text"]: m["resolved_by"] for m in metas}
    assert how["the keeper"] == "name"  # by its alias
    assert how["the retired fisherman in his rowing boat"] == "description"
    assert how["Nothing but black water where the lighthouse should be"] == "negated"
    assert how["a gull on the rail"] == "unmatched"


def test_vertical_first_productions_are_made_at_9_16(
    example: Rendered, lighthouse: Rendered
) -> None:
    for rendered in (example, lighthouse):
        assert {(r.width, r.height) for r in rendered.requests} == {(720, 1280)}
        assert set(rendered.sizes) == {SMALL}
    youtube_first = dataclasses.replace(lighthouse.production, channels=("youtube", "tiktok"))
    provider = AnimaticProvider(lighthouse.folder / "work")
    assert clip_size(youtube_first, provider) == (1280, 720)


def test_the_head_stays_in_frame_at_every_shot_size(
    example: Rendered, lighthouse: Rendered
) -> None:
    seen: dict[str, list[tuple[int, float]]] = {}
    order = list(ShotSize)
    for rendered in (example, lighthouse):
        sizes = {
            c.name: _image_size(rendered.folder / c.reference)
            for c in rendered.production.board.characters
            if c.reference
        }
        for metas in rendered.shots:
            for meta in metas:
                if meta["picture"] != REF or meta["subject"] not in HEADS:
                    continue
                x, y, r = HEADS[meta["subject"]]
                w, h = sizes[meta["subject"]]
                left, top, right, bottom = (
                    v * s for v, s in zip(meta["view_box"], (w, h, w, h), strict=True)
                )
                where = f"{meta['subject_text']!r} ({meta['shot_size']})"
                assert left <= x - r * 0.5 and x + r * 0.5 <= right, where
                assert top <= y - r * 0.5 and y + r * 0.5 <= bottom, where
                size = order.index(ShotSize(meta["shot_size"]))
                seen.setdefault(meta["subject"], []).append((size, bottom - top))
    # Tighter sizes show less of the same reference: the view shrinks as the size tightens.
    for subject, views in seen.items():
        views.sort()
        heights = [h for _, h in views]
        assert heights == sorted(heights, reverse=True), subject
    assert {s for s, _ in seen["Kestrel"]} >= {1, 2, 3, 6}  # wide .. extreme close-up


def test_subjects_resolve_by_name_alias_description_and_not_under_negation() -> None:
    production = load_spec(example_dir() / "production.yaml")
    subjects = board_subjects(production.board)

    def name(text: str) -> str | None:
        found = resolve_subject(text, subjects).subject
        return found.name if found else None

    assert name("the lead robot's head") == "Patrol unit"  # "Zombie robot: ..."
    assert name("the three patrol units") == "Patrol unit"
    assert name("Kestrel and the last robot") == "Kestrel"  # the first named
    assert name("the white villa on its cliff") == "Villa exterior"
    assert name("the spinning blade") == "Spinning blade"  # a prop of Kestrel's
    assert name("no sign of Kestrel") is None
    assert name("the road where the villa used to be") == "Wasteland road"
    assert name("a gull") is None
    assert name("") is None


def _frame_mode(production: Production, subject: str) -> Production:
    """The first clip in first/last-frame mode with one shot about ``subject``, naming nothing
    else (K307 applies only to such clips)."""
    clip: ClipPlan = dataclasses.replace(
        production.clips[0],
        character_environment="",
        shots=(Shot("wide", "static", subject, "Rain falls."),),
        first_frame="refs/harbour.png",
    )
    return dataclasses.replace(production, clips=(clip, *production.clips[1:]))


def test_lint_k307_reads_subjects_with_the_same_resolver(lighthouse: Rendered) -> None:
    production = lighthouse.production

    def k307(subject: str) -> list[str]:
        findings = lint_production(_frame_mode(production, subject), only_clip=0)
        return [f.message for f in findings if f.code == "K307"]

    assert any("Ada Holm" in m for m in k307("the keeper"))  # an alias
    assert any("Ada Holm" in m for m in k307("the old keeper at the rail"))
    assert k307("Nothing but black water where Ada Holm should be") == []
    assert k307("a gull on the rail") == []
