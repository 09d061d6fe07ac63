"""moto's standalone S3 server on 127.0.0.1, started by the tests: a real HTTP S3 endpoint that
boto3 talks to exactly as it would to AWS (signing, multipart, Range, presigned URLs)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from served import free_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        """What boto3 reads to reach it (fake credentials: moto accepts any)."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def new_bucket(self) -> str:
        name = f"shortfilm-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)  # type: ignore[attr-defined]
        return name


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start moto's S3 server (:mod:`moto_s3`: its writes atomic, as S3's are) on a free port of
    127.0.0.1; stop it on leaving."""
    for _ in range(3):
        port = free_port()
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("moto_s3.py")), "127.0.0.1", str(port)],
            stdout=log,
            stderr=log,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )
        endpoint = f"http://127.0.0.1:{port}"
        deadline, ready = time.monotonic() + 30, False
        while not ready and proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    ready = True
            except OSError:
                time.sleep(0.1)
        if ready:
            try:
                yield S3Server(endpoint)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                log.close()
            return
        proc.kill()
        proc.wait()
        log.seek(0)
        said = log.read().decode("utf-8", "replace")[-2000:]
        log.close()
    raise RuntimeError(f"moto's S3 server did not start: {said}")
