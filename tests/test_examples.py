"""The scripts in examples/ run as a user would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SHARED_OSM, shared_osm_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("compare_melun.py", "pooling saves"),
        ("coalition_costs.py", "grand coalition"),
    ],
)
def test_example_runs(script: str, expected: str) -> None:
    """Each example exits 0 and prints its result line."""
    shared_osm_file("melun.osm.bz2")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--osm-dir", str(SHARED_OSM)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
