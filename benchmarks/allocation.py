"""Fair-split benchmark (issue #10): coalition solves, wall time, process pool vs Dask.

Not a test. For each case, as ``logistics allocate`` does: the separate and pooled
plans are computed first (``compare``, the scenario's budget, on the executor), then
the coalition values c(S) from an empty plan store (every coalition searched) at the
default :class:`CoalitionBudget`, everyone first (the pooled plan a candidate), then
the others with everyone's kept plan restricted to each as a candidate and start:

- ``exact8`` / ``exact12``: every coalition (255 / 4,095 solves), then the exact
  Shapley value, nucleolus and best partition on them;
- ``sampled25`` / ``sampled40``: stratified sampled Shapley (coalitions solved in
  rounds as the sampler asks for them, each searched without union starts as
  ``logistics allocate`` does; ``--union-starts`` for the former behaviour), up to
  ``--max-samples`` marginal costs; the raw estimates' sum is shown beside c(N).

Each case runs on the executors asked for (``process``: local process pool;
``dask``: a LocalCluster of one-thread worker processes), both with ``--workers``
workers. Results are appended case by case to ``<prefix>.json`` and ``<prefix>.md``
so an interrupted run keeps what finished.

    python -m benchmarks.allocation --cases exact8 --executors process,dask
    python -m benchmarks.allocation --cases exact12 --executors process
    python -m benchmarks.allocation --cases sampled25,sampled40 --max-samples 2000
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from logistics import build_context, build_travel, compare, load_scenario
from logistics.allocation import (
    best_partition,
    nucleolus,
    shapley_exact,
    shapley_sampled,
)
from logistics.coalitions import (
    CoalitionBudget,
    coalition_values,
    everyone_reference,
    game_of,
    monotonicity_violations,
    solve_game,
)
from logistics.executors import dask_executor, local_executor, usable_cores
from logistics.game_repair import repair_values
from logistics.plan_store import PlanStore
from logistics.split import default_strata, plan_candidates

ROOT = Path(__file__).resolve().parents[1]
OSM_DIRS = [ROOT.parent / "shared" / "data" / "osm"]
CASES = {
    "exact8": ("benchmarks/collectives/melun-p08-o60.yaml", "exact"),
    "exact12": ("benchmarks/allocation/melun-p12-o90.yaml", "exact"),
    "sampled25": ("benchmarks/allocation/melun-p25-o150.yaml", "sampled"),
    "sampled40": ("benchmarks/collectives/ajaccio-p40-o400.yaml", "sampled"),
}


def _executor(kind: str, workers: int) -> AbstractContextManager[Executor]:
    if kind == "dask":
        return dask_executor(workers=workers)
    return local_executor(workers)


def run_case(
    name: str,
    kind: str,
    workers: int,
    max_samples: int,
    tolerance: float,
    unions: bool = False,
    strata: int | None = None,
) -> dict[str, Any]:
    """Run one case on one executor from an empty plan store; return the figures
    (``strata``: sampled Shapley's strata per producer, ``None`` for
    :func:`~logistics.split.default_strata`)."""
    path, mode = CASES[name]
    scenario = load_scenario(ROOT / path)
    travel = build_travel(scenario, scenario_dir=scenario.source_dir, osm_dirs=OSM_DIRS)
    budget = CoalitionBudget()
    with tempfile.TemporaryDirectory() as store_dir:
        context = build_context(
            scenario, travel.matrix, plan_store=PlanStore(Path(store_dir))
        )
        players = context.producer_ids
        t0 = time.perf_counter()
        with _executor(kind, workers) as pool:
            started = time.perf_counter()
            comparison = compare(
                scenario,
                travel=travel,
                strategies=("separate", "pooled"),
                executor=pool,
                use_cache=False,
            )
            plans_s = time.perf_counter() - started
            candidates = plan_candidates(context, comparison)
            if mode == "exact":
                figures = _exact(context, pool, budget, candidates)
            else:
                figures = _sampled(
                    context,
                    pool,
                    budget,
                    (max_samples, tolerance),
                    unions,
                    default_strata(len(players)) if strata is None else strata,
                    candidates,
                )
        wall = time.perf_counter() - t0
    return {
        "case": name,
        "scenario": path,
        "producers": len(players),
        "orders": len(scenario.orders),
        "executor": kind,
        "workers": workers,
        "cores": usable_cores(),
        "load_average_1min": os.getloadavg()[0],
        "wall_s": round(wall, 1),
        "executor_start_s": round(started - t0, 1),
        "separate_and_pooled_s": round(plans_s, 1),
        "pooled_plan_eur": round(comparison["pooled"].account.cost_eur, 2),
        "budget": {
            "solutions": f"{budget.solutions_base} + {budget.solutions_per_producer} k",
            "time_cap_s": f"{budget.time_base_s} + {budget.time_per_producer_s} k",
        },
        **figures,
    }


def _exact(
    context: Any, pool: Executor, budget: CoalitionBudget, candidates: Any
) -> dict[str, Any]:
    raw = solve_game(
        context, budget=budget, executor=pool, repair=False, candidates=candidates
    )
    t = time.perf_counter()
    repaired, repair = repair_values(context, raw.values)
    t_repair = time.perf_counter() - t
    game = game_of(raw.producers, repaired, raw.wall_time_s + t_repair, repair=repair)
    cost = game.cost()
    players = game.producers
    t = time.perf_counter()
    phi = shapley_exact(players, cost)
    t_shapley = time.perf_counter() - t
    t = time.perf_counter()
    nucleolus(players, cost)
    t_nucleolus = time.perf_counter() - t
    t = time.perf_counter()
    groups, part_cost = best_partition(players, cost)
    t_partition = time.perf_counter() - t
    everyone = frozenset(players)
    return {
        "coalitions_valued": len(game.values),
        "solves": game.solves,
        "time_bound": game.time_bound,
        "solve_time_sum_s": round(sum(v.wall_time_s for v in game.values.values()), 1),
        "game_wall_s": round(game.wall_time_s, 1),
        "grand_cost_eur": round(cost[everyone], 2),
        "standalone_sum_eur": round(sum(cost[frozenset({p})] for p in players), 2),
        "grand_cost_before_repair_eur": round(raw.cost()[everyone], 2),
        "monotonicity_violations_before_repair": len(
            monotonicity_violations(raw.cost())
        ),
        "subadditivity_violations_before_repair": subadditivity_violations(
            players, raw.cost()
        ),
        "monotonicity_violations": len(monotonicity_violations(cost)),
        "subadditivity_violations": subadditivity_violations(players, cost),
        "repair": {
            "derived": repair.derived,
            "unions": repair.unions,
            "rounds": repair.rounds,
            "fixed_point": repair.fixed_point,
            "not_derivable": repair.not_derivable,
            "rejected": repair.rejected,
            "wall_s": round(t_repair, 2),
        },
        "shapley_eur": {p: round(x, 2) for p, x in phi.items()},
        "shapley_s": round(t_shapley, 3),
        "nucleolus_s": round(t_nucleolus, 3),
        "partition_s": round(t_partition, 3),
        "partition_groups": len(groups),
        "partition_cost_eur": round(part_cost, 2),
    }


def subadditivity_violations(
    players: Any, cost: Any, tolerance_eur: float = 0.01
) -> int:
    """Pairs of disjoint non-empty coalitions A, B (each pair once) with
    c(A + B) > c(A) + c(B) + tolerance."""
    index = {p: k for k, p in enumerate(players)}
    by_mask = {sum(1 << index[p] for p in s): c for s, c in cost.items() if s}
    found = 0
    for union, c_union in by_mask.items():
        a = (union - 1) & union
        while a:
            b = union ^ a
            if a < b and a in by_mask and b in by_mask:
                found += c_union > by_mask[a] + by_mask[b] + tolerance_eur
            a = (a - 1) & union
    return found


def _sampled(
    context: Any,
    pool: Executor,
    budget: CoalitionBudget,
    stopping: tuple[int, float],
    unions: bool,
    strata: int | None,
    candidates: Any,
) -> dict[str, Any]:
    max_samples, tolerance = stopping
    values: dict[Any, Any] = {}
    rounds = []
    reference = []

    def oracle(coalitions: Any) -> dict[Any, float]:
        t = time.perf_counter()
        new = coalition_values(
            context,
            coalitions,
            budget=budget,
            known=values,
            executor=pool,
            progress=_log_progress,
            unions=unions,
            candidates=candidates,
            reference=reference[0] if reference else None,
        )
        values.update(new)
        rounds.append((len(coalitions), round(time.perf_counter() - t, 1)))
        return {c: values[c].cost_eur for c in coalitions if c}

    players = context.producer_ids
    everyone = frozenset(players)
    t0 = time.perf_counter()
    oracle([everyone])
    grand_value = values[everyone]
    reference.append(everyone_reference(grand_value))
    oracle([frozenset({p}) for p in players])
    est = shapley_sampled(
        players,
        oracle,
        seed=context.scenario.solver.seed,
        tolerance=tolerance,
        first_round=8,
        max_samples=max_samples,
        strata=strata,
    )
    grand = grand_value.cost_eur
    solves = sum(v.wall_time_s > 0 for v in values.values())
    return {
        "coalitions_valued": len(values),
        "solves": solves,
        "time_bound": sum(v.time_bound for v in values.values()),
        "game_wall_s": round(time.perf_counter() - t0, 1),
        "samples": est.samples,
        "converged": est.converged,
        "tolerance_eur": tolerance,
        "max_std_error_eur": round(max(est.std_error.values()), 3),
        "rounds": rounds,
        "grand_cost_eur": round(grand, 2),
        "shapley_sum_eur": round(sum(est.values.values()), 2),
        "sum_std_error_eur": round(
            sum(x * x for x in est.std_error.values()) ** 0.5, 2
        ),
        "union_starts": unions,
        "strata": strata,
    }


def _log_progress(done: int, total: int) -> None:
    """Log every 100 coalitions (a long case shows how far it got)."""
    if done % 100 < 10 or done == total:
        print(f"  {done}/{total} coalitions, {time.strftime('%H:%M:%S')}", flush=True)


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Fair-split benchmark (issue #10)",
        "",
        "Produced by `python -m benchmarks.allocation`; every coalition searched "
        "from an empty plan store at the default coalition budget. `load` is the "
        "1-minute load average at the end of the case (other jobs shared the "
        "machine).",
        "",
        "| case | producers | executor | workers/cores | time cap s | coalitions | "
        "solves | time-capped | wall s | grand EUR | notes | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "samples" in r:
            note = f"{r['samples']} samples, max SE {r['max_std_error_eur']} EUR" + (
                " (converged)" if r["converged"] else " (sample cap)"
            )
            if "sum_std_error_eur" in r:
                note += (
                    f"; raw sum {r['shapley_sum_eur']} EUR (SE "
                    f"{r['sum_std_error_eur']}); union starts "
                    + ("on" if r["union_starts"] else "off")
                )
            if r.get("strata") is not None:
                note += f"; {r['strata']} bands of coalition sizes per producer"
        else:
            note = (
                f"alone {r['standalone_sum_eur']} EUR; nucleolus "
                f"{r['nucleolus_s']} s; partition {r['partition_s']} s; "
                f"{r['monotonicity_violations']} monotonicity violations"
            )
            if "repair" in r:
                fix = r["repair"]
                note += (
                    f" ({r['monotonicity_violations_before_repair']} before the "
                    f"repair), {r['subadditivity_violations']} subadditivity "
                    f"violations ({r['subadditivity_violations_before_repair']} "
                    f"before); repair: {fix['derived']} derived, {fix['unions']} "
                    f"unions, {fix['rounds']} rounds, {fix['wall_s']} s; grand "
                    f"{r['grand_cost_before_repair_eur']} EUR before"
                )
        lines.append(
            f"| {r['case']} | {r['producers']} | {r['executor']} | "
            f"{r['workers']}/{r['cores']} | {r['budget']['time_cap_s']} | "
            f"{r['coalitions_valued']} | {r['solves']} | "
            f"{r['time_bound']} | {r['wall_s']} | {r['grand_cost_eur']} | {note} | "
            f"{r['load_average_1min']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the cases asked for and append their figures to the results files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="exact8")
    parser.add_argument("--executors", default="process")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-samples", type=int, default=2000)
    parser.add_argument("--tolerance", type=float, default=0.5)
    parser.add_argument(
        "--strata",
        type=int,
        default=None,
        help="Sampled cases: strata per producer (bands of coalition sizes; "
        "default as logistics allocate).",
    )
    parser.add_argument(
        "--union-starts",
        action="store_true",
        help="Sampled cases: start S + {i} from the union of S's and i's plans.",
    )
    parser.add_argument("--prefix", default="benchmarks/results/2026-12-02-allocation")
    parser.add_argument(
        "--table-only", action="store_true", help="Rewrite the .md from the .json."
    )
    args = parser.parse_args()
    prefix = ROOT / args.prefix
    json_path = prefix.with_suffix(".json")
    rows: list[dict[str, Any]] = (
        json.loads(json_path.read_text()) if json_path.exists() else []
    )
    if args.table_only:
        prefix.with_suffix(".md").write_text(_markdown(rows))
        return
    for case in args.cases.split(","):
        for kind in args.executors.split(","):
            row = run_case(
                case,
                kind,
                args.workers,
                args.max_samples,
                args.tolerance,
                args.union_starts,
                args.strata,
            )
            print(json.dumps(row), flush=True)
            rows.append(row)
            json_path.write_text(json.dumps(rows, indent=2) + "\n")
            prefix.with_suffix(".md").write_text(_markdown(rows))


if __name__ == "__main__":
    main()
