"""Search by parts against PyVRP alone on the collectives, as two-search races (#9).

Usage::

    python -m benchmarks.bench_decompose OUT.jsonl SECONDS INSTANCE:RACE,RACE ... ...
    python -m benchmarks.bench_decompose --markdown OUT.md IN.jsonl ...

A race is two searches side by side, one core each, both with the whole budget, as
the portfolio runs them on two cores above 100 requests:

- ``alone``: PyVRP seed 1 (the project's settings) beside PyVRP seed 2 with the
  portfolio's second history (:data:`~logistics.solvers.portfolio.SECOND_HISTORY`);
- ``partsA-B``: PyVRP by A parts (seed 1) beside PyVRP by B parts (seed 2, the second
  history), :class:`~logistics.solvers.decompose.Decomposed`.

Every plan is re-checked. One JSON line per search (``search`` 1 or 2) and one for the
race (``search`` ``"best"``, the cheaper checked plan).
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import Plan, evaluate
from logistics.problem import RoutingProblem
from logistics.solvers import SolveParams
from logistics.solvers.decompose import Decomposed
from logistics.solvers.portfolio import SECOND_HISTORY
from logistics.solvers.pyvrp_solver import PyVrpSolver

from .run_collectives import instance_paths, prepare
from .search_table import Row, read_rows


def _searches(race: str) -> list[tuple[Any, SolveParams]]:
    """The two searches of ``race`` (see the module notes), without time limits."""
    first, second = PyVrpSolver(), PyVrpSolver(SECOND_HISTORY)
    if race == "alone":
        solvers: list[Any] = [first, second]
    elif race.startswith("parts"):
        a, b = (int(x) for x in race[5:].split("-"))
        solvers = [Decomposed(first, parts=a), Decomposed(second, parts=b)]
    else:
        msg = f"unknown race {race!r}"
        raise SystemExit(msg)
    return [(s, SolveParams(seed=seed)) for seed, s in enumerate(solvers, start=1)]


def _solve(solver: Any, problem: RoutingProblem, params: SolveParams) -> Plan:
    return solver.solve(problem, params)  # type: ignore[no-any-return]


def run(out: Path, limit_s: float, specs: list[str]) -> None:
    """Run ``INSTANCE:RACE,...`` specs; append JSON lines to ``out``."""
    with out.open("a") as sink, ProcessPoolExecutor(2) as pool:
        for spec in specs:
            name, races = spec.split(":")
            problem = prepare(name, instance_paths()[name], limit_s).problem
            for race in races.split(","):
                t0 = time.perf_counter()
                searches = _searches(race)
                futures = [
                    pool.submit(_solve, s, problem, replace(p, time_limit_s=limit_s))
                    for s, p in searches
                ]
                plans = [f.result() for f in futures]
                wall = round(time.perf_counter() - t0, 1)
                ok = [not check_plan(problem, p) for p in plans]
                costs = [evaluate(problem, p) / COST_SCALE for p in plans]
                for i, plan in enumerate(plans):
                    row = {
                        "instance": name,
                        "race": race,
                        "search": i + 1,
                        "cost": round(costs[i], 2),
                        "unserved": len(plan.unserved),
                        "ok": ok[i],
                        "wall": wall,
                    }
                    print(json.dumps(row), file=sink, flush=True)
                best = min((c, i) for i, c in enumerate(costs) if ok[i])[1]
                row = {
                    "instance": name,
                    "race": race,
                    "search": "best",
                    "cost": round(costs[best], 2),
                    "unserved": len(plans[best].unserved),
                    "ok": True,
                    "wall": wall,
                }
                print(json.dumps(row), file=sink, flush=True)


def markdown(rows: list[Row]) -> list[str]:
    """Instances down, races across; a cell is the race's best cost (EUR) and its
    two searches'."""
    races = list(dict.fromkeys(str(r["race"]) for r in rows))
    names = list(dict.fromkeys(str(r["instance"]) for r in rows))
    cell: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        cell.setdefault((str(r["instance"]), str(r["race"])), []).append(r)
    lines = ["| instance | " + " | ".join(races) + " |", "|---|" + "---|" * len(races)]
    for name in names:
        out = []
        for race in races:
            found = cell.get((name, race), [])
            best = [r for r in found if r["search"] == "best"]
            each = [r for r in found if r["search"] != "best"]
            if not best:
                out.append("")
                continue
            parts = ", ".join(
                f"{float(r['cost']):,.2f}"
                + ("" if r["ok"] else " REFUSED")
                + (f" ({r['unserved']} out)" if r["unserved"] else "")
                for r in each
            )
            out.append(f"**{float(best[-1]['cost']):,.2f}** ({parts})")
        lines.append(f"| {name} | " + " | ".join(out) + " |")
    return lines


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--markdown":
        Path(argv[1]).write_text("\n".join(markdown(read_rows(argv[2:]))) + "\n")
        return 0
    run(Path(argv[0]), float(argv[1]), argv[2:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
