"""Pooled cost of coalitions of producers: rebuild and re-solve for any subset.

A fair split of the pooled cost (Shapley value) needs the cost c(S) of every coalition
S of producers. The planning context builds the routing problem of any S with the
fleet the pooled strategy gives S (no network work), and each c(S) is one solve, run
here on a local process pool: any ``concurrent.futures.Executor`` would do.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from logistics import build_context, build_travel, get_strategy, load_scenario
from logistics.constants import COST_SCALE
from logistics.executors import local_executor
from logistics.plan import evaluate
from logistics.strategies import solve_problems

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
    context = build_context(scenario, travel.matrix)
    pooled = get_strategy("pooled")
    producers = context.producer_ids[:3]
    coalitions = [
        c for size in range(1, 4) for c in itertools.combinations(producers, size)
    ]
    problems = [
        context.problem(c, pooled.fleet(context, c), name="+".join(c))
        for c in coalitions
    ]
    params = context.solve_params(time_limit_s=args.time_limit)
    with local_executor(2) as pool:
        plans = solve_problems(context, problems, params, pool)
    costs = {}
    for coalition, problem, plan in zip(coalitions, problems, plans, strict=True):
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
