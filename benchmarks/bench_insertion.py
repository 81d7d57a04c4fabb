"""Compare OR-Tools first-solution insertion strategies on Li & Lim and Solomon.

Usage::

    python -m benchmarks.bench_insertion [--time-limit 10] [--out benchmarks/results]

For each instance and strategy (``parallel_cheapest_insertion``,
``local_cheapest_insertion``, ``local_cheapest_cost_insertion``) two runs of the
project's OR-Tools backend (:class:`~logistics.solvers.ortools_solver.OrToolsSolver`):

1. the first solution alone (``solution_limit=1``): its wall time, how many requests it
   leaves unserved (every request is optional with a large penalty, so OR-Tools always
   returns *something*; "found" means a complete, checked plan) and its cost;
2. the strategy followed by guided local search until the time limit: cost, vehicles and
   gap to the BKS, as in ``run_benchmarks``.

Writes ``<out>/<date>-insertion.md`` and ``.csv``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

from logistics.checker import check_plan
from logistics.exceptions import SolverError
from logistics.solvers.base import FirstSolution, SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver

from .instances import BenchmarkInstance, family_cost, load_instance
from .run_benchmarks import machine_description

STRATEGIES: tuple[FirstSolution, ...] = (
    "parallel_cheapest_insertion",
    "local_cheapest_insertion",
    "local_cheapest_cost_insertion",
)
INSTANCES = (
    ("lilim_pdptw", "lc101"),
    ("lilim_pdptw", "lr101"),
    ("lilim_pdptw", "lrc101"),
    ("lilim_pdptw", "lr201"),
    ("solomon", "R101"),
    ("solomon", "RC101"),
    ("solomon", "R201"),
)
"""Tight-window (1) and wide-window (2) series of both time-window families."""

FIELDS = (
    "family",
    "instance",
    "strategy",
    "first_found",
    "first_unserved",
    "first_s",
    "first_cost",
    "status",
    "cost",
    "gap_pct",
    "vehicles",
    "bks_vehicles",
    "wall_s",
)


def _run(
    instance: BenchmarkInstance, params: SolveParams
) -> tuple[str, dict[str, object]]:
    t0 = time.perf_counter()
    try:
        plan = OrToolsSolver().solve(instance.problem, params)
    except SolverError as exc:
        return "none", {"wall_s": time.perf_counter() - t0, "note": str(exc)}
    wall = time.perf_counter() - t0
    errors = check_plan(instance.problem, plan)
    status = "infeasible" if errors else ("incomplete" if plan.unserved else "solved")
    cost = family_cost(instance, plan)
    return status, {
        "wall_s": wall,
        "cost": cost,
        "unserved": len(plan.unserved),
        "vehicles": len(plan.routes),
    }


def measure(
    instance: BenchmarkInstance, strategy: FirstSolution, time_limit_s: float
) -> dict[str, object]:
    """Return one CSV row: first solution alone, then the time-limited search."""
    first_status, first = _run(
        instance,
        SolveParams(
            time_limit_s=time_limit_s, solution_limit=1, first_solution=strategy
        ),
    )
    status, full = _run(
        instance, SolveParams(time_limit_s=time_limit_s, first_solution=strategy)
    )
    cost = full.get("cost")
    gap = (
        100.0 * (float(cost) - instance.bks_cost) / instance.bks_cost  # type: ignore[arg-type]
        if status == "solved"
        else None
    )
    return {
        "family": instance.family,
        "instance": instance.name,
        "strategy": strategy,
        "first_found": first_status == "solved",
        "first_unserved": first.get("unserved"),
        "first_s": first["wall_s"],
        "first_cost": first.get("cost"),
        "status": status,
        "cost": cost,
        "gap_pct": gap,
        "vehicles": full.get("vehicles"),
        "bks_vehicles": instance.bks_vehicles,
        "wall_s": full["wall_s"],
    }


def _cell(x: object) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.2f}"
    return str(x)


def main(argv: list[str] | None = None) -> int:
    """Run the study and write the Markdown table and CSV."""
    msg = "Compare OR-Tools insertion first-solution strategies."
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_insertion", description=msg
    )
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{dt.date.today().isoformat()}-insertion"
    rows = []
    for fam, name in INSTANCES:
        instance = load_instance(fam, name)
        for strategy in STRATEGIES:
            row = measure(instance, strategy, args.time_limit)
            rows.append(row)
            print(" ".join(f"{k}={_cell(v)}" for k, v in row.items()), flush=True)
    with open(stem.with_suffix(".csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    command = "python -m benchmarks.bench_insertion " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    lines = [
        "# OR-Tools insertion strategies",
        "",
        f"- Date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- Machine: {machine_description()}",
        f"- Command: `{command}`",
        f"- Time limit {args.time_limit:g} s; first solution = `solution_limit=1` run; "
        "cost = float Euclidean distance; gap % to the distance BKS (Solomon) or the "
        "hierarchical BKS's distance (Li & Lim: compare only with equal vehicles).",
        "",
        "| family | instance | strategy | first found | first unserved | first s "
        "| first cost | status | cost | gap % | vehicles | BKS veh. | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(_cell(r[f]) for f in FIELDS) + " |" for r in rows]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.md and .csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
