"""Benchmark: `shortfilm demo` cold, then again in the same folder (everything reused).

The baseline is the cold run; the figure that matters for a team is how little the second run
costs, since nothing (takes, keyframes, renders) may be made twice. Last line: one JSON object.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _demo(out: Path) -> tuple[float, dict[str, object]]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "shortfilm", "demo", "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        cold_s, result = _demo(out)
        warm_s, _ = _demo(out)
    durations = [r["duration_s"] for r in result["renders"]]  # type: ignore[index, union-attr]
    print(
        json.dumps(
            {
                "cold_s": round(cold_s, 1),
                "rerun_s": round(warm_s, 2),
                "rerun_vs_cold": round(warm_s / cold_s, 3),
                "film_s": durations,
                "budget_s": 300,
                "cold_vs_budget": round(cold_s / 300, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
