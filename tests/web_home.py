"""A production home for the web app's tests, made in seconds without generating anything.

The example spec is imported and its board approved by the local owner; each clip gets takes
imported from small real videos (QC runs on them as on any take), Edit v1 is recorded, and each
of the production's presets gets a render row over a small real video (a real render would take
a minute and is not what these tests are about). Users of every role log in with ``PASSWORD``.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from built_once import fresh, once
from db_copy import postgres_home
from sqlalchemy import func, select

from shortfilm import review
from shortfilm.domain.people import Role
from shortfilm.edit.versions import record_edit
from shortfilm.examples import example_dir
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.presets import presets_for_channels
from shortfilm.production.importing import import_spec
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import BoardRow, EditRow, EventRow, RenderRow, TakeRow
from shortfilm.store.takes import select_take
from shortfilm.takes.external import import_take
from shortfilm.team.accounts import add_user

SLUG = "wasteland-villa"
PASSWORD = "review pass 1"
USERS = {
    "ines": Role.OWNER,
    "mara": Role.EDITOR,
    "ari": Role.AI_OPERATOR,
    "wren": Role.WRITER,
    "vic": Role.VISUAL_OPERATOR,
    "gus": Role.GROWTH_OPERATOR,
}
"""Login name -> role: one user per role."""


def make_video(path: Path, *, seconds: float = 12.5, hue: int = 0, size: str = "180x320") -> Path:
    """A small H.264/AAC MP4 with a moving test pattern (``hue`` tells takes apart) and a tone."""
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=12:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency={440 + hue}:duration={seconds}",
            "-vf", f"hue=h={hue}", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
            str(path),
        ],
        what="a test take",
    )  # fmt: skip
    return path


@functools.cache
def prepared_web_home(root: Path, takes_per_clip: int = 2, url: str | None = None) -> Path:
    """``root/web-home-N``: the example with ``takes_per_clip`` imported takes per clip (the
    first selected), the board approved, Edit v1 and one passed render row per preset. ``url``
    names the database (default: the home's own SQLite file; ``-pg`` is added to the folder's
    name otherwise)."""
    if url is not None:  # the SQLite home's folder and rows, copied (db_copy says why)
        return postgres_home(root, prepared_web_home(root, takes_per_clip), url)
    tag = str(takes_per_clip)
    home = root / f"web-home-{tag}"

    def build() -> None:
        spec = fresh(home) / "spec"
        shutil.copytree(
            example_dir(SLUG), spec, ignore=shutil.ignore_patterns("__pycache__", "*.py")
        )
        media = fresh(root / f"web-media-{tag}")
        media.mkdir()
        videos = [make_video(media / f"take-{n}.mp4", hue=60 * n) for n in range(takes_per_clip)]
        store = Store(home, url)
        try:
            import_spec(store, spec / "production.yaml")
            review.approve_pending(store, SLUG, review.local_owner(), "board")
            with store.session() as s:
                prod = repo.production_by_slug(s, SLUG)
                assert prod is not None
                clips = {c.position: c.id for c in repo.clips(s, prod.id)}
            for position, clip_id in clips.items():
                made = [
                    import_take(store, SLUG, position, video, select=n == 0, selected_by="auto")
                    for n, video in enumerate(videos)
                ]
                with store.session() as s:
                    # the first take selected, as by a run (a later one, landing, took its place
                    # when it ranked better: this home starts from the first)
                    if select_take(s, clip_id, made[0].take_id, "auto").selected_take_id:
                        subject = f"clip-{position:02d}/take-{made[0].take:03d}"
                        repo.event(s, prod.id, "take.selected", subject, by="auto")
            record_edit(store, SLUG)
            _render_rows(store, make_video(media / "final.mp4", seconds=8.0, hue=200))
            for name, role in USERS.items():
                add_user(store, name, role, PASSWORD)
        finally:
            store.close()

    once(root, home.name, build)  # one worker builds, the others wait for it (built_once)
    return home


def _render_rows(store: Store, video: Path) -> None:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        assert edit is not None
        for preset in presets_for_channels(prod.spec["channels"]):
            sha = store.put_artifact(s, video, naming.render(SLUG, edit.version, preset.name))
            s.add(
                RenderRow(
                    edit_id=edit.id,
                    preset=preset.name,
                    sha256=sha,
                    duration_s=8.0,
                    width=180,
                    height=320,
                    integrated_lufs=-14.0,
                    true_peak_dbtp=-1.5,
                    status="passed",
                    checks={"reasons": [], "measured": {}},
                )
            )


def web_home_copy(root: Path, dest: Path, takes_per_clip: int = 2, url: str | None = None) -> Path:
    """A private copy of the prepared home at ``dest`` (library links kept relative). With
    ``url`` (the prepared home's PostgreSQL database) only the files are copied: the caller
    copies the database (``CREATE DATABASE ... TEMPLATE``)."""
    shutil.copytree(prepared_web_home(root, takes_per_clip, url), dest, symlinks=True)
    return dest


def upload_traces(store: Store) -> tuple[list[str], dict[str, int]]:
    """The stored files (library, objects, uploads) and the counts of the rows an upload adds:
    what a refused upload must leave as it was. (Not every file of the home: serving a page
    may rewrite the production's report.)"""
    files = sorted(
        str(p.relative_to(store.home))
        for folder in ("library", "objects", "uploads")
        if (store.home / folder).exists()
        for p in (store.home / folder).rglob("*")
    )
    with store.session() as s:
        rows = {
            t.__name__: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (BoardRow, TakeRow, EventRow)
        }
    return files, rows
