"""Coalition searches by size under a solution or iteration limit (#10).

Usage::

    python -m benchmarks.bench_coalition_budget SCENARIO SIZES COUNT SPEC ... [--out F]

For each size in ``SIZES`` (comma separated), ``COUNT`` coalitions of that many
producers are drawn (``numpy.random.default_rng(size)``, so every spec sees the same
coalitions), and each coalition's pooled problem is searched from scratch, in this
process (one core), with every ``SPEC``:

- ``ortools`` - OR-Tools at :class:`~logistics.coalitions.CoalitionBudget`'s solution
  limit for the size (what a coalition solve runs today);
- ``ortools:N`` - OR-Tools stopped after N improving solutions;
- ``pyvrp:N`` - PyVRP stopped after N iterations;
- ``pyvrp:A+Br`` - PyVRP stopped after A + B x (requests of the coalition) iterations.

One JSON line per search (coalition, spec, requests, cost in EUR, unserved orders,
whether the checker accepts the plan, wall seconds), printed and appended to
``--out``. The road matrices come from ``../shared/data/osm`` (cached as usual).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from logistics import build_context, build_travel, load_scenario
from logistics.checker import check_plan
from logistics.coalitions import CoalitionBudget
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver
from logistics.strategies import get_strategy

ROOT = Path(__file__).resolve().parents[1]
OSM_DIRS = [ROOT.parent / "shared" / "data" / "osm"]


def _limit(spec: str, size: int, requests: int) -> tuple[str, int]:
    backend, _, rule = spec.partition(":")
    if not rule:
        return backend, CoalitionBudget().solution_limit(size)
    if rule.endswith("r"):
        base, per = rule[:-1].split("+")
        return backend, int(float(base) + float(per) * requests)
    return backend, int(rule)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("sizes")
    parser.add_argument("count", type=int)
    parser.add_argument("specs", nargs="+")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    travel = build_travel(scenario, scenario_dir=scenario.source_dir, osm_dirs=OSM_DIRS)
    context = build_context(scenario, travel.matrix)
    pooled = get_strategy("pooled")
    producers = context.producer_ids
    for size in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(size)
        for k in range(args.count):
            picked = set(rng.choice(len(producers), size=size, replace=False))
            members = [p for i, p in enumerate(producers) if i in picked]
            problem = context.problem(members, pooled.fleet(context, members))
            for spec in args.specs:
                backend, limit = _limit(spec, size, len(problem.requests))
                solver = OrToolsSolver() if backend == "ortools" else PyVrpSolver()
                params = SolveParams(
                    time_limit_s=600, solution_limit=limit, seed=scenario.solver.seed
                )
                t0 = time.perf_counter()
                plan = solver.solve(problem, params)
                row = {
                    "scenario": scenario.name,
                    "size": size,
                    "draw": k,
                    "requests": len(problem.requests),
                    "spec": spec,
                    "limit": limit,
                    "cost": round(evaluate(problem, plan) / COST_SCALE, 2),
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(problem, plan),
                    "wall": round(time.perf_counter() - t0, 3),
                }
                line = json.dumps(row)
                print(line, flush=True)
                if args.out is not None:
                    with args.out.open("a") as f:
                        f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
