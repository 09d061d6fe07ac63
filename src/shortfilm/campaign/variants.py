"""Preparing a campaign's variants, as the growth operator does from the command line or the web.

A variant made with ``shortfilm variant add`` is a change outside the spec file, like a clip
plan revised on the web (:mod:`shortfilm.production.clip_revision`): it becomes part of the
production's stored spec (``campaign.variants``), so ``export`` writes it and the next import
keeps it unless the file changed that variant too (then a conflict names both values). It is
checked as the spec is and linted with the home's accounts before anything is written: a
variant its platform would refuse (a caption past the limit, a film too long, an account nobody
added) is refused here with the findings, never stored to fail later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from shortfilm.domain import Production
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.production import EndCard, Hook, Variant
from shortfilm.domain.social_accounts import SocialAccount
from shortfilm.domain.variant import StoredVariant
from shortfilm.errors import ConflictError, InputError, SpecError, StoreError
from shortfilm.production.clip_revision import LintRefusal
from shortfilm.prompts.lint import Finding, Severity, lint_production
from shortfilm.spec import spec_to_dict
from shortfilm.spec.dump import section_to_dict
from shortfilm.spec.load import explain_error
from shortfilm.spec.models import ProductionSpec
from shortfilm.spec.source import format_path
from shortfilm.store import repo
from shortfilm.store import social_accounts as account_rows
from shortfilm.store import variants as rows
from shortfilm.store.productions import locked_production, production_record, update_production
from shortfilm.store.repo import Store, Tx

VARIANT_ADDED = "variant.version"


def text_variant(
    name: str,
    account: str,
    *,
    hook: str | None = None,
    end_card: str | None = None,
    caption: str = "",
    hashtags: tuple[str, ...] = (),
    title: str | None = None,
    preset: str | None = None,
    hook_until_s: float = 2.0,
    end_card_s: float = 3.0,
) -> Variant:
    """A variant of texts only, as the web form and the API take it: a blank hook or end card
    keeps the edit's own."""
    return Variant(
        name=name,
        account=account,
        hook=Hook(hook, 0.0, hook_until_s) if hook else None,
        end_card=EndCard(end_card, end_card_s) if end_card else None,
        caption=caption,
        hashtags=hashtags,
        title=title or None,
        preset=preset,
    )


def add_variant(
    store: Store, slug: str, variant: Variant, actor: Actor, *, replace: bool = False
) -> StoredVariant:
    """Make ``variant`` part of ``slug``'s campaign and store it as its next version.

    :class:`ConflictError` when a variant of that name exists and ``replace`` is not set,
    :class:`SpecError` naming the field the spec would refuse, :class:`LintRefusal` with the
    campaign rules' errors (V5xx) for this variant; nothing is written in any of these cases.
    Adding what the newest version already says changes nothing and returns it.
    """
    require(actor, Action.PREPARE_VARIANT)
    with store.exclusive(f"import:{slug}"), store.session() as tx:
        found = production_record(tx, slug)
        if found is None:
            raise StoreError(f"no production {slug!r}")
        record = locked_production(tx, found.id)
        data = dict(record.spec)
        campaign = dict(data.get("campaign") or {})
        listed = list(campaign.get("variants") or [])
        at = next((i for i, v in enumerate(listed) if v.get("name") == variant.name), None)
        if at is not None and not replace:
            raise ConflictError(
                f"{slug}: variant {variant.name} exists already: `shortfilm variant show {slug} "
                f"{variant.name}`; to change it, add it again with --replace"
            )
        entry = section_to_dict(variant)
        if at is None:
            listed.append(entry)
        else:
            listed[at] = entry
        production = _validated(data | {"campaign": campaign | {"variants": listed}}, variant)
        index = next(
            i for i, v in enumerate(production.campaign.variants) if v.name == variant.name
        )
        errors = _errors(production, index, _accounts(tx))
        if errors:
            lines = "; ".join(f"{f.code} {f.place}: {f.message}" for f in errors)
            raise LintRefusal(f"{slug}: variant {variant.name} was not saved: {lines}", errors)
        revised = spec_to_dict(production)
        if record.spec_hash != repo.content_hash(revised):
            update_production(tx, record.id, production, revised)
        stored = rows.record(tx, record.id, production.campaign.variants[index], actor.name)
        if stored is None:
            return rows.versions(tx, record.id, variant.name)[-1]
        repo.event(tx, record.id, VARIANT_ADDED, f"variant {variant.name} v{stored.version}",
                   by=actor.name, account=variant.account)  # fmt: skip
        return stored


def record_imported(tx: Tx, production_id: int, production: Production, by: str) -> list[str]:
    """Store each variant of an imported spec whose content changed: ``variant NAME vN`` lines."""
    said: list[str] = []
    for variant in production.campaign.variants:
        stored = rows.record(tx, production_id, variant, by)
        if stored is not None:
            line = f"variant {variant.name} v{stored.version}"
            repo.event(tx, production_id, VARIANT_ADDED, line, by=by, account=variant.account)
            said.append(line)
    return said


def variants(store: Store, slug: str) -> list[StoredVariant]:
    """The newest version of each of ``slug``'s variants, by name."""
    with store.session() as tx:
        return rows.latest(tx, _production_id(tx, slug))


def variant(store: Store, slug: str, name: str) -> list[StoredVariant]:
    """Every version of variant ``name``, oldest first; :class:`InputError` listing the known
    ones when there is none."""
    with store.session() as tx:
        prod_id = _production_id(tx, slug)
        found = rows.versions(tx, prod_id, name)
        if not found:
            known = [v.name for v in rows.latest(tx, prod_id)]
            listed = (
                ", ".join(known)
                if known
                else (
                    f"none yet: `shortfilm variant add {slug} tt-hook-a "
                    "--account tt-main --hook TEXT`"
                )
            )
            raise InputError(
                f"variant: {slug} has no variant named {name!r}; its variants: {listed}"
            )
        return found


def lint_variant(store: Store, production: Production, name: str) -> list[Finding]:
    """The campaign rules' findings on variant ``name`` of ``production``, with the home's
    accounts."""
    index = next(i for i, v in enumerate(production.campaign.variants) if v.name == name)
    with store.session() as tx:
        accounts = _accounts(tx)
    return _findings(production, index, accounts)


def _production_id(tx: Tx, slug: str) -> int:
    found = production_record(tx, slug)
    if found is None:
        raise StoreError(f"no production {slug!r}")
    return found.id


def _accounts(tx: Tx) -> dict[str, SocialAccount]:
    return {a.name: a for a in account_rows.live_accounts(tx)}


def _findings(
    production: Production, index: int, accounts: Mapping[str, SocialAccount]
) -> list[Finding]:
    place = f"campaign.variants[{index}]"
    return [
        f
        for f in lint_production(production, accounts=accounts)
        if f.code.startswith("V") and (f.place == place or f.place.startswith(place + "."))
    ]


def _errors(
    production: Production, index: int, accounts: Mapping[str, SocialAccount]
) -> list[Finding]:
    return [f for f in _findings(production, index, accounts) if f.severity is Severity.ERROR]


def _validated(data: dict[str, Any], variant: Variant) -> Production:
    try:
        return ProductionSpec.model_validate(data).to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SpecError(
            explain_error(first),
            file=f"variant {variant.name}",
            field=format_path(tuple(first["loc"])),
        ) from exc
