"""Benchmark: ``shortfilm trace`` of a board version used by 500 takes, on SQLite and PostgreSQL.

The example production is imported, its board approved, and a second production made from it
with ``new --from`` (the board by reference); then 500 takes are written straight into the
store, spread over both productions' clips (250 each), all made from that one board version,
beside 4,500 takes of 9 other productions on their own boards (so the index, not the table
size, decides). Each take gets a keyframe; each clip's takes continue the previous clip's.

Timed: :func:`shortfilm.production.trace.trace_thing` of ``board`` (every take listed, both
productions) and of one take, 200 times each after a warm-up, in a fresh session each time as
the command runs it. Goal: ``trace_p95_ms`` well under 50 ms on both databases. Last line: one
JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get(
    "SHORTFILM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TAKES_ON_BOARD, OTHER_PRODUCTIONS, OTHER_TAKES, RUNS = 500, 9, 500, 200


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(sql)


def _fill(store: Any, spec: Path) -> None:
    from shortfilm import review
    from shortfilm.domain.template import DEFAULT_KEEP
    from shortfilm.production.importing import import_spec
    from shortfilm.production.templates import new_from_template
    from shortfilm.store import repo
    from shortfilm.store.boards import newest_board_row
    from shortfilm.store.tables import ClipRow, KeyframeRow, PromptRow, TakeRow

    import_spec(store, spec)
    review.approve_pending(store, "wasteland-villa", review.local_owner(), "board")
    new_from_template(store, "sequel", "wasteland-villa", DEFAULT_KEEP)
    for n in range(OTHER_PRODUCTIONS):
        new_from_template(store, f"other-{n}", "wasteland-villa", ("style", "characters"))
    with store.session() as s:
        for prod in repo.productions(s):
            clips: list[ClipRow] = repo.clips(s, prod.id)
            shared = prod.slug in ("wasteland-villa", "sequel")
            count = TAKES_ON_BOARD // 2 if shared else OTHER_TAKES
            board = newest_board_row(s, prod.id)
            assert board is not None
            previous: KeyframeRow | None = None
            for index, clip in enumerate(clips):
                per_clip = count // len(clips) + (index < count % len(clips))
                prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
                assert prompt is not None
                rows = [
                    TakeRow(
                        clip_id=clip.id,
                        number=i + 1,
                        prompt_id=prompt.id,
                        board_id=board.id,
                        keyframe_id=previous.id if previous else None,
                        provider="animatic",
                        model="animatic-1",
                        request_hash=uuid.uuid4().hex,
                        status="succeeded",
                        params={"seed": i},
                        references=[],
                        meta={},
                    )  # fmt: skip
                    for i in range(per_clip)
                ]
                s.add_all(rows)
                s.flush()
                frames = [
                    KeyframeRow(take_id=t.id, time_ms=12000, sha256="0" * 64, chosen=True)
                    for t in rows
                ]
                s.add_all(frames)
                s.flush()
                previous = frames[0]


def _time(store: Any, slug: str, thing: str) -> tuple[list[float], int]:
    from shortfilm.production.trace import trace_thing

    found = trace_thing(store, slug, thing)  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        trace_thing(store, slug, thing)
        times.append((time.perf_counter() - start) * 1000)
    return times, len(found.used_by)


def _run(kind: str, spec: Path, root: Path) -> dict[str, Any]:
    from shortfilm.store.repo import Store

    url = None
    db = f"bench_trace_{uuid.uuid4().hex[:8]}"
    if kind == "postgres":
        _pg(f'CREATE DATABASE "{db}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + (
            f"/{db}"
        )
    store = Store(root / kind, url)
    try:
        start = time.perf_counter()
        _fill(store, spec)
        fill_s = time.perf_counter() - start
        board, used = _time(store, "sequel", "board")
        take, _ = _time(store, "wasteland-villa", "clip-02:take:1")
    finally:
        store.close()
        if kind == "postgres":
            _pg(f'DROP DATABASE "{db}"')
    q = statistics.quantiles
    return {
        f"{kind}_fill_s": round(fill_s, 2),
        f"{kind}_board_users": used,
        f"{kind}_trace_p50_ms": round(statistics.median(board), 2),
        f"{kind}_trace_p95_ms": round(q(board, n=20)[18], 2),
        f"{kind}_take_trace_p95_ms": round(q(take, n=20)[18], 2),
    }


def main() -> None:
    from shortfilm.examples import example_dir

    root = Path(tempfile.mkdtemp(prefix="bench-trace-"))
    try:
        spec = root / "spec"
        shutil.copytree(example_dir("wasteland-villa"), spec)
        result: dict[str, Any] = {"takes_on_board": TAKES_ON_BOARD, "runs": RUNS}
        for kind in ("sqlite", "postgres"):
            result |= _run(kind, spec / "production.yaml", root)
            print(kind, "done", file=sys.stderr)
        result["trace_p95_ms"] = max(result["sqlite_trace_p95_ms"], result["postgres_trace_p95_ms"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
