"""Benchmark: the library's search over a home of 200 productions, on SQLite and PostgreSQL.

Each database gets the same home, written in bulk (no pipeline): 200 productions x 20 clips x
25 takes = 100,000 takes, each clip with two prompt versions, every take a note (a third of them
failed, with a failure reason), a review and a comment per clip, a board per production, words
drawn from a Zipf-like vocabulary (the example's words and made-up ones). The index is then
built from the tables (:func:`shortfilm.store.search_index.rebuild`, what migration 0014 runs on
an existing home) and 200 queries of 1-3 words are searched through
:func:`shortfilm.library.search.search`, as the CLI and the web app do.

* ``<db>_search_p50_ms`` / ``<db>_search_p95_ms``: one search, best 20 of the matches; goal
  < 50 ms on both. ``search_p50_ms`` / ``search_p95_ms`` are the worse of the two databases.
* Baseline, measured in the same run: ``<db>_like_p50_ms``, the same queries (the first
  ``LIKE_QUERIES``) as a plain ``body LIKE '%word%'`` scan of the entries for the newest 250
  matches (what a search ranks), with no ranking; ``<db>_speedup_p50`` is like / search.
* ``<db>_index_build_s``: building every entry and the full-text index from the tables;
  ``<db>_db_mb``: the database's size after it (``index_build_s`` and ``db_mb``: the larger).
* ``<db>_trace_p95_ms``: ``trace SLUG board`` of a board version used by 500 takes (each
  production's), 200 times; ``trace_p95_ms`` is the worse of the two databases. Further
  figures are one function each in :data:`FIGURES`, run on each database's home after the
  search figures.

Usage: ``python bench/library.py [--productions N]`` (N=200 by default; PostgreSQL at
``SHORTFILM_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``).
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, insert, text

from shortfilm.domain.library import LibraryQuery
from shortfilm.examples import example_dir
from shortfilm.store import search_index
from shortfilm.store.repo import Store
from shortfilm.store.search_query import CANDIDATES
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    CommentRow,
    ProductionRow,
    PromptRow,
    ReviewRow,
    ScriptRow,
    TakeRow,
)

CLIPS = 20
TAKES = 25
PROMPT_VERSIONS = 2
QUERIES = 200
LIKE_QUERIES = 20
SEED = 20
ADMIN_URL = os.environ.get(
    "SHORTFILM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_DB = "shortfilm_bench_library"


class Words:
    """A vocabulary with Zipf-like weights: the example's words first, then made-up ones."""

    def __init__(self, rng: random.Random) -> None:
        spec = (example_dir("wasteland-villa") / "production.yaml").read_text("utf-8")
        seen = dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z]{3,}", spec))
        syllables = ["ka", "ro", "mi", "ten", "sul", "va", "dor", "plin", "ze", "quo", "ash"]
        made = {"".join(rng.choice(syllables) for _ in range(3)) for _ in range(6000)}
        self.vocab = list(seen) + sorted(made - set(seen))
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.vocab))]
        self.rng = rng

    def text(self, n: int) -> str:
        return " ".join(self.rng.choices(self.vocab, self.weights, k=n))

    def query(self) -> str:
        """1-3 words a person would type: from the middle of the vocabulary, some cut short."""
        picked = []
        for _ in range(self.rng.randint(1, 3)):
            word = self.vocab[int(self.rng.paretovariate(0.8) * 8) % len(self.vocab)]
            picked.append(word[: self.rng.randint(3, len(word))] if len(word) > 4 else word)
        return " ".join(picked)


def fill(conn: Connection, productions: int, words: Words) -> dict[str, int]:
    """Write the home's rows in bulk (Core inserts: the ORM's flush listener is not involved)."""
    rng = words.rng
    counts: dict[str, int] = {}

    def put(table: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(insert(table), rows)
            counts[table.__tablename__] = counts.get(table.__tablename__, 0) + len(rows)

    take_id = clip_id = prompt_id = 0
    for p in range(1, productions + 1):
        put(ProductionRow, [{"id": p, "slug": f"film-{p:03d}", "title": words.text(3).title(),
                             "campaign_role": rng.choice(["hook", "top-of-funnel", "educational"]),
                             "target_duration_s": 50.0, "owner": "bench", "spec": {},
                             "spec_hash": "x"}])  # fmt: skip
        beats = [words.text(25) for _ in range(5)]
        put(ScriptRow, [{"production_id": p, "version": 1, "logline": words.text(30),
                         "beats": beats, "content_hash": "x"}])  # fmt: skip
        blocks = {"world": words.text(60), "style": words.text(25), "negative": words.text(15),
                  "characters": [{"name": words.text(1), "role": "main",
                                  "description": words.text(40)}]}  # fmt: skip
        put(BoardRow, [{"id": p, "production_id": p, "version": 1, "blocks": blocks,
                        "references": [], "content_hash": "x", "status": "approved"}])  # fmt: skip
        clips, prompts, takes, reviews, comments = [], [], [], [], []
        for position in range(1, CLIPS + 1):
            clip_id += 1
            clips.append({"id": clip_id, "production_id": p, "position": position,
                          "name": f"clip-{position:02d}", "job": words.text(8),
                          "duration_s": 12.5})  # fmt: skip
            for version in range(1, PROMPT_VERSIONS + 1):
                prompt_id += 1
                prompts.append({"id": prompt_id, "clip_id": clip_id, "version": version,
                                "sections": {}, "text": words.text(rng.randint(150, 260)),
                                "content_hash": "x"})  # fmt: skip
            for number in range(1, TAKES + 1):
                take_id += 1
                failed = rng.random() < 0.33
                takes.append({"id": take_id, "clip_id": clip_id, "number": number,
                              "prompt_id": prompt_id, "board_id": p, "provider": "animatic",
                              "model": "m", "request_hash": f"{take_id}",
                              "status": "failed" if failed else "succeeded", "params": {},
                              "references": [], "notes": words.text(rng.randint(6, 24)),
                              "error": words.text(10) if failed else None, "meta": {}})  # fmt: skip
            reviews.append({"production_id": p, "checkpoint": "clip", "subject_kind": "take",
                            "subject_id": take_id, "decision": "request-changes",
                            "reviewer": "mara", "role": "editor", "notes": words.text(20),
                            "changes": words.text(12), "rubric": {}})  # fmt: skip
            comments.append({"production_id": p, "subject_kind": "take", "subject_id": take_id,
                             "author": "gus", "role": "growth-operator",
                             "body": words.text(15)})  # fmt: skip
        for table, rows in ((ClipRow, clips), (PromptRow, prompts), (TakeRow, takes),
                            (ReviewRow, reviews), (CommentRow, comments)):  # fmt: skip
            put(table, rows)
    return counts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def like_scan(store: Store, query: str) -> int:
    """The baseline: every word as ``body LIKE '%word%'`` (case-insensitive on both), the
    newest ``CANDIDATES`` matches, as many as a search ranks (unranked here)."""
    words = query.split()
    where = " AND ".join(f"lower(body) LIKE :w{i}" for i in range(len(words)))
    params = {f"w{i}": f"%{w.lower()}%" for i, w in enumerate(words)}
    sql = f"SELECT id FROM search_entries WHERE {where} ORDER BY id DESC LIMIT {CANDIDATES}"
    with store.engine.connect() as conn:
        return len(conn.execute(text(sql), params).all())


Figure = Callable[[Store, str], dict[str, float]]

TRACES = 200


def trace_figures(store: Store, kind: str) -> dict[str, float]:
    """``shortfilm trace SLUG board`` of productions picked at random, each board version used by
    its production's 500 takes (20 clips x 25): what it was made from and every take made from
    it, in a fresh session each time as the command runs it. ``trace_p95_ms``: goal < 50 ms."""
    from shortfilm.production.trace import trace_thing

    with store.engine.connect() as conn:
        slugs = list(conn.scalars(text("SELECT slug FROM productions ORDER BY id")))
    rng = random.Random(SEED + 1)
    used = len(trace_thing(store, slugs[0], "board").used_by)  # warm-up
    times = []
    for _ in range(TRACES):
        slug = rng.choice(slugs)
        started = time.perf_counter()
        trace_thing(store, slug, "board")
        times.append((time.perf_counter() - started) * 1000)
    return {
        "trace_board_users": float(used),
        "trace_p50_ms": round(statistics.median(times), 2),
        "trace_p95_ms": round(percentile(times, 0.95), 2),
    }


FIGURES: list[Figure] = [trace_figures]
"""More figures measured on each database's filled home: each returns ``{name: value}``,
prefixed with the database's name in the output."""


def measure(kind: str, url: str, home: Path, productions: int) -> dict[str, float]:
    from shortfilm.library.search import search

    rng = random.Random(SEED)
    words = Words(rng)
    store = Store(home, url)
    try:
        started = time.perf_counter()
        with store.engine.begin() as conn:
            counts = fill(conn, productions, words)
        written_s = time.perf_counter() - started
        started = time.perf_counter()
        with store.engine.begin() as conn:
            entries = search_index.rebuild(conn)
        build_s = time.perf_counter() - started
        with store.engine.begin() as conn:
            if kind == "postgresql":
                conn.execute(text("ANALYZE"))
                size = conn.scalar(text("SELECT pg_database_size(current_database())"))
            else:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                size = (home / "shortfilm.db").stat().st_size
        queries = [words.query() for _ in range(QUERIES)]
        search(store, LibraryQuery(queries[0]))  # warm the connection pool and caches
        times, found = [], 0
        for query in queries:
            started = time.perf_counter()
            found += bool(search(store, LibraryQuery(query)))
            times.append((time.perf_counter() - started) * 1000)
        like = []
        for query in queries[:LIKE_QUERIES]:
            started = time.perf_counter()
            like_scan(store, query)
            like.append((time.perf_counter() - started) * 1000)
        out = {
            "takes": float(counts["takes"]),
            "entries": float(entries),
            "rows_written_s": round(written_s, 1),
            "index_build_s": round(build_s, 1),
            "db_mb": round(size / 1e6, 1),
            "queries_with_hits": float(found),
            "search_p50_ms": round(statistics.median(times), 2),
            "search_p95_ms": round(percentile(times, 0.95), 2),
            "like_p50_ms": round(statistics.median(like), 2),
            "speedup_p50": round(
                statistics.median(like) / statistics.median(times[:LIKE_QUERIES]), 1
            ),
        }
        for figure in FIGURES:
            out.update(figure(store, kind))
        return out
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--productions", type=int, default=200)
    args = parser.parse_args()
    result: dict[str, Any] = {"productions": args.productions, "clips": CLIPS, "takes": TAKES,
                              "queries": QUERIES}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        root = Path(tmp)
        figures = {"sqlite": measure("sqlite", f"sqlite:///{root / 'lite' / 'shortfilm.db'}",
                                     root / "lite", args.productions)}  # fmt: skip
        print(json.dumps({"sqlite": figures["sqlite"]}), file=sys.stderr)
        admin = psycopg.connect(ADMIN_URL, autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
        try:
            url = ADMIN_URL.rsplit("/", 1)[0] + f"/{BENCH_DB}"
            figures["postgresql"] = measure("postgresql", url, root / "pg", args.productions)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            admin.close()
    for db, values in figures.items():
        result.update({f"{db}_{name}": value for name, value in values.items()})
    for name in ("search_p50_ms", "search_p95_ms", "index_build_s", "db_mb", "trace_p95_ms"):
        result[name] = max(values[name] for values in figures.values())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
