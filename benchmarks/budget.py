"""Wall time of one solve against its budget, per backend and fleet size.

Usage::

    python -m benchmarks.budget [--budgets 1 10] [--spare 0 100 1000] [--label after]
    # the same measurements on another checkout (e.g. main, before a change):
    python -m benchmarks.budget --code ../main --label before

Each measurement runs in a fresh process (``--code`` on its ``PYTHONPATH``) that builds
a pooled-delivery problem, then times ``logistics.solvers.solve(problem,
SolveParams(time_limit_s=T), backend=B)`` alone: model building, every search and
decoding, not the imports. The problem: 60 orders collected at 8 farms (one van
each) and delivered to 20 points, morning or evening windows, a third of them chilled
and allowed only in refrigerated farm vans; ``spare`` identical hired vans wait at
a depot. ``fits``: six reefers, every order can be served; ``tight``: two small
reefers hold only some chilled orders, so PyVRP's search with every order required
never becomes feasible and a second search with optional orders follows. A solve is
within its bound when it ends within ``T * 1.05 + 1`` seconds. Writes
``benchmarks/results/<date>-budget-<label>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("ortools", "pyvrp", "auto")
"""``auto`` races two searches in worker processes (``parallel_searches=2``)."""


def build_problem(variant: str, spare: int) -> Any:
    """The benchmark problem (see the module docstring); deterministic."""
    from logistics.problem import Request, RoutingProblem, Vehicle, Visit

    rng = np.random.default_rng(5)
    # fits: six refrigerated farm vans with room for every chilled order; tight: two,
    # with room for a few.
    reefers = tuple(range(6)) if variant == "fits" else (0, 1)
    reefer_kg = 600 if variant == "fits" else 150
    n_farms, n_points, n_orders = 8, 20, 60
    xy = rng.uniform(-15_000, 15_000, size=(1 + n_farms + n_points, 2))  # m
    gap = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    distance = np.rint(gap * 1.3).astype(np.int64)  # road detour factor
    duration = np.rint(distance / 11.0).astype(np.int64)  # 40 km/h
    hour = 3600
    visits, requests = [], []
    for i in range(n_orders):
        farm = 1 + int(rng.integers(n_farms))
        point = 1 + n_farms + int(rng.integers(n_points))
        evening = rng.random() < 0.3
        drop = (16 * hour, 19 * hour) if evening else (7 * hour, 11 * hour)
        chilled = rng.random() < 1 / 3
        visits.append(Visit(farm, i, "pickup", 300, ((6 * hour, 12 * hour),)))
        visits.append(Visit(point, i, "delivery", 300, (drop,)))
        kg = int(rng.integers(5, 60))
        allowed = reefers if chilled else None
        requests.append(Request(f"o{i}", 2 * i, 2 * i + 1, (kg,), allowed))
    vehicles = [
        Vehicle(
            f"farm{f}",
            1 + f,
            1 + f,
            (reefer_kg if f in reefers else 600,),
            (5 * hour, 20 * hour),
            15 * hour,
            fixed_cost=20_000,
        )
        for f in range(n_farms)
    ]
    vehicles += [
        Vehicle(f"hired{k}", 0, 0, (600,), (5 * hour, 20 * hour), 15 * hour, 30_000)
        for k in range(spare)
    ]
    return RoutingProblem(
        distance,
        duration,
        tuple(visits),
        tuple(requests),
        tuple(vehicles),
        name=f"budget-{variant}-{spare}",
    )


def measure_one(
    variant: str, spare: int, backend: str, budget: float
) -> dict[str, Any]:
    """Time one solve in this process; return wall time, objective and unserved."""
    from logistics.plan import evaluate
    from logistics.solvers import SolveParams, solve

    problem = build_problem(variant, spare)
    params = SolveParams(
        time_limit_s=budget, parallel_searches=2 if backend == "auto" else 1
    )
    t0 = time.perf_counter()
    plan = solve(problem, params, backend=backend)
    wall = time.perf_counter() - t0
    penalties = sum(problem.requests[r].penalty for r in plan.unserved)
    return {
        "wall_s": wall,
        "route_cost": evaluate(problem, plan) - penalties,
        "unserved": len(plan.unserved),
        "backend": plan.backend,
    }


def _measure(
    code: Path, variant: str, spare: int, backend: str, budget: float, timeout: float
) -> dict[str, Any]:
    """Run :func:`measure_one` in a fresh process on the checkout ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    job = json.dumps([variant, spare, backend, budget])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", job]
    try:
        done = subprocess.run(
            cmd, cwd=code, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"still running after {timeout:.0f} s (killed)"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1][:80]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _row(
    variant: str, spare: int, backend: str, budget: float, r: dict[str, Any]
) -> str:
    if "error" in r:
        cells = ["—", "—", "no", "—", "—", r["error"]]
    else:
        bound = budget * 1.05 + 1
        cells = [
            f"{r['wall_s']:.2f}",
            f"{r['wall_s'] / budget:.2f}",
            "yes" if r["wall_s"] <= bound else "**no**",
            f"{r['route_cost'] / 1000:.1f}",
            str(r["unserved"]),
            r["backend"],
        ]
    return (
        f"| {variant} | {spare} | {backend} | {budget:g} | " + " | ".join(cells) + " |"
    )


def main(argv: list[str] | None = None) -> int:
    """Measure every combination; write a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--spare", type=int, nargs="+", default=[0, 100, 1000])
    parser.add_argument("--variants", nargs="+", default=["fits", "tight"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--code", type=Path, default=ROOT, help="Checkout to time.")
    parser.add_argument("--label", default="after")
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(*json.loads(args.one))))
        return 0
    from benchmarks.run_benchmarks import machine_description, write_markdown

    code = args.code.resolve()
    commit = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = [
        f"# Solve wall time vs budget ({args.label})",
        "",
        f"- Date: {dt.date.today()}; machine: {machine_description()}, shared with "
        "other jobs (timings are noisy)",
        f"- Command: `python -m benchmarks.{Path(__file__).stem} "
        + " ".join(sys.argv[1:] if argv is None else argv)
        + "`",
        f"- Code: `{code.name}` at {commit}; each solve in a fresh process, imports "
        "not timed; bound = budget x 1.05 + 1 s; route cost = objective without the "
        "unserved penalties (metres + 20,000 per farm van + 30,000 per hired van)",
        "",
        "| variant | spare vans | backend | budget s | wall s | wall / budget "
        "| within bound | route cost (k) | unserved | backend used |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    path = None
    for variant in args.variants:
        for spare in args.spare:
            for budget in args.budgets:
                for backend in args.backends:
                    r = _measure(code, variant, spare, backend, budget, args.timeout)
                    lines.append(_row(variant, spare, backend, budget, r))
                    print(lines[-1], flush=True)
                    name = f"{dt.date.today()}-budget-{args.label}.md"
                    path = write_markdown(args.out, name, [*lines, ""])
    return 0 if path else 1


if __name__ == "__main__":
    sys.exit(main())
