"""A person adds a reference image to the board (the web app's upload, ``shortfilm board
add-reference``): it joins the board where the spec would put it (a character's or a view's
``reference``, or ``board.references``), as a new ``draft`` version that needs its own review
before any take is generated from it. Only the roles the role table gives it may (owner,
visual-operator); the cheap checks (role, the image's header and size, label, room, duplicates)
come before the image is decoded, and its size is read from its header before anything else
(:class:`~shortfilm.media.limits.MediaLimits`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from shortfilm.board.placement import (
    REFERENCE_ROLES,
    clean_label,
    place_reference,
    reference_entries,
)
from shortfilm.board.reference_images import check_reference_header, check_reference_image
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.errors import InputError
from shortfilm.media.limits import MediaLimits
from shortfilm.spec import spec_to_dict
from shortfilm.store import naming, repo
from shortfilm.store.artifacts import sha256_file
from shortfilm.store.boards import claim_board_version, next_board_version
from shortfilm.store.productions import production_id, set_spec
from shortfilm.store.repo import Store, content_hash


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
    :data:`~shortfilm.domain.review.ROLE_TABLE`);
    :class:`~shortfilm.board.reference_images.NotAReferenceImage` for a name or header that
    is no PNG/JPEG/WebP, :class:`~shortfilm.media.limits.MediaTooLarge` for a header stating
    more pixels than ``limits``; :class:`InputError` for an unknown role, a label naming
    nothing on the board, a character or view that has an image already, an image already on
    the board in that role, or a board with no room left for the video models (see
    :data:`~shortfilm.board.placement.MAX_VIDEO_REFERENCES`); only then is the image decoded
    whole (:class:`NotAReferenceImage` if it does not). ``name`` is the image's own file name
    (an upload's), used in messages and for its ending. :class:`StoreError` without the
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
    wanted = clean_label(label)
    ending = Path(shown).suffix.lower()
    suffix = ".jpg" if ending == ".jpeg" else ending
    sha = sha256_file(image)
    with store.session() as s:  # board, room, duplicates and place: refused before decoding
        place_reference(s, slug, sha, recorded, wanted, suffix)
    check_reference_image(image, shown, limits=limits)
    with store.session() as s:
        # the stored spec is read and written whole: an import committing in between would be
        # undone, so hold the production (as an import does) before reading anything of it
        prod_id = production_id(s, slug)
        if prod_id is not None:
            repo.lock_production(s, prod_id)
        prod, board, production, current, refs, new_board, spec_path = place_reference(
            s, slug, sha, recorded, wanted, suffix
        )
        shas = {str(r["path"]): str(r["sha256"]) for r in refs}
        shas[spec_path] = sha
        new_refs = reference_entries(new_board, shas)
        added = next(r for r in new_refs if r["path"] == spec_path)
        version = next_board_version(s, prod.id)
        blocks = dataclasses.asdict(new_board)
        # a writer adding a reference at the same moment waits here, then finds the number taken
        claim_board_version(
            s,
            prod.id,
            version,
            blocks,
            new_refs,
            content_hash({"blocks": blocks, "refs": new_refs}),
            actor.name,
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
        set_spec(s, prod.id, spec_to_dict(dataclasses.replace(production, board=new_board)))
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
