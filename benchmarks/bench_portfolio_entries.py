"""What each single search reaches on the collectives, to decide the portfolio.

Usage::

    python -m benchmarks.bench_portfolio_entries OUT.jsonl INSTANCE:ENTRY,ENTRY ...
    python -m benchmarks.bench_portfolio_entries --markdown OUT.md IN.jsonl ...

An entry is ``KIND@SECONDS``: ``pyvrpN`` (PyVRP from scratch, seed N), ``lcci``,
``lci``, ``pci`` (OR-Tools from scratch with local cheapest cost insertion, local
cheapest insertion, parallel cheapest insertion, then guided local search),
``warm`` (OR-Tools from the separate plan), ``lcci1`` / ``lci1`` (OR-Tools' first
solution only: its wall time is the time to a first solution). Each search runs on
one core in this process; every plan is re-checked. One JSON line per search.
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
from logistics.solvers import SolveParams
from logistics.solvers.base import Solver
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver
from logistics.strategies.base import plan_from_solution

from .run_collectives import Prepared, instance_paths, prepare, separate_solution

_FIRST = {
    "lcci": "local_cheapest_cost_insertion",
    "lci": "local_cheapest_insertion",
    "pci": "parallel_cheapest_insertion",
}


def _search(
    prep: Prepared, kind: str, limit_s: float, start: list[Plan | None]
) -> tuple[Solver, SolveParams]:
    params = SolveParams(time_limit_s=limit_s)
    if kind.startswith("pyvrp"):
        return PyVrpSolver(), replace(params, seed=int(kind[5:] or 1))
    if kind in _FIRST:
        return OrToolsSolver(), replace(params, first_solution=_FIRST[kind])  # type: ignore[arg-type]
    if kind in ("lcci1", "lci1"):
        first = _FIRST[kind[:-1]]
        return OrToolsSolver(), replace(params, first_solution=first, solution_limit=1)  # type: ignore[arg-type]
    if kind == "warm":
        if start[0] is None:
            solution, _ = separate_solution(prep)
            start[0] = plan_from_solution(prep.problem, solution)
        return OrToolsSolver(), replace(params, initial=start[0])
    msg = f"unknown search kind {kind!r}"
    raise SystemExit(msg)


def run(out: Path, specs: list[str]) -> None:
    """Run ``INSTANCE:KIND@S,...`` specs; append one JSON line per search."""
    with out.open("a") as sink:
        for spec in specs:
            name, entries = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            start: list[Plan | None] = [None]
            for entry in entries.split(","):
                kind, limit = entry.rsplit("@", 1)
                solver, params = _search(prep, kind, float(limit), start)
                t0 = time.perf_counter()
                plan = solver.solve(prep.problem, params)
                row = {
                    "instance": name,
                    "entry": entry,
                    "cost": evaluate(prep.problem, plan) / COST_SCALE,
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(prep.problem, plan),
                    "wall": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), file=sink, flush=True)


def markdown(rows: list[dict[str, object]]) -> list[str]:
    """One table: instances down, searches across, cost EUR (unserved)."""
    entries = sorted({str(r["entry"]) for r in rows})
    names = list(dict.fromkeys(str(r["instance"]) for r in rows))
    cell = {(r["instance"], r["entry"]): r for r in rows}
    lines = [
        "| instance | " + " | ".join(entries) + " |",
        "|---|" + "---|" * len(entries),
    ]
    for name in names:
        out = []
        for e in entries:
            r = cell.get((name, e))
            if r is None:
                out.append("")
                continue
            text = f"{float(r['cost']):,.2f}"  # type: ignore[arg-type]
            if r["unserved"]:
                text += f" ({r['unserved']} out)"
            if str(e).endswith("1@60"):
                text += f" in {r['wall']} s"
            out.append(text if r["ok"] else text + " REFUSED")
        lines.append(f"| {name} | " + " | ".join(out) + " |")
    return lines


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--markdown":
        rows = [
            json.loads(line)
            for f in argv[2:]
            for line in Path(f).read_text().splitlines()
        ]
        Path(argv[1]).write_text("\n".join(markdown(rows)) + "\n")
        return 0
    run(Path(argv[0]), argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
