"""The campaign page of a production: its variants side by side, and the calendar of its posts.

Read in a few bulk queries (the variants' newest versions, their reviews and comments, the
publications, the variant renders), like the other pages of :mod:`shortfilm.store.read_model`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from shortfilm.domain.campaign_page import CalendarDay, CampaignPage, PostView, VariantView
from shortfilm.domain.metrics import describe
from shortfilm.domain.platforms import PLATFORMS, post_text
from shortfilm.domain.publishing import Publication
from shortfilm.domain.review import SubjectKind
from shortfilm.domain.variant import differences
from shortfilm.store import posts, publications, reviews, social_accounts
from shortfilm.store import variants as variant_rows
from shortfilm.store.edits import production_spec
from shortfilm.store.read_model.overview import production
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.read_model.standings import reviewed as _reviewed


def campaign_page(s: Session, slug: str) -> CampaignPage:
    row = production(s, slug)
    spec = production_spec(s, slug)
    stored = variant_rows.latest(s, row.id)
    seen = _reviewed(s, row.id, SubjectKind.VARIANT, [v.stored_id for v in stored])
    by_variant = {(p.variant, p.variant_version): p for p in posts.of_production(s, row.id)}
    accounts = {a.name: a for a in social_accounts.live_accounts(s)}
    films: dict[tuple[str, int], tuple[str, str]] = {}
    for made in variant_rows.renders(s, row.id):  # newest first: the first of each is kept
        if made.get("sha256"):
            key = (str(made.get("variant")), int(made.get("version", 0)))
            films.setdefault(key, (str(made["sha256"]), str(made.get("status", ""))))
    views = []
    for v in stored:
        film = films.get((v.name, v.version))
        account = accounts.get(v.variant.account)
        label = (
            f"{PLATFORMS[account.platform].label} {account.handle}"
            if account is not None
            else "no such account"
        )
        pub = by_variant.get((v.name, v.version))
        views.append(
            VariantView(
                stored_id=v.stored_id,
                name=v.name,
                version=v.version,
                revision=v.revision,
                account=v.variant.account,
                account_label=label,
                differs=differences(v.variant),
                hook=v.variant.hook.text if v.variant.hook else "",
                end_card=v.variant.end_card.text if v.variant.end_card else "",
                post_text=post_text(v.variant.caption, v.variant.hashtags),
                film_sha256=film[0] if film else None,
                film_status=film[1] if film else None,
                reviewed=seen[v.stored_id],
                post=_post(pub) if pub is not None else None,
            )
        )
    return CampaignPage(
        slug=slug,
        title=row.title,
        role=spec.campaign_role.value,
        variants=tuple(views),
        accounts=tuple((a.name, a.label) for a in accounts.values()),
        calendar=_calendar(views),
        approved_edit=_approved_edit(s, row.id),
    )


def _post(pub: Publication) -> PostView:
    figures = dict(pub.metrics or {})
    return PostView(pub.state.value, pub.target, pub.at, pub.remote_url, pub.reason, figures,
                    describe(figures) if figures else "")  # fmt: skip


def _calendar(views: list[VariantView]) -> tuple[CalendarDay, ...]:
    days: dict[date | None, list[tuple[str, VariantView]]] = defaultdict(list)
    for v in views:
        if v.post is None:
            continue
        at = v.post.at
        days[at.date() if at else None].append((f"{at:%H:%M} UTC" if at else "", v))
    ordered = sorted(days, key=lambda d: (d is not None, d or date.min))
    return tuple(CalendarDay(d, tuple(sorted(days[d], key=lambda e: e[0]))) for d in ordered)


def _approved_edit(s: Session, prod_id: int) -> bool:
    edit = reviews.version(s, prod_id, SubjectKind.EDIT)
    if edit is None:
        return False
    standings = Standings(s, prod_id)
    return any(
        standings.of(SubjectKind.RENDER, r.stored_id).passes
        for r in publications.renders(s, edit[0])
    )
