"""Step 1 of the workflow as a command: the asset board image from the brief and the references.

The latest board version's blocks are rendered as a production brief (``render_asset_brief``),
its reference images are given in the board's stable order, and an :class:`ImageProvider` makes
the image. The result is versioned like everything else: a **new** board version with the same
blocks and references plus ``blocks["board_image"]`` (the image's sha256, provider, model, seed,
the brief used, usage and cost), status ``draft`` (a new image needs a new review), an event
``board.image``, and the PNG stored content-addressed under a readable name such as
``wasteland-villa/board-v2/board__seedream-seedream-4-5-251128.png``. The version's
``content_hash`` covers the image, so two versions that differ only in their image differ.

**Never paid twice.** Before calling the provider, the request is reduced to a key (brief,
reference bytes, roles and labels, size, seed, palette, title, provider and model). When the
latest version already carries an image made from that key, it is returned (``reused``) and
nothing is sent. The provider runs outside any database transaction (a hosted image takes tens
of seconds); if the board's content changed meanwhile (a new import), the image is still stored
(it was paid for) as ``<slug>/board-v<N>/unrecorded__...png`` beside the version it was made
from, with an event ``board.image_unrecorded``, and :class:`~shortfilm.errors.StoreError` says
to run again.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shortfilm.board.versions import base_content_hash, board_from_blocks, latest_board
from shortfilm.domain import AssetBoard
from shortfilm.domain.board import BOARD_IMAGE_KEY, BoardVersion, base_blocks
from shortfilm.domain.production_record import ProductionRecord
from shortfilm.errors import ConflictError, StoreError
from shortfilm.prompts.blocks import AssetBrief
from shortfilm.prompts.render import render_asset_brief
from shortfilm.providers.base import Reference
from shortfilm.providers.images import BOARD_HEIGHT, BOARD_WIDTH, ImageProvider, ImageRequest
from shortfilm.store import naming, repo
from shortfilm.store.boards import claim_board_version, next_board_version
from shortfilm.store.repo import Store, Tx, content_hash
from shortfilm.team.people import current_person


@dataclass(frozen=True)
class BoardImageResult:
    """What :func:`generate_board_image` did."""

    version: int
    """The board version that carries the image (new, or the latest when reused)."""
    path: Path
    """The image's readable path in the production home's library."""
    reused: bool
    """True when nothing was generated: the latest version already had this image."""
    sha256: str
    provider: str
    model: str
    cost: float
    """What this call cost, in ``cost_unit`` (0 when reused)."""
    cost_unit: str


def board_image_name(slug: str, version: int, provider: str, model: str) -> str:
    """The readable artifact name: ``<slug>/board-v<N>/board__<provider>-<model>.png``."""
    return f"{slug}/board-v{version}/board__{naming.slugify(f'{provider}-{model}')}.png"


def board_brief(board: AssetBoard) -> str:
    """The production brief text the board image is made from."""
    return render_asset_brief(AssetBrief.from_board(board))


def generate_board_image(
    store: Store,
    slug: str,
    provider: ImageProvider,
    *,
    seed: int = 0,
    width: int = BOARD_WIDTH,
    height: int = BOARD_HEIGHT,
) -> BoardImageResult:
    """Make (or reuse) the board image of production ``slug``'s latest board version.

    See the module docstring for what is stored. Raises :class:`StoreError` when the production
    or its board is missing, :class:`~shortfilm.errors.InputError` for a request the provider
    refuses before sending, :class:`~shortfilm.errors.ProviderError` when generation fails (no
    version is made then).
    """
    with store.session() as s:
        prod, board = latest_board(s, slug)
        source_version = board.version
        source_hash = base_content_hash(board)
        blocks = base_blocks(board.blocks)
        refs = [dict(r) for r in board.references]
        title = prod.title
        current_image = board.blocks.get(BOARD_IMAGE_KEY)
    domain_board = board_from_blocks(blocks)
    brief = board_brief(domain_board)
    request = ImageRequest(
        prompt=brief,
        references=tuple(
            Reference(path=store.artifact_path(r["sha256"]), role=r["role"], label=r["label"])
            for r in refs
        ),
        width=width,
        height=height,
        seed=seed,
        palette=domain_board.style.palette,
        title=title,
    )
    key = request_key(request, refs, provider)
    found = _reusable(store, slug, source_version, current_image, key)
    if found is not None:
        return found

    store.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".board-image-", dir=store.home) as tmp:
        made = provider.generate(request, Path(tmp) / "board.png")
        return _record(
            store, slug, provider, request, refs, key, made.image, made.metadata, made.cost,
            source_version, source_hash,
        )  # fmt: skip


def request_key(request: ImageRequest, refs: list[dict[str, Any]], provider: ImageProvider) -> str:
    """What decides the image: equal keys, the same image (so it is not paid for twice)."""
    return content_hash(
        {
            "brief": request.prompt,
            "references": [
                {"sha256": r["sha256"], "role": r["role"], "label": r["label"]} for r in refs
            ],
            "size": [request.width, request.height],
            "seed": request.seed,
            "palette": list(request.palette),
            "title": request.title,
            "provider": provider.name,
            "model": provider.model,
        }
    )


def _reusable(
    store: Store, slug: str, version: int, image: object, key: str
) -> BoardImageResult | None:
    """The latest version's image when it was made from ``key`` and its bytes are present."""
    if not isinstance(image, dict) or image.get("request_key") != key:
        return None
    sha = str(image.get("sha256") or "")
    if not sha or not store.artifact_path(sha).is_file():
        return None
    name = board_image_name(slug, version, str(image["provider"]), str(image["model"]))
    path = store.artifacts.readable(name)
    if not path.exists():
        path = store.artifacts.link(name, sha)
    return BoardImageResult(
        version=version,
        path=path,
        reused=True,
        sha256=sha,
        provider=str(image["provider"]),
        model=str(image["model"]),
        cost=0.0,
        cost_unit=str(image.get("cost_unit") or ""),
    )


def _paid(
    provider: ImageProvider, request: ImageRequest, sha: str, cost: float
) -> dict[str, object]:
    """What a board-image event records of the paid call, whether a version took the image
    or not: who made it, with which seed, the file and its cost."""
    return {
        "provider": provider.name,
        "model": provider.model,
        "seed": request.seed,
        "sha256": sha,
        "cost": cost,
        "cost_unit": provider.cost_unit,
    }


def _record(
    store: Store,
    slug: str,
    provider: ImageProvider,
    request: ImageRequest,
    refs: list[dict[str, Any]],
    key: str,
    image: Path,
    metadata: dict[str, object],
    cost: float,
    source_version: int,
    source_hash: str,
) -> BoardImageResult:
    """Store the image and make the new board version, in one transaction.

    When the board's content changed while the image was being made, the image is still
    stored (it was paid for) under a name no version uses, an event says so, the transaction
    commits, and only then :class:`StoreError` is raised.
    """
    conflict: str | None = None

    def keep_unrecorded(s: Tx, prod: ProductionRecord, board_now: int, why: str) -> str:
        """Store the paid image under a name no version uses, record an event, and return the
        message saying so; ``why`` says what happened to the board meanwhile."""
        sha = store.artifacts.put(image)
        name = (
            f"{slug}/board-v{source_version}/unrecorded__"
            f"{naming.slugify(f'{provider.name}-{provider.model}')}__seed-{request.seed}"
            f"__{sha[:12]}.png"
        )
        store.put_artifact(s, image, name)
        repo.event(
            s,
            prod.id,
            "board.image_unrecorded",
            f"board v{source_version}",
            **_paid(provider, request, sha, cost),
            board_now=board_now,
        )
        return (
            f"the board of {slug!r} {why} (now v{board_now}) while its image was made from "
            f"v{source_version}; that image is kept as {name} but no version records it; run "
            "again to make one for the current board"
        )

    result: BoardImageResult | None = None
    try:
        with store.session() as s:
            prod, board = latest_board(s, slug)
            if base_content_hash(board) != source_hash:
                conflict = keep_unrecorded(s, prod, board.version, "changed")
            elif board.version != source_version and (
                found := _reusable(
                    store, slug, board.version, board.blocks.get(BOARD_IMAGE_KEY), key
                )
            ):
                # Another run recorded this very image meanwhile: no twin version; this call's
                # image is dropped, but its cost was spent and is reported.
                result = dataclasses.replace(found, cost=cost, cost_unit=provider.cost_unit)
            else:
                result = _add_version(
                    store, s, prod, board, slug, provider, request, refs, key, image, metadata,
                    cost, source_version,
                )  # fmt: skip
    except ConflictError:
        # Another writer took the version number at the same moment and that transaction is
        # rolled back: the paid image is kept, unrecorded, in a new one.
        with store.session() as s:
            prod, board = latest_board(s, slug)
            conflict = keep_unrecorded(s, prod, board.version, "got another new version at once")
    if conflict is not None:
        raise StoreError(conflict)
    assert result is not None
    return result


def _add_version(
    store: Store,
    s: Tx,
    prod: ProductionRecord,
    board: BoardVersion,
    slug: str,
    provider: ImageProvider,
    request: ImageRequest,
    refs: list[dict[str, Any]],
    key: str,
    image: Path,
    metadata: dict[str, object],
    cost: float,
    source_version: int,
) -> BoardImageResult:
    """The new board version: ``board``'s blocks and ``refs`` plus the image's record.

    :class:`ConflictError` (the transaction spent) when another writer took the next version
    number at the same moment."""
    version = next_board_version(s, prod.id)
    sha = store.artifacts.put(image)
    usage = metadata.get("usage")
    size = metadata.get("size")
    record: dict[str, Any] = {
        "sha256": sha,
        "provider": provider.name,
        "model": provider.model,
        "seed": request.seed,
        "prompt": request.prompt,
        "usage": usage if isinstance(usage, dict) else {},
        "cost": cost,
        "cost_unit": provider.cost_unit,
        "size": size if isinstance(size, list) else [request.width, request.height],
        "request_key": key,
        "from_version": source_version,
        "provider_metadata": {k: v for k, v in metadata.items() if k != "usage"},
    }
    blocks = {**base_blocks(board.blocks), BOARD_IMAGE_KEY: record}
    # when someone took the number meanwhile, the caller keeps the paid image unrecorded
    claim_board_version(
        s,
        prod.id,
        version,
        blocks,
        refs,
        content_hash({"blocks": blocks, "refs": refs}),
        current_person(),
        "taken",
    )
    name = board_image_name(slug, version, provider.name, provider.model)
    store.put_artifact(s, image, name)
    for index, ref in enumerate(refs, 1):
        suffix = Path(str(ref["path"])).suffix.lower() or ".png"
        ref_name = naming.board_reference(slug, version, index, str(ref["label"]), suffix)
        store.put_artifact(s, store.artifact_path(str(ref["sha256"])), ref_name)
    repo.event(
        s,
        prod.id,
        "board.image",
        f"board v{version}",
        **_paid(provider, request, sha, cost),
        from_version=source_version,
    )
    return BoardImageResult(
        version=version,
        path=store.artifacts.readable(name),
        reused=False,
        sha256=sha,
        provider=provider.name,
        model=provider.model,
        cost=cost,
        cost_unit=provider.cost_unit,
    )
