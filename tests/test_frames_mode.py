"""First/last-frame mode, from the spec to the request: a clip that says which frames it starts
and ends on is sent exactly those frames, and nothing else.

The spec names frame images (or ``keyframe``, the previous clip's chosen keyframe); loading
checks them like board references; lint catches settings the models refuse; import stores them
by content in the clip's prompt version; generation sends them with the roles ``first_frame`` /
``last_frame``. The end-to-end tests run against the fake ModelArk over real HTTP and read what
the server received.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from approvals import approve_board
from PIL import Image, ImageDraw

from shortfilm.domain import ClipPlan, Production, Shot
from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.errors import SpecError
from shortfilm.examples import example_dir
from shortfilm.production.export import export_production
from shortfilm.production.importing import import_spec
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.lint import lint_production
from shortfilm.prompts.render import NamedReference, render_plain, render_reference_mode
from shortfilm.providers.animatic import AnimaticProvider
from shortfilm.providers.animatic_picture import pick_picture
from shortfilm.providers.base import GenerationRequest, Reference
from shortfilm.providers.http import RetryPolicy
from shortfilm.providers.seedance import SeedanceProvider
from shortfilm.spec import dump_spec, load_spec, spec_to_dict
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow, PromptRow, TakeRow
from shortfilm.takes.generate import GenerateResult, continuity_chains, generate_takes
from shortfilm.testing import FakeModelArk

KEY = "ark-frames-5b1d-test-secret"
MODEL = "dreamina-seedance-2-0-260128"
SLUG = "wasteland-villa"
FIRST = "refs/frame_first.png"
LAST = "refs/frame_last.png"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A private copy of the example (spec and refs) that a test may edit."""
    folder = tmp_path / "film"
    shutil.copytree(example_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return folder / "production.yaml"


def draw_frame(path: Path, colour: tuple[int, int, int], mark: int = 0) -> bytes:
    """A 1280x720 PNG in ``colour`` with a few bars (``mark`` moves them); returns its bytes."""
    image = Image.new("RGB", (1280, 720), colour)
    draw = ImageDraw.Draw(image)
    for x in range(40 + mark * 30, 1280, 160):
        draw.rectangle((x, 200, x + 60, 520), fill=(255 - colour[0], 240, 255 - colour[2]))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path.read_bytes()


def add_to_clip(spec: Path, index: int, lines: str) -> None:
    """Add YAML ``lines`` (clip-level keys, no indent) to clip ``index`` (0-based)."""
    text = spec.read_text(encoding="utf-8")
    anchor = "    duration_s: 12.5\n"
    at = -1
    for _ in range(index + 1):
        at = text.index(anchor, at + 1)
    at += len(anchor)
    block = "".join(f"    {line}\n" for line in lines.strip().splitlines())
    spec.write_text(text[:at] + block + text[at:], encoding="utf-8")


def line_of(spec: Path, needle: str) -> int:
    return next(n for n, line in enumerate(spec.read_text().splitlines(), 1) if needle in line)


def framed_spec(spec: Path) -> dict[str, bytes]:
    """The example with clip 2 pinned to two frame images and clip 4 starting on clip 3's
    keyframe. Clip 3 no longer continues clip 2, so clip 2 can change alone."""
    first = draw_frame(spec.parent / FIRST, (200, 40, 30))
    last = draw_frame(spec.parent / LAST, (30, 60, 190))
    add_to_clip(spec, 1, f"first_frame: {FIRST}\nlast_frame: {LAST}")
    text = spec.read_text()
    spec.write_text(text.replace("continues_previous: true", "continues_previous: false", 1))
    add_to_clip(spec, 3, "continues_previous: true\nfirst_frame: keyframe")
    return {"first": first, "last": last}


def load_error(spec: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    return info.value


# -- the spec -----------------------------------------------------------------------------------


def test_frames_load_and_survive_export_then_import(spec: Path) -> None:
    framed_spec(spec)

    production = load_spec(spec)

    clips = production.clips
    assert (clips[1].first_frame, clips[1].last_frame) == (FIRST, LAST)
    assert clips[1].frame_mode and not clips[1].starts_on_keyframe
    assert clips[3].first_frame == PREVIOUS_KEYFRAME and clips[3].last_frame is None
    assert clips[3].starts_on_keyframe
    assert not clips[0].frame_mode and not clips[2].frame_mode
    out = spec.with_name("exported.yaml")
    dump_spec(production, out)
    assert load_spec(out) == production
    written = out.read_text()
    assert f"first_frame: {FIRST}" in written and "first_frame: keyframe" in written
    assert written.count("first_frame:") == 2 and written.count("last_frame:") == 1
    assert spec_from_dict(spec_to_dict(production)) == production


def test_a_stored_spec_from_before_frames_still_loads() -> None:
    example = load_spec(example_dir())
    stored = spec_to_dict(example)

    assert all("first_frame" not in c and "last_frame" not in c for c in stored["clips"])
    loaded = spec_from_dict(stored)
    assert loaded == example
    assert all(c.first_frame is None and c.last_frame is None for c in loaded.clips)


def test_a_missing_frame_image_names_file_line_and_field(spec: Path) -> None:
    draw_frame(spec.parent / FIRST, (200, 40, 30))
    add_to_clip(spec, 1, f"first_frame: {FIRST}\nlast_frame: refs/nowhere.png")

    error = load_error(spec)

    line = line_of(spec, "last_frame: refs/nowhere.png")
    assert (error.line, error.field) == (line, "clips[1].last_frame")
    assert f"production.yaml:{line}: clips[1].last_frame: " in str(error)
    assert "last frame image not found: refs/nowhere.png" in str(error)


def test_a_frame_that_is_not_an_image_is_refused(spec: Path) -> None:
    (spec.parent / FIRST).write_text("not really a picture\n")
    add_to_clip(spec, 2, f"first_frame: {FIRST}")

    error = load_error(spec)

    assert (error.line, error.field) == (line_of(spec, "first_frame:"), "clips[2].first_frame")
    assert f"not a readable image: {FIRST}" in str(error)


def test_keyframe_needs_no_file_but_is_no_last_frame(spec: Path) -> None:
    add_to_clip(spec, 2, "first_frame: keyframe")
    assert load_spec(spec).clips[2].starts_on_keyframe

    add_to_clip(spec, 1, "first_frame: keyframe\nlast_frame: keyframe")
    error = load_error(spec)

    assert (error.line, error.field) == (line_of(spec, "last_frame:"), "clips[1].last_frame")
    assert "can only be a first_frame" in str(error)


# -- lint ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Production:
    return load_spec(example_dir())


def _with_clip(production: Production, index: int, **changes: Any) -> Production:
    clips = list(production.clips)
    clips[index] = dataclasses.replace(clips[index], **changes)
    return dataclasses.replace(production, clips=tuple(clips))


def _codes(production: Production, index: int) -> list[str]:
    return [f.code for f in lint_production(production, only_clip=index)]


def test_lint_refuses_a_last_frame_alone(example: Production) -> None:
    bad = _with_clip(example, 1, last_frame=LAST)

    findings = [f for f in lint_production(bad) if f.code == "K305"]

    assert [(f.severity, f.place) for f in findings] == [("error", "clips[1].last_frame")]
    assert "K305" not in _codes(_with_clip(example, 1, first_frame=FIRST, last_frame=LAST), 1)


def test_lint_refuses_a_keyframe_start_with_nothing_to_continue(example: Production) -> None:
    first_clip = _with_clip(example, 0, first_frame=PREVIOUS_KEYFRAME)
    not_continuing = _with_clip(example, 1, first_frame=PREVIOUS_KEYFRAME)
    continuing = _with_clip(example, 2, first_frame=PREVIOUS_KEYFRAME)
    assert continuing.clips[2].continues_previous

    assert _codes(first_clip, 0) == ["K306"]
    assert _codes(not_continuing, 1) == ["K306"]
    assert "continues_previous is not set" in lint_production(not_continuing)[0].message
    assert _codes(continuing, 2) == [], "a continuing clip may start on the keyframe"


def test_lint_warns_when_frames_replace_the_board_characters(example: Production) -> None:
    framed = _with_clip(example, 1, first_frame=FIRST, last_frame=LAST)

    findings = lint_production(framed, only_clip=1)

    assert [(f.code, f.severity, f.place) for f in findings] == [
        ("K307", "warning", "clips[1].first_frame")
    ]
    assert "Kestrel" in findings[0].message and "Patrol unit" in findings[0].message
    # no board character named: the frames carry no one the board was meant to hold
    shots = tuple(
        Shot(s.camera, s.movement, "the road", "Dust settles.") for s in example.clips[1].shots
    )
    empty = _with_clip(framed, 1, character_environment="The empty road at noon.", shots=shots)
    assert _codes(empty, 1) == []
    # the keyframe came from a take made with the board's references: no warning
    assert _codes(_with_clip(example, 2, first_frame=PREVIOUS_KEYFRAME), 2) == []


# -- prompt text --------------------------------------------------------------------------------


def test_reference_mode_says_where_the_clip_starts_and_ends_without_numbering_frames(
    example: Production,
) -> None:
    prompt = VideoPrompt.from_clip(example.board, example.clips[1])
    frames = [NamedReference("first_frame", FIRST), NamedReference("last_frame", LAST)]

    text = render_reference_mode(prompt, frames)

    assert "[Image" not in text and FIRST not in text
    assert "The clip starts exactly on the given first frame and ends exactly on the given " in (
        text
    )
    assert "Shot 1 (" in text
    continuing = VideoPrompt.from_clip(example.board, example.clips[2])
    start_only = render_reference_mode(continuing, frames[:1])
    assert "starts exactly on the given first frame. Continue the action from it" in start_only
    assert "given last frame" not in start_only
    plain = render_plain(prompt, frames)
    assert f"first frame: {FIRST}; last frame: {LAST}" in plain
    assert "References:" not in plain


# -- import -------------------------------------------------------------------------------------


def _prompts(store: Store) -> list[PromptRow]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        rows = [repo.latest(s, PromptRow, PromptRow.clip_id, c.id) for c in repo.clips(s, prod.id)]
        assert all(r is not None for r in rows)
        s.expunge_all()
        return [r for r in rows if r is not None]


def test_import_records_frames_by_content_only_where_a_clip_has_them(
    spec: Path, tmp_path: Path, db_url: str
) -> None:
    plain_store = Store(tmp_path / "plain")  # the same spec without frames, for comparison
    import_spec(plain_store, spec)
    plain = _prompts(plain_store)
    plain_store.close()
    first = draw_frame(spec.parent / FIRST, (200, 40, 30))
    last = draw_frame(spec.parent / LAST, (30, 60, 190))
    add_to_clip(spec, 1, f"first_frame: {FIRST}\nlast_frame: {LAST}")
    store = Store(tmp_path / "home", db_url)

    import_spec(store, spec)

    prompts = _prompts(store)
    frames = prompts[1].sections["frames"]
    assert frames == {
        "first": {"sha256": hashlib.sha256(first).hexdigest(), "path": FIRST},
        "last": {"sha256": hashlib.sha256(last).hexdigest(), "path": LAST},
    }
    assert store.artifact_path(frames["last"]["sha256"]).read_bytes() == last
    assert VideoPrompt.from_sections(prompts[1].sections) == VideoPrompt.from_sections(
        plain[1].sections
    )
    # the other clips' prompt versions are byte-for-byte those of a spec without frames
    for index in (0, 2, 3):
        assert "frames" not in prompts[index].sections
        assert prompts[index].content_hash == plain[index].content_hash
    assert prompts[1].content_hash != plain[1].content_hash
    assert "Frames: The clip starts exactly on the given first frame" in prompts[1].text

    again = import_spec(store, spec)
    assert again.new_versions == [], "the same frames are the same prompt version"
    draw_frame(spec.parent / LAST, (30, 60, 190), mark=1)
    changed = import_spec(store, spec)
    assert changed.new_versions == ["clip-02 prompt v2"]
    store.close()


def test_export_writes_the_frame_images_beside_the_spec(
    spec: Path, tmp_path: Path, db_url: str
) -> None:
    files = framed_spec(spec)
    store = Store(tmp_path / "home", db_url)
    import_spec(store, spec)

    exported = export_production(store, SLUG, tmp_path / "export", with_artifacts=False)

    store.close()
    assert load_spec(exported) == load_spec(spec)
    assert (exported.parent / FIRST).read_bytes() == files["first"]
    assert (exported.parent / LAST).read_bytes() == files["last"]


def test_a_keyframe_start_joins_the_chain_of_the_clip_before() -> None:
    shot = Shot("wide", "static", "x", "y")

    def clip(continues: bool, first_frame: str | None = None) -> ClipPlan:
        return ClipPlan("c", "job", "t", "c", (shot,), "s", 12.0, continues, first_frame)

    clips = [clip(False), clip(False, PREVIOUS_KEYFRAME), clip(False, FIRST), clip(True)]
    assert continuity_chains(clips) == [[0, 1], [2, 3]]


# -- the offline animatic -----------------------------------------------------------------------


@pytest.mark.media
def test_the_animatic_opens_on_the_first_frame_and_closes_on_the_last(tmp_path: Path) -> None:
    first = Reference(tmp_path / "first.png", "first_frame", FIRST)
    last = Reference(tmp_path / "last.png", "last_frame", LAST)
    draw_frame(first.path, (200, 40, 30))
    draw_frame(last.path, (30, 60, 190))
    shots = tuple(Shot("wide", "static", "Kestrel", f"moment {i}") for i in range(3))
    plan = ClipPlan("c02", "job", "t", "Kestrel on the road", shots, "s", 3.0)
    picked = pick_picture((first, last), (), shots[1], 1, last=True)
    assert picked.reference is last
    request = GenerationRequest(plan, "prompt", (first, last), 3.0, width=320, height=180)
    provider = AnimaticProvider(tmp_path / "work")

    job_id = provider.submit(request)

    shots_meta = provider.fetch(job_id, tmp_path / "out").metadata["shots"]
    assert isinstance(shots_meta, list)
    roles = [s["reference_role"] for s in shots_meta]
    assert roles[0] == "first_frame" and roles[-1] == "last_frame"


# -- end to end against the fake ModelArk ---------------------------------------------------------


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fake-ark-media")


@pytest.fixture
def fake(media_dir: Path) -> Iterator[FakeModelArk]:
    # half scale: the fake's 640x360 keyframes are within Seedance's image limits, so they are
    # sent as their own bytes and can be compared
    with FakeModelArk(api_keys={KEY}, media_dir=media_dir, media_scale=0.5) as server:
        yield server


@pytest.fixture
def seedance(fake: FakeModelArk, tmp_path: Path) -> Iterator[SeedanceProvider]:
    with httpx.Client() as client:
        yield SeedanceProvider(
            tmp_path / "work",
            base_url=fake.base_url,
            model=MODEL,
            api_key=KEY,
            client=client,
            poll_interval_s=0.02,
            retry=RetryPolicy(attempts=3, base_s=0.01, cap_s=0.04),
            reconcile_grace_s=0.0,
            environ={},
        )


def _images(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Each image item of a create body: its role and its decoded bytes, in send order."""
    out = []
    for item in body["content"]:
        if item["type"] == "image_url":
            data = item["image_url"]["url"].split(",", 1)[1]
            out.append((item["role"], base64.b64decode(data)))
    return out


def _prompt_text(body: dict[str, Any]) -> str:
    texts = [item["text"] for item in body["content"] if item["type"] == "text"]
    assert len(texts) == 1
    return str(texts[0])


def _selected(store: Store) -> list[tuple[TakeRow, bytes | None]]:
    """Each clip's selected take and the bytes of its chosen keyframe, in film order."""
    out: list[tuple[TakeRow, bytes | None]] = []
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        for clip in repo.clips(s, prod.id):
            assert clip.selected_take_id is not None
            take = s.get(TakeRow, clip.selected_take_id)
            assert take is not None
            keyframe = repo.chosen_keyframe(s, take.id)
            image = store.artifact_path(keyframe.sha256).read_bytes() if keyframe else None
            out.append((take, image))
        s.expunge_all()
    return out


def _takes_per_clip(store: Store) -> list[int]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clips: list[ClipRow] = repo.clips(s, prod.id)
        return [len(repo.takes(s, c.id)) for c in clips]


def _statuses(result: GenerateResult) -> list[tuple[str, bool]]:
    return [(o.status, o.reused) for o in result.outcomes]


@pytest.mark.media
def test_seedance_gets_exactly_the_frames_and_reruns_pay_only_for_a_changed_frame(
    spec: Path, tmp_path: Path, fake: FakeModelArk, seedance: SeedanceProvider, db_url: str
) -> None:
    files = framed_spec(spec)
    store = Store(tmp_path / "home", db_url)
    import_spec(store, spec)

    approve_board(store, SLUG)
    first_run = generate_takes(store, SLUG, seedance, poll_interval_s=0.02)

    assert _statuses(first_run) == [("succeeded", False)] * 4
    selected = _selected(store)
    bodies = [fake.task_body(str(take.job_id)) for take, _ in selected]
    # clip 2: the two frame images, as their own bytes, and no board reference
    assert _images(bodies[1]) == [("first_frame", files["first"]), ("last_frame", files["last"])]
    prompt = _prompt_text(bodies[1])
    assert "[Image" not in prompt
    assert "starts exactly on the given first frame and ends exactly on the given last frame" in (
        prompt
    )
    assert selected[1][0].params["prompt_text"] == prompt
    assert [(r["role"], r["label"]) for r in selected[1][0].references] == [
        ("first_frame", FIRST),
        ("last_frame", LAST),
    ]
    # clip 4 starts on clip 3's chosen keyframe, sent as the first frame and nothing else
    keyframe_of_clip_3 = selected[2][1]
    assert keyframe_of_clip_3 is not None
    assert _images(bodies[3]) == [("first_frame", keyframe_of_clip_3)]
    prompt = _prompt_text(bodies[3])
    assert "[Image" not in prompt
    assert "starts exactly on the given first frame. Continue the action from it" in prompt
    assert selected[3][0].references[0]["label"].startswith("clip-03 keyframe at ")
    # clips without frames are sent the board's references, as before
    for body in (bodies[0], bodies[2]):
        roles = [role for role, _ in _images(body)]
        assert roles == ["reference_image"] * 5
        assert "[Image 1] is " in _prompt_text(body)
    created = fake.stats()["tasks_created"]
    assert created == 4

    # nothing changed: nothing new is made or paid for
    second_run = generate_takes(store, SLUG, seedance, poll_interval_s=0.02)

    assert _statuses(second_run) == [("succeeded", True)] * 4
    assert fake.stats()["tasks_created"] == created

    # a new last frame image: a new prompt version and a new take, for clip 2 only
    new_last = draw_frame(spec.parent / LAST, (30, 60, 190), mark=2)
    assert import_spec(store, spec).new_versions == ["clip-02 prompt v2"]

    third_run = generate_takes(store, SLUG, seedance, poll_interval_s=0.02)

    assert [o.reused for o in third_run.outcomes] == [True, False, True, True]
    assert fake.stats()["tasks_created"] == created + 1
    assert _takes_per_clip(store) == [1, 2, 1, 1]
    retaken = _selected(store)[1][0]
    assert retaken.number == 2
    assert _images(fake.task_body(str(retaken.job_id))) == [
        ("first_frame", files["first"]),
        ("last_frame", new_last),
    ]

    # a new board image re-makes the clips it is sent to, never a clip pinned to its frames
    draw_frame(spec.parent / "refs" / "palette.png", (20, 160, 60))
    assert import_spec(store, spec).new_versions == ["board v2"]

    approve_board(store, SLUG)
    fourth_run = generate_takes(store, SLUG, seedance, poll_interval_s=0.02)

    reused = [o.reused for o in fourth_run.outcomes]
    assert reused[:3] == [False, True, False], reused
    store.close()
