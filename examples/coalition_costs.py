"""Pooled cost of coalitions of producers: rebuild and re-solve for any subset.

A fair split of the pooled cost (Shapley value) needs the cost c(S) of every coalition
S of producers. ``build_problem(..., producers=S)`` rebuilds the routing problem for S
from the same travel matrix (no network work), so each c(S) is one solve.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from logistics import build_problem, build_travel, check_plan, load_scenario, solve
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Print c(S) for every coalition of the first three Melun producers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--osm-dir",
        action="append",
        default=[],
        help="extra folder to look for the OSM file in (repeatable); the scenario's "
        "bundled extract, scenarios/osm/melun.osm.bz2, needs none",
    )
    parser.add_argument("--time-limit", type=float, default=1.0)
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    travel = build_travel(
        scenario, scenario_dir=scenario.source_dir, osm_dirs=tuple(args.osm_dir)
    )
    producers = [p.id for p in scenario.producers][:3]
    params = SolveParams(time_limit_s=args.time_limit, solution_limit=500)
    costs = {}
    for size in range(1, len(producers) + 1):
        for coalition in itertools.combinations(producers, size):
            problem = build_problem(
                scenario, travel.matrix, pooled=True, producers=coalition
            )
            problem = replace(problem, name="+".join(coalition), _by_id={})
            plan = solve(problem, params, backend="ortools")
            assert not check_plan(problem, plan)
            costs[coalition] = evaluate(problem, plan) / COST_SCALE
            print(
                f"c({' + '.join(coalition)}) = {costs[coalition]:8.2f} EUR "
                f"({len(problem.requests)} orders, {len(plan.unserved)} unserved)"
            )
    alone = sum(costs[(p,)] for p in producers)
    grand = costs[tuple(producers)]
    print(f"sum of stand-alone costs {alone:.2f} EUR, grand coalition {grand:.2f} EUR")


if __name__ == "__main__":
    main()
