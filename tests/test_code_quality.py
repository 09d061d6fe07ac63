"""The code itself: ruff-clean, ruff-formatted, mypy-clean on src/ (strict)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import early

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint() -> None:
    proc = _run("ruff", "check", "src", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    proc = _run("ruff", "format", "--check", "src", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_on_src() -> None:
    proc = early.result("mypy")  # started when collection ended (tests/early.py)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_shortfilm_runs_no_ffmpeg_and_loads_no_sdk() -> None:
    code = (
        "import sys, shortfilm, shortfilm.providers, shortfilm.domain, shortfilm.cli;"
        "bad = [m for m in ('av', 'imageio_ffmpeg', 'sqlalchemy', 'httpx') if m in sys.modules];"
        "print(bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
