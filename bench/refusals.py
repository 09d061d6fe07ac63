"""Benchmark: how fast hostile input is refused, against what reading it without the guard costs.

The hardening tests (tests/test_media_limits.py, tests/test_upload_hardening.py,
tests/test_spec_hardening.py) check that such input is refused, with which message, and that
nothing is stored; they no longer assert how fast (a 1-1.5 s limit failed on a loaded machine).
The timings live here, each beside its baseline, measured in the same run (median of ``RUNS``):

* ``media``: :func:`shortfilm.media.video_check.check_video`, held to the web's upload limits (4096
  pixels a side, 120 s), refusing a small MP4 whose header claims 16000x16000 (``huge``) and a
  130 s one (``long``), files from ``tests/crafted_media``.
  Baseline ``ffmpeg_open_s``: ``ffmpeg -i FILE`` opening the same file with no limits, which is
  what a reader without the guard does to learn the size (for ``huge`` FFmpeg decodes frames
  while opening it: seconds and hundreds of MB). Target: ``check_s`` well under a second, and a
  fraction of the baseline for ``huge``.
* ``upload``: the web app refusing, with 413, an upload of the ``huge`` MP4 as a take and of a
  PNG claiming 13000x13000 as a reference (in-process ``TestClient``, SQLite, logged in).
  Baseline ``healthz_ms``: the same client's ``GET /healthz``, what a request costs before the
  app does anything. Target (the tests' old limit): each refusal under 1.5 s.
* ``yaml_bomb``: ``python -m shortfilm import BOMB --home H`` on a 9-level alias bomb (9**9
  strings from a few hundred bytes), exit 2. Baseline ``python_start_s``: ``python -m shortfilm
  --help``, starting Python and the command line. Target (the test's old limit): under 5 s, most
  of it the baseline.

Last line: one JSON object.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from crafted_media import long_video, mp4_claiming, png_claiming  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from shortfilm.domain.people import Role  # noqa: E402
from shortfilm.errors import InputError  # noqa: E402
from shortfilm.examples import example_dir  # noqa: E402
from shortfilm.media.ffmpeg import ffmpeg_exe  # noqa: E402
from shortfilm.media.video_check import check_video  # noqa: E402
from shortfilm.production.importing import import_spec  # noqa: E402
from shortfilm.store.repo import Store  # noqa: E402
from shortfilm.team.accounts import add_user  # noqa: E402
from shortfilm.web.app import create_app  # noqa: E402
from shortfilm.web.settings import UPLOAD_LIMITS, Settings  # noqa: E402

RUNS = 5
SLUG = "wasteland-villa"
PASSWORD = "bench pass 1"


def median_s(fn: Callable[[], object]) -> float:
    """Median wall seconds of ``RUNS`` calls of ``fn``."""
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def refused(path: Path) -> None:
    try:
        check_video(path, limits=UPLOAD_LIMITS)
    except InputError:
        return
    raise SystemExit(f"{path} was not refused")


def ffmpeg_open(path: Path) -> None:
    """Open ``path`` as plain ffmpeg does (no output: it exits 1 after printing the streams)."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True)


def media(folder: Path) -> dict[str, dict[str, float]]:
    files = {
        "huge": mp4_claiming(folder / "huge.mp4", 16000, 16000),
        "long": long_video(folder / "long.mp4", 130),
    }
    out = {}
    for name, path in files.items():
        check_s = median_s(lambda path=path: refused(path))  # type: ignore[misc]
        open_s = median_s(lambda path=path: ffmpeg_open(path))  # type: ignore[misc]
        out[name] = {
            "check_s": round(check_s, 4),
            "ffmpeg_open_s": round(open_s, 4),
            "check_vs_open": round(check_s / open_s, 3),
        }
    return out


def upload(folder: Path) -> dict[str, float]:
    spec = folder / "spec"
    shutil.copytree(example_dir(SLUG), spec, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    store = Store(folder / "home")
    import_spec(store, spec / "production.yaml")
    add_user(store, "ines", Role.OWNER, PASSWORD)
    app = create_app(store, Settings(max_upload_bytes=5_000_000))
    huge = mp4_claiming(folder / "up-huge.mp4", 16000, 16000).read_bytes()
    bomb = png_claiming(folder / "bomb.png", 13000, 13000).read_bytes()
    try:
        client = TestClient(app, follow_redirects=False)
        assert client.post("/login", data={"name": "ines", "password": PASSWORD}).status_code == 303
        csrf = {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}

        def send(where: str, name: str, data: bytes, fields: dict[str, str]) -> None:
            response = client.post(
                f"/api/productions/{SLUG}{where}",
                files={"file": (name, data, "application/octet-stream")},
                data=fields,
                headers=csrf,
            )
            assert response.status_code == 413, response.text

        take_s = median_s(lambda: send("/clips/1/takes", "huge.mp4", huge, {"note": "x"}))
        reference_s = median_s(
            lambda: send("/board/references", "bomb.png", bomb, {"role": "board", "label": "d"})
        )
        healthz_s = median_s(lambda: client.get("/healthz"))
    finally:
        queue = getattr(app.state, "qc_queue", None)
        if queue is not None:
            queue.close()
        store.close()
    return {
        "take_413_ms": round(take_s * 1000, 1),
        "reference_413_ms": round(reference_s * 1000, 1),
        "healthz_ms": round(healthz_s * 1000, 2),
    }


def laughs(levels: int = 9) -> str:
    """The classic alias bomb: 9 ** levels strings from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghijk", "bcdefghijkl"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def yaml_bomb(folder: Path) -> dict[str, float]:
    bomb = folder / "production.yaml"
    bomb.write_text(laughs())
    cli = [sys.executable, "-m", "shortfilm"]

    def refuse() -> None:
        done = subprocess.run(
            [*cli, "import", str(bomb), "--home", str(folder / "bomb-home")],
            capture_output=True,
            timeout=600,
        )
        assert done.returncode == 2, done.stderr[-500:]

    import_s = median_s(refuse)
    start_s = median_s(lambda: subprocess.run([*cli, "--help"], capture_output=True, check=True))
    return {
        "import_refused_s": round(import_s, 3),
        "python_start_s": round(start_s, 3),
        "refusal_beyond_start_s": round(import_s - start_s, 3),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result = {
            "media": media(work),
            "upload": upload(work),
            "yaml_bomb": yaml_bomb(work),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
