"""Artifacts in an S3 bucket (AWS or any S3-compatible server), read through a local cache.

A team's workers run on several machines, so the bytes cannot live in one machine's folder.
``SHORTFILM_ARTIFACTS_URL=s3://bucket/prefix`` keeps the same two kinds of key the local folder
has: ``prefix/objects/ab/abcdef…`` holds the bytes, once per sha256, and
``prefix/library/<lineage name>`` a readable name for them. S3 has no links, so a name is an
empty object whose metadata carries the sha256 (and whose website redirect points at the
object): a copy would store every take twice.

Every write is whole or absent, and made once: a conditional PUT, or a multipart upload that
S3 shows only once it is completed and that is aborted when a part fails; two writers of one
key at once get one write (:mod:`shortfilm.store.s3_writes`). An object whose key already
exists is never uploaded again (its key is its content). Readers get a local path: the object is
fetched once into the cache folder (to a temporary name, checked against its sha256, then renamed),
and later reads are local. The endpoint and credentials are boto3's own settings
(``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID``, profiles, instance roles).

boto3 is the client because it is the one AWS maintains, it speaks to every S3-compatible
server, and its transfer manager already does ranged parallel downloads and retries; the team
extra installs it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit

from shortfilm.errors import InputError
from shortfilm.store.artifacts import LocalArtifactStore, sha256_file
from shortfilm.store.s3_writes import PART_BYTES, head_of, point_once, put_once

ENV_URL = "SHORTFILM_ARTIFACTS_URL"
ENV_CACHE = "SHORTFILM_CACHE_DIR"


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix without slashes at either end)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc or parsed.query or parsed.fragment:
        raise InputError(f"{ENV_URL}: {url!r} is not s3://bucket/prefix")
    prefix = parsed.path.strip("/")
    if prefix and any(part in {"", ".", ".."} for part in prefix.split("/")):
        raise InputError(f"{ENV_URL}: {url!r} has an empty, '.' or '..' part in its prefix")
    return parsed.netloc, prefix


def default_cache(bucket: str, prefix: str) -> Path:
    """Where a machine keeps what it read: ``SHORTFILM_CACHE_DIR``, else the user's cache."""
    root = os.environ.get(ENV_CACHE) or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    if not os.environ.get(ENV_CACHE):
        base = base / "shortfilm"
    return base / "s3" / bucket / (prefix or "_")


def _client() -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - the team extra is missing
        raise InputError(
            f"{ENV_URL} names an S3 bucket but boto3 is not installed: "
            "pip install 'shortfilm[team]'"
        ) from exc
    config = Config(retries={"max_attempts": 8, "mode": "standard"}, max_pool_connections=16)
    return boto3.client("s3", config=config)


class S3ArtifactStore:
    """Objects and names in a bucket; a local cache of what this machine has read or made."""

    def __init__(self, url: str, cache: Path | None = None, client: Any = None) -> None:
        self.bucket, self.prefix = parse_url(url)
        self.url = url
        self.cache = cache or default_cache(self.bucket, self.prefix)
        self.local = LocalArtifactStore(self.cache)
        """The cache: the same folder layout as a home's own store."""
        self.objects = self.local.objects
        self.library = self.local.library
        self.client = client or _client()

    # keys ----------------------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def object_key(self, sha256: str) -> str:
        return self._key("objects", sha256[:2], sha256)

    def name_key(self, name: str) -> str:
        return self._key("library", name)

    # the ArtifactStore protocol ----------------------------------------------------------------

    def path(self, sha256: str) -> Path:
        """The object's bytes on this machine, fetched into the cache on first use."""
        local = self.local.path(sha256)
        if not local.is_file():
            self._fetch(sha256, local)
        return local

    def put(self, source: Path) -> str:
        digest = sha256_file(source)
        key = self.object_key(digest)
        if not self._exists(key):  # the common case answered by one HEAD, no upload
            put_once(self.client, self.bucket, key, source, {"sha256": digest})
        self.local.put(source, sha256=digest)  # kept here: this machine will read it next
        return digest

    def readable(self, name: str) -> Path:
        """The readable path of ``name`` on this machine: linked into the cache from the name's
        object when the bucket has it (else the path a local store would give, absent)."""
        local = self.library / name
        if local.is_file():
            return local
        sha = self.named(name)
        if sha is not None:
            return self._link_local(name, sha)
        return local

    def link(self, name: str, sha256: str) -> Path:
        if not self._exists(self.object_key(sha256)):
            raise FileNotFoundError(f"artifact {sha256} is not in s3://{self.bucket}")
        target = "/" + self.object_key(sha256)
        point_once(self.client, self.bucket, self.name_key(name), sha256, target)
        return self._link_local(name, sha256)

    def media_url(self, sha256: str, media_type: str, *, expires_s: int = 3600) -> str:
        """A presigned GET of the object, so the web app sends a player to the bucket (which
        answers Range itself) instead of streaming every byte through its own process."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.object_key(sha256),
                "ResponseContentType": media_type,
            },
            ExpiresIn=expires_s,
        )
        return url

    @property
    def media_origin(self) -> str:
        """Where the presigned URLs point (signed locally: no request is made)."""
        url: str = self.media_url("0" * 64, "video/mp4")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    # the bucket ----------------------------------------------------------------------------------

    def named(self, name: str) -> str | None:
        """The sha256 the bucket's name ``name`` points at, if it has that name."""
        head = self._head(self.name_key(name))
        sha = head.get("Metadata", {}).get("sha256") if head else None
        return sha if isinstance(sha, str) else None

    def _head(self, key: str) -> dict[str, Any] | None:
        return head_of(self.client, self.bucket, key)

    def _exists(self, key: str) -> bool:
        return self._head(key) is not None

    def _fetch(self, sha256: str, dest: Path) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import ClientError

        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
        os.close(fd)
        try:
            config = TransferConfig(multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES)
            try:
                self.client.download_file(self.bucket, self.object_key(sha256), tmp, Config=config)
            except ClientError as exc:
                raise FileNotFoundError(
                    f"artifact {sha256} is not in s3://{self.bucket}/{self.prefix}"
                ) from exc
            got = sha256_file(Path(tmp))
            if got != sha256:
                raise OSError(f"s3://{self.bucket}/{self.object_key(sha256)} holds {got}")
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _link_local(self, name: str, sha256: str) -> Path:
        self.path(sha256)  # fetched into the cache first
        return self.local.link(name, sha256)
