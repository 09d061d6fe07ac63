"""Step 1 as a command: the board image from the brief and the references, versioned.

What a team relies on: the offline sheet shows every reference (and the palette) in a real PNG,
the same request never makes (or pays for) a second image, every image is a new board version
that records how it was made, and Seedream receives the brief and the references in board
order over real HTTP, with retries, while the API key appears nowhere.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from shortfilm.board.image import board_brief, generate_board_image
from shortfilm.board.versions import base_content_hash
from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.errors import InputError, ProviderError, StoreError
from shortfilm.production.importing import import_spec
from shortfilm.providers.ark import ArkAPIError
from shortfilm.providers.base import Reference
from shortfilm.providers.board_sheet import BoardSheetProvider, sheet_layout
from shortfilm.providers.http import RetryPolicy
from shortfilm.providers.image_registry import get_image_provider
from shortfilm.providers.images import ImageProvider, ImageRequest, ImageResult
from shortfilm.providers.seedream import SeedreamProvider
from shortfilm.providers.seedream_request import model_spec, output_size
from shortfilm.spec import load_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import Base, BoardRow, EventRow
from shortfilm.testing import FakeModelArk

KEY = "ark-5d1c9e7a-board-image-test-secret-never-logged"
SLUG = "wasteland-villa"
FAST_RETRY = RetryPolicy(attempts=4, base_s=0.01, cap_s=0.04)

COLOURS = [(220, 30, 40), (30, 200, 60), (40, 60, 230), (240, 200, 20), (160, 40, 200)]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path, example_spec: Path, db_url: str) -> Iterator[Store]:
    """A production home with the example imported: board v1, five references; on SQLite and
    on PostgreSQL."""
    home = Store(tmp_path / "home", db_url)
    import_spec(home, example_spec)
    try:
        yield home
    finally:
        home.close()


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeModelArk]:
    with FakeModelArk(api_keys={KEY}, media_dir=tmp_path / "ark-media") as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def seedream(
    fake: FakeModelArk, client: httpx.Client, tmp_path: Path, **overrides: Any
) -> SeedreamProvider:
    options: dict[str, Any] = {
        "base_url": fake.base_url,
        "api_key": KEY,
        "client": client,
        "retry": FAST_RETRY,
        "environ": {},
    }
    options.update(overrides)
    return SeedreamProvider(tmp_path / "work", **options)


def solid_refs(folder: Path, colours: list[tuple[int, int, int]]) -> tuple[Reference, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    refs = []
    for i, colour in enumerate(colours, 1):
        path = folder / f"ref{i}.png"
        Image.new("RGB", (640, 360), colour).save(path)
        refs.append(Reference(path=path, role="character", label=f"Ref {i}"))
    return tuple(refs)


def centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)


def boards(store: Store) -> list[BoardRow]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        rows = s.query(BoardRow).filter_by(production_id=prod.id).order_by(BoardRow.version)
        return list(rows)


def image_events(store: Store) -> list[EventRow]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        return [e for e in repo.events(s, prod.id) if e.kind == "board.image"]


def everything_stored(store: Store) -> bytes:
    """Every byte under the production home (database file, WAL, artifacts, work files) and
    every row of every table, on whichever database the store is."""
    files = b"".join(p.read_bytes() for p in sorted(store.home.rglob("*")) if p.is_file())
    with store.session() as s:
        rows = [repr(s.execute(select(table)).all()) for table in Base.metadata.sorted_tables]
    return files + "\n".join(rows).encode()


# --- the offline sheet ------------------------------------------------------------------------


def test_board_sheet_is_a_real_png_showing_every_reference_and_the_palette(tmp_path: Path) -> None:
    refs = solid_refs(tmp_path / "refs", COLOURS)
    palette = ("#f2efe6", "#1f4e79", "#c8782a")
    request = ImageRequest(
        prompt="World: a coast.\nStyle: 35 mm.", references=refs, seed=7, palette=palette, title="T"
    )
    provider = BoardSheetProvider(tmp_path / "work")
    assert isinstance(provider, ImageProvider)

    result = provider.generate(request, tmp_path / "out" / "board.png")

    assert result.image == tmp_path / "out" / "board.png"
    assert result.cost == 0.0
    with Image.open(result.image) as img:
        assert img.format == "PNG"
        assert img.size == (2048, 1152)
        pixels = img.convert("RGB")
    layout = sheet_layout(len(refs), 2048, 1152, len(palette))
    seen = [pixels.getpixel(centre(box)) for box in layout.images]
    assert seen == COLOURS, "each cell shows its own reference, in board order"
    swatches = [pixels.getpixel((box[0] + 6, box[1] + 6)) for box in layout.swatches]
    assert swatches == [(0xF2, 0xEF, 0xE6), (0x1F, 0x4E, 0x79), (0xC8, 0x78, 0x2A)]
    listed = result.metadata["references"]
    assert isinstance(listed, list)
    assert [r["label"] for r in listed] == [r.label for r in refs]
    assert not list((tmp_path / "out").glob(".*")), "no temporary file left behind"


def test_board_sheet_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    refs = solid_refs(tmp_path / "refs", COLOURS[:2])
    provider = BoardSheetProvider()
    same = [
        provider.generate(ImageRequest("World: x", refs, seed=3), tmp_path / f"a{i}.png")
        for i in range(2)
    ]
    other = provider.generate(ImageRequest("World: x", refs, seed=4), tmp_path / "b.png")
    assert same[0].image.read_bytes() == same[1].image.read_bytes()
    assert other.image.read_bytes() != same[0].image.read_bytes()


def test_board_sheet_names_an_unreadable_reference(tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    request = ImageRequest("World: x", (Reference(bad, "character", "Kestrel"),))
    with pytest.raises(InputError, match="broken.png.*Kestrel"):
        BoardSheetProvider().generate(request, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()


# --- versioning -------------------------------------------------------------------------------


def test_generate_makes_one_new_version_then_reuses_it(store: Store, example_spec: Path) -> None:
    provider = BoardSheetProvider()
    first = generate_board_image(store, SLUG, provider)

    assert (first.version, first.reused) == (2, False)
    assert first.path == store.artifacts.readable(
        f"{SLUG}/board-v2/board__board-sheet-layout-1.png"
    )
    assert hashlib.sha256(first.path.read_bytes()).hexdigest() == first.sha256
    v1, v2 = boards(store)
    record = v2.blocks[BOARD_IMAGE_KEY]
    assert record["sha256"] == first.sha256
    assert (record["provider"], record["model"], record["seed"]) == (
        "board-sheet",
        "layout-1",
        0,
    )
    assert record["prompt"] == board_brief(load_spec(example_spec).board), "the brief is stored"
    assert "usage" in record
    assert v2.references == v1.references, "same references, same order"
    assert {k: v for k, v in v2.blocks.items() if k != BOARD_IMAGE_KEY} == v1.blocks
    assert v2.content_hash == content_hash({"blocks": v2.blocks, "refs": v2.references})
    assert v2.content_hash != v1.content_hash, "the hash covers the image"
    assert base_content_hash(v2) == v1.content_hash, "an import can still recognise the spec"
    assert v2.status == "draft"
    for i, name in enumerate(["kestrel", "patrol-unit", "villa-exterior"], 1):
        assert store.artifacts.readable(f"{SLUG}/board-v2/ref-{i:02d}__{name}.png").is_file()
    assert len(image_events(store)) == 1

    again = generate_board_image(store, SLUG, provider)
    assert (again.version, again.reused, again.sha256) == (2, True, first.sha256)
    assert len(boards(store)) == 2, "no version for an unchanged request"
    assert len(image_events(store)) == 1

    other_seed = generate_board_image(store, SLUG, provider, seed=1)
    assert (other_seed.version, other_seed.reused) == (3, False)
    assert boards(store)[-1].blocks[BOARD_IMAGE_KEY]["seed"] == 1


class ImportsMeanwhile:
    """A sheet provider during whose call someone imports an edited spec (a new board)."""

    name = "board-sheet"
    model = "layout-1"
    cost_unit = "credits"

    def __init__(self, store: Store, spec: Path) -> None:
        self.store, self.spec = store, spec

    def generate(self, request: ImageRequest, dest: Path) -> ImageResult:
        text = self.spec.read_text("utf-8")
        self.spec.write_text(text.replace("Hard sun, dust", "Low sun, dust"), "utf-8")
        import_spec(self.store, self.spec)
        return BoardSheetProvider().generate(request, dest)


def test_an_image_made_while_the_board_changed_is_kept_but_recorded_nowhere(
    store: Store, example_spec: Path
) -> None:
    with pytest.raises(StoreError, match="changed .now v2. while its image was made from v1"):
        generate_board_image(store, SLUG, ImportsMeanwhile(store, example_spec))
    assert [BOARD_IMAGE_KEY in b.blocks for b in boards(store)] == [False, False]
    kept = list((store.artifacts.library / SLUG / "board-v1").glob("unrecorded__*.png"))
    assert len(kept) == 1 and kept[0].resolve().is_file(), "the paid image is not lost"
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        kinds = [e.kind for e in repo.events(s, prod.id)]
    assert "board.image_unrecorded" in kinds and "board.image" not in kinds
    made = generate_board_image(store, SLUG, BoardSheetProvider())
    assert (made.version, made.reused) == (3, False), "a run again makes it for the new board"


def test_generate_refuses_an_unknown_production(store: Store) -> None:
    with pytest.raises(StoreError, match="no production 'nope'"):
        generate_board_image(store, "nope", BoardSheetProvider())


# --- Seedream over real HTTP --------------------------------------------------------------------


def test_seedream_gets_the_brief_and_the_references_in_board_order(
    store: Store,
    fake: FakeModelArk,
    client: httpx.Client,
    tmp_path: Path,
    example_spec: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.inject("images", "429")
    provider = seedream(fake, client, tmp_path)

    result = generate_board_image(store, SLUG, provider, seed=5)

    assert fake.image_calls == 2, "the 429 was retried"
    assert fake.images_generated == 1
    body = fake.image_body()
    brief = board_brief(load_spec(example_spec).board)
    assert brief in body["prompt"]
    assert body["prompt"].startswith("[Image 1] is Kestrel")
    assert "[Image 3] is Villa exterior" in body["prompt"]
    v1 = boards(store)[0]
    sent = [base64.b64decode(url.split(",", 1)[1]) for url in body["image"]]
    assert [hashlib.sha256(b).hexdigest() for b in sent] == [r["sha256"] for r in v1.references]
    assert body["size"] == "2560x1440", "2048x1152 scaled into Seedream 4.5's pixel range"
    assert (body["response_format"], body["watermark"]) == ("b64_json", False)
    assert body["sequential_image_generation"] == "disabled"
    assert "seed" not in body, "Seedream 4.x documents no seed"

    assert (result.version, result.reused, result.cost, result.cost_unit) == (
        2,
        False,
        1.0,
        "images",
    )
    with Image.open(result.path) as img:
        assert (img.format, img.size) == ("PNG", (2560, 1440))
    record = boards(store)[-1].blocks[BOARD_IMAGE_KEY]
    assert (record["provider"], record["model"], record["seed"]) == (
        "seedream",
        "seedream-4-5-251128",
        5,
    )
    assert record["usage"]["generated_images"] == 1
    assert record["provider_metadata"]["prompt"] == body["prompt"]
    assert result.path.name == "board__seedream-seedream-4-5-251128.png"

    calls = fake.image_calls
    reused = generate_board_image(store, SLUG, provider, seed=5)
    assert reused.reused and fake.image_calls == calls, "nothing sent for the same request"

    assert KEY not in caplog.text
    assert KEY.encode() not in everything_stored(store)


def test_seedream_url_results_are_downloaded_at_once(
    store: Store, fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    provider = seedream(fake, client, tmp_path, response_format="url", model="seedream-4-0-250828")
    result = generate_board_image(store, SLUG, provider)
    assert fake.image_body()["size"] == "2048x1152", "within Seedream 4.0's range: as asked"
    assert list(fake.downloads.values()) == [1]
    with Image.open(result.path) as img:
        assert (img.format, img.size) == ("PNG", (2048, 1152))


def test_a_bad_key_fails_clearly_without_showing_it(
    store: Store, fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    wrong = KEY + "-wrong"
    provider = seedream(fake, client, tmp_path, api_key=wrong)
    with pytest.raises(ArkAPIError) as caught:
        generate_board_image(store, SLUG, provider)
    assert caught.value.status_code == 401
    assert "ARK_API_KEY" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(provider)
    assert len(boards(store)) == 1, "no version without an image"


def test_a_content_filter_refusal_ends_without_a_version(
    store: Store, fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    fake.fail_next_images()
    with pytest.raises(ArkAPIError, match="OutputImageSensitiveContentDetected") as caught:
        generate_board_image(store, SLUG, seedream(fake, client, tmp_path))
    assert not caught.value.retryable
    assert fake.image_calls == 1, "a refusal is not retried"
    assert len(boards(store)) == 1


def test_a_lost_answer_is_sent_again_and_counted(
    store: Store, fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    fake.inject("images", "reset-created")  # made, then the connection drops: no answer
    result = generate_board_image(store, SLUG, seedream(fake, client, tmp_path))
    assert fake.images_generated == 2, "the lost image was made (and billed) on the server"
    meta = boards(store)[-1].blocks[BOARD_IMAGE_KEY]["provider_metadata"]
    assert (meta["attempts"], meta["unknown_outcomes"]) == (2, 1)
    assert result.version == 2


class AnswerTimesOut(httpx.BaseTransport):
    """Delivers each request to the server, then loses the first answer to a read timeout: what
    a client whose timeout ran out while the server made the image sees, without a clock."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.timed_out = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.timed_out:
            return response
        self.timed_out += 1
        response.read()
        response.close()
        raise httpx.ReadTimeout("timed out", request=request)

    def close(self) -> None:
        self.inner.close()


def test_an_answer_lost_to_the_client_timeout_is_sent_again_and_counted(
    store: Store, fake: FakeModelArk, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    transport = AnswerTimesOut()
    with httpx.Client(transport=transport) as client, caplog.at_level(logging.WARNING):
        generate_board_image(store, SLUG, seedream(fake, client, tmp_path))
    assert transport.timed_out == 1 and fake.images_generated == 2
    meta = boards(store)[-1].blocks[BOARD_IMAGE_KEY]["provider_metadata"]
    assert (meta["attempts"], meta["unknown_outcomes"]) == (2, 1)
    assert "timed out (ReadTimeout)" in caplog.text


def test_a_lost_answer_can_be_refused_instead(
    store: Store, fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    fake.inject("images", "500-created")
    provider = seedream(fake, client, tmp_path, resend_unknown=False)
    with pytest.raises(ProviderError, match="may have been generated and billed") as caught:
        generate_board_image(store, SLUG, provider)
    assert caught.value.retryable
    assert fake.image_calls == 1
    assert len(boards(store)) == 1


def test_a_request_the_model_cannot_take_is_refused_before_sending(
    fake: FakeModelArk, client: httpx.Client, tmp_path: Path
) -> None:
    refs = solid_refs(tmp_path / "refs", [(i * 15, 80, 120) for i in range(15)])
    provider = seedream(fake, client, tmp_path)
    with pytest.raises(InputError, match="15 reference images.*at most 14"):
        provider.generate(ImageRequest("World: x", refs), tmp_path / "out.png")
    with pytest.raises(InputError, match="aspect"):
        provider.generate(ImageRequest("World: x", refs[:1], 4000, 200), tmp_path / "out.png")
    assert fake.image_calls == 0


def test_output_sizes_follow_each_model() -> None:
    assert output_size(model_spec("seedream-4-5-251128"), 2048, 1152) == (2560, 1440)
    assert output_size(model_spec("seedream-4-0-250828"), 2048, 1152) == (2048, 1152)
    assert output_size(model_spec("seedream-4-0-250828"), 640, 360) == (1280, 720)
    assert output_size(model_spec("doubao-seedream-3-0-t2i-250415"), 4096, 2304) == (2728, 1536)
    assert output_size(model_spec("ep-20260101-abcde"), 1024, 1024) == (1920, 1920)


# --- the fake speaks the documented contract ----------------------------------------------------


def png_data_url(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@pytest.mark.parametrize(
    ("changes", "status", "param"),
    [
        ({"image": [png_data_url((64, 64), (9, 9, 9))] * 15}, 400, "image"),
        ({"size": "1500x1500"}, 400, "size"),
        ({"size": "8K"}, 400, "size"),
        ({"response_format": "jpeg"}, 400, "response_format"),
        ({"model": "seedream-9-9"}, 404, ""),
        ({"prompt": ""}, 400, "prompt"),
    ],
)
def test_the_fake_refuses_what_the_api_refuses(
    fake: FakeModelArk, changes: dict[str, Any], status: int, param: str
) -> None:
    body = {"model": "seedream-4-5-251128", "prompt": "a board", "size": "2K", **changes}
    response = httpx.post(
        fake.base_url + "/images/generations",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == status
    assert response.json()["error"]["param"] == param
    unauthorised = httpx.post(fake.base_url + "/images/generations", json=body)
    assert unauthorised.status_code == 401
    assert fake.images_generated == 0
    assert fake.stats()["image_calls"] == 2


def test_the_official_sdk_generates_an_image_on_the_fake(fake: FakeModelArk) -> None:
    ark = pytest.importorskip("volcenginesdkarkruntime", reason="the official SDK is not installed")
    sdk = ark.Ark(base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=10)
    try:
        response = sdk.images.generate(
            model="seedream-4-0-250828",
            prompt="[Image 1] is the heroine. [Image 2] is the villa. One asset board.",
            image=[
                png_data_url((640, 360), (200, 40, 40)),
                png_data_url((640, 360), (40, 40, 200)),
            ],
            size="2048x1152",
            sequential_image_generation="disabled",
            response_format="b64_json",
            watermark=False,
        )
    finally:
        sdk.close()
    with Image.open(io.BytesIO(base64.b64decode(response.data[0].b64_json))) as img:
        assert (img.format, img.size) == ("JPEG", (2048, 1152))
    assert response.data[0].size == "2048x1152"
    assert response.usage.generated_images == 1
    assert response.usage.total_tokens == round(2048 * 1152 / 256)
    assert len(fake.image_body()["image"]) == 2


# --- the registry -------------------------------------------------------------------------------


def test_image_providers_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(get_image_provider("board-sheet", tmp_path), BoardSheetProvider)
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("SHORTFILM_SEEDANCE_BASE_URL", "https://ark.cn-beijing.volces.com/api/v3")
    monkeypatch.delenv("SHORTFILM_SEEDREAM_MODEL", raising=False)
    provider = get_image_provider("seedream", tmp_path)
    assert isinstance(provider, SeedreamProvider) and isinstance(provider, ImageProvider)
    try:
        assert provider.model == "doubao-seedream-4-5-251128", "Volcengine ids on a Volcengine host"
        assert KEY not in repr(provider)
        monkeypatch.setenv("SHORTFILM_SEEDREAM_MODEL", "doubao-seedream-4-0-250828")
        chosen = get_image_provider("seedream", tmp_path)
        assert isinstance(chosen, SeedreamProvider)
        assert chosen.model == "doubao-seedream-4-0-250828"
        chosen.close()
    finally:
        provider.close()
    with pytest.raises(InputError, match="unknown image provider 'dall-e'.*board-sheet"):
        get_image_provider("dall-e", tmp_path)


def test_an_image_whose_version_number_was_taken_meanwhile_is_kept_and_said(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else's board version took the next number in the same moment (the board's
    content check passed): the paid image is kept, recorded by an event, and the run says so,
    instead of failing on the unique version number."""
    from shortfilm.store import boards as board_module

    real = board_module.repo.next_version
    monkeypatch.setattr(
        board_module.repo,
        "next_version",
        lambda *args: real(*args) - 1,  # the number just taken
    )
    with pytest.raises(StoreError, match="got another new version at once .now v1."):
        generate_board_image(store, SLUG, BoardSheetProvider())
    monkeypatch.undo()
    assert [BOARD_IMAGE_KEY in b.blocks for b in boards(store)] == [False]
    kept = list((store.artifacts.library / SLUG / "board-v1").glob("unrecorded__*.png"))
    assert len(kept) == 1 and kept[0].resolve().is_file(), "the paid image is not lost"
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        kinds = [e.kind for e in repo.events(s, prod.id)]
    assert "board.image_unrecorded" in kinds and "board.image" not in kinds
    made = generate_board_image(store, SLUG, BoardSheetProvider())
    assert (made.version, made.reused) == (2, False)
