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
from logistics.solution import Solution
from logistics.solvers import SolveParams
from logistics.solvers.base import FirstSolution
from logistics.solvers.ortools_solver import OrToolsSolver

from .run_collectives import (
    Prepared,
    Runner,
    _ortools,
    _pyvrp,
    instance_paths,
    prepare,
    separate_solution,
)

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


def _runner(kind: str) -> Runner:
    """The benchmark's runner for a search kind (see the module notes)."""
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
