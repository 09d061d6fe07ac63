"""Adding, listing and removing the home's publishing accounts, as the growth operator does.

The rules of a field live in :mod:`shortfilm.domain.social_accounts`; this module checks who
may act, turns a bad field into an :class:`InputError` naming it, and writes through the store.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.social_accounts import (
    AccountError,
    SocialAccount,
    checked_account_fields,
    checked_target,
)
from shortfilm.errors import ConflictError, InputError
from shortfilm.store import social_accounts as rows
from shortfilm.store.repo import Store, Tx


def add_account(
    store: Store,
    actor: Actor,
    name: str,
    *,
    platform: str,
    handle: str,
    locale: str = "en",
    preset: str | None = None,
    target: str = "folder",
    url: str | None = None,
    integration: str | None = None,
    secret_env: str | None = None,
) -> SocialAccount:
    """Record a new account; :class:`InputError` naming the field that cannot be used, or
    :class:`ConflictError` when a live account has the name already. Nothing is written
    unless every field is usable."""
    require(actor, Action.MANAGE_ACCOUNTS)
    try:
        fields = checked_account_fields(name, platform, handle, locale, preset)
        where = checked_target(target, url=url, integration=integration, secret_env=secret_env)
    except AccountError as exc:
        raise InputError(f"account {name}: {exc}") from None
    name, platform, handle, locale, preset = fields
    account = SocialAccount(
        name, platform, handle, locale, preset, where, actor.name, datetime.now(UTC)
    )
    with store.session() as tx:
        if rows.live_account(tx, name) is not None:
            raise ConflictError(f"account {name} exists already: `shortfilm account show {name}`")
        return rows.add_account(tx, account)


def accounts(store: Store) -> list[SocialAccount]:
    """The home's live accounts, by name."""
    with store.session() as tx:
        return rows.live_accounts(tx)


def account(store: Store, name: str) -> SocialAccount:
    """The live account ``name``; :class:`InputError` listing the known ones otherwise."""
    with store.session() as tx:
        found = rows.live_account(tx, name)
        if found is None:
            raise _unknown(tx, name)
        return found


def remove_account(store: Store, actor: Actor, name: str) -> None:
    """Remove the live account ``name`` (its row stays for what was posted to it), in one
    transaction: :class:`InputError` listing the known ones when there is none to remove."""
    require(actor, Action.MANAGE_ACCOUNTS)
    with store.session() as tx:
        if not rows.remove_account(tx, name, datetime.now(UTC)):
            raise _unknown(tx, name)


def _unknown(tx: Tx, name: str) -> InputError:
    known = [a.name for a in rows.live_accounts(tx)]
    listed = (
        ", ".join(known)
        if known
        else (
            "none yet; add one, e.g. "
            "`shortfilm account add tt-main --platform tiktok --handle @you`"
        )
    )
    return InputError(f"account: no account named {name!r}; the accounts: {listed}")
