"""Publishing a variant to its account: never twice, never marked done when the target lacks it.

``shortfilm publish SLUG --variant NAME [--at TIME]`` sends the newest version of a variant
(approved by the owner) to its account's target. The steps, each written before the next is
taken (see :mod:`shortfilm.domain.publishing` for the states):

1. the gates: the variant version is approved, its account exists, its film is rendered (made
   now when it was not) and passed its checks;
2. the publication row for (variant version, account) is found or queued (``pending``); one that
   is ``scheduled`` or ``published`` is left alone, whatever is asked: nothing is sent twice
   (one ``scheduled`` whose time has come is only asked about: once its target says the post
   is out, it is ``published``);
3. ``pending`` moves to ``uploading`` (a compare-and-swap: two processes cannot both send);
   a publication tried before (killed, its answer lost, or failed and queued again) is
   *reconciled* first: the target is asked whether it holds the post
   (:meth:`~shortfilm.publish.targets.Target.find`), and a post found is adopted;
4. the film is uploaded (what the target answered is written down), the post is created, and
   the row moves to ``scheduled`` or ``published`` with the target's id and address.

An attempt that gets no answer is retried with backoff, each retry reconciling first; a target
that refuses for good fails the publication with its reason; a rate limit stops with the time of
the next slot (or waits for it, up to ``wait_s``), the row left where it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from shortfilm.campaign.variant_renders import VariantRender, render_variant
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.platforms import post_text
from shortfilm.domain.publishing import (
    NEEDS_RECONCILING,
    Publication,
    PublicationState,
    publication_mark,
)
from shortfilm.domain.review import Standing
from shortfilm.domain.social_accounts import SocialAccount, TargetKind
from shortfilm.domain.variant import StoredVariant
from shortfilm.errors import GateError, InputError, ShortfilmError
from shortfilm.publish.folder_target import FolderTarget
from shortfilm.publish.postiz_target import PostizTarget
from shortfilm.publish.targets import Outgoing, Paced, Refused, Target, Unanswered
from shortfilm.publish.webhook_target import WebhookTarget
from shortfilm.store import posts, repo, reviews
from shortfilm.store import social_accounts as account_rows
from shortfilm.store import variants as variant_rows
from shortfilm.store.naming import variant_subject
from shortfilm.store.repo import Store

S = PublicationState
ATTEMPTS = 4
"""Tries per publication when the target does not answer (each after the first reconciles)."""
BACKOFF_S = 0.5
"""The first wait between tries; each next one doubles."""
PAST_GRACE = timedelta(minutes=1)
"""How far in the past ``--at`` may be (a clock a little behind); further is refused."""


class NotYet(ShortfilmError):
    """The target's rate limit stopped this publication; ``retry_at`` is the next slot."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Undelivered(ShortfilmError):
    """The target never answered; the publication waits to be reconciled by the next run."""


@dataclass(frozen=True)
class Outcome:
    """One publication after ``publish``."""

    publication: Publication
    sent: bool
    """Whether this call sent or adopted anything (``False``: it was done before)."""
    adopted: bool = False
    """The post was found on the target (an answer lost before), not sent again."""
    film: VariantRender | None = None
    refreshed: bool = False
    """Scheduled before; its target now says the post is out (nothing was sent)."""


def parse_at(text: str | None, now: datetime | None = None) -> datetime | None:
    """``--at``: an ISO 8601 time (``2026-12-08T09:00``, ``... 09:00+01:00``, ``...Z``); a time
    without a zone is UTC. :class:`InputError` naming ``at`` for anything else or the past."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"at: {text!r} is not a time such as 2026-12-08T09:00 (UTC) or 2026-12-08T09:00+01:00"
        ) from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if when < now - PAST_GRACE:
        raise InputError(f"at: {when:%Y-%m-%d %H:%M} UTC is in the past (now {now:%H:%M} UTC)")
    return when.astimezone(UTC)


def target_for(account: SocialAccount, store: Store, client: httpx.Client) -> Target:
    """The target an account's posts go to."""
    kind = account.target.kind
    if kind is TargetKind.WEBHOOK:
        assert account.target.url and account.target.secret_env
        return WebhookTarget(account.target.url, account.target.secret_env, client)
    if kind is TargetKind.POSTIZ:
        assert account.target.url and account.target.integration
        return PostizTarget(account.target.url, account.target.integration, client)
    return FolderTarget(store.home)


def publish_variant(
    store: Store,
    slug: str,
    name: str,
    actor: Actor,
    *,
    at: datetime | None = None,
    wait_s: float = 0.0,
    client: httpx.Client | None = None,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Publish the newest version of variant ``name`` of ``slug``; see the module docstring."""
    require(actor, Action.PUBLISH)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        stored = _approved_version(tx, prod_id, slug, name)
        account = account_rows.live_account(tx, stored.variant.account)
        if account is None:
            raise InputError(
                f"variant {name}: its account {stored.variant.account!r} is gone; route the "
                f"variant to another with `shortfilm variant add {slug} {name} --account A "
                "--replace`"
            )
        pub = posts.find(tx, stored.stored_id, account.name)
    who = f"{slug}: variant {name} v{stored.version} to {account.name}"
    if pub is not None and pub.state is S.PUBLISHED:
        return Outcome(pub, sent=False)
    if pub is not None and pub.done and (pub.at is not None and pub.at > datetime.now(UTC)):
        return Outcome(pub, sent=False)  # held for its time: nothing to ask yet
    film = render_variant(store, slug, name, actor)
    if pub is not None and pub.done:  # scheduled and due: has the target put it out?
        return _refreshed(store, prod_id, account, _outgoing(store, slug, stored, account, film,
                                                            pub), pub, actor, client)  # fmt: skip
    if film.status != "passed" or film.variant_version != stored.version:
        raise GateError(f"{who}: its film failed its checks: {'; '.join(film.reasons)}")
    with store.session() as tx:
        pub = posts.find(tx, stored.stored_id, account.name)
        if pub is None:
            mark = publication_mark(slug, name, stored.version, account.name)
            new = Publication(name, stored.version, account.name, S.PENDING, at, mark,
                              target=account.target.kind.value)  # fmt: skip
            pub = posts.queue(tx, prod_id, stored.stored_id, new, actor.name)
            _event(tx, prod_id, pub, "publication.queued", actor)
        elif pub.state is S.FAILED:
            pub = posts.move(tx, pub, S.PENDING, reason="", at=at if at is not None else pub.at)
            _event(tx, prod_id, pub, "publication.queued", actor, again=True)
        elif pub.state is S.PENDING and at is not None and at != pub.at:
            pub = posts.note(tx, pub, at=at)
    out = _outgoing(store, slug, stored, account, film, pub)
    own_client = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
    try:
        target = target_for(account, store, http)
        return _send(store, prod_id, who, target, out, pub, actor, wait_s, backoff_s, sleep, film)
    finally:
        if own_client:
            http.close()


def _refreshed(
    store: Store,
    prod_id: int,
    account: SocialAccount,
    out: Outgoing,
    pub: Publication,
    actor: Actor,
    client: httpx.Client | None,
) -> Outcome:
    """A scheduled publication whose time has come, as its target now tells it: published once
    the target says the post is out (a Postiz post of type ``now`` is queued, then sent by its
    workers), else as it was. Nothing is sent; a target that cannot tell leaves it scheduled."""
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
    try:
        found = target_for(account, store, http).find(out, pub.upload)
    except (Unanswered, Paced):
        return Outcome(pub, sent=False)  # asked again next time
    finally:
        if client is None:
            http.close()
    if found is None or found.state is not S.PUBLISHED:
        return Outcome(pub, sent=False)
    with store.session() as tx:
        now = posts.get(tx, pub.stored_id)
        if now.state is not S.SCHEDULED:
            return Outcome(now, sent=False)
        pub = posts.move(tx, now, S.PUBLISHED, remote_url=found.url or now.remote_url)
        _event(tx, prod_id, pub, "publication.published", actor, refreshed=True)
    return Outcome(pub, sent=False, refreshed=True)


def _approved_version(tx: repo.Tx, prod_id: int, slug: str, name: str) -> StoredVariant:
    found = variant_rows.versions(tx, prod_id, name)
    if not found:
        known = ", ".join(v.name for v in variant_rows.latest(tx, prod_id)) or "none"
        raise InputError(f"variant: {slug} has no variant named {name!r}; its variants: {known}")
    newest = found[-1]
    if not newest.standing.passes:
        state = (
            "waits for the owner's review"
            if newest.standing is Standing.UNREVIEWED
            else f"is {newest.standing}"
        )
        raise GateError(
            f"{slug}: variant {name} v{newest.version} for {newest.variant.account} {state}, so "
            f"nothing was published; the owner approves it with `shortfilm review variant {slug} "
            f"{name} --approve --score account-match=N --score caption-fit=N`"
        )
    return newest


def _outgoing(
    store: Store,
    slug: str,
    stored: StoredVariant,
    account: SocialAccount,
    film: VariantRender,
    pub: Publication,
) -> Outgoing:
    v = stored.variant
    url = store.artifacts.media_url(film.sha256, "video/mp4") or film.path.resolve().as_uri()
    manifest = {
        "slug": slug,
        "variant": v.name,
        "variant_version": stored.version,
        "edit_version": film.edit_version,
        "account": account.name,
        "platform": account.platform,
        "handle": account.handle,
        "preset": film.preset,
        "sha256": film.sha256,
        "duration_s": film.duration_s,
        "text": post_text(v.caption, v.hashtags),
        "title": v.title,
        "at": pub.at.isoformat() if pub.at is not None else None,
    }
    return Outgoing(slug, v.name, stored.version, pub.mark, account, film.path, film.sha256, url,
                    film.duration_s, post_text(v.caption, v.hashtags), v.title or "", pub.at,
                    manifest)  # fmt: skip


def _send(
    store: Store,
    prod_id: int,
    who: str,
    target: Target,
    out: Outgoing,
    pub: Publication,
    actor: Actor,
    wait_s: float,
    backoff_s: float,
    sleep: Callable[[float], None],
    film: VariantRender,
) -> Outcome:
    deadline = time.monotonic() + wait_s
    tries = 0
    last = ""
    while tries < ATTEMPTS:
        try:
            return _attempt(store, prod_id, target, out, pub, actor, film)
        except Unanswered as exc:
            tries += 1
            last = str(exc)
            if tries < ATTEMPTS:
                sleep(backoff_s * 2 ** (tries - 1))
        except Paced as exc:
            pause = (exc.retry_at - datetime.now(UTC)).total_seconds()
            if time.monotonic() + pause > deadline:
                raise NotYet(
                    f"{who}: not sent yet: {exc}; the next slot is at {exc.retry_at:%H:%M:%S} "
                    f"UTC (in {max(0, round(pause))} s): run the same command then (or with "
                    "--wait SECONDS); nothing sent is sent again",
                    exc.retry_at,
                ) from None
            sleep(max(0.0, pause))
        except Refused as exc:
            with store.session() as tx:
                now = posts.get(tx, pub.stored_id)
                failed = posts.move(tx, now, S.FAILED, reason=str(exc)[:2000])
                _event(tx, prod_id, failed, "publication.failed", actor, reason=str(exc))
            raise Refused(
                f"{who}: failed: {exc}; once that is mended, run the same command: it is queued "
                "again"
            ) from None
        with store.session() as tx:
            pub = posts.get(tx, pub.stored_id)
    raise Undelivered(
        f"{who}: the target did not answer after {ATTEMPTS} tries ({last}); the post may or may "
        "not be there, so the next run asks the target before sending anything again"
    )


def _attempt(
    store: Store,
    prod_id: int,
    target: Target,
    out: Outgoing,
    pub: Publication,
    actor: Actor,
    film: VariantRender,
) -> Outcome:
    with store.session() as tx:
        pub = posts.get(tx, pub.stored_id)
    if pub.done:
        return Outcome(pub, sent=False, film=film)
    # Only a publication never tried before may skip asking the target: any earlier attempt
    # (one killed, one whose answer was lost, one that failed and was queued again) may have
    # left the post there.
    first = pub.state is S.PENDING and pub.attempts == 0
    if pub.state is S.PENDING:
        with store.session() as tx:
            pub = posts.move(tx, pub, S.UPLOADING, attempts=pub.attempts + 1,
                             media_sha256=out.video_sha256)  # fmt: skip
    if not first and pub.state in NEEDS_RECONCILING:
        found = target.find(out, pub.upload)
        if found is not None:
            with store.session() as tx:
                pub = posts.move(tx, pub, found.state, remote_id=found.remote_id,
                                 remote_url=found.url, reason="")  # fmt: skip
                _event(tx, prod_id, pub, f"publication.{pub.state}", actor, adopted=True)
            return Outcome(pub, sent=True, adopted=True, film=film)
    if pub.upload is None:
        answered = target.upload(out)
        if answered is not None:
            with store.session() as tx:
                pub = posts.note(tx, pub, upload=dict(answered))
    sent = target.create(out, pub.upload)
    with store.session() as tx:
        pub = posts.move(tx, pub, sent.state, remote_id=sent.remote_id, remote_url=sent.url,
                         reason="")  # fmt: skip
        _event(tx, prod_id, pub, f"publication.{pub.state}", actor)
    return Outcome(pub, sent=True, film=film)


def _event(
    tx: repo.Tx, prod_id: int, pub: Publication, kind: str, actor: Actor, **data: object
) -> None:
    repo.event(tx, prod_id, kind, variant_subject(pub.variant, pub.variant_version),
               account=pub.account, target=pub.target, state=pub.state.value,
               remote_id=pub.remote_id, at=pub.at.isoformat() if pub.at else None,
               by=actor.name, **data)  # fmt: skip


def publications(store: Store, slug: str) -> list[Publication]:
    """Every publication of ``slug``, oldest first."""
    with store.session() as tx:
        return posts.of_production(tx, reviews.production_id(tx, slug))
