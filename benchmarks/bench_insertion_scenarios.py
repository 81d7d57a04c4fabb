"""OR-Tools first-solution strategies on the project's own scenarios (pooled problem).

Usage::

    python -m benchmarks.bench_insertion_scenarios [--time-limit 20] [scenarios ...]

For each scenario, the pooled pickup-and-delivery problem (all orders, the pooled fleet,
several windows where the scenario has them) is solved by OR-Tools from scratch with
each insertion strategy under the same time limit, one after the other in this process.
Reported: objective (EUR, penalties of unserved orders included), orders unserved,
distance, and the ratio to the best strategy of the same scenario in the same run.
Writes ``benchmarks/results/<date>-insertion-scenarios.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from benchmarks.run_benchmarks import machine_description, write_markdown
from logistics import (
    build_context,
    build_travel,
    check_plan,
    get_strategy,
    load_scenario,
)
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = (
    "parallel_cheapest_insertion",
    "local_cheapest_insertion",
    "local_cheapest_cost_insertion",
)


def main(argv: list[str] | None = None) -> int:
    """Run every strategy on every scenario and write a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios",
        nargs="*",
        default=["scenarios/ajaccio.yaml", "scenarios/melun.yaml"],
    )
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument(
        "--osm-dir", default=str(ROOT.parent / "shared" / "data" / "osm")
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    rows = []
    for path in args.scenarios:
        scenario = load_scenario(path)
        travel = build_travel(
            scenario, scenario_dir=scenario.source_dir, osm_dirs=(args.osm_dir,)
        )
        context = build_context(scenario, travel.matrix)
        everyone = context.producer_ids
        problem = context.problem(
            everyone, get_strategy("pooled").fleet(context, everyone)
        )
        results = []
        for strategy in STRATEGIES:
            params = SolveParams(time_limit_s=args.time_limit, first_solution=strategy)
            plan = OrToolsSolver().solve(problem, params)
            errors = check_plan(problem, plan)
            value = evaluate(problem, plan) / COST_SCALE
            km = (
                sum(problem.route_distance(r.vehicle, r.visits) for r in plan.routes)
                / 1000
            )
            results.append((strategy, value, len(plan.unserved), km, not errors))
            print(
                f"{path} {strategy}: {value:.2f} EUR, {len(plan.unserved)} unserved, "
                f"{km:.1f} km, feasible={not errors}",
                flush=True,
            )
        best = min(v for _, v, _, _, ok in results if ok)
        rows += [(path, *r, r[1] / best) for r in results]
    today = dt.date.today().isoformat()
    lines = [
        "# OR-Tools first-solution strategies on the project's scenarios (pooled)",
        "",
        f"- Date: {today}; machine: {machine_description()}",
        f"- Command: `python -m benchmarks.bench_insertion_scenarios --time-limit "
        f"{args.time_limit:g} {' '.join(args.scenarios)}`",
        "- Pooled problem solved from scratch (no warm start), guided local search, "
        f"{args.time_limit:g} s each; objective in EUR incl. 10,000 EUR per "
        "unserved order.",
        "",
        "| scenario | strategy | objective EUR | unserved | km | checked "
        "| ratio to best |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {s} | {st} | {v:.2f} | {u} | {km:.1f} | {ok} | {ratio:.3f} |"
            for s, st, v, u, km, ok, ratio in rows
        ],
        "",
    ]
    write_markdown(args.out, f"{today}-insertion-scenarios.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
