"""What the campaign page shows: each variant beside the others, and the calendar of its posts.

Frozen views the read model (:mod:`shortfilm.store.read_model.campaign`) fills and the template
renders; nothing here reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from shortfilm.domain.page_views import Reviewed


@dataclass(frozen=True)
class PostView:
    """A variant version's publication to its account."""

    state: str
    target: str
    at: datetime | None
    remote_url: str | None
    reason: str
    figures: Mapping[str, float]
    figures_text: str


@dataclass(frozen=True)
class VariantView:
    """The newest version of one variant."""

    stored_id: int
    name: str
    version: int
    revision: int
    account: str
    account_label: str
    differs: str
    hook: str
    end_card: str
    post_text: str
    film_sha256: str | None
    """Its film for this version, once rendered (and checked)."""
    film_status: str | None
    reviewed: Reviewed
    post: PostView | None

    @property
    def approved(self) -> bool:
        return self.reviewed.standing.passes


@dataclass(frozen=True)
class CalendarDay:
    day: date | None
    """``None``: posts sent as soon as they were published (no time asked)."""
    entries: tuple[tuple[str, VariantView], ...]
    """``(time of day, variant)``, in time order."""


@dataclass(frozen=True)
class CampaignPage:
    slug: str
    title: str
    role: str
    variants: tuple[VariantView, ...]
    accounts: tuple[tuple[str, str], ...]
    """``(name, label)`` of the home's accounts, for the form that adds a variant."""
    calendar: tuple[CalendarDay, ...]
    approved_edit: bool
    """Whether the newest edit has an approved final: variants are of an approved film."""
