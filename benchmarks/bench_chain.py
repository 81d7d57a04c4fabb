"""PyVRP then OR-Tools from its plan, against each alone, on the collectives family.

Usage::

    python -m benchmarks.bench_chain --time-limit 20 --instances scenario-melun ...

Every search runs in this process, one after another, one core each, at the same
budget; every plan is checked. Prints a Markdown table (cost EUR, unserved orders in
brackets when any).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from benchmarks.run_collectives import SMOKE, instance_paths, prepare
from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import Plan, evaluate
from logistics.problem import RoutingProblem
from logistics.solvers.base import SolveParams, Solver
from logistics.solvers.chain import Chain
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver

Search = Callable[[RoutingProblem, float], Plan]


def _alone(solver: Solver, **kw: object) -> Search:
    def run(problem: RoutingProblem, limit_s: float) -> Plan:
        return solver.solve(problem, SolveParams(time_limit_s=limit_s, **kw))  # type: ignore[arg-type]

    return run


SEARCHES: dict[str, Search] = {
    "pyvrp": _alone(PyVrpSolver()),
    "ortools lcci": _alone(
        OrToolsSolver(), first_solution="local_cheapest_cost_insertion"
    ),
    "pyvrp then ortools (1/2)": _alone(Chain(PyVrpSolver(), OrToolsSolver(), 0.5)),
    "pyvrp then ortools (3/4)": _alone(Chain(PyVrpSolver(), OrToolsSolver(), 0.75)),
}


def main() -> None:
    """Print one row per instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--instances", nargs="+", default=list(SMOKE))
    args = parser.parse_args()
    print("| instance | " + " | ".join(SEARCHES) + " |")
    print("|---" * (len(SEARCHES) + 1) + "|")
    for name in args.instances:
        prep = prepare(name, instance_paths()[name], args.time_limit)
        cells = []
        for run in SEARCHES.values():
            plan = run(prep.problem, args.time_limit)
            if check_plan(prep.problem, plan):
                cells.append("rejected")
                continue
            cost = evaluate(prep.problem, plan) / COST_SCALE
            extra = f" ({len(plan.unserved)})" if plan.unserved else ""
            cells.append(f"{cost:,.2f}{extra}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
