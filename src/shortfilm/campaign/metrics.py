"""Performance figures of published variants: imported from a platform's CSV export, or pulled
from Postiz, stored on each publication, and noted in the production's history.

An import is all or nothing: every line must name a publication of the production (by its mark,
the target's post id, or its variant and account) and every figure must read; otherwise the
message names the file, the line and the column, and nothing is written. Each publication's
figures, once stored, are also written as a sentence into the event log (``metrics.note``), so
the production's history says how each opening did, where the next production can find it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shortfilm.domain.metrics import (
    LABELS,
    METRICS,
    NOTE_EVENT,
    describe,
    key_of,
    metric_of,
    parse_value,
)
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.publishing import Publication
from shortfilm.domain.social_accounts import TargetKind
from shortfilm.errors import InputError
from shortfilm.publish.postiz_target import PostizTarget
from shortfilm.store import posts, repo, reviews
from shortfilm.store import social_accounts as account_rows
from shortfilm.store.naming import variant_subject
from shortfilm.store.repo import Store

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
NOTE = NOTE_EVENT


@dataclass(frozen=True)
class Measured:
    """One publication's figures, as now stored."""

    publication: Publication
    figures: Mapping[str, float]


def import_csv(store: Store, slug: str, path: Path, actor: Actor) -> list[Measured]:
    """Read ``path`` and store its figures; see the module docstring."""
    require(actor, Action.PREPARE_VARIANT)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size:,} bytes; a metrics export is at most {MAX_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    rows = _rows(path, text)
    with store.session() as tx:
        known = posts.of_production(tx, prod_id)
    found = _matched(path, slug, rows, known)
    return _store(store, prod_id, found, actor, "import", str(path.name))


def _rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InputError(f"{path}: empty; a metrics export starts with a header line") from None
    keys = {i: key_of(h) for i, h in enumerate(header)}
    metrics = {i: metric_of(h) for i, h in enumerate(header)}
    named = {k for k in keys.values() if k}
    if not ({"mark", "post_id", "variant"} & named):
        raise InputError(
            f"{path}: line 1: no column names the post (mark, post id, or variant and account); "
            f"its columns: {', '.join(header)}"
        )
    if not any(metrics.values()):
        wanted = ", ".join(LABELS[m] for m in METRICS)
        raise InputError(f"{path}: line 1: no column of figures ({wanted}); its columns: "
                         f"{', '.join(header)}")  # fmt: skip
    out: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(out) >= MAX_ROWS:
                raise InputError(f"{path}: over {MAX_ROWS:,} lines")
            row = {}
            for i, cell in enumerate(cells):
                name = keys.get(i) or metrics.get(i)
                if name:
                    row[name] = cell
                    row[f"column:{name}"] = header[i]
            out.append((number, row))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}") from None
    return out


def _matched(
    path: Path, slug: str, rows: list[tuple[int, dict[str, str]]], known: list[Publication]
) -> list[tuple[Publication, dict[str, float]]]:
    errors: list[str] = []
    found: dict[int, tuple[Publication, dict[str, float]]] = {}
    for number, row in rows:
        pub = _publication(row, known)
        if pub is None:
            said = row.get("mark") or row.get("post_id") or row.get("variant") or "?"
            errors.append(f"line {number}: {said!r} is no publication of {slug}")
            continue
        figures: dict[str, float] = {}
        for metric in METRICS:
            if metric not in row:
                continue
            try:
                value = parse_value(metric, row[metric])
            except ValueError as exc:
                errors.append(f"line {number}, column {row[f'column:{metric}']!r}: {exc}")
                continue
            if value is not None:
                figures[metric] = value
        if pub.stored_id in found:
            errors.append(f"line {number}: {pub.mark} is on an earlier line too")
        found[pub.stored_id] = (pub, figures)
    if errors:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10
                                          else "")  # fmt: skip
        raise InputError(f"{path}: nothing was imported: {shown}")
    return list(found.values())


def _publication(row: Mapping[str, str], known: list[Publication]) -> Publication | None:
    mark, post_id = row.get("mark", "").strip(), row.get("post_id", "").strip()
    variant, account = row.get("variant", "").strip(), row.get("account", "").strip()
    for pub in reversed(known):  # the newest version's first
        if mark and pub.mark == mark:
            return pub
        if post_id and pub.remote_id == post_id:
            return pub
        if not mark and not post_id and variant == pub.variant and account in ("", pub.account):
            return pub
    return None


def _store(
    store: Store,
    prod_id: int,
    found: list[tuple[Publication, dict[str, float]]],
    actor: Actor,
    how: str,
    source: str,
) -> list[Measured]:
    now = datetime.now(UTC)
    out: list[Measured] = []
    with store.session() as tx:
        for pub, figures in found:
            merged = {**(pub.metrics or {}), **figures}
            posts.set_metrics(tx, pub.stored_id, merged, now)
            subject = variant_subject(pub.variant, pub.variant_version)
            repo.event(tx, prod_id, NOTE, subject, account=pub.account, how=how, source=source,
                       figures=merged, note=f"{subject} on {pub.account}: {describe(merged)}",
                       by=actor.name)  # fmt: skip
            out.append(Measured(pub, merged))
    return out


def pull(
    store: Store, slug: str, actor: Actor, client: httpx.Client | None = None
) -> list[Measured]:
    """Ask Postiz for the figures of every post of ``slug`` it holds, and store them."""
    require(actor, Action.PREPARE_VARIANT)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        known = [p for p in posts.of_production(tx, prod_id)
                 if p.target == TargetKind.POSTIZ.value and p.remote_id]  # fmt: skip
        accounts = {p.account: account_rows.live_account(tx, p.account) for p in known}
    if not known:
        raise InputError(f"{slug} has no post on a Postiz target yet: nothing to pull")
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
    found: list[tuple[Publication, dict[str, float]]] = []
    try:
        for pub in known:
            account = accounts.get(pub.account)
            if account is None or account.target.kind is not TargetKind.POSTIZ:
                continue
            assert account.target.url and account.target.integration and pub.remote_id
            target = PostizTarget(account.target.url, account.target.integration, http)
            found.append((pub, _figures(target.analytics(pub.remote_id, pub.account))))
    finally:
        if client is None:
            http.close()
    return _store(store, prod_id, found, actor, "pull", "postiz")


def _figures(answer: list[dict[str, object]]) -> dict[str, float]:
    """Postiz's ``[{label, data: [{total, date}]}]``: counts summed over the days, the rest
    (watch time, completion) as last reported."""
    figures: dict[str, float] = {}
    for series in answer:
        metric = metric_of(str(series.get("label", "")))
        data = series.get("data")
        if metric is None or not isinstance(data, list):
            continue
        values = []
        for point in data:
            if isinstance(point, dict):
                try:
                    value = parse_value(metric, str(point.get("total", "")))
                except ValueError:
                    continue
                if value is not None:
                    values.append(value)
        if values:
            counted = metric not in ("avg_watch_s", "completion")
            figures[metric] = sum(values) if counted else values[-1]
    return figures
