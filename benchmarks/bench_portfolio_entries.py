"""What each single search reaches on the collectives, to decide the portfolio.

Usage::

    python -m benchmarks.bench_portfolio_entries OUT.jsonl INSTANCE:ENTRY,ENTRY ...
    python -m benchmarks.bench_portfolio_entries --markdown OUT.md IN.jsonl ...

An entry is ``KIND@SECONDS``: ``pyvrpN`` (PyVRP from scratch, seed N, PyVRP's own search
parameters), ``pyvrpNhH`` (the same with late-acceptance history H, as the project sets
it), ``chain`` / ``chainN`` (the portfolio's PyVRP then OR-Tools, seed 1 / N), ``lcci``,
``lci``, ``pci`` (OR-Tools from scratch with local cheapest cost insertion, local
cheapest insertion, parallel cheapest insertion, then guided local search), ``warm``
(OR-Tools from the separate plan), ``lcci1`` / ``lci1`` (OR-Tools' first solution only:
its wall time is the time to a first solution). Each search runs on one core in this
process; every plan is re-checked. One JSON line per search.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import Plan, evaluate
from logistics.solution import Solution
from logistics.solvers import SolveParams
from logistics.solvers.base import FirstSolution
from logistics.solvers.chain import Chain
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.portfolio import CHAIN_SHARE
from logistics.solvers.pyvrp_solver import PyVrpSolver

from .run_collectives import (
    Prepared,
    Runner,
    _ortools,
    _pyvrp,
    instance_paths,
    prepare,
    separate_solution,
)
from .search_table import Row, cost_table, write_table

_FIRST: dict[str, FirstSolution] = {
    "lcci": "local_cheapest_cost_insertion",
    "lci": "local_cheapest_insertion",
    "pci": "parallel_cheapest_insertion",
}


def _first_only(first: FirstSolution) -> Runner:
    """OR-Tools from scratch, stopped at its first solution."""

    def run(prep: Prepared, limit_s: float, start: Solution | None) -> Plan:
        params = SolveParams(time_limit_s=limit_s, first_solution=first)
        return OrToolsSolver().solve(prep.problem, replace(params, solution_limit=1))

    return run


def _chain(seed: int) -> Runner:
    """The portfolio's first search: PyVRP (the project's settings) then OR-Tools."""

    def run(prep: Prepared, limit_s: float, start: Solution | None) -> Plan:
        chain = Chain(PyVrpSolver(), OrToolsSolver(), CHAIN_SHARE)
        return chain.solve(prep.problem, SolveParams(time_limit_s=limit_s, seed=seed))

    return run


def _runner(kind: str) -> Runner:
    """The benchmark's runner for a search kind (see the module notes)."""
    if kind.startswith("chain"):
        return _chain(int(kind[5:] or 1))
    if kind.startswith("pyvrp") and "h" in kind[5:]:
        seed, history = kind[5:].split("h")
        return _pyvrp(warm=False, seed=int(seed), history=int(history))
    if kind.startswith("pyvrp"):
        return _pyvrp(warm=False, seed=int(kind[5:] or 1))
    if kind in _FIRST:
        return _ortools(_FIRST[kind], warm=False)
    if kind in ("lcci1", "lci1"):
        return _first_only(_FIRST[kind[:-1]])
    if kind == "warm":
        return _ortools("local_cheapest_insertion", warm=True)
    msg = f"unknown search kind {kind!r}"
    raise SystemExit(msg)


def run(out: Path, specs: list[str]) -> None:
    """Run ``INSTANCE:KIND@S,...`` specs; append one JSON line per search."""
    with out.open("a") as sink:
        for spec in specs:
            name, entries = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            start: Solution | None = None
            for entry in entries.split(","):
                kind, limit = entry.rsplit("@", 1)
                if kind == "warm" and start is None:
                    start, _ = separate_solution(prep)
                t0 = time.perf_counter()
                plan = _runner(kind)(prep, float(limit), start)
                row = {
                    "instance": name,
                    "entry": entry,
                    "cost": evaluate(prep.problem, plan) / COST_SCALE,
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(prep.problem, plan),
                    "wall": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), file=sink, flush=True)


def markdown(rows: list[Row]) -> list[str]:
    """One table: instances down, searches across, cost EUR (unserved)."""
    entries = sorted({str(r["entry"]) for r in rows})

    def first_only(r: Row) -> str:
        return f" in {r['wall']} s" if str(r["entry"]).endswith("1@60") else ""

    return cost_table(rows, "entry", entries, first_only)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--markdown":
        write_table(argv[1], argv[2:], markdown)
        return 0
    run(Path(argv[0]), argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
