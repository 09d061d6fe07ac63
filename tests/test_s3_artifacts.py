"""Artifacts on S3 (moto's standalone server on 127.0.0.1): sha256 keys, names that point at
them, whole-or-absent uploads, reads through a cache checked against the key, and a production
made with no local artifact folder at all."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from s3_server import S3Server, s3_server
from sqlalchemy import select

from shortfilm.store.artifacts import sha256_file
from shortfilm.store.repo import Store
from shortfilm.store.s3_artifacts import PART_BYTES, S3ArtifactStore, parse_url
from shortfilm.store.tables import ArtifactNameRow, ArtifactRow, KeyframeRow, RenderRow
from shortfilm.testing.fake_modelark import FakeModelArk

SMALL_CLI = Path(__file__).with_name("small_cli.py")
KEY = "ark-test-s3-0123456789"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def bucket(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    return s3.new_bucket()


def _store(bucket: str, cache: Path, prefix: str = "team/films") -> S3ArtifactStore:
    return S3ArtifactStore(f"s3://{bucket}/{prefix}", cache=cache)


def _keys(s3: S3Server, bucket: str) -> dict[str, dict[str, Any]]:
    listed = s3.client().list_objects_v2(Bucket=bucket)  # type: ignore[attr-defined]
    return {o["Key"]: o for o in listed.get("Contents", [])}


def test_the_url_names_a_bucket_and_a_clean_prefix() -> None:
    assert parse_url("s3://films/team/a/") == ("films", "team/a")
    assert parse_url("s3://films") == ("films", "")
    for bad in ("s3:///x", "https://films/x", "s3://films/a/../b", "s3://films/a//b", "films"):
        with pytest.raises(Exception, match="SHORTFILM_ARTIFACTS_URL"):
            parse_url(bad)


def test_objects_keep_their_sha256_keys_and_names_point_at_them(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path / "cache")
    take = tmp_path / "take.mp4"
    take.write_bytes(os.urandom(200_000))
    sha = store.put(take)
    assert sha == sha256_file(take)
    assert store.put(take) == sha  # storing twice stores once
    name = "wasteland-villa/clip-02/take-001__board-v1__prompt-v1.mp4"
    local = store.link(name, sha)
    keys = _keys(s3, bucket)
    assert f"team/films/objects/{sha[:2]}/{sha}" in keys
    pointer = f"team/films/library/{name}"
    assert keys[pointer]["Size"] == 0  # a name, not a second copy of the bytes
    head = s3.client().head_object(Bucket=bucket, Key=pointer)  # type: ignore[attr-defined]
    assert head["Metadata"]["sha256"] == sha
    assert local.read_bytes() == take.read_bytes()
    assert local.resolve() == store.path(sha).resolve()


def test_another_machine_reads_through_its_own_cache_and_refuses_bytes_that_do_not_match(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    maker = _store(bucket, tmp_path / "maker")
    take = tmp_path / "take.mp4"
    take.write_bytes(os.urandom(50_000))
    sha = maker.put(take)
    maker.link("film/clip-01/take-001.mp4", sha)
    reader = _store(bucket, tmp_path / "reader")
    readable = reader.readable("film/clip-01/take-001.mp4")
    assert readable.read_bytes() == take.read_bytes()
    assert readable.is_relative_to(tmp_path / "reader")
    assert not reader.readable("film/clip-09/take-001.mp4").exists()
    # the bucket's bytes changed under the key: the reader keeps nothing of them
    other = s3.client()
    wrong = os.urandom(1000)
    fake_sha = "f" * 64
    other.put_object(Bucket=bucket, Key=maker.object_key(fake_sha), Body=wrong)  # type: ignore[attr-defined]
    with pytest.raises(OSError, match="holds"):
        reader.path(fake_sha)
    assert not list((tmp_path / "reader" / "objects" / "ff").iterdir())
    with pytest.raises(FileNotFoundError, match="not in s3://"):
        reader.path("0" * 64)


def test_a_large_object_goes_up_in_parts_and_a_failed_upload_leaves_nothing(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path / "cache")
    film = tmp_path / "film.mp4"
    film.write_bytes(os.urandom(PART_BYTES * 2 + 1234))
    sha = store.put(film)
    head = s3.client().head_object(Bucket=bucket, Key=store.object_key(sha))  # type: ignore[attr-defined]
    assert head["ContentLength"] == film.stat().st_size
    assert head["ETag"].strip('"').endswith("-3"), "three parts, one multipart upload"

    # the second part of the next upload fails for good: no object under its key, and the
    # multipart upload is aborted (no parts left behind to pay for)
    other = tmp_path / "other.mp4"
    other.write_bytes(os.urandom(PART_BYTES * 2 + 99))
    failing = _store(bucket, tmp_path / "cache-2")
    calls = {"n": 0}

    def refuse_second_part(**kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] >= 2:
            raise ConnectionError("the network went away")

    failing.client.meta.events.register("before-send.s3.UploadPart", refuse_second_part)
    with pytest.raises(Exception, match="network went away"):
        failing.put(other)
    key = failing.object_key(sha256_file(other))
    assert key not in _keys(s3, bucket)
    uploads = s3.client().list_multipart_uploads(Bucket=bucket)  # type: ignore[attr-defined]
    assert not uploads.get("Uploads"), uploads
    assert not (tmp_path / "cache-2" / "objects").exists() or not any(
        (tmp_path / "cache-2" / "objects").rglob("*")
    )


def test_a_writer_that_loses_the_race_for_a_key_writes_nothing(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers store the same take and the same film at one moment: both found the keys
    absent, the first wrote them. The second's writes are conditional (If-None-Match), so S3
    refuses them (412) and it takes the keys as written: one version of each key on a
    versioned bucket, no multipart upload left open, the same sha for both. (The race itself
    is S3's to settle atomically; moto's check is not atomic, so the loser is made to lose
    here by its HEAD answering "absent" after the winner wrote.)"""
    client: Any = s3.client()
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    take, film = tmp_path / "take.mp4", tmp_path / "film.mp4"
    take.write_bytes(os.urandom(300_000))
    film.write_bytes(os.urandom(PART_BYTES + 4321))
    first, second = (_store(bucket, tmp_path / f"cache-{i}") for i in (1, 2))
    name = "wasteland-villa/clip-01/take-001.mp4"
    shas = first.put(take), first.put(film)
    first.link(name, shas[0])
    sent: list[dict[str, str]] = []

    def conditions(params: dict[str, Any], **_: Any) -> None:
        sent.append({k: v for k, v in params.items() if k in ("IfNoneMatch", "IfMatch")})

    for op in ("PutObject", "CompleteMultipartUpload"):
        second.client.meta.events.register(f"provide-client-params.s3.{op}", conditions)
    monkeypatch.setattr(second, "_exists", lambda key: False)  # it looked before the first wrote
    assert (second.put(take), second.put(film)) == shas
    assert sent == [{"IfNoneMatch": "*"}, {"IfNoneMatch": "*"}]  # both refused by S3
    listed = client.list_object_versions(Bucket=bucket)
    versions = sorted(v["Key"] for v in listed.get("Versions", []))
    assert len(versions) == 3 and len(set(versions)) == 3, versions  # two objects, one name
    assert not client.list_multipart_uploads(Bucket=bucket).get("Uploads")  # the loser aborted
    assert second.path(shas[1]).read_bytes() == film.read_bytes()
    monkeypatch.undo()

    # naming: the same name to the same sha writes nothing; re-pointing it writes once, on
    # the version it read (If-Match), so a writer that read an older one reads again
    sent.clear()
    second.link(name, shas[0])
    assert sent == []
    second.link(name, shas[1])
    assert len(sent) == 1 and "IfMatch" in sent[0]
    listed = client.list_object_versions(Bucket=bucket)
    assert len([v for v in listed.get("Versions", []) if "/library/" in v["Key"]]) == 2
    assert first.named(name) == shas[1]


Facts = tuple[set[str], list[int], list[float]]
"""A production's artifact names, keyframe times and film durations."""


def _run_example(spec: Path, home: Path, env: dict[str, str]) -> None:
    with FakeModelArk(api_keys=[KEY], latency=lambda: 0.1) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTFILM_")} | env
        env |= {
            "SHORTFILM_SEEDANCE_BASE_URL": fake.base_url,
            "ARK_API_KEY": KEY,
            "SHORTFILM_SEEDANCE_POLL_S": "0.05",
        }
        args = [sys.executable, str(SMALL_CLI), "run", str(spec), "--home", str(home)]
        args += ["--provider", "seedance", "--json", "--yes"]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def _facts(store: Store) -> tuple[Facts, set[str], list[str]]:
    """The production's facts, its artifacts' sha256s, and its renders' sha256s."""
    with store.session() as s:
        shas = set(s.scalars(select(ArtifactRow.sha256)))
        names = set(s.scalars(select(ArtifactNameRow.name)))
        keyframes = sorted(s.scalars(select(KeyframeRow.time_ms)))
        renders = list(s.scalars(select(RenderRow)))
    return (names, keyframes, [r.duration_s for r in renders]), shas, [r.sha256 for r in renders]


def _one_channel(spec: Path) -> Path:
    text = spec.read_text()
    spec.write_text(text.replace("channels: [tiktok, youtube]", "channels: [tiktok]"))
    return spec


@pytest.fixture(scope="module")
def made_locally(tmp_path_factory: pytest.TempPathFactory) -> Facts:
    """The example made with its artifacts in its home's folder (once for the module)."""
    import shutil

    from shortfilm.examples import example_dir

    root = tmp_path_factory.mktemp("local")
    shutil.copytree(example_dir("wasteland-villa"), root / "spec")
    home = root / "home"
    _run_example(_one_channel(root / "spec" / "production.yaml"), home, {})
    assert (home / "objects").is_dir() and (home / "library").is_dir()
    store = Store(home, f"sqlite:///{home / 'shortfilm.db'}")
    try:
        return _facts(store)[0]
    finally:
        store.close()


@pytest.mark.media
def test_a_production_made_on_s3_keeps_no_artifact_folder_and_matches_a_local_one(
    s3: S3Server,
    bucket: str,
    tmp_path: Path,
    example_spec: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    made_locally: Facts,
) -> None:
    """The S3 run's store on each database, compared with the example made locally."""
    home = tmp_path / "home"  # db_url's SQLite file is in home/
    env = {
        "SHORTFILM_ARTIFACTS_URL": f"s3://{bucket}/films",
        "SHORTFILM_CACHE_DIR": str(tmp_path / "worker-cache"),
        "SHORTFILM_DATABASE_URL": db_url,
    }
    _run_example(_one_channel(example_spec), home, env)
    assert not (home / "objects").exists() and not (home / "library").exists()
    # a reviewer's machine, with an empty cache of its own, reads it all from the bucket
    monkeypatch.setenv("SHORTFILM_ARTIFACTS_URL", f"s3://{bucket}/films")
    monkeypatch.setenv("SHORTFILM_CACHE_DIR", str(tmp_path / "reviewer-cache"))
    store = Store(home, db_url)
    try:
        facts, shas, renders = _facts(store)
        keys = _keys(s3, bucket)
        assert {f"films/objects/{sha[:2]}/{sha}" for sha in shas} <= set(keys)
        assert {f"films/library/{name}" for name in facts[0]} <= set(keys)
        film = store.artifact_path(renders[0])
        assert film.is_relative_to(tmp_path / "reviewer-cache")
        assert sha256_file(film) == renders[0]
    finally:
        store.close()
    # the same production either way: the same names, keyframes, and films of the same length
    assert facts == made_locally


def test_the_web_app_sends_a_player_to_the_bucket_which_answers_range(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    from fastapi.testclient import TestClient

    from shortfilm.team.accounts import add_user
    from shortfilm.web.app import create_app
    from shortfilm.web.settings import Settings

    monkeypatch.setenv("SHORTFILM_ARTIFACTS_URL", f"s3://{bucket}/films")
    monkeypatch.setenv("SHORTFILM_CACHE_DIR", str(tmp_path / "web-cache"))
    store = Store(tmp_path / "home", db_url)
    take = tmp_path / "take.mp4"
    take.write_bytes(os.urandom(10_000))
    with store.session() as s:
        sha = store.put_artifact(s, take, "film/clip-01/take-001.mp4")
    add_user(store, "wren", "writer", "correct horse")
    client = TestClient(create_app(store, Settings()), follow_redirects=False)
    assert client.post("/login", data={"name": "wren", "password": "correct horse"}).is_redirect
    answer = client.get(f"/media/{sha}")
    assert answer.status_code == 307 and answer.headers["cache-control"] == "no-store"
    url = answer.headers["location"]
    assert url.startswith(s3.endpoint) and "Signature" in url
    request = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request, timeout=10) as bucket_answer:
        assert bucket_answer.status == 206
        assert bucket_answer.headers["Content-Type"] == "video/mp4"
        assert bucket_answer.read() == take.read_bytes()[100:200]
    assert client.get(f"/media/{'0' * 64}").status_code == 404
    # the pages let their players and posters load from the bucket, and from nowhere else
    policy = client.get("/").headers["content-security-policy"]
    assert f"media-src 'self' {s3.endpoint};" in policy
    assert f"img-src 'self' data: {s3.endpoint};" in policy and "script-src" not in policy
    store.close()
