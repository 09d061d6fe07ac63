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

**A person adds a reference** (:func:`add_reference`: the web app's upload, ``shortfilm board
add-reference``): the image joins the board where the spec would put it (a character's or a
view's ``reference``, or ``board.references``), as a new ``draft`` version that needs its own
review before any take is generated from it. Only the roles the role table gives it may (owner,
visual-operator); the cheap checks (role, the image's header and size, label, room, duplicates)
come before the image is decoded, and its size is read from its header before anything else
(:class:`~shortfilm.media.limits.MediaLimits`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError, DecompressionBombWarning
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain import AssetBoard, Character, EnvironmentView, Production, Style
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.production import CharacterRole
from shortfilm.errors import ConflictError, InputError, StoreError
from shortfilm.media.limits import MediaLimits, MediaTooLarge, limits_from_env
from shortfilm.prompts.blocks import AssetBrief
from shortfilm.prompts.render import render_asset_brief
from shortfilm.providers.base import Reference
from shortfilm.providers.images import BOARD_HEIGHT, BOARD_WIDTH, ImageProvider, ImageRequest
from shortfilm.spec import spec_to_dict
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.artifacts import sha256_file
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import BoardRow, ProductionRow, utcnow
from shortfilm.team.people import current_person

BOARD_IMAGE_KEY = "board_image"
"""The key of ``BoardRow.blocks`` that records the version's generated board image."""


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


def base_blocks(blocks: Mapping[str, Any]) -> dict[str, Any]:
    """A board row's blocks without its generated image: the board as the spec states it."""
    return {k: v for k, v in blocks.items() if k != BOARD_IMAGE_KEY}


def base_content_hash(board: BoardRow) -> str:
    """The hash the board's spec content would have without its image.

    Equals the digest ``production.importing`` computes for the same board, so an import of an
    unchanged spec can recognise a version that only added a board image.
    """
    return content_hash({"blocks": base_blocks(board.blocks), "refs": board.references})


def board_from_blocks(blocks: Mapping[str, Any]) -> AssetBoard:
    """The :class:`AssetBoard` a row's blocks were stored from (``dataclasses.asdict``).

    :class:`StoreError` when they do not have that shape (edited by hand, or an older format).
    """
    try:
        style = dict(blocks.get("style") or {})
        style["palette"] = tuple(style.get("palette") or ())
        return AssetBoard(
            world=str(blocks.get("world") or ""),
            characters=tuple(
                Character(**{**c, "role": CharacterRole(c["role"])})
                for c in blocks.get("characters") or ()
            ),
            environment=tuple(EnvironmentView(**v) for v in blocks.get("environment") or ()),
            style=Style(**style),
            consistency=tuple(blocks.get("consistency") or ()),
            negative=tuple(blocks.get("negative") or ()),
            references=tuple(blocks.get("references") or ()),
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise StoreError(f"the stored board blocks are not a board: {exc}") from exc


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
        prod, board = _latest_board(s, slug)
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


def _latest_board(s: Session, slug: str) -> tuple[ProductionRow, BoardRow]:
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise StoreError(f"no production {slug!r}; import its spec first")
    board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
    if board is None:
        raise StoreError(f"production {slug!r} has no asset board")
    return prod, board


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

    def keep_unrecorded(s: Session, prod: ProductionRow, board_now: int, why: str) -> str:
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
            provider=provider.name,
            model=provider.model,
            seed=request.seed,
            sha256=sha,
            cost=cost,
            cost_unit=provider.cost_unit,
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
            prod, board = _latest_board(s, slug)
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
            prod, board = _latest_board(s, slug)
            conflict = keep_unrecorded(s, prod, board.version, "got another new version at once")
    if conflict is not None:
        raise StoreError(conflict)
    assert result is not None
    return result


def _add_version(
    store: Store,
    s: Session,
    prod: ProductionRow,
    board: BoardRow,
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
    version = repo.next_version(s, BoardRow, BoardRow.production_id, prod.id)
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
    repo.claim_version(
        s,
        BoardRow(
            production_id=prod.id,
            version=version,
            blocks=blocks,
            references=refs,
            content_hash=content_hash({"blocks": blocks, "refs": refs}),
            status="draft",
            created_by=current_person(),
        ),
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
        provider=provider.name,
        model=provider.model,
        seed=request.seed,
        sha256=sha,
        cost=cost,
        cost_unit=provider.cost_unit,
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


# -- a reference image a person adds (the web app's upload, ``shortfilm board add-reference``) ---

REFERENCE_ROLES: dict[str, str] = {
    "character": "character",
    "environment": "environment",
    "board": "board",
    "style": "board",
    "palette": "board",
}
"""The role a person gives -> the role the board records. ``style`` and ``palette`` name the style
board, recorded as ``board`` like the spec's ``board.references`` (the prompt calls it "the style
board: keep its palette and texture")."""

MAX_VIDEO_REFERENCES = 9
"""The most reference images a video model takes in one request (Seedance 2.0's reference mode;
a test holds this equal to the largest ``max_reference_images`` of the Seedance models). The
keyframe a continuing clip sends counts among them."""

REFERENCE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
"""What a reference image may be: its name's ending -> the format its bytes must have."""

MAX_LABEL = 80
"""Characters in a reference's label: it is read in every prompt that sends the image."""


@dataclass(frozen=True)
class BoardVersionResult:
    """What :func:`add_reference` recorded."""

    version: int
    """The new board version (status ``draft``: it needs its own review, checkpoint 1)."""
    from_version: int
    sha256: str
    role: str
    """As recorded: ``character``, ``environment`` or ``board``."""
    label: str
    """As the prompts name it: the character's or view's name, or the file's stem."""
    spec_path: str
    """Where the spec names the image (``refs/the-keeper.png``, relative to the spec's folder);
    ``shortfilm export`` writes the image there."""
    path: Path
    """The image's readable path in the library (``<slug>/board-v<N>/ref-NN__<label>.png``)."""


class NotAReferenceImage(InputError):
    """The bytes are not the PNG, JPEG or WebP image the name says, or do not decode whole."""


_PILLOW_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, DecompressionBombError)
"""What Pillow raises for bytes that are no image it can read."""


def check_reference_header(
    image: Path, name: str | None = None, *, limits: MediaLimits | None = None
) -> str:
    """The image's format (``PNG``, ``JPEG``, ``WEBP``) from its header alone, decoding nothing:
    :class:`NotAReferenceImage` naming ``name`` (default: ``image``) unless the name ends like
    one of those and the header says that kind of image;
    :class:`~shortfilm.media.limits.MediaTooLarge` when the header states more pixels than
    ``limits`` (default: :func:`~shortfilm.media.limits.limits_from_env`) allow."""
    shown = name or str(image)
    expected = REFERENCE_FORMATS.get(Path(name or image.name).suffix.lower())
    if expected is None:
        raise NotAReferenceImage(f"image: {shown}: a reference image is a PNG, JPEG or WebP")
    if not image.is_file():
        raise InputError(f"image: {shown}: no such file")
    with _reading(image, shown), Image.open(image, formats=_FORMATS) as opened:
        found, (width, height) = opened.format, opened.size
    if found != expected:
        raise NotAReferenceImage(f"image: {shown}: the name says {expected}, the bytes are {found}")
    (limits or limits_from_env()).check_image(f"image: {shown}", width, height)
    return expected


def check_reference_image(
    image: Path, name: str | None = None, *, limits: MediaLimits | None = None
) -> str:
    """:func:`check_reference_header`, then the whole image decoded:
    :class:`NotAReferenceImage` naming ``name`` unless it decodes whole."""
    shown = name or str(image)
    found = check_reference_header(image, name, limits=limits)
    # verify() checks the structure, load() the pixel data: each misses what the other finds
    with _reading(image, shown), Image.open(image, formats=[found]) as opened:
        opened.verify()
    with _reading(image, shown), Image.open(image, formats=[found]) as opened:
        opened.load()
    return found


_FORMATS = sorted(set(REFERENCE_FORMATS.values()))


@contextlib.contextmanager
def _reading(image: Path, shown: str) -> Iterator[None]:
    """Pillow's failures as :class:`NotAReferenceImage` naming ``shown`` (never the path, a
    server's temporary name), and its decompression-bomb error (a header stating over twice
    Pillow's own pixel limit) as :class:`~shortfilm.media.limits.MediaTooLarge`. Its warning
    (over the limit itself) is left out: the header's size is checked against ours next."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DecompressionBombWarning)
            yield
    except DecompressionBombError as exc:
        raise MediaTooLarge(f"image: {shown}: {exc}") from None
    except _PILLOW_ERRORS as exc:
        reason = str(exc).replace(str(image), shown)
        raise NotAReferenceImage(f"image: {shown}: not a readable image ({reason})") from None


def add_reference(
    store: Store,
    slug: str,
    image: Path,
    *,
    role: str,
    label: str,
    actor: Actor,
    name: str | None = None,
    limits: MediaLimits | None = None,
) -> BoardVersionResult:
    """Add ``image`` to production ``slug``'s board as a **new** board version.

    The board model decides where it goes, so the spec can say it and an export keeps it: a
    ``character`` reference belongs to the board character named ``label`` (one without an
    image yet), an ``environment`` one to the view named ``label``, a ``board`` (style, palette)
    one joins ``board.references`` as ``refs/<label>.<ext>`` and is named by that file's stem.
    The new version has the previous one's blocks and references plus this one (in the board's
    stable order: characters, views, extras), no board image (it was made from other
    references), status ``draft`` (generation waits for its review: checkpoint 1),
    ``created_by`` ``actor``'s name and an event ``board.reference_added``. The production's
    stored spec names the image too, so ``shortfilm export`` writes it beside the spec and
    importing that export adds no version. Importing a spec file that does not name it keeps
    it (:mod:`shortfilm.production.importing` merges the file's changes into the store's).

    Checked in order, cheapest first, nothing written on a refusal:
    :class:`~shortfilm.errors.PermissionDenied` for a role that may not (see
    :data:`~shortfilm.domain.review.ROLE_TABLE`); :class:`NotAReferenceImage` for a name or
    header that is no PNG/JPEG/WebP, :class:`~shortfilm.media.limits.MediaTooLarge` for a
    header stating more pixels than ``limits``; :class:`InputError` for an unknown role, a
    label naming nothing on the board, a character or view that has an image already, an image
    already on the board in that role, or a board with no room left for the video models (see
    :data:`MAX_VIDEO_REFERENCES`); only then is the image decoded whole
    (:class:`NotAReferenceImage` if it does not). ``name`` is the image's own file name (an
    upload's), used in messages and for its ending. :class:`StoreError` without the
    production or board.
    """
    require(actor, Action.ADD_REFERENCE)
    shown = name or str(image)
    check_reference_header(image, shown, limits=limits)
    recorded = REFERENCE_ROLES.get(role.strip().lower())
    if recorded is None:
        raise InputError(
            f"role: {role!r} is not a board role; use character, environment or board "
            "(also called style or palette)"
        )
    wanted = _clean_label(label)
    ending = Path(shown).suffix.lower()
    suffix = ".jpg" if ending == ".jpeg" else ending
    sha = sha256_file(image)
    with store.session() as s:  # board, room, duplicates and place: refused before decoding
        _place_reference(s, slug, sha, recorded, wanted, suffix)
    check_reference_image(image, shown, limits=limits)
    with store.session() as s:
        # the stored spec is read and written whole: an import committing in between would be
        # undone, so hold the production (as an import does) before reading anything of it
        prod_id = s.scalar(select(ProductionRow.id).where(ProductionRow.slug == slug))
        if prod_id is not None:
            repo.lock_production(s, prod_id)
        prod, board, production, current, refs, new_board, spec_path = _place_reference(
            s, slug, sha, recorded, wanted, suffix
        )
        shas = {str(r["path"]): str(r["sha256"]) for r in refs}
        shas[spec_path] = sha
        new_refs = reference_entries(new_board, shas)
        added = next(r for r in new_refs if r["path"] == spec_path)
        version = repo.next_version(s, BoardRow, BoardRow.production_id, prod.id)
        blocks = dataclasses.asdict(new_board)
        # a writer adding a reference at the same moment waits here, then finds the number taken
        repo.claim_version(
            s,
            BoardRow(
                production_id=prod.id,
                version=version,
                blocks=blocks,
                references=new_refs,
                content_hash=content_hash({"blocks": blocks, "refs": new_refs}),
                status="draft",
                created_by=actor.name,
            ),
            f"the board of {slug!r} got a new version while this one was being added; "
            "look at the board and add the image again",
        )
        readable = ""
        for index, ref in enumerate(new_refs, 1):
            # every reference gets this version's readable name, as an import names them
            ref_suffix = Path(str(ref["path"])).suffix.lower() or ".png"
            name = naming.board_reference(slug, version, index, str(ref["label"]), ref_suffix)
            if ref["path"] == spec_path:
                readable = name
                store.put_artifact(s, image, name)
            else:
                store.put_artifact(s, store.artifact_path(str(ref["sha256"])), name)
        spec = spec_to_dict(dataclasses.replace(production, board=new_board))
        prod.spec = spec
        prod.spec_hash = content_hash(spec)
        prod.updated_at = utcnow()
        repo.event(
            s,
            prod.id,
            "board.reference_added",
            f"board v{version}",
            role=recorded,
            label=added["label"],
            path=spec_path,
            sha256=sha,
            by=actor.name,
            from_version=board.version,
        )
        from_version = board.version
    return BoardVersionResult(
        version=version,
        from_version=from_version,
        sha256=sha,
        role=recorded,
        label=str(added["label"]),
        spec_path=spec_path,
        path=store.artifacts.readable(readable),
    )


def _place_reference(
    s: Session, slug: str, sha: str, recorded: str, wanted: str, suffix: str
) -> tuple[ProductionRow, BoardRow, Production, AssetBoard, list[dict[str, Any]], AssetBoard, str]:
    """The latest board and where the new image goes on it, or :class:`InputError` (no room,
    already there, a label naming nothing free): the production and board rows, the stored
    spec, the current board and references, the board with the image placed and its path."""
    prod, board = _latest_board(s, slug)
    production = spec_from_dict(prod.spec)
    current = board_from_blocks(base_blocks(board.blocks))
    refs = [dict(r) for r in board.references]
    _check_room(s, prod, slug, board.version, len(refs))
    for ref in refs:
        if ref["sha256"] == sha and ref["role"] == recorded:
            raise InputError(
                f"image: already on board v{board.version} as {ref['label']} ({recorded})"
            )
    taken = _spec_paths(dataclasses.replace(production, board=current))
    new_board, spec_path = _placed(current, recorded, wanted, suffix, taken)
    return prod, board, production, current, refs, new_board, spec_path


def reference_entries(board: AssetBoard, shas: Mapping[str, str]) -> list[dict[str, Any]]:
    """``BoardRow.references`` for ``board``: ``{"path", "role", "label", "sha256"}`` in the
    stable order prompts name them by (characters, views, extras), as an import records them
    (a test holds the two equal); ``shas`` maps each spec path to its content."""
    entries: list[dict[str, Any]] = []
    for c in board.characters:
        if c.reference:
            entries.append({"path": c.reference, "role": "character", "label": c.name})
    for v in board.environment:
        if v.reference:
            entries.append({"path": v.reference, "role": "environment", "label": v.name})
    for extra in board.references:
        entries.append({"path": extra, "role": "board", "label": Path(extra).stem})
    for entry in entries:
        if entry["path"] not in shas:
            raise StoreError(f"board reference {entry['path']} has no stored image")
        entry["sha256"] = shas[entry["path"]]
    return entries


def _clean_label(label: str) -> str:
    text = " ".join(label.split())
    if not text:
        raise InputError(
            "label: give the character's name, the view's name or a name for the style image"
        )
    if len(text) > MAX_LABEL:
        raise InputError(f"label: at most {MAX_LABEL} characters, not {len(text)}")
    if not text.isprintable():
        raise InputError(f"label: {text!r} holds control characters")
    return text


def _check_room(s: Session, prod: ProductionRow, slug: str, version: int, count: int) -> None:
    """:class:`InputError` unless one more board reference still fits a video request."""
    continuing = any(c.continues_previous and c.position > 1 for c in repo.clips(s, prod.id))
    room = MAX_VIDEO_REFERENCES - (1 if continuing else 0)
    if count + 1 > room:
        kept = " (one place is kept for the keyframe a continuing clip sends)" if continuing else ""
        raise InputError(
            f"image: board v{version} of {slug} has {count} reference images and the video "
            f"models take at most {MAX_VIDEO_REFERENCES} per clip{kept}; drop one from the "
            "spec and import it before adding another"
        )


def _spec_paths(production: Production) -> set[str]:
    """Every file path the spec names, lower-cased: a new image must not land on one."""
    paths = set(production.board.reference_paths())
    for clip in production.clips:
        paths.update(p for p in (clip.first_frame, clip.last_frame) if p)
    music = production.edit.music
    if music is not None and music.path:
        paths.add(music.path)
    return {p.lower() for p in paths}


def _free_path(stem: str, suffix: str, taken: set[str]) -> str:
    path, n = f"refs/{stem}{suffix}", 1
    while path.lower() in taken:
        n += 1
        path = f"refs/{stem}-{n}{suffix}"
    return path


def _placed(
    board: AssetBoard, role: str, label: str, suffix: str, taken: set[str]
) -> tuple[AssetBoard, str]:
    """``board`` with the image placed where ``role`` and ``label`` say, and its spec path."""
    path = _free_path(naming.slugify(label), suffix, taken)
    if role == "board":
        return dataclasses.replace(board, references=(*board.references, path)), path
    items: tuple[Character, ...] | tuple[EnvironmentView, ...]
    items = board.characters if role == "character" else board.environment
    what = "character" if role == "character" else "environment view"
    names = [item.name for item in items]
    index = next((i for i, n in enumerate(names) if n.casefold() == label.casefold()), None)
    if index is None:
        raise InputError(
            f"label: no {what} named {label!r} on the board; a {role} reference belongs to "
            f"one of: {', '.join(names) or '(none)'}"
        )
    item = items[index]
    if item.reference:
        raise InputError(
            f"label: {item.name} already has a reference image ({item.reference}); a {what} "
            "has one, so change it in the spec and import it"
        )
    path = _free_path(naming.slugify(item.name), suffix, taken)
    if isinstance(item, Character):
        chars = list(board.characters)
        chars[index] = dataclasses.replace(item, reference=path)
        return dataclasses.replace(board, characters=tuple(chars)), path
    views = list(board.environment)
    views[index] = dataclasses.replace(item, reference=path)
    return dataclasses.replace(board, environment=tuple(views)), path


__all__ = [
    "BOARD_IMAGE_KEY",
    "MAX_VIDEO_REFERENCES",
    "REFERENCE_ROLES",
    "BoardImageResult",
    "BoardVersionResult",
    "NotAReferenceImage",
    "add_reference",
    "check_reference_header",
    "check_reference_image",
    "reference_entries",
    "base_blocks",
    "base_content_hash",
    "board_brief",
    "board_from_blocks",
    "board_image_name",
    "generate_board_image",
    "request_key",
]
