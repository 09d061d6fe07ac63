"""``shortfilm report campaign SLUG``: how the variants did, side by side.

Each published variant with its account, its opening (the hook, else the film's own), its
figures and how well it *held* its viewers (completion, else average watch time over the film's
length; :func:`~shortfilm.domain.metrics.held`). The findings say which opening held best
overall and on each account, for the production's campaign role -- what the next film of that
role should start from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shortfilm.domain.metrics import describe, held
from shortfilm.store import edits, posts, reviews
from shortfilm.store import variants as variant_rows
from shortfilm.store.repo import Store
from shortfilm.store.variants import VARIANT_RENDER


@dataclass(frozen=True)
class VariantResult:
    variant: str
    version: int
    account: str
    opening: str
    state: str
    at: str | None
    figures: Mapping[str, float]
    held: float | None
    duration_s: float | None


@dataclass(frozen=True)
class CampaignReport:
    slug: str
    role: str
    results: tuple[VariantResult, ...]
    findings: tuple[str, ...] = field(default_factory=tuple)


def campaign_report(store: Store, slug: str) -> CampaignReport:
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        production = edits.production_spec(tx, slug)
        pubs = posts.of_production(tx, prod_id)
        stored = {(v.name, v.version): v for name in {p.variant for p in pubs}
                  for v in variant_rows.versions(tx, prod_id, name)}  # fmt: skip
        lengths: dict[tuple[str, int], float] = {}
        for name in {p.variant for p in pubs}:
            for made in variant_rows.renders(tx, prod_id, name, VARIANT_RENDER):
                if "duration_s" in made:
                    lengths.setdefault((name, int(made["version"])), float(made["duration_s"]))
    film_hook = production.edit.hook.text if production.edit.hook else ""
    results = []
    for pub in pubs:
        variant = stored.get((pub.variant, pub.variant_version))
        hook = variant.variant.hook if variant is not None else None
        figures = dict(pub.metrics or {})
        duration = lengths.get((pub.variant, pub.variant_version))
        results.append(
            VariantResult(
                pub.variant,
                pub.variant_version,
                pub.account,
                hook.text if hook else film_hook,
                pub.state.value,
                pub.at.isoformat() if pub.at else None,
                figures,
                held(figures, duration or 0.0),
                duration,
            )  # fmt: skip
        )
    role = production.campaign_role.value
    return CampaignReport(slug, role, tuple(results), tuple(_findings(slug, role, results)))


def _findings(slug: str, role: str, results: list[VariantResult]) -> list[str]:
    measured = [r for r in results if r.held is not None]
    if not results:
        return [f"nothing published yet: `shortfilm publish {slug} --variant NAME`"]
    if not measured:
        return [
            f"no figures yet: `shortfilm metrics import {slug} FILE.csv` or "
            f"`shortfilm metrics pull {slug}`"
        ]
    said = []
    best = max(measured, key=lambda r: (r.held or 0, r.figures.get("views", 0)))
    said.append(
        f"for a {role} film, the opening that held best: {best.opening!r} ({best.variant} on "
        f"{best.account}, held {best.held:.0%}; {describe(best.figures)})"
    )
    for account in sorted({r.account for r in measured}):
        mine = sorted((r for r in measured if r.account == account),
                      key=lambda r: -(r.held or 0))  # fmt: skip
        if len(mine) > 1:
            ranked = ", then ".join(f"{r.variant} {r.held:.0%}" for r in mine)
            said.append(f"on {account}: {ranked}")
    return said
