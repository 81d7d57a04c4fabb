"""Hub variants of the collectives family: the hub strategy, checked, best costs kept.

Usage::

    python -m benchmarks.run_hub_variants --write   # (re)write the variant files
    python -m benchmarks.run_hub_variants           # solve each, update bks_hub.csv

A variant is a committed instance of ``benchmarks/collectives/`` plus one hub
(:data:`VARIANTS`), written next to it as ``<instance>-hub.yaml``. Each run solves
the ``hub`` strategy as ``logistics run`` does (both legs linked in time, the
optimistic bound too), re-checks it with the independent checker (inside
``run_strategy``) and accounts it; the cost kept is the strategy's total in euros
(routes of both legs + hub handling) with its unserved orders.
``benchmarks/collectives/bks_hub.csv`` keeps the best (fewest unserved, then
cheapest) per variant; the plans themselves are not stored.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from logistics._cache import atomic_write_text
from logistics.accounting import account
from logistics.context import build_context
from logistics.executors import local_executor, usable_cores
from logistics.scenario import load_scenario
from logistics.strategies import get_strategy, run_strategy
from logistics.travel import build_travel

from .make_collectives import HERE, OSM_DIR

BKS_HUB = HERE / "bks_hub.csv"

_VAZZIO = {"lat": 41.92962, "lon": 8.79048}
"""Vazzio business zone near Ajaccio airport (as scenarios/ajaccio.yaml)."""
_VAUX = {"lat": 48.52935, "lon": 2.67942}
"""Vaux-le-Pénil business park, Melun (as tests/strategies/test_hub.py)."""

VARIANTS: dict[str, dict[str, Any]] = {
    "melun-p05-o30": {
        "id": "hub_vaux",
        **_VAUX,
        "opening": "04:00-19:30",
        "cold_room": True,
        "vehicles": [
            {"type": "van_3t5_reefer", "count": 1, "max_trips": 3},
            {"type": "van_3t5", "count": 1, "max_trips": 3},
        ],
    },
    "ajaccio-p30-o300": {
        "id": "hub_vazzio",
        **_VAZZIO,
        "opening": "04:30-19:30",
        "cold_room": True,
        "vehicles": [
            {"type": "van_3t5_reefer", "count": 6, "max_trips": 3},
            {"type": "van_3t5", "count": 6, "max_trips": 3},
        ],
    },
}
"""Instance -> the hub added to it (delivery vans, first leg by the farms' own vans)."""


def variant_path(name: str) -> Path:
    """The file of the hub variant of instance ``name``."""
    return HERE / f"{name}-hub.yaml"


def write_variants() -> list[Path]:
    """Write each variant: the instance's YAML plus its hub, with a header."""
    written = []
    for name, hub in VARIANTS.items():
        base = HERE / f"{name}.yaml"
        raw = yaml.safe_load(base.read_text(encoding="utf-8"))
        raw["name"] = f"{name}-hub"
        raw["hubs"] = [{"name": "Shared food hub (illustrative placement)", **hub}]
        header = (
            f"# Hub variant of {base.name}: that instance plus one hub, written by\n"
            "#   python -m benchmarks.run_hub_variants --write\n"
            "# Do not edit by hand. Road data (c) OpenStreetMap contributors, ODbL.\n"
        )
        text = header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
        atomic_write_text(variant_path(name), text)
        written.append(variant_path(name))
    return written


def read_bks() -> dict[str, dict[str, str]]:
    """Stored best hub results by variant name."""
    if not BKS_HUB.is_file():
        return {}
    with BKS_HUB.open(encoding="utf-8", newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def write_bks(rows: dict[str, dict[str, str]]) -> None:
    """Write ``bks_hub.csv`` atomically."""
    columns = ["instance", "cost_eur", "unserved", "bound_gap_pct", "source", "date"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows[k] for k in sorted(rows))
    atomic_write_text(BKS_HUB, buffer.getvalue())


def solve_variant(name: str, time_limit_s: float | None) -> dict[str, str]:
    """Solve and check one variant; return its bks row."""
    path = variant_path(name)
    scenario = load_scenario(path)
    if time_limit_s is not None:
        solver = scenario.solver.model_copy(update={"time_limit_s": time_limit_s})
        scenario = scenario.model_copy(update={"solver": solver})
    travel = build_travel(scenario, scenario_dir=path.parent, osm_dirs=[OSM_DIR])
    workers = usable_cores()
    context = build_context(scenario, travel.matrix, parallel_searches=workers)
    t0 = time.perf_counter()
    pool = local_executor(workers) if workers > 1 else None
    try:
        solution = run_strategy(get_strategy("hub"), context, executor=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    acc = account(scenario, solution, travel.matrix)
    ops = solution.hub
    gap = f"{ops.bound_gap_pct:.2f}" if ops is not None else ""
    return {
        "instance": f"{name}-hub",
        "cost_eur": f"{acc.cost_eur:.2f}",
        "unserved": str(len(solution.unserved)),
        "bound_gap_pct": gap,
        "source": (
            f"hub strategy {scenario.solver.time_limit_s:g}s, "
            f"{time.perf_counter() - t0:.0f}s wall on {workers} cores"
        ),
        "date": dt.date.today().isoformat(),
    }


def _better(new: dict[str, str], old: dict[str, str] | None) -> bool:
    if old is None:
        return True
    key_new = (int(new["unserved"]), float(new["cost_eur"]))
    return key_new < (int(old["unserved"]), float(old["cost_eur"]))


def main(argv: list[str] | None = None) -> int:
    """Write the variants, or solve them and keep the best results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_hub_variants")
    parser.add_argument("--write", action="store_true", help="Write the variants.")
    parser.add_argument("--time-limit", type=float, help="Second-leg budget (s).")
    parser.add_argument("names", nargs="*", help="Variants (default: all).")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_variants():
            print(f"wrote {path}")
        return 0
    best = read_bks()
    for name in args.names or list(VARIANTS):
        row = solve_variant(name, args.time_limit)
        kept = _better(row, best.get(row["instance"]))
        if kept:
            best[row["instance"]] = row
        print(
            f"{row['instance']}: {row['cost_eur']} EUR, {row['unserved']} unserved, "
            f"bound gap {row['bound_gap_pct']} % ({'new best' if kept else 'kept'})"
        )
    write_bks(best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
