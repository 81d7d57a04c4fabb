"""Hub variants of the collectives family: the hub strategy, checked, best costs kept.

Usage::

    python -m benchmarks.run_hub_variants --write   # (re)write the variant files
    python -m benchmarks.run_hub_variants           # solve each, update bks_hub.csv
    python -m benchmarks.run_hub_variants --time-limit 200   # a long run (10 x 20 s)
    python -m benchmarks.run_hub_variants --check-bks        # re-check stored plans

A variant is a committed instance of ``benchmarks/collectives/`` plus one hub
(:data:`VARIANTS`), written next to it as ``<instance>-hub.yaml``. Each run solves
the ``hub`` strategy as ``logistics run`` does (both legs linked in time, the
optimistic bound too), re-checks it with the independent checker (inside
``run_strategy``) and accounts it; the cost kept is the strategy's total in euros
(routes of both legs + hub handling) with its unserved orders.
``benchmarks/collectives/bks_hub.csv`` keeps the best (fewest unserved, then
cheapest) per variant, and ``benchmarks/collectives/bks_hub/<variant>.json`` its
whole solution: every route of both legs with its timed stops, the unserved orders
with their reasons, and what happened at the hub. ``--check-bks`` reads each stored
solution back, re-checks it with the independent checker against the hub strategy's
fleet (times, capacities, farm -> hub -> customer chain, handling, cold room) and
re-accounts its cost, so a stored best can be verified on today's model.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from logistics._cache import atomic_write_text
from logistics.accounting import account
from logistics.checker import check_solution
from logistics.context import PlanningContext, build_context
from logistics.executors import local_executor, usable_cores
from logistics.hub import HubOperations, OrderAtHub
from logistics.scenario import Scenario, load_scenario
from logistics.solution import Route, Solution, Stop, Unserved
from logistics.strategies import get_strategy, run_strategy
from logistics.travel import build_travel

from .make_collectives import HERE, OSM_DIR

BKS_HUB = HERE / "bks_hub.csv"
BKS_HUB_PLANS = HERE / "bks_hub"

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
            {"type": "van_3t5_reefer", "count": 10, "max_trips": 3},
            {"type": "van_3t5", "count": 10, "max_trips": 3},
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


def _context(name: str, time_limit_s: float | None) -> tuple[Scenario, PlanningContext]:
    """The variant's scenario (budget applied) and its planning context."""
    path = variant_path(name)
    scenario = load_scenario(path)
    if time_limit_s is not None:
        solver = scenario.solver.model_copy(update={"time_limit_s": time_limit_s})
        scenario = scenario.model_copy(update={"solver": solver})
    travel = build_travel(scenario, scenario_dir=path.parent, osm_dirs=[OSM_DIR])
    context = build_context(scenario, travel.matrix, parallel_searches=usable_cores())
    return scenario, context


def solve_variant(
    name: str, time_limit_s: float | None
) -> tuple[dict[str, str], Solution]:
    """Solve and check one variant; return its bks row and its solution."""
    scenario, context = _context(name, time_limit_s)
    workers = usable_cores()
    t0 = time.perf_counter()
    pool = local_executor(workers) if workers > 1 else None
    try:
        solution = run_strategy(get_strategy("hub"), context, executor=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    acc = account(scenario, solution, context)
    ops = solution.hub
    gap = f"{ops.bound_gap_pct:.2f}" if ops is not None else ""
    row = {
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
    return row, solution


# -- stored solutions ---------------------------------------------------------------


def solution_to_json(solution: Solution) -> dict[str, Any]:
    """The whole solution as JSON-ready data (dataclass fields, tuples as lists)."""
    return dataclasses.asdict(solution)


def solution_from_json(data: dict[str, Any]) -> Solution:
    """Read back :func:`solution_to_json`'s data (field names must match)."""
    routes = tuple(
        Route(**{**r, "stops": tuple(Stop(**st) for st in r["stops"])})
        for r in data["routes"]
    )
    unserved = tuple(Unserved(**u) for u in data["unserved"])
    hub = data.get("hub")
    ops = (
        None
        if hub is None
        else HubOperations(
            **{**hub, "orders": tuple(OrderAtHub(**o) for o in hub["orders"])}
        )
    )
    fields = {k: v for k, v in data.items() if k not in {"routes", "unserved", "hub"}}
    return Solution(**fields, routes=routes, unserved=unserved, hub=ops)


def store_solution(instance: str, solution: Solution) -> Path:
    """Write ``bks_hub/<instance>.json`` atomically (one line per route)."""
    data = solution_to_json(solution)
    head = {k: v for k, v in data.items() if k != "routes"}
    lines = [json.dumps(head)[:-1] + ', "routes": [']
    routes = data["routes"]
    lines += [
        "  " + json.dumps(r) + ("," if k < len(routes) - 1 else "")
        for k, r in enumerate(routes)
    ]
    path = BKS_HUB_PLANS / f"{instance}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join([*lines, "]}"]) + "\n")
    return path


def check_stored(name: str) -> tuple[list[str], float | None]:
    """Re-check and re-cost the stored solution of variant ``name``.

    Returns the checker's messages (empty: feasible) and the cost in euros
    (``None`` when there is no stored solution).
    """
    path = BKS_HUB_PLANS / f"{name}-hub.json"
    if not path.is_file():
        return [f"no stored solution {path.name}"], None
    solution = solution_from_json(json.loads(path.read_text(encoding="utf-8")))
    scenario, context = _context(name, None)
    hub = get_strategy("hub")
    members = context.producer_ids
    errors = check_solution(
        scenario,
        context,
        solution,
        fleet=hub.fleet(context, members),
        producers=members,
    )
    return errors, account(scenario, solution, context).cost_eur


def check_bks() -> int:
    """Re-check every stored hub solution against ``bks_hub.csv``; 1 on a failure."""
    status = 0
    for instance, row in sorted(read_bks().items()):
        name = instance.removesuffix("-hub")
        errors, cost = check_stored(name)
        stored = float(row["cost_eur"])
        if errors or cost is None:
            status = 1
            print(f"{instance}: FAILED: " + "; ".join(errors[:3]))
            continue
        same = abs(cost - stored) <= 0.005
        if not same:
            status = 1
        print(
            f"{instance}: checked, {cost:,.2f} EUR "
            + ("(as stored)" if same else f"(stored {stored:,.2f}: model changed)")
        )
    return status


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
    parser.add_argument(
        "--check-bks", action="store_true", help="Re-check the stored solutions."
    )
    parser.add_argument("names", nargs="*", help="Variants (default: all).")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_variants():
            print(f"wrote {path}")
        return 0
    if args.check_bks:
        return check_bks()
    best = read_bks()
    for name in args.names or list(VARIANTS):
        row, solution = solve_variant(name, args.time_limit)
        kept = _better(row, best.get(row["instance"]))
        if kept:
            best[row["instance"]] = row
            store_solution(row["instance"], solution)
        print(
            f"{row['instance']}: {row['cost_eur']} EUR, {row['unserved']} unserved, "
            f"bound gap {row['bound_gap_pct']} % ({'new best' if kept else 'kept'})"
        )
    write_bks(best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
