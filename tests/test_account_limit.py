"""One provider account, one concurrency limit, however many processes pay from it: four
``shortfilm take new`` commands at once (a team's workers), each asking two takes of its own
clip from the fake hosted model, whose account allows 3 tasks at once. The fake never has a
fourth task in flight, and does reach three (the limit is used, not just respected); every take
is made, each paid once. (Eight takes wanted at once against three slots: each process alone
could stay under the limit, so only the shared count keeps them there.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from timeline_home import SLUG

from shortfilm.testing.fake_modelark import FakeModelArk

pytestmark = pytest.mark.media
KEY = "ark-test-account-0123456789"
LIMIT = 3


@pytest.mark.parametrize("timeline_home", ["postgres"], indirect=True)
def test_four_processes_never_exceed_the_accounts_limit(timeline_home: Path) -> None:
    with FakeModelArk(api_keys=[KEY], latency=lambda: 0.5) as fake:
        env = os.environ | {
            "SHORTFILM_SEEDANCE_BASE_URL": fake.base_url,
            "SHORTFILM_SEEDANCE_POLL_S": "0.05",
            "SHORTFILM_SEEDANCE_MAX_CONCURRENT": str(LIMIT),
            "ARK_API_KEY": KEY,
        }
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "shortfilm", "take", "new", SLUG, str(clip), "-n", "2"]
                + ["--provider", "seedance", "--home", str(timeline_home), "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for clip in (1, 2, 3, 4)
        ]
        said = [run.communicate(timeout=600) for run in runs]
        stats = fake.stats()
    for run, (out, err) in zip(runs, said, strict=True):
        assert run.returncode == 0, err[-3000:]
        takes = json.loads(out.strip().splitlines()[-1])["takes"]
        assert [t["status"] for t in takes] == ["succeeded"] * 2, takes
    assert stats["tasks_created"] == 8, stats
    assert stats["max_in_flight"] == LIMIT, stats
