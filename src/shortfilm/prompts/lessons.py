"""Lessons from failed takes: "a prior take of a prompt like this failed: ...".

The workflow says to store failed prompts and clips with notes because they teach. When a prompt
is linted, takes that failed (or that a person marked failed) and whose prompt text resembles it
are shown beside it, across every production in the store. Similarity is the Jaccard index of
content words: cheap, explainable, and good enough to surface "we tried this before".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shortfilm.store.failed_takes import failed_takes
from shortfilm.store.repo import Store

_STOP = frozenset(
    re.findall(
        r"[a-z]+",
        """the a an and or of to in on at with from into onto for by as is are be it its this
        that then than shot camera clip seconds sound rule duration""",
    )
)


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if w not in _STOP)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard index of two word sets, 0.0-1.0."""
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass(frozen=True)
class Lesson:
    take: str
    """``<slug>/clip-NN/take-NNN``."""
    similarity: float
    status: str
    note: str


def lessons_for(
    store: Store, prompt_text: str, *, threshold: float = 0.3, limit: int = 3
) -> list[Lesson]:
    """Failed takes whose prompt resembles ``prompt_text``, most similar first."""
    return lessons_for_each(store, [prompt_text], threshold=threshold, limit=limit)[0]


def lessons_for_each(
    store: Store, prompt_texts: Sequence[str], *, threshold: float = 0.3, limit: int = 3
) -> list[list[Lesson]]:
    """:func:`lessons_for` of each text, from one reading of the library's failed takes (every
    production of the home), each distinct failed prompt's words read once."""
    with store.session() as s:
        failed = failed_takes(s)
    words_of: dict[str, frozenset[str]] = {}
    for take in failed:
        if take.prompt_text not in words_of:
            words_of[take.prompt_text] = content_words(take.prompt_text)
    out: list[list[Lesson]] = []
    for prompt_text in prompt_texts:
        words = content_words(prompt_text)
        found: list[Lesson] = []
        for take in failed:
            score = similarity(words, words_of[take.prompt_text])
            if score >= threshold:
                found.append(
                    Lesson(
                        f"{take.slug}/clip-{take.position:02d}/take-{take.number:03d}",
                        round(score, 2),
                        take.status,
                        take.notes or take.error or "no note left",
                    )
                )
        found.sort(key=lambda lesson: (-lesson.similarity, lesson.take))
        out.append(found[:limit])
    return out
