"""docs/security.md stays true: every test it cites exists, every ``serve`` flag and limit
constant it names is real, and each limit's value there is the value in the code.

The page is where an operator learns what is defended and which knob changes it; a renamed test
or option would leave it pointing at nothing without anyone noticing.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import typer.main

from shortfilm.cli import app
from shortfilm.edit import otio_limits as otio
from shortfilm.media.limits import MediaLimits
from shortfilm.spec import limits as spec_limits
from shortfilm.web.settings import UPLOAD_LIMITS, Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"


def _cited_tests(text: str) -> list[tuple[str, str]]:
    """``(file, test)`` for each ``test_x.py::name`` and each following ``::name`` (which
    means the file named last); ``{a,b}`` alternatives expanded, ``[params]`` dropped."""
    cited: list[tuple[str, str]] = []
    current = ""
    for match in re.finditer(r"`(test_[\w]+\.py)?(::[\w{},]+)?", text):
        file, name = match.group(1), match.group(2)
        if file:
            current = file
        if not name:
            continue
        parts = re.split(r"\{([^}]*)\}", name[2:])
        choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
        cited += [(current, "".join(combo)) for combo in product(*choices)]
    return cited


def test_every_test_the_security_page_cites_exists() -> None:
    cited = _cited_tests(DOC.read_text(encoding="utf-8"))
    assert len(cited) >= 25, "the page cites its tests"
    missing = [
        f"{file}::{name}"
        for file, name in cited
        if not re.search(
            rf"^def {re.escape(name)}\(",
            (ROOT / "tests" / file).read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    ]
    assert not missing, f"docs/security.md cites tests that do not exist: {missing}"


def test_every_serve_flag_on_the_security_page_exists() -> None:
    serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    flags = {opt for param in serve.params for opt in param.opts}
    named = set(re.findall(r"`(--[a-z-]+)", DOC.read_text(encoding="utf-8")))
    named.discard("--force")  # run's, named in the money section
    assert {"--trusted-proxy", "--max-upload-mb", "--qc-workers"} <= named
    assert named <= flags, f"not options of serve: {sorted(named - flags)}"


def test_the_limits_on_the_security_page_are_the_codes_values() -> None:
    text = DOC.read_text(encoding="utf-8")

    def row(name: str) -> str:
        found = re.search(rf"^\| `?{re.escape(name)}`? \|([^\n]*)", text, re.MULTILINE)
        assert found, f"docs/security.md has no row for {name}"
        return found.group(1).replace(",", "")

    assert spec_limits.MAX_SPEC_BYTES == 1024 * 1024 and "1 MiB" in row("MAX_SPEC_BYTES")
    for name in ("MAX_YAML_NODES", "MAX_YAML_ALIASES", "MAX_YAML_DEPTH", "MAX_CLIPS", "MAX_SFX"):
        assert str(getattr(spec_limits, name)) in row(name), name
    for name in ("MAX_OTIO_DEPTH", "MAX_OTIO_CONTAINERS", "MAX_OTIO_ITEMS"):
        assert str(getattr(otio, name)) in row(name), name
    assert otio.MAX_OTIO_BYTES == 4 * 1024 * 1024 and "4 MiB" in row("MAX_OTIO_BYTES")
    media = row("width, height") + row("pixels per frame") + row("frames") + row("image pixels")
    cli = MediaLimits()
    for value in (cli.max_width, cli.max_frame_pixels, cli.max_frames, cli.max_image_pixels):
        assert str(value) in media
    for value in (UPLOAD_LIMITS.max_width, UPLOAD_LIMITS.max_frame_pixels):
        assert str(value) in media
    assert f"{UPLOAD_LIMITS.max_duration_s:.0f} s" in row("duration")
    defaults = Settings()
    assert defaults.max_form_bytes == 1024 * 1024 and "1 MiB" in row("max_form_bytes")
    assert f"{defaults.body_timeout_s:.0f} s" in row("body_timeout_s")
    assert f"{defaults.header_timeout_s:.0f} s" in row("header_timeout_s")
    assert f"{defaults.max_header_bytes // 1024} KiB" in row("max_header_bytes")
    assert f"{defaults.max_upload_bytes // 2**20} MiB" in row("max_upload_bytes")
