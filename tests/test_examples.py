"""The scripts in examples/ run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

EXAMPLES = ROOT / "examples"


def _run_example(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an example from the repository alone (no shared data, no OSM env)."""
    env = {k: v for k, v in os.environ.items() if k != "LOGISTICS_OSM_DIR"}
    # Import this checkout's `logistics`, whichever checkout the venv was built from.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("compare_melun.py", "pooling saves"),
        ("coalition_costs.py", "grand coalition"),
    ],
)
def test_example_runs(script: str, expected: str) -> None:
    """Each example exits 0 and prints its result line, with no --osm-dir."""
    done = _run_example(script)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_spreadsheet_walkthrough_runs_on_roads() -> None:
    """The workbook walkthrough geocodes offline, then compares on the Melun roads."""
    done = _run_example("spreadsheet_walkthrough.py")
    assert done.returncode == 0, done.stderr
    assert "geocoder requests: 9 first time, 0 on the rerun (cache)" in done.stdout
    assert "pooling saves" in done.stdout
    assert "OpenStreetMap file melun.osm.bz2" in done.stdout


def test_example_still_accepts_osm_dir(tmp_path: Path) -> None:
    """An extra --osm-dir is searched after the scenario's folder, not instead of it."""
    done = _run_example("coalition_costs.py", "--osm-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "grand coalition" in done.stdout
