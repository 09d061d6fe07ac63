"""Conditional writes to S3: a key is written once, whole, by one writer.

Two workers storing the same take, or the same reference image, at the same moment both find its
key absent; a plain PUT would write it twice (two versions on a versioned bucket, twice the
upload). S3's conditional writes (``If-None-Match: *`` on PutObject and CompleteMultipartUpload,
``If-Match: <etag>`` to replace a known version; AWS since 2024, and MinIO, R2 and moto) make
the second writer's request fail with 412 instead, which here means "someone wrote it": the
content is the key, so what is there is what was meant.

Large files go in parts of :data:`PART_BYTES`, read one at a time (memory stays at one part),
and an upload that fails or loses the race is aborted, so no part is left billed and nothing
half is ever visible under the key. boto3's transfer manager cannot send these conditions, so
the parts are sent here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, BinaryIO

PART_BYTES = 16 << 20
"""Multipart threshold and part size: a take of a few MB goes in one PUT, a film in parts."""


def _refused(exc: Exception) -> bool:
    """Whether ``exc`` is S3's answer to a condition that did not hold (412, or 409 when two
    conditional writes of one key race)."""
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {409, 412}


def put_once(client: Any, bucket: str, key: str, source: Path, metadata: dict[str, str]) -> bool:
    """Write ``source`` under ``key`` unless the key exists; ``True`` when this call wrote it."""
    from botocore.exceptions import ClientError

    size = source.stat().st_size
    try:
        with source.open("rb") as body:
            if size <= PART_BYTES:
                client.put_object(
                    Bucket=bucket, Key=key, Body=body, Metadata=metadata, IfNoneMatch="*"
                )
            else:
                _multipart(client, bucket, key, body, metadata)
    except ClientError as exc:
        if _refused(exc):
            return False
        raise
    return True


def _multipart(
    client: Any, bucket: str, key: str, body: BinaryIO, metadata: dict[str, str]
) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key=key, Metadata=metadata)["UploadId"]
    try:
        parts = []
        number = 1
        while chunk := body.read(PART_BYTES):
            sent = client.upload_part(
                Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=chunk
            )
            parts.append({"ETag": sent["ETag"], "PartNumber": number})
            number += 1
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            MultipartUpload={"Parts": parts},
            IfNoneMatch="*",
        )
    except BaseException:
        # the first error is the one to report (S3 can expire stray parts by lifecycle too)
        with contextlib.suppress(Exception):
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise


def point_once(client: Any, bucket: str, key: str, sha256: str, target: str) -> None:
    """Make the name ``key`` point at ``sha256`` (an empty object: metadata and a redirect to
    ``target``), writing it only when it does not already: a new name with ``If-None-Match``,
    a name re-pointed with ``If-Match`` on the version read. A writer that loses the race reads
    again; the name ends pointing where the last writer meant, written once per change."""
    from botocore.exceptions import ClientError

    for _ in range(5):
        head = head_of(client, bucket, key)
        if head is not None and head.get("Metadata", {}).get("sha256") == sha256:
            return
        condition = {"IfMatch": head["ETag"]} if head is not None else {"IfNoneMatch": "*"}
        try:
            client.put_object(
                Bucket=bucket,
                Key=key,
                Body=b"",
                Metadata={"sha256": sha256},
                WebsiteRedirectLocation=target,
                **condition,
            )
            return
        except ClientError as exc:
            if not _refused(exc):
                raise
    raise RuntimeError(f"s3://{bucket}/{key}: changed by others five times while being named")


def head_of(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's HEAD (metadata, ETag), or ``None`` when the key is absent."""
    from botocore.exceptions import ClientError

    try:
        head: dict[str, Any] = client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return head
