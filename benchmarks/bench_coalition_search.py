"""The grand coalition's plan under a solution or iteration limit (#10).

Usage::

    python -m benchmarks.bench_coalition_search INSTANCE BACKEND:LIMIT ...

A coalition solve stops at a limit, not on the clock, so that the same seed gives
the same value on every executor (``logistics.coalitions.CoalitionBudget``): OR-Tools
counts improving solutions, PyVRP iterations. This runs the whole collective's pooled
problem (the grand coalition) from scratch with each ``BACKEND:LIMIT`` (``ortools``
or ``pyvrp``; seed 1, a 600 s safety cap) and prints one JSON line per search: the
objective in EUR, unserved orders, whether the checker accepts the plan, wall time.
"""

from __future__ import annotations

import json
import sys
import time

from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver

from .run_collectives import instance_paths, prepare


def main(argv: list[str]) -> int:
    name, specs = argv[0], argv[1:]
    problem = prepare(name, instance_paths()[name], 20.0).problem
    for spec in specs:
        backend, limit = spec.split(":")
        solver = OrToolsSolver() if backend == "ortools" else PyVrpSolver()
        params = SolveParams(time_limit_s=600, solution_limit=int(limit), seed=1)
        t0 = time.perf_counter()
        plan = solver.solve(problem, params)
        row = {
            "instance": name,
            "backend": backend,
            "limit": int(limit),
            "cost": round(evaluate(problem, plan) / COST_SCALE, 2),
            "unserved": len(plan.unserved),
            "ok": not check_plan(problem, plan),
            "wall": round(time.perf_counter() - t0, 1),
        }
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
