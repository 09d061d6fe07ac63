"""A post's performance figures, read the way the platforms export them.

TikTok, YouTube Studio and Instagram each name the same few figures differently ("Video views",
"Views", "Plays"; "Average watch time", "Average view duration"; "Watched full video (%)",
"Average percentage viewed"), and write them as ``1,234``, ``12.5%``, ``0:07`` or ``7.2s``.
:func:`metric_of` maps a column to one of :data:`METRICS`, :func:`parse_value` reads a cell;
the rest of the file is left alone. Completion is kept as a fraction (0-1), watch time in
seconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

NOTE_EVENT = "metrics.note"
"""The event a publication's stored figures are noted in, as a sentence (``data["note"]``): the
library indexes it as a performance note."""

METRICS = ("views", "avg_watch_s", "completion", "likes", "shares", "comments")
"""The figures kept per publication."""
LABELS = {
    "views": "views",
    "avg_watch_s": "avg watch",
    "completion": "completion",
    "likes": "likes",
    "shares": "shares",
    "comments": "comments",
}

_SYNONYMS = {
    "views": ("views", "video views", "plays", "total views", "post views", "view count"),
    "avg_watch_s": (
        "average watch time",
        "avg watch time",
        "average view duration",
        "avg view duration",
        "average watch time s",
        "avg watch s",
        "average time watched",
    ),
    "completion": (
        "completion",
        "completion rate",
        "watched full video",
        "watched full video %",
        "full video watched",
        "average percentage viewed",
        "average percentage viewed %",
        "completion %",
    ),
    "likes": ("likes", "like count", "reactions"),
    "shares": ("shares", "share count", "reposts"),
    "comments": ("comments", "comment count"),
}
_KEYS = {
    "mark": ("mark", "shortfilm mark"),
    "post_id": ("post id", "post", "postid", "remote id", "video id", "id"),
    "variant": ("variant",),
    "account": ("account",),
}


def _normal(header: str) -> str:
    text = re.sub(r"[\s_\-]+", " ", header.strip().casefold())
    return re.sub(r"[()]", "", text).strip()


def _named(header: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    said = _normal(header)
    return next((name for name, spellings in table.items() if said in spellings), None)


def metric_of(header: str) -> str | None:
    """The metric a column holds (one of :data:`METRICS`), or ``None``."""
    return _named(header, _SYNONYMS)


def key_of(header: str) -> str | None:
    """Which way a column names the post (``mark``, ``post_id``, ``variant``, ``account``)."""
    return _named(header, _KEYS)


MAX_COUNT = 10**12
"""No post has more views than this: a larger figure is a column read wrongly."""


def parse_value(metric: str, text: str) -> float | None:
    """One cell of ``metric``; ``None`` for an empty one, :class:`ValueError` saying what is
    wrong otherwise (``"1,234"``, ``"12.5%"``, ``"0:07"``, ``"7.2s"``)."""
    cell = text.strip()
    if cell in ("", "-", "--", "n/a", "N/A"):
        return None
    if metric == "avg_watch_s":
        value = _seconds(cell)
        if value is None or value > 24 * 3600:
            raise ValueError(f"{cell!r} is not a watch time such as 7.2, 7.2s or 0:07")
        return value
    if metric == "completion":
        share = cell.endswith("%")
        try:
            value = float(cell.rstrip("%").replace(",", ".").strip())
        except ValueError:
            raise ValueError(f"{cell!r} is not a share such as 41% or 0.41") from None
        if share or value > 1:
            value /= 100
        if not 0 <= value <= 1 or math.isnan(value):
            raise ValueError(f"{cell!r} is not a share between 0% and 100%")
        return value
    digits = cell.replace(",", "").replace("\u202f", "").replace(" ", "")
    scale = 1
    if digits[-1:].upper() in ("K", "M"):
        scale = 1000 if digits[-1].upper() == "K" else 1_000_000
        digits = digits[:-1]
    try:
        value = float(digits) * scale
    except ValueError:
        raise ValueError(f"{cell!r} is not a count such as 1234 or 1,234") from None
    if value < 0 or value > MAX_COUNT or math.isnan(value):
        raise ValueError(f"{cell!r} is not a count between 0 and {MAX_COUNT:,}")
    return round(value)


def _seconds(cell: str) -> float | None:
    if re.fullmatch(r"\d{1,2}(:\d{2}){1,2}(\.\d+)?", cell):
        total = 0.0
        for part in cell.split(":"):
            total = total * 60 + float(part)
        return total
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds)?", cell, re.IGNORECASE)
    return float(found.group(1)) if found else None


def held(figures: Mapping[str, float], duration_s: float) -> float | None:
    """How well a post held its viewers, 0-1: its completion when known, else its average
    watch time over the film's length."""
    completion = figures.get("completion")
    if completion is not None:
        return float(completion)
    watched = figures.get("avg_watch_s")
    if watched is not None and duration_s > 0:
        return min(1.0, float(watched) / duration_s)
    return None


def describe(figures: Mapping[str, float]) -> str:
    """``12,400 views, completion 41%, avg watch 7.2 s, 310 likes``."""
    parts = []
    for key in METRICS:
        value = figures.get(key)
        if value is None:
            continue
        if key == "completion":
            parts.append(f"completion {value:.0%}")
        elif key == "avg_watch_s":
            parts.append(f"avg watch {value:.1f} s")
        else:
            parts.append(f"{int(value):,} {LABELS[key]}")
    return ", ".join(parts) or "no figures"
