"""PyVRP parameter variants on the collectives (to tune the portfolio, #9).

Usage::

    python -m benchmarks.bench_pyvrp_variants OUT.jsonl SECONDS INSTANCE:VARIANT,... ...
    python -m benchmarks.bench_pyvrp_variants --markdown OUT.md IN.jsonl ...

Variants (PyVRP seed 1 from scratch on one core, the project's PyVRP model and
penalty bound, unless said):

- ``base``: PyVRP's default search parameters (before this benchmark, the project's);
- ``pertN``: at most N perturbations per iteration (PyVRP's default is 25);
- ``nnN``: N granular neighbours (default 50);
- ``init``: PyVRP from OR-Tools' LCCI first solution (the rest of the budget);
- ``chain_lcci``: OR-Tools LCCI with GLS on half the budget, then PyVRP from its plan.

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
from logistics.solvers import SolveParams, pyvrp_solver
from logistics.solvers.ortools_solver import OrToolsSolver

from .run_collectives import instance_paths, prepare
from .search_table import Row, cost_table, write_table

_project_parameters = pyvrp_solver._search_params


def variant(name: str) -> Callable[[Any, Any], Any]:
    """PyVRP's solve parameters for ``name`` (the project's penalty bound kept)."""

    def parameters(problem: Any, mapping: Any) -> Any:
        import pyvrp
        import pyvrp.search

        project = _project_parameters(problem, mapping)
        neighbourhood = pyvrp.search.NeighbourhoodParams()
        perturbation = pyvrp.search.PerturbationParams()
        if name.startswith("pert"):
            perturbation = pyvrp.search.PerturbationParams(1, int(name[4:]))
        elif name.startswith("nn"):
            neighbourhood = pyvrp.search.NeighbourhoodParams(
                num_neighbours=int(name[2:])
            )
        elif name not in ("base", "init", "chain_lcci"):
            msg = f"unknown variant {name!r}"
            raise SystemExit(msg)
        return pyvrp.SolveParams(
            penalty=project.penalty,
            neighbourhood=neighbourhood,
            perturbation=perturbation,
        )

    return parameters


def run(out: Path, limit_s: float, specs: list[str]) -> None:
    """Run ``INSTANCE:VARIANT,...`` specs; append one JSON line per search."""
    lcci = "local_cheapest_cost_insertion"
    with out.open("a") as sink:
        for spec in specs:
            name, names = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            for v in names.split(","):
                pyvrp_solver._search_params = variant(v)
                t0 = time.perf_counter()
                params = SolveParams(time_limit_s=limit_s, seed=1)
                if v in ("init", "chain_lcci"):
                    first = OrToolsSolver().solve(
                        prep.problem,
                        SolveParams(
                            time_limit_s=limit_s / 2,
                            first_solution=lcci,
                            solution_limit=1 if v == "init" else None,
                        ),
                    )
                    params = replace(
                        params,
                        time_limit_s=limit_s - (time.perf_counter() - t0),
                        initial=first,
                    )
                plan = pyvrp_solver.PyVrpSolver().solve(prep.problem, params)
                row = {
                    "instance": name,
                    "variant": v,
                    "limit": limit_s,
                    "cost": round(evaluate(prep.problem, plan) / COST_SCALE, 2),
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(prep.problem, plan),
                    "wall": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), file=sink, flush=True)
    pyvrp_solver._search_params = _project_parameters


def markdown(rows: list[Row]) -> list[str]:
    """Instances down, variants across: cost EUR (unserved orders)."""
    return cost_table(
        rows, "variant", list(dict.fromkeys(str(r["variant"]) for r in rows))
    )


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--markdown":
        write_table(argv[1], argv[2:], markdown)
        return 0
    run(Path(argv[0]), float(argv[1]), argv[2:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
