"""OR-Tools search-parameter variants on the collectives (to tune the portfolio, #9).

Usage::

    python -m benchmarks.bench_ortools_variants OUT.jsonl SECONDS FIRST \
        INSTANCE:VARIANT,VARIANT ...
    python -m benchmarks.bench_ortools_variants --markdown OUT.md IN.jsonl ...

``FIRST`` is the first-solution strategy (e.g. ``local_cheapest_cost_insertion``).
Variants (each from scratch, one core, the project's OR-Tools model):

- ``gls``: guided local search, OR-Tools' default operators (the project's search);
- ``lns``: the same plus the large-neighbourhood operators OR-Tools leaves off
  (:data:`logistics.solvers.ortools_solver._LNS_OPERATORS`);
- ``ils``, ``ils_sisr``: OR-Tools' iterated local search (ruin and recreate with a
  random walk / SISR ruin, greedy descent), ``ils_gls``: SISR ruin with GLS;
- ``sa``, ``tabu``: simulated annealing, tabu search instead of GLS;
- ``switch``: GLS, tabu and annealing in turn (``local_search_metaheuristics``);
- ``glsreset``: GLS penalties reset on each new best solution;
- ``mab``: multi-armed-bandit operator concatenation;
- ``onetrip``, ``onetrip_lns``: GLS (without, with the LNS operators) on the problem
  with one trip per vehicle (every vehicle's ``max_trips`` set to 1): a plan of it is
  a plan of the problem, and OR-Tools has half the routes to search;
- ``nbrN``, ``lnsnbrN``: local-search operators restricted to each node's N %
  nearest neighbours (``ls_operator_neighbors_ratio``, at least 10), without and with
  the LNS operators (OR-Tools' default considers every node);
- ``lamN``, ``lnslamN``: GLS penalty coefficient N/100 (default 0.1), without and
  with the LNS operators.

Every plan is re-checked; one JSON line per search.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams
from logistics.solvers import ortools_solver as ortools
from logistics.solvers.base import FirstSolution

from .run_collectives import instance_paths, prepare
from .search_table import Row, cost_table, write_table

VARIANTS = (
    "gls",
    "lns",
    "ils",
    "ils_sisr",
    "ils_gls",
    "sa",
    "tabu",
    "switch",
    "glsreset",
    "mab",
    "onetrip",
    "onetrip_lns",
    "nbrN",
    "lnsnbrN",
    "lamN",
    "lnslamN",
)

_project_parameters = ortools._search_parameters


def _sisr(search: Any) -> None:
    ruin = search.iterated_local_search_parameters.ruin_recreate_parameters
    strategy = ruin.ruin_strategies.add()
    strategy.sisr.max_removed_sequence_size = 10
    strategy.sisr.avg_num_removed_visits = 10
    strategy.sisr.bypass_factor = 0.01


def variant(name: str) -> Callable[[SolveParams], Any]:
    """The project's search parameters changed as ``name`` says."""
    from ortools.constraint_solver import pywrapcp
    from ortools.constraint_solver import routing_enums_pb2 as enums

    meta = enums.LocalSearchMetaheuristic

    def parameters(params: SolveParams) -> Any:
        tuned = name.removeprefix("lns")  # nbrN, lamN (after lns: with LNS)
        with_lns = name in ("lns", "onetrip_lns") or tuned != name
        search = _project_parameters(replace(params, large_neighbourhoods=with_lns))
        if tuned.startswith("nbr"):
            search.ls_operator_neighbors_ratio = int(tuned[3:]) / 100
            search.ls_operator_min_neighbors = 10
        elif tuned.startswith("lam"):
            lam = int(tuned[3:]) / 100
            search.guided_local_search_lambda_coefficient = lam
        elif name in ("lns", "onetrip_lns"):
            pass
        elif name == "ils":
            search.use_iterated_local_search = True
            search.local_search_metaheuristic = meta.GREEDY_DESCENT
            ruin = search.iterated_local_search_parameters.ruin_recreate_parameters
            ruin.ruin_strategies.add().random_walk.num_removed_visits = 10
        elif name == "ils_sisr":
            search.use_iterated_local_search = True
            search.local_search_metaheuristic = meta.GREEDY_DESCENT
            _sisr(search)
        elif name == "ils_gls":
            search.use_iterated_local_search = True
            _sisr(search)
        elif name == "sa":
            search.local_search_metaheuristic = meta.SIMULATED_ANNEALING
        elif name == "tabu":
            search.local_search_metaheuristic = meta.TABU_SEARCH
        elif name == "switch":
            search.local_search_metaheuristic = meta.UNSET
            search.local_search_metaheuristics.extend(
                [meta.GUIDED_LOCAL_SEARCH, meta.TABU_SEARCH, meta.SIMULATED_ANNEALING]
            )
        elif name == "glsreset":
            search.guided_local_search_reset_penalties_on_new_best_solution = True
        elif name == "mab":
            search.use_multi_armed_bandit_concatenate_operators = True
        elif name not in ("gls", "onetrip"):
            msg = f"unknown variant {name!r}; one of {', '.join(VARIANTS)}"
            raise SystemExit(msg)
        error = pywrapcp.FindErrorInRoutingSearchParameters(search)
        if error:
            raise SystemExit(f"{name}: {error}")
        return search

    return parameters


def run(out: Path, limit_s: float, first: FirstSolution, specs: list[str]) -> None:
    """Run ``INSTANCE:VARIANT,...`` specs; append one JSON line per search."""
    with out.open("a") as sink:
        for spec in specs:
            name, names = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            for v in names.split(","):
                ortools._search_parameters = variant(v)
                t0 = time.perf_counter()
                params = SolveParams(time_limit_s=limit_s, first_solution=first)
                problem = prep.problem
                if v.startswith("onetrip"):
                    problem = replace(
                        problem,
                        vehicles=tuple(
                            replace(k, max_trips=1) for k in problem.vehicles
                        ),
                    )
                plan = ortools.OrToolsSolver().solve(problem, params)
                row = {
                    "instance": name,
                    "variant": v,
                    "first": first,
                    "limit": limit_s,
                    "cost": round(evaluate(prep.problem, plan) / COST_SCALE, 2),
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(prep.problem, plan),
                    "wall": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), file=sink, flush=True)
    ortools._search_parameters = _project_parameters


def markdown(rows: list[Row]) -> list[str]:
    """Instances down, variants across: cost EUR (unserved orders)."""
    seen = list(dict.fromkeys(str(r["variant"]) for r in rows))
    return cost_table(rows, "variant", seen)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--markdown":
        write_table(argv[1], argv[2:], markdown)
        return 0
    first: FirstSolution = argv[2]  # type: ignore[assignment]
    run(Path(argv[0]), float(argv[1]), first, argv[3:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
