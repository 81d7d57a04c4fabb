"""The project and the peers a user would run, on the collectives family.

Usage::

    python -m benchmarks.run_collectives --smoke              # 3 small instances, 5 s
    python -m benchmarks.run_collectives                      # every instance, 20 s
    python -m benchmarks.run_collectives --bks                # long runs for the BKS
    python -m benchmarks.run_collectives --check-bks          # re-check stored BKS

For each instance (``benchmarks/collectives/*.yaml`` and the two bundled scenarios) the
pooled routing problem is built exactly as ``logistics run`` builds it, then solved in
this process, one solver after another, at the same budget:

- ``project``: the separate plan first (``run_strategy(separate)``, its own budget per
  producer on a process pool, as ``logistics run``), then the pooled strategy started
  from it (``auto`` backend, racing on every usable core);
- ``ortools_lcci``: OR-Tools from scratch, local cheapest cost insertion then guided
  local search, one core;
- ``pyvrp``: PyVRP from scratch, one core.

Every plan is re-checked with :func:`logistics.checker.check_plan`; its cost is
:func:`logistics.plan.evaluate` in euros (unserved penalties included). Best-known
costs live in ``benchmarks/collectives/bks.csv`` with each plan as JSON in
``benchmarks/collectives/bks/`` (vehicle ids and visit ids, re-checkable with
``--check-bks``). A checked plan cheaper than the stored one replaces it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import fcntl
import io
import json
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from logistics._cache import atomic_write_text
from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.context import PlanningContext, build_context
from logistics.executors import local_executor, usable_cores
from logistics.plan import Plan, RoutePlan, evaluate
from logistics.problem import RoutingProblem
from logistics.scenario import Scenario, load_scenario
from logistics.solution import Solution
from logistics.solvers import SolveParams
from logistics.solvers.base import FirstSolution
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import LATE_ACCEPTANCE_HISTORY, PyVrpSolver
from logistics.strategies import get_strategy, run_strategy
from logistics.strategies.base import plan_from_solution
from logistics.travel import build_travel

from .make_collectives import HERE, INSTANCES, OSM_DIR
from .run_benchmarks import machine_description, write_markdown

ROOT = HERE.parent.parent
BUNDLED = {
    "scenario-ajaccio": ROOT / "scenarios" / "ajaccio.yaml",
    "scenario-melun": ROOT / "scenarios" / "melun.yaml",
}
SMOKE = ("melun-p05-o30", "vaduz-p05-o30", "scenario-melun")
SMOKE_TIME_LIMIT_S = 5.0
DEFAULT_TIME_LIMIT_S = 20.0
"""The default pooled budget (``SolverSettings.time_limit_s``)."""
BKS_FACTOR = 10
"""A BKS run gives every configuration this many times the default budget."""
BKS_CSV = HERE / "bks.csv"
BKS_PLANS = HERE / "bks"

CORES_NOTE = (
    "project: separate plans on a {n}-process pool, then the pooled search races up "
    "to {n} searches (one per core); ortools_lcci and pyvrp: one core each"
)


def instance_paths() -> dict[str, Path]:
    """Every instance by name: the generated family, then the bundled scenarios."""
    return {i.name: HERE / f"{i.name}.yaml" for i in INSTANCES} | BUNDLED


@dataclass(frozen=True)
class Prepared:
    """An instance ready to solve: its context (budget applied) and pooled problem."""

    name: str
    context: PlanningContext
    problem: RoutingProblem


def prepare(name: str, path: Path, time_limit_s: float) -> Prepared:
    """Build the pooled problem as ``logistics run`` does, budget ``time_limit_s``."""
    scenario = load_scenario(path)
    solver = scenario.solver.model_copy(update={"time_limit_s": time_limit_s})
    timed: Scenario = scenario.model_copy(update={"solver": solver})
    timed._source = scenario._source
    travel = build_travel(timed, scenario_dir=path.parent, osm_dirs=[OSM_DIR])
    context = build_context(timed, travel.matrix, parallel_searches=usable_cores())
    pooled = get_strategy("pooled")
    everyone = context.producer_ids
    problem = context.problem(everyone, pooled.fleet(context, everyone))
    return Prepared(name, context, problem)


def separate_solution(prep: Prepared) -> tuple[Solution, float]:
    """The separate plan, as ``logistics run`` computes it first; and its wall time."""
    t0 = time.perf_counter()
    pool = local_executor(usable_cores()) if usable_cores() > 1 else None
    try:
        solution = run_strategy(get_strategy("separate"), prep.context, executor=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    return solution, time.perf_counter() - t0


# -- solvers ----------------------------------------------------------------------

Runner = Callable[[Prepared, float, Solution | None], Plan]


def run_project(prep: Prepared, limit_s: float, start: Solution | None) -> Plan:
    """The pooled strategy from the separate plan (``start``), as ``logistics run``.

    Its budget is the scenario's ``time_limit_s``, which :func:`prepare` sets.
    """
    budget = prep.context.scenario.solver.time_limit_s
    if budget != limit_s:
        msg = f"context budget {budget:g} s differs from the run's {limit_s:g} s"
        raise ValueError(msg)
    solution = run_strategy(get_strategy("pooled"), prep.context, start=start)
    plan = plan_from_solution(prep.problem, solution)
    if plan is None:
        msg = "the pooled solution does not map onto the pooled problem"
        raise RuntimeError(msg)
    return Plan(plan.routes, plan.unserved, "project")


def _ortools(first: FirstSolution, warm: bool) -> Runner:
    def run(prep: Prepared, limit_s: float, start: Solution | None) -> Plan:
        initial = None
        if warm and start is not None:
            initial = plan_from_solution(prep.problem, start)
        params = SolveParams(
            time_limit_s=limit_s, first_solution=first, initial=initial
        )
        return OrToolsSolver().solve(prep.problem, params)

    return run


def published_pyvrp() -> PyVrpSolver:
    """PyVRP on the project's model with PyVRP's own search parameters (every
    operator, history 300): the peer a user would otherwise run."""
    return PyVrpSolver(history_length=None, lean_from=None)


def _pyvrp(warm: bool, seed: int = 1, history: int | None = None) -> Runner:
    """PyVRP on the project's model; ``history`` None keeps PyVRP's own search
    parameters (the peer: every operator, history 300), else the late-acceptance
    history the project uses (and its lean search on large problems)."""

    def run(prep: Prepared, limit_s: float, start: Solution | None) -> Plan:
        initial = None
        if warm and start is not None:
            initial = plan_from_solution(prep.problem, start)
        params = SolveParams(time_limit_s=limit_s, seed=seed, initial=initial)
        solver = published_pyvrp() if history is None else PyVrpSolver(history)
        return solver.solve(prep.problem, params)

    return run


SOLVERS: dict[str, Runner] = {
    "project": run_project,
    "ortools_lcci": _ortools("local_cheapest_cost_insertion", warm=False),
    "pyvrp": _pyvrp(warm=False),
}
"""The benchmark: the project and the two peers, from scratch."""

BKS_SOLVERS: dict[str, Runner] = {
    **SOLVERS,
    "ortools_lci": _ortools("local_cheapest_insertion", warm=False),
    "ortools_warm": _ortools("local_cheapest_insertion", warm=True),
    "pyvrp_seed2": _pyvrp(warm=False, seed=2, history=LATE_ACCEPTANCE_HISTORY),
    "pyvrp_warm": _pyvrp(warm=True, history=LATE_ACCEPTANCE_HISTORY),
}
"""A BKS run: every backend, from scratch (two strategies / seeds) and warm; the
second PyVRP seed and the warm start with the project's late-acceptance history."""


# -- results and best-known solutions ----------------------------------------------


@dataclass(frozen=True)
class Result:
    """One solver on one instance (a CSV row)."""

    instance: str
    solver: str
    status: str
    cost_eur: float | None
    unserved: int | None
    vehicles: int | None
    bks_eur: float | None
    gap_pct: float | None
    wall_s: float
    note: str


@dataclass(frozen=True)
class Best:
    """A best-known solution: cost, unserved orders, where it came from, its plan."""

    instance: str
    cost_eur: float
    unserved: int
    source: str
    date: str


def plan_to_json(problem: RoutingProblem, plan: Plan) -> dict[str, object]:
    """A plan by ids: each route's vehicle id, visit ids (``order:kind``) and the
    positions of its returns to base between trips (``breaks``)."""
    visits = problem.visits
    return {
        "routes": [
            {
                "vehicle": problem.vehicles[r.vehicle].id,
                "visits": [
                    f"{problem.requests[visits[v].request].id}:{visits[v].kind}"
                    for v in r.visits
                ],
                # Positions in ``visits`` where the vehicle is back at base between
                # trips: without them a several-trip plan re-costs as one long trip.
                "breaks": list(r.breaks),
            }
            for r in plan.routes
        ],
        "unserved": [problem.requests[r].id for r in plan.unserved],
    }


def plan_from_json(problem: RoutingProblem, data: dict[str, object]) -> Plan:
    """Rebuild a plan of ``problem`` from :func:`plan_to_json` output."""
    vehicle = {v.id: k for k, v in enumerate(problem.vehicles)}
    visit = {
        f"{problem.requests[v.request].id}:{v.kind}": k
        for k, v in enumerate(problem.visits)
    }
    routes = tuple(
        RoutePlan(
            vehicle[r["vehicle"]],
            tuple(visit[x] for x in r["visits"]),
            tuple(r.get("breaks", ())),
        )
        for r in data["routes"]  # type: ignore[attr-defined]
    )
    unserved = tuple(problem.request_index(r) for r in data["unserved"])  # type: ignore[attr-defined]
    return Plan(routes, unserved, "bks")


def _plan_text(data: dict[str, object]) -> str:
    """JSON with one line per route, so diffs of a BKS plan stay readable."""
    routes: list[object] = data["routes"]  # type: ignore[assignment]
    head = {k: v for k, v in data.items() if k != "routes"}
    lines = [json.dumps(head)[:-1] + ', "routes": [']
    lines += [
        "  " + json.dumps(r) + ("," if i < len(routes) - 1 else "")
        for i, r in enumerate(routes)
    ]
    return "\n".join([*lines, "]}"]) + "\n"


def read_bks() -> dict[str, Best]:
    """The stored best-known solutions by instance."""
    if not BKS_CSV.is_file():
        return {}
    with BKS_CSV.open(newline="") as fh:
        return {
            row["instance"]: Best(
                row["instance"],
                float(row["cost_eur"]),
                int(row["unserved"]),
                row["source"],
                row["date"],
            )
            for row in csv.DictReader(fh)
        }


def write_bks(best: dict[str, Best]) -> None:
    """Write ``bks.csv`` (instances in family order) atomically."""
    order = list(instance_paths())
    rows = sorted(best.values(), key=lambda b: order.index(b.instance))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(Best.__dataclass_fields__)
    writer.writerows(
        [b.instance, f"{b.cost_eur:.2f}", b.unserved, b.source, b.date] for b in rows
    )
    atomic_write_text(BKS_CSV, buffer.getvalue())


@contextlib.contextmanager
def _bks_lock() -> Iterator[None]:
    """Hold an exclusive lock on the BKS files (several runs may update them)."""
    with (HERE / ".bks.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def maybe_improve(
    best: dict[str, Best], prep: Prepared, plan: Plan, cost_eur: float, source: str
) -> bool:
    """Store ``plan`` as the BKS of its instance when it is cheaper (plan checked).

    ``best`` is refreshed from ``bks.csv`` under a lock first, so runs on other
    instances (or the same one) at the same time never undo each other's entries.
    """
    with _bks_lock():
        best.clear()
        best.update(read_bks())
        old = best.get(prep.name)
        if old is not None and old.cost_eur <= cost_eur + 0.005:
            return False
        data = {"instance": prep.name, "cost_eur": round(cost_eur, 2)}
        data |= plan_to_json(prep.problem, plan)
        atomic_write_text(BKS_PLANS / f"{prep.name}.json", _plan_text(data))
        best[prep.name] = Best(
            prep.name, round(cost_eur, 2), len(plan.unserved), source, _today()
        )
        write_bks(best)
    return True


def stored_plan(prep: Prepared) -> tuple[Plan, list[str]] | None:
    """The stored BKS plan of ``prep`` on today's problem and its check errors.

    ``None`` when there is none or it no longer maps onto the problem (ids changed).
    """
    path = BKS_PLANS / f"{prep.name}.json"
    if not path.is_file():
        return None
    try:
        plan = plan_from_json(prep.problem, json.loads(path.read_text("utf-8")))
    except (KeyError, LookupError):
        return None
    return plan, check_plan(prep.problem, plan)


def refresh_bks(best: dict[str, Best], prep: Prepared) -> None:
    """Re-cost the stored BKS on today's model before comparing runs with it.

    The model changes (network speeds, service, trips): a stored plan that no longer
    passes the checker is dropped, one whose cost moved is stored at its new cost.
    """
    with _bks_lock():
        best.clear()
        best.update(read_bks())
        _refresh_locked(best, prep)


def _refresh_locked(best: dict[str, Best], prep: Prepared) -> None:
    old = best.get(prep.name)
    if old is None:
        return
    found = stored_plan(prep)
    if found is None or found[1]:
        print(f"{prep.name}: stored BKS no longer fits the model; dropped")
        del best[prep.name]
    else:
        cost = round(evaluate(prep.problem, found[0]) / COST_SCALE, 2)
        if abs(cost - old.cost_eur) > 0.005:
            print(f"{prep.name}: stored BKS re-costed {old.cost_eur:.2f} -> {cost:.2f}")
            source = f"{old.source}; re-costed {_today()}"
            best[prep.name] = replace(old, cost_eur=cost, source=source)
        else:
            return
    write_bks(best)


def _today() -> str:
    return dt.date.today().isoformat()


def run_one(
    prep: Prepared,
    solver: str,
    runner: Runner,
    limit_s: float,
    start: Solution | None,
) -> tuple[Result, Plan | None]:
    """Solve, check and cost one instance with one solver."""
    t0 = time.perf_counter()
    try:
        plan = runner(prep, limit_s, start)
    except Exception as exc:
        note = f"{type(exc).__name__}: {exc}"[:200]
        wall = time.perf_counter() - t0
        return Result(
            prep.name, solver, "error", None, None, None, None, None, wall, note
        ), None
    wall = time.perf_counter() - t0
    errors = check_plan(prep.problem, plan)
    status = "infeasible" if errors else ("incomplete" if plan.unserved else "solved")
    cost = evaluate(prep.problem, plan) / COST_SCALE
    note = "; ".join([f"backend={plan.backend}", *errors[:2]])[:200]
    return (
        Result(
            prep.name,
            solver,
            status,
            cost,
            len(plan.unserved),
            len(plan.routes),
            None,
            None,
            wall,
            note,
        ),
        None if errors else plan,
    )


def with_gaps(results: list[Result], best: dict[str, Best]) -> list[Result]:
    """Fill the BKS and gap columns from the current best-known costs."""
    out = []
    for r in results:
        b = best.get(r.instance)
        bks = b.cost_eur if b is not None else None
        gap = None
        if bks and r.cost_eur is not None and r.status != "infeasible":
            gap = 100.0 * (r.cost_eur - bks) / bks
        out.append(replace(r, bks_eur=bks, gap_pct=gap))
    return out


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def markdown(results: list[Result], header: list[str]) -> list[str]:
    """Summary per solver, then one row per instance and solver."""
    solvers = list(dict.fromkeys(r.solver for r in results))
    lines = [*header, "", "## Per solver", ""]
    lines += [
        "| solver | checked | mean gap % | max gap % | instances within 0.5 % of the "
        "best in this run | mean wall s |",
        "|---|---|---|---|---|---|",
    ]
    best_run: dict[str, float] = {}
    for r in results:
        if r.cost_eur is not None and r.status != "infeasible":
            best_run[r.instance] = min(best_run.get(r.instance, r.cost_eur), r.cost_eur)
    for s in solvers:
        rows = [r for r in results if r.solver == s]
        gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
        close = sum(
            r.cost_eur is not None
            and r.status != "infeasible"
            and r.cost_eur <= best_run[r.instance] * 1.005
            for r in rows
        )
        ok = sum(r.status != "infeasible" and r.status != "error" for r in rows)
        mean = sum(gaps) / len(gaps) if gaps else None
        worst = max(gaps, default=None)
        lines.append(
            f"| {s} | {ok}/{len(rows)} | {_fmt(mean)} | {_fmt(worst)} "
            f"| {close}/{len(rows)} | {sum(r.wall_s for r in rows) / len(rows):.1f} |"
        )
    lines += [
        "",
        "## Per instance",
        "",
        "| instance | solver | status | cost EUR | unserved | vehicles | BKS EUR "
        "| gap % | wall s | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.instance} | {r.solver} | {r.status} | {_fmt(r.cost_eur)} "
        f"| {r.unserved if r.unserved is not None else '—'} "
        f"| {r.vehicles if r.vehicles is not None else '—'} | {_fmt(r.bks_eur)} "
        f"| {_fmt(r.gap_pct)} | {r.wall_s:.1f} | {r.note.replace('|', '/')} |"
        for r in results
    ]
    return [*lines, ""]


def _code_version() -> str:
    """The git commit of the code that ran (``+ changes`` when the tree is dirty)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "logistics")
    return head + (" + uncommitted changes in logistics/" if dirty else "")


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{n} {version(n)}" for n in ("ortools", "pyvrp", "numpy"))


def check_bks() -> int:
    """Re-check every stored BKS plan and recompute its cost; 1 if any fails."""
    failures = 0
    paths = instance_paths()
    for name, b in read_bks().items():
        prep = prepare(name, paths[name], DEFAULT_TIME_LIMIT_S)
        found = stored_plan(prep)
        if found is None:
            print(f"{name:20s} FAIL plan missing or does not fit the problem")
            failures += 1
            continue
        plan, errors = found
        cost = evaluate(prep.problem, plan) / COST_SCALE
        ok = not errors and abs(cost - b.cost_eur) <= 0.01
        failures += not ok
        print(
            f"{name:20s} {'ok' if ok else 'FAIL'} stored {b.cost_eur:.2f} EUR, "
            f"recomputed {cost:.2f} EUR, {len(errors)} check errors "
            + ("; ".join(errors[:2]))
        )
    return 1 if failures else 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    msg = (
        "Project vs OR-Tools LCCI vs PyVRP on the collectives family (pooled problem)."
    )
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_collectives", description=msg
    )
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE} at 5 s")
    parser.add_argument("--instances", nargs="+", default=None)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument(
        "--bks",
        action="store_true",
        help=f"long runs: every backend and start at {BKS_FACTOR} x the budget",
    )
    parser.add_argument(
        "--solvers",
        nargs="+",
        default=None,
        help="run only these solvers (of the benchmark's, or the BKS run's)",
    )
    parser.add_argument("--check-bks", action="store_true")
    parser.add_argument(
        "--no-update-bks", action="store_true", help="never replace stored BKS"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--label", default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``<out>/<date>-<label>.{csv,md}``."""
    args = _parse(argv)
    if args.check_bks:
        return check_bks()
    paths = instance_paths()
    names = args.instances or (list(SMOKE) if args.smoke else list(paths))
    unknown = [n for n in names if n not in paths]
    if unknown:
        print(
            f"unknown instances {unknown}; choose from {list(paths)}", file=sys.stderr
        )
        return 2
    base = args.time_limit or (
        SMOKE_TIME_LIMIT_S if args.smoke else DEFAULT_TIME_LIMIT_S
    )
    limit = base * BKS_FACTOR if args.bks else base
    solvers = BKS_SOLVERS if args.bks else SOLVERS
    if args.solvers:
        wrong = [s for s in args.solvers if s not in solvers]
        if wrong:
            print(
                f"unknown solvers {wrong}; choose from {list(solvers)}", file=sys.stderr
            )
            return 2
        solvers = {s: solvers[s] for s in args.solvers}
    kind = "bks" if args.bks else ("smoke" if args.smoke else "full")
    label = args.label or f"collectives-{kind}"
    stem = f"{_today()}-{label}"
    command = "python -m benchmarks.run_collectives " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    header = [
        f"# Collectives benchmark — {label}",
        "",
        f"- Date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- Machine: {machine_description()}; " + CORES_NOTE.format(n=usable_cores()),
        f"- Command: `{command}`",
        f"- Budget: {limit:g} s per solver and instance (pooled search; the "
        "project's separate plan comes first, on its own budget per producer, and is "
        "reported in its note)",
        f"- Versions: {_versions()}; code at commit {_code_version()}",
        f"- Instances ({len(names)}): " + ", ".join(names),
        "- Cost = `evaluate(problem, plan) / COST_SCALE` in EUR (each unserved order "
        "at the scenario's penalty, `PlanningContext.unserved_penalty`); every plan "
        "re-checked with `check_plan`. Gap % to the "
        "best-known cost in `benchmarks/collectives/bks.csv` after this run.",
    ]
    best = read_bks()
    results: list[Result] = []
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"{stem}.csv"
    for name in names:
        prep = prepare(name, paths[name], limit)
        if not args.no_update_bks:
            refresh_bks(best, prep)
        start, sep_wall = separate_solution(prep)
        for solver, runner in solvers.items():
            res, plan = run_one(prep, solver, runner, limit, start)
            if solver == "project":
                sep = (
                    f"separate plan {start.objective:,.2f} EUR, "
                    f"{len(start.unserved)} unserved, {sep_wall:.1f} s"
                )
                res = replace(res, note=f"{res.note}; {sep}")
            if plan is not None and res.cost_eur is not None and not args.no_update_bks:
                source = f"{stem} {solver} {limit:g}s"
                if maybe_improve(best, prep, plan, res.cost_eur, source):
                    res = replace(res, note=f"{res.note}; new BKS")
            results.append(res)
            print(
                f"{name:20s} {solver:14s} {res.status:10s} "
                f"{_fmt(res.cost_eur)} EUR unserved={res.unserved} {res.wall_s:.1f}s",
                flush=True,
            )
            rows = with_gaps(results, best)
            _write_csv(csv_path, rows)
            write_markdown(args.out, f"{stem}.md", markdown(rows, header))
    return 0


def _write_csv(path: Path, rows: list[Result]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(Result.__dataclass_fields__))
    writer.writeheader()
    writer.writerows(asdict(r) for r in rows)
    atomic_write_text(path, buffer.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())
