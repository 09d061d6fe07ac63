"""Takes in parallel: independent clips overlap, a continuing clip waits for its keyframe."""

from __future__ import annotations

from dataclasses import replace as dataclasses_replace
from pathlib import Path

import pytest
from approvals import approve_board
from fake_providers import TimedProvider

from shortfilm.domain import ClipPlan, Shot
from shortfilm.production.importing import import_spec
from shortfilm.spec import load_spec
from shortfilm.store.repo import Store
from shortfilm.takes.generate import continuity_chains, generate_takes

STORE_ON_BOTH = pytest.mark.usefixtures("db_env")
"""For the tests that keep takes in a home: run them on SQLite and on PostgreSQL."""


def _clip(name: str, continues: bool) -> ClipPlan:
    shot = Shot("wide", "static", "x", "y")
    return ClipPlan(name, "job", "t", "c", (shot,), "s", 12.0, continues_previous=continues)


def test_chains_follow_continuity() -> None:
    flags = [False, False, True, True, False, True]
    clips = [_clip(f"c{i}", f) for i, f in enumerate(flags)]
    assert continuity_chains(clips) == [[0], [1, 2, 3], [4, 5]]
    assert continuity_chains([_clip("a", True)]) == [[0]]


@STORE_ON_BOTH
def test_independent_clips_overlap_and_continuing_ones_wait(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    production = load_spec(example_spec)
    assert [c.continues_previous for c in production.clips] == [False, False, True, False]
    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    # no job finishes before three are in flight: a scheduler that ran the chains ([1], [2, 3],
    # [4]) one after another would never get there
    provider = TimedProvider(small_clip, latency_s=0.0, hold_until=3)
    approve_board(store, "wasteland-villa")
    result = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02)
    assert [o.status for o in result.outcomes] == ["succeeded"] * 4
    assert provider.most_in_flight() == 3, provider.events
    second, third = (provider.job_of(production.clips[i].name) for i in (1, 2))
    events = provider.events
    assert events.index(("submit", third)) > events.index(("fetch", second)), events
    store.close()


@STORE_ON_BOTH
def test_the_cap_limits_takes_in_flight(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    provider = TimedProvider(small_clip, latency_s=0.05, max_concurrent=1)
    approve_board(store, "wasteland-villa")
    generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02)
    assert len(provider.started) == 4
    assert provider.most_in_flight() == 1, "with a cap of 1, takes never overlap"
    store.close()


class _Clock:
    """Stands in for the limiter's ``time``: ``sleep`` moves the clock on, nothing waits. Each
    reading also moves it on a microsecond, as real time passes between two readings (without
    that, float rounding can leave a wait of 1e-17 s that never elapses)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        self.now += 1e-6
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_submits(monkeypatch: pytest.MonkeyPatch) -> None:
    from shortfilm.providers import limits

    clock = _Clock()
    monkeypatch.setattr(limits, "time", clock)
    limiter = limits.RateLimiter(20.0)
    for _ in range(6):
        limiter.acquire()
    # the first goes at once (a burst of 1), each of the next five a twentieth of a second later
    assert sum(clock.slept) == pytest.approx(5 / 20, abs=1e-4)
    slept = len(clock.slept)
    unlimited = limits.RateLimiter(None)
    for _ in range(1000):
        unlimited.acquire()
    assert len(clock.slept) == slept, "unlimited, nothing waits"


@STORE_ON_BOTH
def test_budget_refuses_takes_that_would_pass_it_and_cost_adds_up(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    import dataclasses
    import json

    from typer.testing import CliRunner

    from shortfilm.cli import app
    from shortfilm.domain.production import Budget
    from shortfilm.production.importing import import_production

    production = dataclasses.replace(
        load_spec(example_spec), budget=Budget(limit=2.5, unit="credits")
    )
    home = tmp_path / "home"
    store = Store(home)
    import_production(store, production, example_spec.parent)
    provider = TimedProvider(small_clip, latency_s=0.2, max_concurrent=4)
    approve_board(store, "wasteland-villa")
    result = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02)
    statuses = [o.status for o in result.outcomes]
    assert statuses.count("succeeded") == 2, statuses
    assert len(provider.started) == 2, "nothing is sent past the budget"
    refused = [o for o in result.outcomes if o.status == "over-budget"]
    assert refused and all("budget" in (o.error or "") for o in refused)
    store.close()
    report = CliRunner().invoke(app, ["cost", "wasteland-villa", "--home", str(home), "--json"])
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert data["total"] == {"credits": 2.0}
    assert data["budget"]["committed"] == 2.0 and data["budget"]["remaining"] == 0.5
    approved = sum(c["approved_s"] for c in data["clips"])
    assert approved == data["approved_s"] > 0
    assert data["per_approved_s"]["credits"] == 2.0 / approved


@STORE_ON_BOTH
def test_a_take_interrupted_by_an_outage_is_re_attached_not_resubmitted(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    from fake_providers import FlakyStatusProvider

    from shortfilm.store import repo

    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    provider = FlakyStatusProvider(small_clip, outages=1)
    provider.limits = dataclasses_replace(provider.limits, max_concurrent=1)
    approve_board(store, "wasteland-villa")
    first = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.01)
    # whichever clip met the outage is left running for the next run, not failed
    (hit,) = [o for o in first.outcomes if o.status == "running"]
    # a clip continuing it waits (blocked: no keyframe yet); every other clip is done
    assert {o.status for o in first.outcomes} <= {"running", "blocked", "succeeded"}
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        clip = repo.clips(s, prod.id)[hit.position - 1]
        (take,) = repo.takes(s, clip.id)
        assert take.status == "running" and take.job_id is not None
        assert "will re-attach" in (take.error or "")
    second = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.01)
    assert [o.status for o in second.outcomes] == ["succeeded"] * 4
    assert len(provider.started) == 4, "one create per clip: the interrupted take re-attached"
    assert provider.fetches == 4, "each result downloaded once"
    store.close()


def test_the_shared_poller_asks_once_per_round_and_rides_out_an_outage() -> None:
    import threading

    from shortfilm.errors import ProviderError
    from shortfilm.providers.base import ProviderJob, TakeStatus
    from shortfilm.takes.pacing import Poller as _Poller

    calls: list[list[str]] = []
    outages = [2]

    def statuses(ids: object) -> dict[str, ProviderJob]:
        batch = list(ids)  # type: ignore[call-overload]
        calls.append(batch)
        if outages[0] > 0:
            outages[0] -= 1
            raise ProviderError("503 after retries", retryable=True)
        done = TakeStatus.SUCCEEDED if len(calls) > 4 else TakeStatus.RUNNING
        return {i: ProviderJob(i, done, cost=2.0) for i in batch}

    poller = _Poller(statuses, 0.01)
    results: dict[str, ProviderJob] = {}
    threads = [
        threading.Thread(target=lambda j=j: results.__setitem__(j, poller.wait(j)))
        for j in ("a", "b", "c")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    poller.stop()
    assert {j: r.status for j, r in results.items()} == dict.fromkeys("abc", TakeStatus.SUCCEEDED)
    assert max(len(c) for c in calls) == 3, "one call asks about every job in flight"


@STORE_ON_BOTH
def test_a_persons_pick_is_kept_and_not_paid_for_again(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    from shortfilm.store import repo
    from shortfilm.store.tables import ClipRow, TakeRow
    from shortfilm.takes.external import import_take

    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    picked = import_take(store, "wasteland-villa", 1, small_clip, select=True, selected_by="ana")
    provider = TimedProvider(small_clip, latency_s=0.05)
    approve_board(store, "wasteland-villa")
    result = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02)
    assert [o.status for o in result.outcomes] == ["succeeded"] * 4
    assert result.outcomes[0].take_number == picked.take and result.outcomes[0].reused
    assert len(provider.started) == 3  # clips 2-4 only: nothing paid beside ana's pick

    # the plan ana judged changes: a new take is made, but her pick stands until she moves it
    text = example_spec.read_text("utf-8")
    first_action = load_spec(example_spec).clips[0].shots[0].action
    example_spec.write_text(text.replace(first_action, "She waits, very still.", 1), "utf-8")
    import_spec(store, example_spec)
    result = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02)
    assert not result.outcomes[0].reused and len(provider.started) == 4
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        clip = repo.clips(s, prod.id)[0]
        assert isinstance(clip, ClipRow) and clip.selected_by == "ana"
        chosen = s.get(TakeRow, clip.selected_take_id)
        assert chosen is not None and chosen.provider == "external"
        assert len(repo.takes(s, clip.id)) == 2
    store.close()


@STORE_ON_BOTH
def test_each_take_reports_its_stages_in_order(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    import threading

    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    seen: dict[str, list[float]] = {}
    guard = threading.Lock()

    def progress(stage: str, done: float, total: float) -> None:
        with guard:
            seen.setdefault(stage, []).append(done)
            if stage.strip().startswith("clip-"):
                assert total == 4

    provider = TimedProvider(small_clip, latency_s=0.1)
    approve_board(store, "wasteland-villa")
    generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02, progress=progress)
    takes = {k.strip(): v for k, v in seen.items() if k.strip().startswith("clip-")}
    assert sorted(takes) == [f"clip-0{i}/take-001" for i in range(1, 5)]
    assert all(v == [0, 1, 2, 3, 4] for v in takes.values()), takes
    assert seen["generate"][-1] == 4
    # a second run reuses every take: each reports done at once
    seen.clear()
    generate_takes(store, "wasteland-villa", provider, poll_interval_s=0.02, progress=progress)
    assert all(v == [4] for k, v in seen.items() if k.strip().startswith("clip-")), seen
    store.close()
