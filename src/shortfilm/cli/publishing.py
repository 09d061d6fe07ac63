"""``shortfilm publish SLUG --variant NAME ...``: approved variants sent to their accounts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from shortfilm.cli.common import err, fail, out, store_at
from shortfilm.errors import InputError, ShortfilmError


def publish_variants(
    home: Path,
    slug: str,
    names: list[str],
    *,
    at: str | None,
    wait_s: float,
    preset: str | None,
    detach: bool,
    as_json: bool,
) -> None:
    """Publish each named variant; every one is tried, and the exit code is non-zero when any
    was not sent (each message names the variant, the account and why)."""
    from shortfilm.publish.variants import Outcome, parse_at, publish_variant
    from shortfilm.review.decisions import local_owner

    try:
        if preset is not None:
            raise InputError("preset: a variant is rendered in its own or its account's preset")
        if detach:
            raise InputError("detach: variants are published in this process (drop --detach)")
        if wait_s < 0 or wait_s > 24 * 3600:
            raise InputError("wait: give 0 to 86400 seconds")
        if len(set(names)) != len(names):
            raise InputError("variant: a variant is named twice")
        when = parse_at(at)
    except ShortfilmError as exc:
        fail(exc)
    done: list[dict[str, Any]] = []
    failures: list[ShortfilmError] = []
    with store_at(home) as store:
        for name in names:
            try:
                got: Outcome = publish_variant(store, slug, name, local_owner(), at=when,
                                               wait_s=wait_s)  # fmt: skip
            except ShortfilmError as exc:
                failures.append(exc)
                if not as_json:
                    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                              soft_wrap=True)  # fmt: skip
                continue
            done.append(_shown(got))
            if not as_json:
                _say(slug, got)
    if as_json:
        errors = [str(exc) for exc in failures]
        sys.stdout.write(json.dumps({"published": done, "errors": errors}, indent=2) + "\n")
    if failures:
        raise typer.Exit(max(exc.exit_code for exc in failures))


def _shown(got: Any) -> dict[str, Any]:
    pub = got.publication
    return {
        "variant": pub.variant,
        "version": pub.variant_version,
        "account": pub.account,
        "target": pub.target,
        "state": pub.state.value,
        "at": pub.at.isoformat() if pub.at else None,
        "remote_id": pub.remote_id,
        "remote_url": pub.remote_url,
        "mark": pub.mark,
        "sent": got.sent,
        "adopted": got.adopted,
        "refreshed": got.refreshed,
        "attempts": pub.attempts,
    }


def _say(slug: str, got: Any) -> None:
    pub = got.publication
    when = f" for {pub.at:%Y-%m-%d %H:%M} UTC" if pub.at else ""
    where = f" ({pub.remote_url})" if pub.remote_url else ""
    if got.refreshed:
        said = f"{pub.state}: {pub.target} has sent it out (asked; nothing was sent again)"
    elif not got.sent:
        said = f"{pub.state}{when} before: nothing was sent again"
    elif got.adopted:
        said = f"{pub.state}{when}: found on the target (an answer was lost), not sent again"
    else:
        said = f"{pub.state}{when}"
    out.print(
        escape(f"{slug}: variant {pub.variant} v{pub.variant_version} to {pub.account} "
               f"via {pub.target}: {said}{where}"),
        highlight=False,
        soft_wrap=True,
    )  # fmt: skip
