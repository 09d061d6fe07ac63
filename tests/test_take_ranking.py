"""Takes ranked by their QC evidence, on real footage, on SQLite and PostgreSQL.

A take of clip 1 of the example (three shots cut at 4.5 s and 8 s, each a board picture panned,
with sound) and four copies spoiled with ffmpeg: blurred, frozen for 2 s at 2 s, hue-rotated away
from the board's palette, and its second shot gone (the first one slowed down over it). Imported
as takes of one clip, the original ranks first and each copy's reasons name what is wrong; the
best take is selected as takes land while nobody chose one, and a person's pick is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from approvals import approve_board
from fake_providers import TimedProvider
from home_snapshot import snapshot
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.qc_report import Check, QCReport, Status
from shortfilm.domain.take_rank import TakeEvidence, rank_takes
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import GateError
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.production.importing import import_spec
from shortfilm.providers import registry
from shortfilm.providers.base import Delivery, ProviderLimits
from shortfilm.review.decisions import local_owner
from shortfilm.review.gates import approve_pending
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.takes.external import import_take
from shortfilm.takes.generate import generate_takes
from shortfilm.takes.more import more_takes
from shortfilm.takes.ranking import clip_ranking

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"
SHOTS = (("wasteland_road", 4.5), ("heroine", 3.5), ("robot_patrol", 4.5))
"""The board pictures clip 1's three shots are made of, and how long each lasts (12.5 s)."""

SPOILED = {
    "blurred": "[0:v]gblur=sigma=3[v]",
    "frozen": "[0:v]split=3[a][b][c];[a]trim=end=2,setpts=PTS-STARTPTS[a1];"
    "[b]trim=start=2:end=2.04,setpts=PTS-STARTPTS,loop=loop=47:size=1:start=0,"
    "setpts=N/24/TB[b1];[c]trim=start=4,setpts=PTS-STARTPTS[c1];"
    "[a1][b1][c1]concat=n=3:v=1:a=0[v]",
    "shifted": "[0:v]hue=h=150:s=1.4[v]",
    "shot-missing": "[0:v]split=2[a][c];[a]trim=end=4.5,setpts=(PTS-STARTPTS)*8/4.5,fps=24[a1];"
    "[c]trim=start=8,setpts=PTS-STARTPTS[c1];[a1][c1]concat=n=2:v=1:a=0[v]",
}
"""ffmpeg graphs spoiling the original, each one way."""

WRONG = {
    "blurred": "soft: sharpness",
    "frozen": "frozen 2.0 s at 2.0 s",
    "shifted": "palette drifted ΔE",
    "shot-missing": "2 of 3 shots found",
}
"""What each spoiled copy's reasons must say."""

_X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p")


@pytest.fixture(scope="session")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The original take (960x540: upscaled 1.33x, only a warning; 24 fps, 12.5 s, pink
    noise) and its spoiled copies."""
    from shortfilm.examples import example_dir

    refs = example_dir(SLUG) / "refs"
    folder = tmp_path_factory.mktemp("ranked-footage")
    args: list[str | Path] = []
    for name, seconds in SHOTS:
        args += ["-loop", "1", "-framerate", "24", "-t", str(seconds), "-i", refs / f"{name}.png"]
    args += ["-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.5:d=12.5:r=48000"]
    pans = "".join(
        f"[{i}:v]scale=1200:675,crop=960:540:x='{60 + 30 * i}+t*{40 - 15 * i}':"
        f"y='{30 * i}+t*20',setsar=1[s{i}];"
        for i in range(len(SHOTS))
    )
    made = {"original": folder / "original.mp4"}
    run_ffmpeg(
        [*args, "-filter_complex", pans + "[s0][s1][s2]concat=n=3:v=1:a=0[v]",
         "-map", "[v]", "-map", "3:a", *_X264, "-r", "24", "-c:a", "aac", "-t", "12.5",
         made["original"]],
        what="original take",
    )  # fmt: skip
    for name, graph in SPOILED.items():
        made[name] = folder / f"{name}.mp4"
        run_ffmpeg(
            ["-i", made["original"], "-filter_complex", graph, "-map", "[v]", "-map", "0:a",
             *_X264, "-c:a", "copy", made[name]],
            what=f"{name} copy",
        )  # fmt: skip
    return made


@pytest.fixture
def home(tmp_path: Path, db_env: str, example_spec: Path) -> Path:
    """The example imported (no takes yet), on the database under test."""
    store = Store(tmp_path / "home", db_env)
    import_spec(store, example_spec)
    store.close()
    return tmp_path / "home"


def _selection(store: Store) -> tuple[int | None, str | None]:
    """Clip 1's selected take number and who selected it."""
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = next(c for c in repo.clips(s, prod.id) if c.position == 1)
        number = next(
            (t.number for t in repo.takes(s, clip.id) if t.id == clip.selected_take_id), None
        )
        return number, clip.selected_by


def test_the_original_ranks_first_and_each_copy_says_what_is_wrong(
    home: Path, db_env: str, footage: dict[str, Path]
) -> None:
    cli = CliRunner()
    store = Store(home, db_env)
    numbers: dict[str, int] = {}
    try:
        # the first take to land is the best there is: selected, by nobody in particular
        numbers["blurred"] = import_take(store, SLUG, 1, footage["blurred"]).take
        assert _selection(store) == (numbers["blurred"], "auto")
        # a better one lands: the selection follows the evidence
        numbers["original"] = import_take(store, SLUG, 1, footage["original"]).take
        assert _selection(store) == (numbers["original"], "auto")
        for name in ("frozen", "shifted"):
            numbers[name] = import_take(store, SLUG, 1, footage[name]).take
        assert _selection(store) == (numbers["original"], "auto")
    finally:
        store.close()

    # a person's choice wins, and is kept when more takes land
    picked = cli.invoke(app, ["take", "select", SLUG, "1", str(numbers["shifted"]), "--home",
                              str(home)])  # fmt: skip
    assert picked.exit_code == 0, picked.output
    store = Store(home, db_env)
    try:
        numbers["shot-missing"] = import_take(store, SLUG, 1, footage["shot-missing"]).take
        chosen, by = _selection(store)
        assert chosen == numbers["shifted"] and by not in (None, "auto"), (chosen, by)
        ranking = clip_ranking(store, SLUG, 1)
    finally:
        store.close()

    name_of = {n: name for name, n in numbers.items()}
    order = [name_of[r.number] for r in ranking]
    assert order[0] == "original", [(name_of[r.number], r.score, r.reasons) for r in ranking]
    first = ranking[0]
    assert first.score is not None and all(
        r.score is not None and r.score < first.score for r in ranking[1:]
    )
    for r in ranking:
        said = " | ".join(r.reasons)
        for name, words in WRONG.items():
            # each copy is named for its own fault, and the original for none of them
            assert (words in said) is (name_of[r.number] == name), (name_of[r.number], said)

    # qc show lists the clip's takes best first, in its JSON too (the report's keys as they were)
    shown = cli.invoke(app, ["qc", "show", SLUG, "1", "--home", str(home), "--json"])
    data = json.loads(shown.output)
    assert {"checks", "status", "keyframe_candidates", "take"} <= set(data)
    assert [r["take"] for r in data["ranking"]] == [r.number for r in ranking]
    assert data["ranking"][0]["rank"] == 1 and data["ranking"][0]["score"] == first.score
    text = cli.invoke(app, ["qc", "show", SLUG, "1", "--home", str(home)]).output
    assert "best first" in text and "2 of 3 shots found" in " ".join(text.split())

    # status names the leading take of a clip with several
    status = cli.invoke(app, ["status", "--home", str(home), "--json"])
    assert status.exit_code == 0, status.output
    clips = json.loads(status.output)[0]["clips"]
    assert clips[0]["leading_take"]["take"] == numbers["original"]
    assert clips[0]["selected_take"] == numbers["shifted"]
    assert clips[1]["leading_take"] is None
    said = cli.invoke(app, ["status", "--home", str(home)]).output
    assert f"leading: clip-01 take-{numbers['original']:03d}" in said


def test_an_equal_newcomer_and_a_better_one_leave_an_approved_pick_alone(
    home: Path, db_env: str, footage: dict[str, Path], tmp_path: Path
) -> None:
    """Found using the demo: its takes are approved ahead (``run --yes``) while their selection
    is still the automatic one. A new take scoring the same took the selection (the newer first
    on a tie) and turned the approved edit stale; an approval is a person's choice."""
    twin = tmp_path / "blurred-twin.mp4"  # the same pictures and sound, other bytes
    run_ffmpeg(["-i", footage["blurred"], "-c", "copy", "-metadata", "title=twin", twin],
               what="a remuxed copy")  # fmt: skip
    store = Store(home, db_env)
    try:
        first = import_take(store, SLUG, 1, footage["blurred"]).take
        import_take(store, SLUG, 1, twin)
        assert _selection(store) == (first, "auto"), "an equal score changes nothing"
        approve_pending(store, SLUG, local_owner(), "clip")
        import_take(store, SLUG, 1, footage["original"])
        assert _selection(store) == (first, "auto"), "the approved take stays selected"
        ranking = clip_ranking(store, SLUG, 1)
    finally:
        store.close()
    assert ranking[0].number != first  # while the evidence still says which is better


def test_failed_unchecked_and_unjudged_takes_rank_after_the_judged() -> None:
    judged = QCReport(checks=(Check("duration", Status.PASS, "ok"),), analysis=None)
    ranked = rank_takes(
        [
            TakeEvidence(1, "failed", None, "provider said no"),
            TakeEvidence(2, "succeeded", QCReport.could_not_run("undecodable")),
            TakeEvidence(3, "succeeded", None),
            TakeEvidence(4, "succeeded", judged),
        ]
    )
    assert [r.number for r in ranked] == [4, 3, 2, 1]
    assert ranked[0].score == 100.0 and ranked[0].reasons == ()
    assert ranked[1].reasons == ("not checked yet",)
    assert ranked[2].reasons == ("QC could not run: undecodable",)
    assert ranked[3].score is None and "provider said no" in ranked[3].reasons[0]


class Deliveries(TimedProvider):
    """A paid provider (1 credit a take) delivering ``clips`` in turn, one per create."""

    name = "deliveries"

    def __init__(self, clips: list[Path]) -> None:
        super().__init__(clips[0], latency_s=0.0)
        self.clips = clips

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        self.clip = self.clips[min(len(self.clips), int(job_id.split("-")[1])) - 1]
        return super().fetch(job_id, dest)

    @property
    def creates(self) -> int:
        return sum(1 for what, _ in self.events if what == "submit")


def _takes_of_clip(store: Store, position: int) -> list[tuple[int, str]]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = next(c for c in repo.clips(s, prod.id) if c.position == position)
        return [(t.number, t.status) for t in repo.takes(s, clip.id)]


def test_until_pass_stops_paying_at_the_first_take_that_passes(
    home: Path, db_env: str, footage: dict[str, Path], small_clip: Path
) -> None:
    store = Store(home, db_env)
    try:
        approve_board(store, SLUG)
        # the first take is 2 s of a 12.5 s plan (QC fails it), the second passes: the third
        # is never asked for
        provider = Deliveries([small_clip, footage["original"], footage["original"]])
        made = more_takes(
            store, SLUG, 1, provider, [1, 2, 3], strategy=TakeStrategy.UNTIL_PASS,
            poll_interval_s=0.01,
        )  # fmt: skip
        assert provider.creates == 2, provider.events
        assert [(o.take_number, o.status) for o in made] == [(1, "succeeded"), (2, "succeeded")]
        assert _takes_of_clip(store, 1) == [(1, "succeeded"), (2, "succeeded")]
        assert _selection(store) == (2, "auto")  # the one that passed, by its evidence
        # best-of asks for all of them
        every = Deliveries([small_clip, small_clip])
        more_takes(store, SLUG, 2, every, [1, 2], poll_interval_s=0.01)
        assert every.creates == 2
    finally:
        store.close()


def test_run_takes_asks_each_clip_for_them(home: Path, db_env: str, small_clip: Path) -> None:
    store = Store(home, db_env)
    try:
        approve_board(store, SLUG)
        provider = Deliveries([small_clip])
        provider.limits = ProviderLimits((2.0, 30.0), ((1280, 720),), 9, max_concurrent=1)
        result = generate_takes(store, SLUG, provider, takes=2, poll_interval_s=0.01)
        assert provider.creates == 8 and not result.failed
        for position in range(1, 5):
            assert len(_takes_of_clip(store, position)) == 2
    finally:
        store.close()


def test_takes_past_the_budget_are_refused_before_anything_is_written(
    home: Path,
    db_env: str,
    footage: dict[str, Path],
    example_spec: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    spec = example_spec.read_text()
    example_spec.write_text(spec + "budget:\n  limit: 2.5\n  unit: credits\n")
    store = Store(home, db_env)
    try:
        import_spec(store, example_spec)
        approve_board(store, SLUG)
        before = snapshot(home, db_env)
        provider = Deliveries([footage["original"]] * 3)
        with pytest.raises(GateError, match=r"budget: 3 take\(s\) of clip-01 would cost about 3"):
            more_takes(store, SLUG, 1, provider, [1, 2, 3], poll_interval_s=0.01)
        with pytest.raises(GateError, match="nothing was asked for"):
            generate_takes(store, SLUG, provider, takes=2, poll_interval_s=0.01)
        assert provider.creates == 0 and snapshot(home, db_env) == before
    finally:
        store.close()

    # the command: one clear line, a non-zero exit, no take row, no prompt version from --prompt
    monkeypatch.setitem(registry._BUILTIN, "deliveries", lambda workdir: provider)
    cli = CliRunner()
    shown = cli.invoke(app, ["take", "new", SLUG, "1", "--show-plan", "--home", str(home)])
    edited = tmp_path / "edited.yaml"
    edited.write_text(shown.output.replace("duration_s: 12.5", "duration_s: 13"))
    for args in (
        ["-n", "3"],
        ["-n", "3", "--prompt", str(edited), "--strategy", "until-pass"],
        ["-n", "3", "--plan", str(edited)],
    ):
        refused = cli.invoke(
            app, ["take", "new", SLUG, "1", *args, "--provider", "deliveries", "--home", str(home)]
        )
        assert refused.exit_code != 0, refused.output
        assert "budget: 3 take(s) of clip-01" in " ".join(refused.output.split())
        assert provider.creates == 0 and snapshot(home, db_env) == before, args
    asked = cli.invoke(app, ["run", str(example_spec), "--takes", "2", "--provider",
                             "deliveries", "--yes", "--home", str(home)])  # fmt: skip
    assert asked.exit_code != 0 and "nothing was asked for" in asked.output, asked.output
    assert provider.creates == 0
    # bad input names the option
    for args, says in (
        (["take", "new", SLUG, "1", "--strategy", "best-three"], "--strategy 'best-three'"),
        (["run", str(example_spec), "--takes", "9"], "--takes: 1 to 8"),
        (["run", str(example_spec), "--takes", "2", "--strategy", "x"], "--strategy 'x'"),
    ):
        result = cli.invoke(app, [*args, "--home", str(home)])
        assert result.exit_code == 2 and says in result.output, (args, result.output)
