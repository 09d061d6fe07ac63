"""Where films are posted: each platform's rules as data, with the page each figure comes from.

A variant is checked against its account's platform before anything is rendered or sent
(:func:`check_post`). A platform that is handed a video too long for it refuses the upload or cuts
it; a caption past its limit is refused; hashtags past the count are dropped, or all of them
ignored (YouTube). That is worse to learn after a render, or after a post went out half-right,
than before: so every break names the rule, the limit, what was measured and where the limit is
documented.

Figures as the platforms document them (checked 2026-11; the ``sources`` of each platform):

- TikTok: videos up to 10 minutes; a caption of at most 2,200 characters through the Content
  Posting API that schedulers post with (the app itself allows 4,000). No hashtag limit.
- YouTube Shorts: up to 3 minutes (since 15 Oct 2024); title at most 100 characters, description
  at most 5,000; a video with more than 60 hashtags has all of them ignored, and only the first 15
  of a description are shown, so 15 is the working limit.
- Instagram Reels: up to 3 minutes (since Jan 2025); caption at most 2,200 characters; at most 5
  hashtags per post or reel (announced Dec 2025, down from 30).
- X: 140 seconds for an account without Premium; 280 characters, counted weighted (CJK and emoji
  count twice, a link counts 23).
- LinkedIn: videos up to 10 minutes; a post of at most 3,000 characters.
- Facebook Reels: up to 90 seconds; the post text is effectively unlimited (63,206).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Counting = Literal["characters", "weighted"]


@dataclass(frozen=True)
class Platform:
    """One platform's rules for a short video post."""

    name: str
    label: str
    presets: tuple[str, ...]
    """The channel presets whose frame it plays well, the usual one first."""
    max_duration_s: float
    caption_max: int | None
    """Longest post text (caption and hashtags, as posted); ``None``: no practical limit."""
    hashtags_max: int | None
    title_max: int | None
    """Longest title, for a platform with a title field apart from the caption."""
    counting: Counting
    sources: tuple[str, ...]

    @property
    def preset(self) -> str:
        """The preset an account on this platform takes unless it names another."""
        return self.presets[0]

    def length(self, text: str) -> int:
        """``text``'s length as this platform counts it."""
        return weighted_length(text) if self.counting == "weighted" else len(text)


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            "tiktok",
            "TikTok",
            ("vertical",),
            600.0,
            2200,
            None,
            None,
            "characters",
            (
                "https://support.tiktok.com/en/using-tiktok/creating-videos/upload-videos",
                "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post",
            ),
        ),
        Platform(
            "youtube-shorts",
            "YouTube Shorts",
            ("vertical", "square"),
            180.0,
            5000,
            15,
            100,
            "characters",
            (
                "https://support.google.com/youtube/answer/15424877",
                "https://support.google.com/youtube/answer/6390658",
            ),
        ),
        Platform(
            "instagram-reels",
            "Instagram Reels",
            ("vertical",),
            180.0,
            2200,
            5,
            None,
            "characters",
            (
                "https://help.instagram.com/1038071743007909",
                "https://about.instagram.com/blog/announcements (Dec 2025: five hashtags)",
            ),
        ),
        Platform(
            "x",
            "X",
            ("horizontal", "vertical", "square"),
            140.0,
            280,
            None,
            None,
            "weighted",
            (
                "https://help.x.com/en/using-x/x-videos",
                "https://docs.x.com/fundamentals/counting-characters",
            ),
        ),
        Platform(
            "linkedin",
            "LinkedIn",
            ("square", "vertical", "horizontal"),
            600.0,
            3000,
            None,
            None,
            "characters",
            ("https://www.linkedin.com/help/linkedin/answer/a548372",),
        ),
        Platform(
            "facebook",
            "Facebook Reels",
            ("vertical",),
            90.0,
            63206,
            None,
            None,
            "characters",
            ("https://www.facebook.com/business/help/1197310377458463",),
        ),
    )
}


def platform(name: str) -> Platform:
    """The platform called ``name``; :class:`ValueError` listing the known ones otherwise."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ValueError(
            f"unknown platform {name!r}; known: {', '.join(sorted(PLATFORMS))}"
        ) from None


# --- texts as posted ----------------------------------------------------------------------------

_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)", re.UNICODE)
_URL = re.compile(r"https?://\S+")


def hashtag(tag: str) -> str:
    """``tag`` as it is stored: without its ``#``; :class:`ValueError` for one a platform would
    not link (a space, punctuation, nothing but digits)."""
    bare = tag.strip().removeprefix("#")
    if not bare or not re.fullmatch(r"\w+", bare) or bare.isdigit():
        raise ValueError(f"{tag!r} is not a hashtag (letters, digits and _ only, not all digits)")
    return bare


def hashtags_in(text: str) -> list[str]:
    """The hashtags written into ``text``, in order (without their ``#``)."""
    return _HASHTAG.findall(text)


def post_text(caption: str, hashtags: Sequence[str]) -> str:
    """The text a post carries: the caption, then its hashtags not already in it, on a line of
    their own after a blank one."""
    written = {h.casefold() for h in hashtags_in(caption)}
    extra = [f"#{h}" for h in hashtags if h.casefold() not in written]
    body = caption.strip()
    if not extra:
        return body
    return f"{body}\n\n{' '.join(extra)}" if body else " ".join(extra)


def weighted_length(text: str) -> int:
    """A text's length as X counts it: each link 23, a code point in the Latin, general
    punctuation and similar ranges 1, any other (CJK, emoji) 2. Text is NFC-normalised first, as
    X does."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    rest = 0
    for match in _URL.finditer(text):
        total += 23 + _weigh(text[rest : match.start()])
        rest = match.end()
    return total + _weigh(text[rest:])


_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _weigh(text: str) -> int:
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _LIGHT) else 2 for c in text)


# --- the check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleBreak:
    """One rule a post breaks: which, the limit, what was measured, and where the rule is."""

    platform: str
    rule: str
    limit: str
    measured: str
    source: str

    def __str__(self) -> str:
        return (
            f"{self.rule} is {self.measured}, but {self.platform} allows {self.limit} "
            f"({self.source})"
        )


def check_post(
    where: Platform,
    *,
    duration_s: float | None,
    caption: str,
    hashtags: Sequence[str],
    title: str | None,
    preset: str,
) -> list[RuleBreak]:
    """Every rule of ``where`` a post of this video and these texts would break (empty: none).

    ``duration_s`` is ``None`` when the film's length is not known yet (a variant declared
    before its edit is rendered); its length is then checked when it is.
    """
    found: list[RuleBreak] = []
    src = where.sources[0]

    def breaks(rule: str, limit: str, measured: str, source: str = src) -> None:
        found.append(RuleBreak(where.label, rule, limit, measured, source))

    if duration_s is not None and duration_s > where.max_duration_s + 1e-9:
        breaks("the video", f"{where.max_duration_s:g} s", f"{duration_s:.2f} s")
    if preset not in where.presets:
        breaks(
            "the frame",
            " or ".join(where.presets),
            preset,
        )
    text = post_text(caption, hashtags)
    if where.caption_max is not None:
        length = where.length(text)
        if length > where.caption_max:
            how = " (weighted)" if where.counting == "weighted" else ""
            breaks(
                "the post text",
                f"{where.caption_max:,} characters{how}",
                f"{length:,} characters{how}",
                where.sources[-1],
            )
    tags = {h.casefold() for h in hashtags_in(text)}
    if where.hashtags_max is not None and len(tags) > where.hashtags_max:
        breaks("the hashtags", f"{where.hashtags_max}", f"{len(tags)}", where.sources[-1])
    if where.title_max is not None and title is not None and len(title) > where.title_max:
        breaks("the title", f"{where.title_max} characters", f"{len(title)} characters")
    return found
