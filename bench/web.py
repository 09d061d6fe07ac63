"""Benchmark: the review overview page of a 20-clip x 6-take production, over real HTTP.

The production is the example's four clips repeated to 20, imported through the workflow; its
120 takes are rows over six small real videos (with QC statuses, chosen keyframes, reviews and
comments, so the page shows everything it would), made in seconds instead of generated.
``shortfilm serve`` runs in its own process on 127.0.0.1 (``--workers``, default 2) and
logged-in clients ask for ``/p/SLUG/review``:

- sequentially (one client, ``--requests`` requests): the median and p95 latency;
- 50 clients at once, each in a closed loop (its next request when the last one answered):
  the p95 latency over every request.

``/healthz`` (no login, no database, a two-byte answer) is measured the same way as the floor:
what the HTTP stack and the machine cost before the page does anything; the ratios say how much
the page adds. Targets: review page median < 150 ms, p95 with 50 clients < 300 ms.

Last line: one JSON object with review_page_median_ms, p95_ms_50_clients and the baselines.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from shortfilm.domain.people import Role
from shortfilm.examples import example_dir
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.production.importing import import_production
from shortfilm.spec import load_spec
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    CommentRow,
    KeyframeRow,
    PromptRow,
    ReviewRow,
    TakeAnalysisRow,
    TakeRow,
)
from shortfilm.team.accounts import add_user

CLIPS, TAKES = 20, 6
CLIENTS = 50
USER, PASSWORD = "bench", "bench password"
QC = ("pass", "warn", "fail", "pass", "pass", "warn")
DECISIONS = ("approve", "request-changes", "reject")


def _video(path: Path, hue: int) -> Path:
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", "testsrc2=size=96x160:rate=12:duration=2",
            "-vf", f"hue=h={hue}", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", str(path),
        ],
        what="a bench take",
    )  # fmt: skip
    return path


def _still(path: Path, hue: int) -> Path:
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", "testsrc2=size=96x160:rate=1:duration=1",
            "-vf", f"hue=h={hue}", "-frames:v", "1", str(path),
        ],
        what="a bench keyframe",
    )  # fmt: skip
    return path


def build(home: Path, media: Path) -> str:
    """The production: imported spec with 20 clips, 6 take rows per clip over real media."""
    production = load_spec(example_dir("wasteland-villa") / "production.yaml")
    clips = [
        dataclasses.replace(clip, name=f"{clip.name}-{n}")
        for n in range(CLIPS // len(production.clips))
        for clip in production.clips
    ]
    production = dataclasses.replace(production, clips=clips)
    store = Store(home)
    try:
        slug = import_production(store, production, example_dir("wasteland-villa")).slug
        media.mkdir(parents=True, exist_ok=True)
        videos = [_video(media / f"take-{n}.mp4", 50 * n) for n in range(TAKES)]
        stills = [_still(media / f"frame-{n}.png", 50 * n) for n in range(TAKES)]
        with store.session() as s:
            prod = repo.production_by_slug(s, slug)
            assert prod is not None
            board = s.scalars(select(BoardRow).where(BoardRow.production_id == prod.id)).one()
            for clip in repo.clips(s, prod.id):
                prompt = s.scalars(select(PromptRow).where(PromptRow.clip_id == clip.id)).one()
                for n in range(TAKES):
                    _take(store, s, slug, prod.id, clip, prompt, board, n, videos[n], stills[n])
        add_user(store, USER, Role.EDITOR, PASSWORD)
    finally:
        store.close()
    return slug


def _take(
    store: Store,
    s: object,
    slug: str,
    production_id: int,
    clip: ClipRow,
    prompt: PromptRow,
    board: BoardRow,
    n: int,
    video: Path,
    still: Path,
) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    number = n + 1
    stem = naming.take_stem(slug, clip.position, number, board.version, prompt.version)
    sha = store.put_artifact(s, video, f"{stem}.mp4")
    take = TakeRow(
        clip_id=clip.id,
        number=number,
        prompt_id=prompt.id,
        board_id=board.id,
        provider="animatic",
        model="bench",
        request_hash=f"{clip.id}-{number}",
        status="succeeded",
        params={"duration_s": 2.0},
        references=[],
        video_sha256=sha,
        created_by="ari",
    )
    s.add(take)
    s.flush()
    frame = store.put_artifact(s, still, naming.keyframe(slug, clip.position, number, 1000))
    s.add(KeyframeRow(take_id=take.id, time_ms=1000, sha256=frame, chosen=True, chosen_by="auto"))
    s.add(TakeAnalysisRow(take_id=take.id, version=1, status=QC[n], report={"checks": []}))
    if n < len(DECISIONS):
        s.add(
            ReviewRow(
                production_id=production_id,
                checkpoint="clip",
                subject_kind="take",
                subject_id=take.id,
                decision=DECISIONS[n],
                reviewer="mara",
                role="editor",
                notes="bench",
            )
        )
        s.add(
            CommentRow(
                production_id=production_id,
                subject_kind="take",
                subject_id=take.id,
                at_ms=1500,
                author="mara",
                role="editor",
                body="the cut lands late",
            )
        )
    if n == 0:
        clip.selected_take_id = take.id
        clip.selected_by = "auto"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(home: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "shortfilm", "serve", "--home", str(home)]
    command += ["--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.2)


def login(base: str) -> dict[str, str]:
    response = httpx.post(f"{base}/login", data={"name": USER, "password": PASSWORD})
    if response.status_code != 303:
        raise SystemExit(f"login failed: {response.status_code} {response.text[:200]}")
    return {"shortfilm_session": response.cookies["shortfilm_session"]}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Connection:
    """One kept-alive HTTP/1.1 connection on asyncio streams, as lean as a load tool's (``wrk``):
    the clients share the server's two cores, so what they burn shows up as server latency."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.port = port
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.head = f"Host: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """GET ``path``; the whole body is read. Returns the status code."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self.head)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        )
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _client(port: int, path: str, cookies: dict[str, str], count: int) -> list[float]:
    """Latencies (ms) of ``count`` requests in a closed loop on one connection."""
    out = []
    conn = Connection(port, cookies)
    try:
        for _ in range(3):  # connection made and first answers outside the timing
            await conn.get(path)
        for _ in range(count):
            start = time.perf_counter()
            status = await conn.get(path)
            out.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}")
    finally:
        conn.close()
    return out


def sequential(port: int, path: str, cookies: dict[str, str], count: int) -> list[float]:
    """Latencies (ms) of ``count`` requests, one after the other."""
    return asyncio.run(_client(port, path, cookies, count))


async def _concurrent(port: int, path: str, cookies: dict[str, str], each: int) -> list[float]:
    runs = await asyncio.gather(*(_client(port, path, cookies, each) for _ in range(CLIENTS)))
    return [ms for run in runs for ms in run]


def concurrent(port: int, path: str, cookies: dict[str, str], each: int) -> list[float]:
    """Latencies (ms) of ``CLIENTS`` closed-loop clients making ``each`` requests each."""
    return asyncio.run(_concurrent(port, path, cookies, each))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="sequential requests")
    parser.add_argument("--each", type=int, default=20, help="requests per concurrent client")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--keep", type=Path, help="build the production here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="shortfilm-bench-web-"))
    home = root / "home"
    try:
        started = time.perf_counter()
        slug = build(home, root / "media")
        built_s = time.perf_counter() - started
        port = _free_port()
        process = serve(home, port, args.workers, root / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            cookies = login(base)
            page = f"/p/{slug}/review"
            size = len(httpx.get(base + page, cookies=cookies).content)
            results: dict[str, object] = {}
            for name, path in (("review_page", page), ("healthz", "/healthz")):
                seq = sequential(port, path, cookies, args.requests)
                many = concurrent(port, path, cookies, args.each)
                results[name] = {
                    "median_ms": statistics.median(seq),
                    "p95_ms": percentile(seq, 95),
                    "p95_ms_50_clients": percentile(many, 95),
                    "median_ms_50_clients": statistics.median(many),
                }
                print(f"{name}: {json.dumps(results[name])}", file=sys.stderr)
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    review, floor = results["review_page"], results["healthz"]
    assert isinstance(review, dict) and isinstance(floor, dict)
    out = {
        "clips": CLIPS,
        "takes": CLIPS * TAKES,
        "page_bytes": size,
        "workers": args.workers,
        "clients": CLIENTS,
        "build_s": round(built_s, 2),
        "cpus": os.cpu_count(),
        "review_page_median_ms": round(review["median_ms"], 2),
        "review_page_p95_ms": round(review["p95_ms"], 2),
        "p95_ms_50_clients": round(review["p95_ms_50_clients"], 2),
        "healthz_median_ms": round(floor["median_ms"], 2),
        "healthz_p95_ms_50_clients": round(floor["p95_ms_50_clients"], 2),
        "ratio_median_vs_healthz": round(review["median_ms"] / floor["median_ms"], 2),
        "ratio_p95_50_vs_healthz": round(
            review["p95_ms_50_clients"] / floor["p95_ms_50_clients"], 2
        ),
        "target_median_ms": 150,
        "target_p95_ms_50_clients": 300,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
