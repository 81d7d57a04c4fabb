"""Spreadsheet walkthrough: a workbook with addresses -> geocoded copy -> comparison.

The collective is described in ``examples/spreadsheet/collective.xlsx`` (one sheet per
table, sites given by postal address, no coordinates) and a short YAML naming it.

1. ``logistics geocode`` turns the addresses into coordinates. Here the geocoder is a
   local server answering like the BAN (France's national address service) from the
   answers in ``tests/data/geocode/ban_melun.json``, so the example runs offline; drop
   ``--geocoder-url`` to ask the real service. Answers are cached: a second geocode
   sends no request.
2. ``logistics run`` solves the geocoded copy, separate vs pooled, on the bundled
   Melun road extract.

Run from the repository root: ``.venv/bin/python examples/spreadsheet_walkthrough.py``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "spreadsheet" / "collective.yaml"
ANSWERS = ROOT / "tests" / "data" / "geocode" / "ban_melun.json"


def main() -> int:
    """Geocode the workbook's addresses, run the copy, print what pooling saves."""
    with tempfile.TemporaryDirectory(prefix="logistics-walkthrough-") as tmp:
        # A private cache, so that the first geocode really asks the server.
        os.environ["LOGISTICS_CACHE_DIR"] = str(Path(tmp) / "cache")
        from logistics.cli import main as logistics
        from logistics.geocode_replay import ReplayServer

        copy = Path(tmp) / "collective_geocoded.yaml"
        with ReplayServer(ANSWERS) as server:
            command = ["geocode", str(SCENARIO), "--out", str(copy)]
            command += ["--geocoder-url", server.url]
            if logistics(command) != 0:
                return 1
            asked = len(server.queries)
            if logistics(command) != 0:  # again: every answer comes from the cache
                return 1
            print(
                f"geocoder requests: {asked} first time, "
                f"{len(server.queries) - asked} on the rerun (cache)"
            )
        out = Path(tmp) / "report"
        status = logistics(["run", str(copy), "--out", str(out), "-q"])
        if status != 0:
            return status
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        saving = report["savings"]["pooled"]
        print(
            f"pooling saves {saving['cost_pct']:.1f} % of the cost and "
            f"{saving['co2e_pct']:.1f} % of the CO2e "
            f"({report['network']['source']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
