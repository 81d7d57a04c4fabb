"""PyVRP parameter variants on the collectives (to tune the portfolio, #9).

Usage::

    python -m benchmarks.bench_pyvrp_variants OUT.jsonl SECONDS INSTANCE:VARIANT,... ...
    python -m benchmarks.bench_pyvrp_variants --markdown OUT.md IN.jsonl ...

Variants (PyVRP seed 1 from scratch on one core, the project's PyVRP model and
penalty bounds in both its searches, unless said):

- ``base``: PyVRP's default search parameters (before this benchmark, the project's);
- ``pertN``: at most N perturbations per iteration (PyVRP's default is 25);
- ``nnN``: N granular neighbours (default 50);
- ``histN``: late-acceptance history of N iterations (default 300);
- ``updN``: penalties updated every N registered solutions (default 500);
- ``noOP``: without PyVRP's operator ``OP`` (e.g. ``noRelocateShipment``);
- ``stageP+V``: variant ``V`` without RelocateShipment on P % of the budget, then
  ``V`` from its plan;
- ``seedN``: PyVRP's seed N (default 1);
- ``a+b``: both changes (e.g. ``hist50+upd50``);
- ``ops``: only the operators that move a shipment's visits or route tails
  (:data:`_SHIPMENT_OPERATORS`), plus those for optional requests;
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

from .run_collectives import instance_paths, prepare, published_pyvrp
from .search_table import Row, cost_table, write_table

_project_required = pyvrp_solver._required_params
_project_search = pyvrp_solver._search_params

# The reduced operator set of ``ops``: PyVRP's operators that move a shipment's
# visits or whole route tails (single-client and pair swaps that cannot keep a pickup
# before its delivery are left out).
_SHIPMENT_OPERATORS = (
    "Relocate1",
    "Swap11",
    "SwapTails",
    "RelocatePickup",
    "RelocateDelivery",
    "RelocateShipment",
    "RelocateWithDepot",
    "RemoveAdjacentDepot",
)


def _changed(name: str, project: Any) -> Any:
    """``project``'s PyVRP parameters changed as ``name`` says (penalty bounds
    kept); ``a+b`` applies both changes."""
    import pyvrp
    import pyvrp.search

    kwargs: dict[str, Any] = {"penalty": project.penalty}
    for part in name.split("+"):
        if part.startswith("pert"):
            kwargs["perturbation"] = pyvrp.search.PerturbationParams(1, int(part[4:]))
        elif part.startswith("nn"):
            kwargs["neighbourhood"] = pyvrp.search.NeighbourhoodParams(
                num_neighbours=int(part[2:])
            )
        elif part.startswith("hist"):
            history = int(part[4:])
            kwargs["ils"] = pyvrp.IteratedLocalSearchParams(history_length=history)
        elif part.startswith("upd"):
            bounds = project.penalty
            kwargs["penalty"] = pyvrp.PenaltyParams(
                solutions_between_updates=int(part[3:]),
                min_penalty=bounds.min_penalty,
                max_penalty=bounds.max_penalty,
            )
        elif part.startswith("no"):
            ops = kwargs.get("operators", project.operators)
            kwargs["operators"] = [op for op in ops if op.__name__ != part[2:]]
        elif part == "ops":
            required = [getattr(pyvrp.search, op) for op in _SHIPMENT_OPERATORS]
            optional = [op for op in project.operators if "Optional" in op.__name__]
            kwargs["operators"] = required + optional
        elif not part.startswith(("stage", "seed")) and part not in (
            "base",
            "init",
            "chain_lcci",
        ):
            msg = f"unknown variant {part!r}"
            raise SystemExit(msg)
    return pyvrp.SolveParams(**kwargs)


def variant(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """PyVRP's parameters for ``name``, for the required and the optional search
    (the project's penalty bounds kept in both)."""

    def required(problem: Any) -> Any:
        return _changed(name, _project_required(problem))

    def optional(problem: Any, mapping: Any) -> Any:
        return _changed(name, _project_search(problem, mapping))

    return required, optional


def _staged(problem: Any, name: str, params: SolveParams) -> Any:
    """``stageP+rest``: ``rest`` without RelocateShipment on P % of the budget, then
    ``rest`` from its plan on what is left."""
    head, _, rest = name.partition("+")
    share = int(head[5:]) / 100
    rest = rest or "base"
    t0 = time.perf_counter()
    solver = published_pyvrp()
    fast = variant(f"{rest}+noRelocateShipment")
    pyvrp_solver._required_params, pyvrp_solver._search_params = fast
    first = solver.solve(
        problem, replace(params, time_limit_s=params.time_limit_s * share)
    )
    pyvrp_solver._required_params, pyvrp_solver._search_params = variant(rest)
    left = params.time_limit_s - (time.perf_counter() - t0)
    second = solver.solve(problem, replace(params, time_limit_s=left, initial=first))
    return min((first, second), key=lambda p: evaluate(problem, p))


def run(out: Path, limit_s: float, specs: list[str]) -> None:
    """Run ``INSTANCE:VARIANT,...`` specs; append one JSON line per search."""
    lcci = "local_cheapest_cost_insertion"
    with out.open("a") as sink:
        for spec in specs:
            name, names = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            for v in names.split(","):
                required, optional = variant(v)
                pyvrp_solver._required_params = required
                pyvrp_solver._search_params = optional
                t0 = time.perf_counter()
                seeds = [int(x[4:]) for x in v.split("+") if x.startswith("seed")]
                params = SolveParams(time_limit_s=limit_s, seed=(seeds or [1])[0])
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
                if v.startswith("stage"):
                    plan = _staged(prep.problem, v, params)
                else:
                    plan = published_pyvrp().solve(prep.problem, params)
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
    pyvrp_solver._required_params = _project_required
    pyvrp_solver._search_params = _project_search


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
