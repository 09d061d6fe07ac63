"""Which artifact store a home uses: ``SHORTFILM_ARTIFACTS_URL`` (``s3://bucket/prefix``) names a
bucket, shared by every worker and machine; unset, the home's own folder, as always."""

from __future__ import annotations

import os
from pathlib import Path

from shortfilm.store.artifacts import ArtifactStore, LocalArtifactStore
from shortfilm.store.s3_artifacts import ENV_URL, S3ArtifactStore


def artifact_store(home: Path) -> ArtifactStore:
    """The store ``SHORTFILM_ARTIFACTS_URL`` names, else the folder ``home``."""
    url = os.environ.get(ENV_URL, "").strip()
    return S3ArtifactStore(url) if url else LocalArtifactStore(home)
