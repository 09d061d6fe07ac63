"""Two runs at once: each request is paid for once, and a run that is gone does not block others.

The runs here are two ``generate_takes`` calls on two stores (their own connections, their own
pacing and locks, as two processes have), started on a barrier, on SQLite and PostgreSQL; the
last test runs two ``shortfilm run`` processes against the fake ModelArk.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from approvals import approve_board
from conftest import at_once
from fake_providers import TimedProvider
from sqlalchemy import select

from shortfilm.production.importing import import_spec
from shortfilm.providers.base import Delivery
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow, TakeRow, utcnow
from shortfilm.takes import claims as take_claims
from shortfilm.takes.claims import Runner
from shortfilm.takes.generate import GenerateResult, generate_takes

SLUG = "wasteland-villa"


class CountingProvider(TimedProvider):
    """A :class:`TimedProvider` that also counts downloads."""

    def __init__(self, clip: Path, latency_s: float) -> None:
        super().__init__(clip, latency_s)
        self.fetched: list[str] = []

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        with self._lock:
            self.fetched.append(job_id)
        return super().fetch(job_id, dest)


def _takes(store: Store) -> list[TakeRow]:
    with store.session() as s:
        rows = list(s.scalars(select(TakeRow).order_by(TakeRow.clip_id, TakeRow.number)))
        s.expunge_all()
        return rows


def test_two_runs_started_at_once_pay_and_download_each_clip_once(
    tmp_path: Path, example_spec: Path, small_clip: Path, db_url: str
) -> None:
    first = Store(tmp_path / "home", db_url)
    second = Store(tmp_path / "home", db_url)
    try:
        import_spec(first, example_spec)
        approve_board(first, SLUG)
        provider = CountingProvider(small_clip, latency_s=0.5)
        stores = (first, second)
        results = at_once(
            2, lambda i: generate_takes(stores[i], SLUG, provider, poll_interval_s=0.05)
        )
        assert all(isinstance(r, GenerateResult) for r in results), results
        a, b = (r for r in results if isinstance(r, GenerateResult))
        # four clips: four paid jobs and four downloads between the two runs, not eight
        assert len(provider.started) == 4, provider.labels
        assert sorted(provider.fetched) == sorted(provider.started)
        assert [o.status for o in a.outcomes + b.outcomes] == ["succeeded"] * 8
        # both runs end on the same take of each clip; exactly one of them made it
        assert [o.take_number for o in a.outcomes] == [o.take_number for o in b.outcomes]
        for x, y in zip(a.outcomes, b.outcomes, strict=True):
            assert sorted([x.reused, y.reused]) == [False, True], (x, y)
        takes = _takes(first)
        assert len(takes) == 4 and {t.status for t in takes} == {"succeeded"}
        assert all(t.runner is None and t.runner_seen is None for t in takes), "holds released"
        with first.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            for clip in repo.clips(s, prod.id):
                assert clip.selected_take_id is not None
                assert repo.chosen_keyframe(s, clip.selected_take_id) is not None
    finally:
        first.close()
        second.close()


@pytest.fixture
def made(tmp_path: Path, example_spec: Path, small_clip: Path, db_url: str) -> Any:
    """A production whose four takes are made: the holds are set by hand below."""
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    approve_board(store, SLUG)
    generate_takes(store, SLUG, TimedProvider(small_clip, 0.0), poll_interval_s=0.01, review=False)
    yield store
    store.close()


def _hold(store: Store, take_id: int, runner: str | None, seen_ago_s: float = 0.0) -> None:
    with store.session() as s:
        take = s.get(TakeRow, take_id)
        assert take is not None
        take.runner = runner
        take.runner_seen = utcnow() - timedelta(seconds=seen_ago_s)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_hold_is_kept_while_its_run_lives_and_taken_over_when_it_is_gone(made: Store) -> None:
    take = _takes(made)[0].id
    me = Runner(made)
    host = me.host  # this machine, as the runs on it name it
    # a live process of this host (the test runner's parent) holds it: wait
    _hold(made, take, f"{host}:{os.getppid()}:cafe")
    assert not me.claim(take)
    # ... but a killed one's hold is taken over at once, whatever its age
    _hold(made, take, f"{host}:{_dead_pid()}:cafe")
    assert me.claim(take)
    assert _takes(made)[0].runner == me.name
    # another host's run: only an expired lease says it is gone
    _hold(made, take, "render-box-7:4242:beef", seen_ago_s=take_claims.LEASE_S - 5)
    assert not me.claim(take)
    _hold(made, take, "render-box-7:4242:beef", seen_ago_s=take_claims.LEASE_S + 5)
    assert me.claim(take)
    # another run in this same process is alive by definition
    _hold(made, take, f"{host}:{os.getpid()}:other")
    assert not me.claim(take)
    # releasing only ever drops this run's own hold
    me.release(take)
    assert _takes(made)[0].runner == f"{host}:{os.getpid()}:other"
    _hold(made, take, None)
    assert me.claim(take) and me.claim(take), "holding again is fine"
    me.release(take)
    assert _takes(made)[0].runner is None


def test_a_run_renews_its_holds_and_leaves_none_behind(
    made: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(take_claims, "RENEW_S", 0.05)
    first, other = (t.id for t in _takes(made)[:2])
    _hold(made, other, "render-box-7:4242:beef", seen_ago_s=30)
    with Runner(made) as me:
        assert me.claim(first)
        _hold(made, first, me.name, seen_ago_s=30)
        threading.Event().wait(0.3)
        rows = {t.id: t for t in _takes(made)}
        seen = rows[first].runner_seen
        assert seen is not None and utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(
            seconds=5
        ), "renewed"
        other_seen = rows[other].runner_seen
        assert other_seen is not None
        assert utcnow() - other_seen.replace(tzinfo=utcnow().tzinfo) > timedelta(seconds=20)
    rows = {t.id: t for t in _takes(made)}
    assert rows[first].runner is None, "a run's end releases what it held"
    assert rows[other].runner == "render-box-7:4242:beef", "and nothing of anyone else's"


def test_a_second_run_waits_for_the_take_another_run_holds(made: Store, small_clip: Path) -> None:
    """A take re-attached by another live run is not driven twice: this run waits, then reuses."""
    take = _takes(made)[-1]
    with made.session() as s:  # the last take is still at the provider, held by a live run
        row = s.get(TakeRow, take.id)
        assert row is not None
        clip = s.get(ClipRow, row.clip_id)
        assert clip is not None
        take_position = clip.position
        row.status = "running"
    holder = f"{Runner(made).host}:{os.getpid()}:other-run"
    _hold(made, take.id, holder)
    provider = CountingProvider(small_clip, latency_s=0.0)
    done: list[GenerateResult] = []
    stages: list[str] = []

    def progress(stage: str, done_: float, of: float) -> None:
        stages.append(stage)

    waiting = threading.Thread(
        target=lambda: done.append(
            generate_takes(made, SLUG, provider, poll_interval_s=0.02, progress=progress)
        )
    )
    waiting.start()
    threading.Event().wait(0.8)
    assert not done, "the run waits while the other run holds the take"
    # and says whom it waits for, once
    told = [s for s in stages if "waiting for run" in s]
    assert told == [f"  clip-{take_position:02d}/take-{take.number:03d}: waiting for run {holder}"]
    with made.session() as s:  # the other run finishes the take and lets go
        row = s.get(TakeRow, take.id)
        assert row is not None
        row.status = "succeeded"
        row.runner = None
    waiting.join(timeout=30)
    assert done and [o.status for o in done[0].outcomes] == ["succeeded"] * 4
    assert done[0].outcomes[-1].reused and done[0].outcomes[-1].take_number == take.number
    assert provider.started == {} and provider.fetched == [], "nothing was paid or fetched"


def _meeting(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``repo.<name>`` wait (up to 1.5 s) after reading until two callers have read: with
    nothing ordering them, both then decide on the same stale answer."""
    real = getattr(repo, name)
    gate = threading.Barrier(2)

    def read(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        # broken when the other caller waits for this one's lock: it reads after this commits
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait(timeout=1.5)
        return answer

    monkeypatch.setattr(repo, name, read)


def test_two_qc_runs_of_one_take_at_once_leave_one_report(
    made: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's QC and a `qc show --again` finishing together: one report, one set of candidates."""
    from shortfilm.store.tables import KeyframeRow, TakeAnalysisRow
    from shortfilm.takes.qc_judge import review_take

    take = _takes(made)[0].id
    _meeting(monkeypatch, "keyframe_candidates")
    other = Store(made.home, db_url)
    try:
        stores = (made, other)
        done = at_once(2, lambda i: review_take(stores[i], take, again=True))
        errors = [d for d in done if isinstance(d, BaseException)]
        assert errors == []
    finally:
        other.close()
    with made.session() as s:
        reports = list(s.scalars(select(TakeAnalysisRow).where(TakeAnalysisRow.take_id == take)))
        assert len(reports) == 1
        found = reports[0].report["keyframe_candidates"]
        rows = list(
            s.scalars(
                select(KeyframeRow).where(
                    KeyframeRow.take_id == take, KeyframeRow.chosen.is_(False)
                )
            )
        )
    assert found and len(rows) == len(found), "the candidates of one QC, not of both"


def test_two_people_picking_a_keyframe_at_once_leave_one_chosen(
    made: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.takes.keyframes import pick_keyframe
    from shortfilm.takes.qc_judge import review_take

    review_take(made, _takes(made)[0].id)  # the QC a pick reads first, made beforehand
    _meeting(monkeypatch, "chosen_keyframe")

    other = Store(made.home, db_url)
    try:
        people = ((made, 0.5, "ines"), (other, 1.5, "mara"))
        picked = at_once(
            2, lambda i: pick_keyframe(people[i][0], SLUG, 1, at_s=people[i][1], by=people[i][2])
        )
        assert not [p for p in picked if isinstance(p, BaseException)], picked
    finally:
        other.close()
    with made.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = repo.clips(s, prod.id)[0]
        assert clip.selected_take_id is not None
        from shortfilm.store.tables import KeyframeRow

        chosen = list(
            s.scalars(
                select(KeyframeRow).where(
                    KeyframeRow.take_id == clip.selected_take_id, KeyframeRow.chosen.is_(True)
                )
            )
        )
    assert len(chosen) == 1 and chosen[0].chosen_by in ("ines", "mara"), chosen


def test_status_says_which_run_drives_each_take_in_flight(
    made: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from typer.testing import CliRunner

    from shortfilm.cli import app
    from shortfilm.production.status import production_status

    *_, third, last = _takes(made)
    with made.session() as s:
        for take_id, status in ((third.id, "queued"), (last.id, "running")):
            row = s.get(TakeRow, take_id)
            assert row is not None
            row.status = status
    _hold(made, last.id, "render-box-7:4242:beef", seen_ago_s=30)
    (st,) = production_status(made)
    flights = {c.clip: c.in_flight for c in st.clips}
    assert sorted(len(v) for v in flights.values()) == [0, 0, 1, 1]
    lines = [line for v in flights.values() for line in v]
    assert "take-001 queued, held by no run (the next run re-attaches)" in lines
    driven = next(line for line in lines if "running" in line)
    assert re.fullmatch(
        r"take-001 running, driven by render-box-7:4242:beef \(seen 3[01] s ago\)", driven
    )
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    shown = CliRunner().invoke(app, ["status", "--home", str(made.home)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "in flight: clip-" in shown.output and "driven by render-box-7:4242:beef" in shown.output
