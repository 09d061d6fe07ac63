"""Publishing variants of the demo's approved film to their accounts, on each database: the
outbox folder, a signed webhook, and Postiz (the fake server on 127.0.0.1) with faults, a rate
limit and two kills of the publishing process. Every variant is posted exactly once, with its
own film and text, at its time; nothing is marked done that the target does not have."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from approved_demo import SLUG, home, run

from shortfilm.testing.fake_postiz import FakePostiz, Integration
from shortfilm.testing.webhook_receiver import WebhookReceiver

__all__ = ["home"]  # the fixture, on each database

pytestmark = pytest.mark.media

KEY = "postiz-key-for-tests-4711"
APPROVE = ("--approve", "--score", "account-match=4", "--score", "caption-fit=4")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _ok(home: Path, *args: str) -> str:
    code, said = run(home, *args)
    assert code == 0, said
    return said


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _film(home: Path, name: str) -> Path:
    (film,) = (home / "library" / SLUG / "variants").glob(f"{SLUG}__edit-v1__{name}-v1__*.mp4")
    return film


def test_an_approved_variant_goes_to_the_outbox_once(home: Path) -> None:
    _ok(home, "account", "add", "tt-main", "--platform", "tiktok", "--handle", "@wv")
    _ok(home, "variant", "add", SLUG, "tt-hook-a", "--account", "tt-main", "--hook",
        "WHO HOLDS THE COAST", "--caption", "One blade. One house.", "--hashtag",
        "shortfilm")  # fmt: skip
    # not approved yet: nothing is rendered or sent, and the message says who approves it
    code, said = run(home, "publish", SLUG, "--variant", "tt-hook-a")
    flat = _flat(said)
    assert code != 0 and "variant tt-hook-a v1 for tt-main waits for the owner's review" in flat
    assert "shortfilm review variant wasteland-villa tt-hook-a --approve" in flat
    assert not (home / "publish" / SLUG / "accounts").exists()
    _ok(home, "review", "variant", SLUG, "tt-hook-a", *APPROVE)
    code, said = run(home, "publish", SLUG, "--variant", "tt-hook-a", "--at", "2001-01-01T00:00")
    assert code != 0 and "at: 2001-01-01 00:00 UTC is in the past" in _flat(said)
    said = _flat(_ok(home, "publish", SLUG, "--variant", "tt-hook-a"))
    assert "variant tt-hook-a v1 to tt-main via folder: published" in said
    mark = "sf-wasteland-villa-tt-hook-a-v1-tt-main"
    folder = home / "publish" / SLUG / "accounts" / "tt-main" / mark
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["mark"] == mark and manifest["account"] == "tt-main"
    assert (folder / "post.txt").read_text() == "One blade. One house.\n\n#shortfilm\n"
    assert _sha(folder / f"{mark}.mp4") == manifest["sha256"] == _sha(_film(home, "tt-hook-a"))
    # again: nothing is sent twice, whatever is asked
    said = _flat(_ok(home, "publish", SLUG, "--variant", "tt-hook-a", "--json"))
    shown = json.loads(said)["published"][0]
    assert (shown["state"], shown["sent"]) == ("published", False)
    # the platform's export, as TikTok names its columns: stored, and the report reads it
    csv = home.parent / "tiktok.csv"
    csv.write_text("Mark,Video views,Average watch time,Watched full video (%),Likes,Shares,"
                   f"Comments\n{mark},\"12,400\",0:07,41%,310,12,9\n")  # fmt: skip
    said = _flat(_ok(home, "metrics", "import", SLUG, str(csv)))
    assert "tt-hook-a v1 on tt-main: 12,400 views, avg watch 7.0 s, completion 41%" in said, said
    bad = home.parent / "bad.csv"
    bad.write_text(f"Mark,Video views\n{mark},12x\nsf-nothing,3\n")
    code, said = run(home, "metrics", "import", SLUG, str(bad))
    flat = _flat(said)
    assert code == 2 and "bad.csv: nothing was imported" in flat, flat
    assert "line 2, column 'Video views': '12x' is not a count" in flat
    assert "line 3: 'sf-nothing' is no publication of wasteland-villa" in flat
    report = json.loads(_ok(home, "report", "campaign", SLUG, "--json"))
    (result,) = report["results"]
    assert result["figures"]["views"] == 12400 and result["held"] == pytest.approx(0.41)
    assert result["opening"] == "WHO HOLDS THE COAST" and report["role"]
    assert "the opening that held best: 'WHO HOLDS THE COAST'" in report["findings"][0]
    # a new version waits for its own approval; the published one stays as it was
    _ok(home, "variant", "add", SLUG, "tt-hook-a", "--account", "tt-main", "--hook", "HOLD",
        "--replace")  # fmt: skip
    code, said = run(home, "publish", SLUG, "--variant", "tt-hook-a")
    assert code != 0 and "variant tt-hook-a v2 for tt-main waits" in _flat(said)


def test_a_webhook_delivery_is_signed_retried_and_applied_once(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookReceiver(["right-secret"]) as receiver:
        _ok(home, "account", "add", "x-main", "--platform", "x", "--handle", "@wv", "--target",
            "webhook", "--url", receiver.url, "--secret-env", "WV_HOOK_SECRET")  # fmt: skip
        _ok(home, "variant", "add", SLUG, "x-a", "--account", "x-main", "--caption",
            "The coast holds.")  # fmt: skip
        _ok(home, "review", "variant", SLUG, "x-a", *APPROVE)
        # a wrong secret: the receiver refuses the signature, the publication fails with it
        monkeypatch.setenv("WV_HOOK_SECRET", "wrong-secret")
        code, said = run(home, "publish", SLUG, "--variant", "x-a")
        flat = _flat(said)
        assert code != 0 and "variant x-a v1 to x-main: failed" in flat, flat
        assert "401 from the receiver" in flat and "no signature matches" in flat
        assert receiver.refused == 1 and not receiver.applied
        # mended: the failed publication is queued again; the first answer is lost after the
        # receiver applied it, so the retry carries the same Idempotency-Key and is not applied
        monkeypatch.setenv("WV_HOOK_SECRET", "right-secret")
        receiver.inject("deliver", "500-created")
        said = _flat(_ok(home, "publish", SLUG, "--variant", "x-a", "--json"))
        shown = json.loads(said)["published"][0]
        assert shown["state"] == "published" and shown["remote_id"] == "wh-1"
    assert receiver.received == 3 and len(receiver.applied) == 1
    (delivery,) = receiver.applied.values()
    assert delivery.key == "sf-wasteland-villa-x-a-v1-x-main"
    assert delivery.body["text"] == "The coast holds."
    assert delivery.body["video"]["sha256"] == _sha(_film(home, "x-a"))
    assert "right-secret" not in json.dumps(delivery.body)


TIKTOK = Integration("cm-tt-1", "Wasteland TikTok", "tiktok")
SHORTS = Integration("cm-yt-1", "Wasteland Shorts", "youtube")
REELS = Integration("cm-ig-1", "Wasteland Reels", "instagram-standalone")
VARIANTS = {
    "tt-hook-a": ("tt-main", ("--hook", "WHO HOLDS THE COAST", "--caption", "One blade.")),
    "tt-hook-b": ("tt-main", ("--hook", "SHE NEVER RUNS", "--caption", "One house.")),
    "yt-a": ("yt-main", ("--end-card", "PART TWO FRIDAY", "--caption", "The villa waits.")),
    "ig-a": ("ig-main", ("--caption", "The coast holds.", "--hashtag", "shortfilm")),
}


def _start(home: Path, names: list[str], at: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POSTIZ_API_KEY": KEY}
    args = [a for n in names for a in ("--variant", n)]
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "shortfilm", "publish", SLUG, *args, "--at", at, "--wait",
             "120", "--home", str(home)],
            stdout=sink, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip


def _until(check: object, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while not check():  # type: ignore[operator]
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)


def test_postiz_posts_every_variant_once_through_faults_limits_and_kills(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePostiz(api_keys=[KEY], integrations=[TIKTOK, SHORTS, REELS], timeout_sleep_s=60)
    with fake:
        for name, platform, integration in (
            ("tt-main", "tiktok", TIKTOK),
            ("yt-main", "youtube-shorts", SHORTS),
            ("ig-main", "instagram-reels", REELS),
        ):
            _ok(home, "account", "add", name, "--platform", platform, "--handle", "@wv",
                "--target", "postiz", "--url", fake.base_url, "--integration",
                integration.id)  # fmt: skip
        for name, (account, texts) in VARIANTS.items():
            _ok(home, "variant", "add", SLUG, name, "--account", account, *texts)
            _ok(home, "variant", "render", SLUG, name)
            _ok(home, "review", "variant", SLUG, name, *APPROVE)
        names = list(VARIANTS)
        at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        log = tmp_path / "publish.log"
        # kill 1: the first create is made on the server, and the process dies before the answer
        fake.inject("create", "timeout-created")
        proc = _start(home, names, at.isoformat(), log)
        _until(lambda: len(fake.posts) == 1, proc, log)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        # kill 2: the next variant's film reaches the server, and the process dies before the
        # answer; its publication knows of no upload, so no post can carry it
        fake.inject("upload", "timeout-created")
        uploads = len(fake.uploads)
        proc = _start(home, names, at.isoformat(), log)
        _until(lambda: len(fake.uploads) == uploads + 1, proc, log)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        # the last run meets a 500, a lost create answer and the hourly limit (shortened)
        fake.inject("create", "500", "reset-created")
        fake.limit, fake.window_s = 3, 2.0
        proc = _start(home, names, at.isoformat(), log)
        assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]
        made = {p.id: p for p in fake.live_posts()}
        assert fake.refused_429 > 0, "the limit was met"
        # once more: nothing is sent
        before = dict(fake.calls)
        code, said = run(home, "publish", SLUG, *[a for n in names for a in ("--variant", n)])
        assert code == 0 and _flat(said).count("before: nothing was sent again") == 4, said
        assert fake.calls["create"] == before["create"] and fake.calls["upload"] == before["upload"]
        assert len(fake.posts) == len(made) == 4, [p.content for p in fake.posts.values()]
        by_content = {p.content: p for p in made.values()}
        for name, (account, texts) in VARIANTS.items():
            caption = texts[texts.index("--caption") + 1]
            text = caption + ("\n\n#shortfilm" if "--hashtag" in texts else "")
            post = by_content[text]
            assert post.integration.id == {"tt-main": TIKTOK, "yt-main": SHORTS,
                                           "ig-main": REELS}[account].id  # fmt: skip
            assert post.publish_date == at and post.state == "QUEUE"
            (image,) = post.images
            sent = hashlib.sha256(fake.upload_bytes(image["id"])).hexdigest()
            assert sent == _sha(_film(home, name))
        # a day later the posts are out, and Postiz has their figures
        for n, post in enumerate(made.values()):
            post.publish_date = datetime.now(UTC) - timedelta(minutes=1)
            views = [{"total": str(100 * (n + 1)), "date": "d1"}, {"total": "50", "date": "d2"}]
            fake.set_metrics(post.id, [{"label": "Views", "data": views, "percentageChange": 0},
                                       {"label": "Likes", "data": [{"total": "7", "date": "d2"}],
                                        "percentageChange": 0}])  # fmt: skip
        fake.limit = None
        monkeypatch.setenv("POSTIZ_API_KEY", KEY)
        pulled = json.loads(_ok(home, "metrics", "pull", SLUG, "--json"))
        assert sorted(p["figures"]["views"] for p in pulled) == [150, 250, 350, 450]
        assert {p["figures"]["likes"] for p in pulled} == {7}
    assert KEY not in log.read_text()


def _approved_on_postiz(
    home: Path, fake: FakePostiz, caption: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variant ``tt-a`` (``caption``) approved for a TikTok account posted through ``fake``."""
    _ok(home, "account", "add", "tt-main", "--platform", "tiktok", "--handle", "@wv",
        "--target", "postiz", "--url", fake.base_url, "--integration", TIKTOK.id)  # fmt: skip
    _ok(home, "variant", "add", SLUG, "tt-a", "--account", "tt-main", "--caption", caption)
    _ok(home, "review", "variant", SLUG, "tt-a", *APPROVE)
    monkeypatch.setenv("POSTIZ_API_KEY", KEY)


def test_a_failed_publication_queued_again_finds_the_post_its_lost_answer_made(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.publish.targets import Refused
    from shortfilm.publish.variants import publish_variant
    from shortfilm.review.decisions import local_owner
    from shortfilm.store.repo import Store

    with FakePostiz(api_keys=[KEY], integrations=[TIKTOK]) as fake:
        _approved_on_postiz(home, fake, "Once.", monkeypatch)
        # the post is made and its answer lost; before the retry asks what Postiz holds, the
        # key is revoked: the publication fails with Postiz's refusal
        fake.inject("create", "reset-created")

        def revoke(_: float) -> None:
            fake.api_keys = frozenset({"another-key"})

        store = Store(home, os.environ.get("SHORTFILM_DATABASE_URL"))
        try:
            with pytest.raises(Refused, match="tt-a v1 to tt-main: failed: .*refused the key"):
                publish_variant(store, SLUG, "tt-a", local_owner(), sleep=revoke)
            assert len(fake.live_posts()) == 1
            # a new key, the same command: the post its lost answer made is found, not made again
            fake.api_keys = frozenset({KEY})
            got = publish_variant(store, SLUG, "tt-a", local_owner(), sleep=lambda _: None)
        finally:
            store.close()
        assert got.adopted and got.publication.state == "published"  # a "now" post, out
        assert len(fake.posts) == 1 and fake.calls["create"] == 1


def test_a_now_post_queued_by_postiz_is_published_once_postiz_has_sent_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Postiz answers a ``now`` post before its workers send it: the publication is scheduled;
    the same command later asks (and sends nothing) and finds it out."""
    with FakePostiz(api_keys=[KEY], integrations=[TIKTOK]) as fake:
        _approved_on_postiz(home, fake, "Now.", monkeypatch)
        fake.workers_paused = True
        said = json.loads(_ok(home, "publish", SLUG, "--variant", "tt-a", "--json"))["published"]
        assert [p["state"] for p in said] == ["scheduled"], said
        listed = fake.calls["list"]
        said = json.loads(_ok(home, "publish", SLUG, "--variant", "tt-a", "--json"))["published"]
        assert [p["state"] for p in said] == ["scheduled"] and fake.calls["list"] == listed + 1
        fake.workers_paused = False
        said = json.loads(_ok(home, "publish", SLUG, "--variant", "tt-a", "--json"))["published"]
        (post,) = fake.live_posts()
        assert [p["state"] for p in said] == ["published"], said
        assert said[0]["remote_url"] == post.release_url
        assert fake.calls["create"] == fake.calls["upload"] == 1
        shown = _ok(home, "variant", "show", SLUG, "tt-a")
        assert f"v1 to tt-main via postiz: published ({post.release_url})" in shown, shown


def test_a_variant_film_asked_for_from_the_web_is_refused_at_once_or_made_by_a_job(
    home: Path,
) -> None:
    """The campaign page queues a variant's film: what the render would refuse is refused
    before anything is queued; a film queued is made by the job, as ``variant render`` would."""
    from shortfilm.domain.jobs import Job, JobKind
    from shortfilm.errors import InputError
    from shortfilm.jobs.requests import request_variant_render
    from shortfilm.jobs.runner import execute
    from shortfilm.review.decisions import local_owner
    from shortfilm.store import jobs as stored_jobs
    from shortfilm.store.repo import Store

    class Held:
        def __init__(self) -> None:
            self.jobs: list[Job] = []

        def submit(self, store: Store, job: Job) -> None:
            self.jobs.append(job)

    _ok(home, "account", "add", "x-main", "--platform", "x", "--handle", "@wv")
    _ok(home, "account", "add", "x-two", "--platform", "x", "--handle", "@wv2")
    _ok(home, "variant", "add", SLUG, "x-gone", "--account", "x-two", "--caption", "Gone.")
    _ok(home, "account", "remove", "x-two")  # after the variant was routed to it
    _ok(home, "variant", "add", SLUG, "x-ok", "--account", "x-main", "--caption", "Held.")
    store = Store(home, os.environ.get("SHORTFILM_DATABASE_URL"))
    queue = Held()
    try:
        with pytest.raises(InputError, match="no variant named 'nope'"):
            request_variant_render(store, SLUG, local_owner(), "nope", queue=queue)
        with pytest.raises(InputError, match="x-gone: no account named 'x-two'"):
            request_variant_render(store, SLUG, local_owner(), "x-gone", queue=queue)
        with store.session() as tx:
            assert stored_jobs.jobs(tx, slug=SLUG, limit=100) == []
        job = request_variant_render(store, SLUG, local_owner(), "x-ok", queue=queue)
        assert queue.jobs == [job] and job.kind is JobKind.VARIANT_RENDER
        done = execute(store, job.id)
    finally:
        store.close()
    assert done.state.value == "done", done.error
    assert done.result["variant"] == "x-ok" and done.result["status"] == "passed"
    assert done.result["copied_frames"] > done.result["encoded_frames"]  # a delta
    listed = _ok(home, "variant", "list", SLUG)
    assert "x-ok" in listed
