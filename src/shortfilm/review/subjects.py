"""What a person names -- a kind, a version, a clip and take, a preset -- turned into the exact
version a review or a comment attaches to."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from shortfilm.domain.review import SubjectKind
from shortfilm.errors import InputError
from shortfilm.store import publications, reviews, variants
from shortfilm.store.repo import Store, Tx

_E = TypeVar("_E", bound=StrEnum)


def parse_enum(cls: type[_E], value: str, field: str) -> _E:
    """``value`` as a member of ``cls``; :class:`InputError` naming ``field`` and the known
    values otherwise."""
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(m.value for m in cls)
        raise InputError(f"{field}: {value!r} is not one of {known}") from None


def subject_id(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    *,
    version: int | None = None,
    clip: int | None = None,
    take: int | None = None,
    preset: str | None = None,
    variant: str | None = None,
) -> int:
    """The id of the subject a person names: a board or edit ``version`` (default: the latest),
    take ``take`` of clip ``clip`` (default: the clip's selected take), or the ``preset`` render
    of an edit version (default: the latest; the only render when there is one), or ``version``
    of ``variant`` (default: its newest)."""
    kind = parse_enum(SubjectKind, kind, "kind")
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        if kind in (SubjectKind.BOARD, SubjectKind.EDIT):
            found = reviews.version(tx, prod_id, kind, version)
            if found is None:
                which = f"v{version}" if version is not None else "version yet"
                raise InputError(f"{slug} has no {kind} {which}")
            return found[0]
        if kind is SubjectKind.TAKE:
            if clip is None:
                raise InputError("clip: name the clip whose take is meant")
            if take is None:
                selected = reviews.selected_take_id(tx, prod_id, slug, clip)
                if selected is None:
                    raise InputError(f"{slug} clip-{clip:02d} has no selected take; name one")
                return selected
            return reviews.take_id(tx, prod_id, slug, clip, take)
        if kind is SubjectKind.VARIANT:
            return _variant_id(tx, prod_id, slug, variant, version)
        edit = reviews.version(tx, prod_id, SubjectKind.EDIT, version)
        if edit is None:
            raise InputError(f"{slug} has no edit {f'v{version}' if version else 'yet'}")
        renders = publications.renders(tx, edit[0])
        chosen = [r for r in renders if preset is None or r.preset == preset]
        if len(chosen) != 1:
            have = ", ".join(sorted(r.preset for r in renders)) or "none"
            what = f"no {preset} render" if preset else "more than one render (name --preset)"
            raise InputError(f"preset: {slug} edit v{edit[1]} has {what}; it has: {have}")
        return chosen[0].stored_id


def _variant_id(tx: Tx, prod_id: int, slug: str, name: str | None, version: int | None) -> int:
    if not name:
        raise InputError("variant: name the variant meant")
    stored = variants.versions(tx, prod_id, name)
    if not stored:
        have = ", ".join(v.name for v in variants.latest(tx, prod_id)) or "none"
        raise InputError(f"variant: {slug} has no variant {name!r}; it has: {have}")
    if version is None:
        return stored[-1].stored_id
    for found in stored:
        if found.version == version:
            return found.stored_id
    raise InputError(
        f"version: variant {name} of {slug} has v1-v{stored[-1].version}, not v{version}"
    )
