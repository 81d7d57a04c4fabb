"""Would PyVRP help on shipments whose visits have several time windows?

PyVRP 0.14 takes one window per shipment step and has no groups of shipments, so the
pooled problem of a scenario with several windows per delivery point (Ajaccio's
restaurants: 07:00-08:30 and 10:00-11:30) is solved by OR-Tools alone. This script
measures the obvious way round: restrict each such visit to one window (the one the
separate plan serves it in, else the longest) and run PyVRP on the restriction; every
plan of the restriction is a plan of the problem, checked on the problem.

Usage::

    python -m benchmarks.bench_pyvrp_windows --instance scenario-ajaccio --time-limit 20

Each search runs in this process, one after another, on one core each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace

from benchmarks.run_collectives import instance_paths, prepare, separate_solution
from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import Plan, evaluate, schedule_route
from logistics.problem import RoutingProblem
from logistics.solvers.base import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver
from logistics.strategies import plan_from_solution


def one_window(problem: RoutingProblem, plan: Plan | None) -> RoutingProblem:
    """Restrict every shipment visit with several windows to one of them: the one
    its service starts in under ``plan``, else the longest (the earliest of equals)."""
    used: dict[int, int] = {}
    for route in plan.routes if plan is not None else ():
        starts = schedule_route(
            problem, route.vehicle, route.visits, route.breaks
        ).start
        used.update((idx, int(starts[pos])) for pos, idx in enumerate(route.visits))
    visits = list(problem.visits)
    for i, visit in enumerate(visits):
        if len(visit.windows) < 2:
            continue
        chosen = [w for w in visit.windows if i in used and w[0] <= used[i] <= w[1]]
        keep = chosen[0] if chosen else max(visit.windows, key=lambda w: w[1] - w[0])
        visits[i] = replace(visit, windows=(keep,))
    return replace(problem, visits=tuple(visits))


def main() -> None:
    """Print the cost of each search on the instance's pooled problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="scenario-ajaccio")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    limit = args.time_limit
    prep = prepare(args.instance, instance_paths()[args.instance], limit)
    separate, _ = separate_solution(prep)
    start = plan_from_solution(prep.problem, separate)
    restricted = one_window(prep.problem, start)
    searches: dict[str, Callable[[], Plan]] = {
        "ortools from the separate plan (all windows)": lambda: OrToolsSolver().solve(
            prep.problem, SolveParams(time_limit_s=limit, initial=start)
        ),
        "ortools lcci from scratch (all windows)": lambda: OrToolsSolver().solve(
            prep.problem,
            SolveParams(
                time_limit_s=limit, first_solution="local_cheapest_cost_insertion"
            ),
        ),
        "pyvrp from scratch (one window)": lambda: PyVrpSolver().solve(
            restricted, SolveParams(time_limit_s=limit)
        ),
        "pyvrp from the separate plan (one window)": lambda: PyVrpSolver().solve(
            restricted, SolveParams(time_limit_s=limit, initial=start)
        ),
    }
    print(f"| {args.instance} at {limit:g} s | cost EUR | unserved | wall s |")
    print("|---|---|---|---|")
    for label, run in searches.items():
        t0 = time.perf_counter()
        plan = run()
        wall = time.perf_counter() - t0
        if check_plan(prep.problem, plan):
            print(f"| {label} | rejected by the checker | | {wall:.1f} |")
            continue
        cost = evaluate(prep.problem, plan) / COST_SCALE
        print(f"| {label} | {cost:,.2f} | {len(plan.unserved)} | {wall:.1f} |")


if __name__ == "__main__":
    main()
