"""The same scenario and seed give the same figures, whatever PYTHONHASHSEED."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import tiny_raw, with_evening_drop

ROOT = Path(__file__).resolve().parents[1]


def _figures(report: dict) -> dict:  # type: ignore[type-arg]
    """What a reader compares: totals and every route's stops per strategy."""
    return {
        name: {
            "cost_eur": s["cost_eur"],
            "distance_km": s["distance_km"],
            "co2e_kg": s["co2e_kg"],
            "routes": [
                (r["vehicle"], [(st["site"], st["order"]) for st in r["stops"]])
                for r in s["routes"]
            ],
        }
        for name, s in report["strategies"].items()
    }


def test_cold_runs_agree_under_two_hash_seeds(tmp_path: Path) -> None:
    """Two cold `logistics run`s (own empty caches, PYTHONHASHSEED 0 and 1) with a
    solution limit (the searches stop on a count, not on the clock) give the same
    report figures, map and PNG files, and a warm rerun gives the figures again."""
    raw = tiny_raw()
    # An evening drop point: p1's van makes two trips, which the warm rerun must
    # read back from the plan store as two trips.
    with_evening_drop(raw)
    raw["solver"] = {
        "time_limit_s": 5,
        "separate_time_limit_s": 3,
        "workers": 1,
        "solution_limit": 100,
        "seed": 3,
    }
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(raw), encoding="utf-8")
    reports = []
    # Runs 0 and 1: cold, each with its own empty cache; run 2 reuses run 1's cache.
    for run, seed in enumerate(("0", "1", "1")):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "LOGISTICS_CACHE_DIR": str(tmp_path / f"cache-{run if run < 2 else 1}"),
            "PYTHONPATH": str(ROOT),
        }
        out = tmp_path / f"out-{run}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "logistics",
                "run",
                str(scenario),
                "-q",
                "--out",
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        reports.append(json.loads((out / "report.json").read_text()))
    assert _figures(reports[0]) == _figures(reports[1])
    assert _figures(reports[1]) == _figures(reports[2])
    # The map and the PNG figures are the same bytes too.
    for name in ("map.html", "routes.png", "totals.png", "producer_savings_pooled.png"):
        first = (tmp_path / "out-0" / name).read_bytes()
        assert first == (tmp_path / "out-1" / name).read_bytes(), name
    separate = reports[2]["strategies"]["separate"]["routes"]
    assert max(r["trips"] for r in separate) == 2
