"""Solver backends behind one interface, and the ``auto`` choice between them.

``SOLVERS`` maps a backend name to its class. :func:`solve` picks a backend whose
features cover the problem (``auto``), or refuses a forced backend that lacks one.

PyVRP is optional: :mod:`.pyvrp_solver` imports it only when a
:class:`~.pyvrp_solver.PyVrpSolver` is created, so ``SOLVERS`` always lists it and
``auto`` skips it when it is not installed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import replace
from typing import TYPE_CHECKING

from ..checker import check_plan
from ..exceptions import BackendUnavailableError, SolverError
from ..executors import local_executor, terminate_workers
from ..plan import evaluate
from .base import FirstSolution, SolveParams, Solver
from .ortools_solver import OrToolsSolver
from .portfolio import Entry, other_seed, portfolio, split_budget
from .pyvrp_solver import PyVrpSolver

if TYPE_CHECKING:
    from ..plan import Plan
    from ..problem import RoutingProblem

__all__ = ["SOLVERS", "SolveParams", "Solver", "choose_backend", "get_solver", "solve"]

logger = logging.getLogger(__name__)

SOLVERS: dict[str, type] = {"pyvrp": PyVrpSolver, "ortools": OrToolsSolver}

_AUTO_ORDER = ("pyvrp", "ortools")
"""Preference of ``auto`` without a race: PyVRP is the stronger solver on public
benchmarks, OR-Tools covers every feature."""


def get_solver(name: str) -> Solver:
    """Return an instance of the backend called ``name``.

    Raises
    ------
    BackendUnavailableError
        When ``name`` is unknown or its package is not installed.
    """
    try:
        cls = SOLVERS[name]
    except KeyError:
        msg = (
            f"unknown solver backend {name!r}; choose one of {sorted(SOLVERS)} "
            "or 'auto'"
        )
        raise BackendUnavailableError(msg) from None
    return cls()  # type: ignore[no-any-return]


def _candidates(problem: RoutingProblem) -> list[Solver]:
    """Installed backends that support every feature of ``problem``, preferred first."""
    found = []
    for name in _AUTO_ORDER:
        try:
            solver = get_solver(name)
        except BackendUnavailableError as exc:
            logger.info("auto: skipping %s (%s)", name, exc)
            continue
        missing = solver.unsupported(problem)
        if missing:
            logger.info("auto: skipping %s (no %s)", name, ", ".join(missing))
        else:
            found.append(solver)
    return found


def choose_backend(problem: RoutingProblem, backend: str = "auto") -> Solver:
    """Return the backend to use for ``problem``.

    Parameters
    ----------
    problem
        The routing problem.
    backend
        ``"auto"`` or a backend name. ``auto`` returns the first installed backend
        supporting the problem in the order PyVRP, OR-Tools (:func:`solve` may race
        them instead).

    Raises
    ------
    BackendUnavailableError
        When a forced backend is not installed or cannot handle one of the problem's
        features; the message names the backend and the features.
    """
    if backend != "auto":
        solver = get_solver(backend)
        missing = solver.unsupported(problem)
        if missing:
            msg = (
                f"solver backend {backend!r} cannot solve {problem.name!r}: it does "
                f"not support {', '.join(missing)}; use 'auto' or 'ortools'"
            )
            raise BackendUnavailableError(msg)
        return solver
    candidates = _candidates(problem)
    return candidates[0] if candidates else get_solver("ortools")


def _race_entries(
    problem: RoutingProblem, candidates: list[Solver], params: SolveParams
) -> list[Entry]:
    """The searches ``auto`` races: (label, backend name, parameters).

    Every supporting backend for shipments (pickup and delivery: OR-Tools beat PyVRP
    on the pooled Ajaccio problem, PyVRP won on Li & Lim). For depot deliveries,
    PyVRP twice, with ``seed`` and ``seed + 1``: PyVRP won every such benchmark
    instance, and although two searches on the two vCPUs each run about 20 % fewer
    iterations, the better of two seeds had a lower mean gap on Cordeau (0.65 % vs
    0.83 %), X (0.67 % vs 0.82 %) and Solomon (-0.04 % vs -0.01 %) than PyVRP alone
    with one seed (``benchmarks/results/2026-11-26-seedrace-*.md``). When only one
    backend supports the problem, the spare core runs a second search of that
    backend: from scratch beside a warm start (a local search started from a given
    plan can stay in its basin, as OR-Tools did starting from the separate plan),
    or, for OR-Tools without a start, the other of the two insertion
    strategies measured best (``benchmarks/results/*insertion*``).
    """
    single = replace(params, parallel_searches=1)
    entries: list[Entry] = [(s.name, s, single) for s in candidates]
    first = candidates[0]
    if not problem.has_shipments and first.name == "pyvrp":
        # Depot deliveries (CVRP, VRPTW, multi-depot): PyVRP won every such benchmark
        # instance, so the spare core runs PyVRP again with another seed.
        return [entries[0], other_seed(first, single)]
    if len(entries) != 1:
        return entries
    name = first.name
    if params.initial is not None:
        entries.append((f"{name} from scratch", first, replace(single, initial=None)))
    elif name == "ortools":
        other: FirstSolution = (
            "parallel_cheapest_insertion"
            if params.first_solution != "parallel_cheapest_insertion"
            else "local_cheapest_insertion"
        )
        variant = replace(single, first_solution=other)
        entries.append((f"ortools {other}", first, variant))
    return entries


def _solve_with(
    solver: Solver, problem: RoutingProblem, params: SolveParams, sent_at: float
) -> Plan:
    """Run one backend in a race worker, within what is left of the race's budget.

    ``sent_at`` is the parent's ``time.time()`` at submission: a worker process may
    take a second to start (the forkserver importing OR-Tools and PyVRP), which the
    race's budget includes.
    """
    late = max(0.0, time.time() - sent_at)
    budget = max(_MIN_RACE_SEARCH_S, params.time_limit_s - late)
    return solver.solve(problem, replace(params, time_limit_s=budget))


_MIN_RACE_SEARCH_S = 0.1
"""Search time a race worker gets even when it started after the budget ended."""

_CHECK_RESERVE_S = 0.3
"""Time kept, within the bound, for checking the plans after the race's wait."""


def _bound_s(time_limit_s: float) -> float:
    """The longest a solve may take: the budget plus 5 % and 1 s."""
    return time_limit_s * 1.05 + 1.0


def _run_race(
    problem: RoutingProblem, entries: list[Entry], workers: int, time_limit_s: float
) -> tuple[list[tuple[str, Plan]], list[str]]:
    """Run the searches in worker processes; return the plans that came back in
    time, and what became of the others.

    The race waits for every search until the bound (:func:`_bound_s`, less
    :data:`_CHECK_RESERVE_S`), and past it only while no search has returned a plan
    the checker accepts (workers slow to start on a loaded machine: a late plan beats
    none). Searches still running then are terminated, and all of them are when this
    process is interrupted (``shutdown`` would wait for them).
    """
    t0 = time.perf_counter()
    bound_at = t0 + _bound_s(time_limit_s) - _CHECK_RESERVE_S
    sent_at = time.time()
    pool = local_executor(min(workers, len(entries)))
    try:
        futures = [
            pool.submit(_solve_with, s, problem, p, sent_at) for _, s, p in entries
        ]
        done = _wait_for_plans(problem, futures, bound_at, time_limit_s)
    except BaseException:
        terminate_workers(pool)
        raise
    if len(done) < len(futures):
        terminate_workers(pool)
    else:
        pool.shutdown()
    outcomes, failures = [], []
    for (label, _, _), future in zip(entries, futures, strict=True):
        if future not in done:
            logger.warning("auto: %s did not finish within the budget", label)
            failures.append(f"{label}: still searching at the end of the budget")
            continue
        # Any failure of one search (even a crash) must not cost the other's plan.
        try:
            outcomes.append((label, future.result()))
        except Exception as exc:
            logger.warning("auto: %s failed: %r", label, exc)
            failures.append(f"{label}: {exc!r}")
    return outcomes, failures


def _wait_for_plans(
    problem: RoutingProblem,
    futures: list[Future[Plan]],
    bound_at: float,
    time_limit_s: float,
) -> set[Future[Plan]]:
    """Wait as :func:`_run_race` says; return the finished futures.

    Past the bound the wait is capped too (budget + 10 s), in case a backend ignores
    its budget.
    """
    done, pending = wait(futures, timeout=max(0, bound_at - time.perf_counter()))
    cap_at = bound_at + time_limit_s + 10
    while pending and not any(_acceptable(problem, f) for f in done):
        left = cap_at - time.perf_counter()
        if left <= 0:
            break
        more, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
        done |= more
    return done


def _acceptable(problem: RoutingProblem, future: Future[Plan]) -> bool:
    """Whether a finished search returned a plan the checker accepts."""
    return future.exception() is None and not check_plan(problem, future.result())


def _best_checked(
    problem: RoutingProblem,
    labels: list[str],
    outcomes: list[tuple[str, Plan]],
    failures: list[str],
    t0: float,
) -> Plan:
    """Keep the lowest-objective plan that passes the checker; ties go to the
    earlier search."""
    scored = []
    for label, plan in outcomes:
        errors = check_plan(problem, plan)
        if errors:
            logger.warning("auto: %s plan breaks %s; discarded", label, errors[:3])
            failures.append(f"{label}: plan breaks {len(errors)} rule(s)")
            continue
        scored.append((evaluate(problem, plan), labels.index(label), label, plan))
    if not scored:
        msg = (
            f"no backend returned a feasible plan for {problem.name!r}: "
            f"{'; '.join(failures)}"
        )
        raise SolverError(msg)
    value, _, winner, plan = min(scored, key=lambda s: s[:2])
    others = ", ".join(label for label in labels if label != winner)
    logger.info("auto: %s won with objective %d (raced %s)", winner, value, others)
    label = f"{winner} (auto: raced {others})"
    return replace(plan, backend=label, wall_time_s=time.perf_counter() - t0)


def _in_turn(problem: RoutingProblem, entries: list[Entry]) -> Plan:
    """Run the searches one after another in this process; keep the best checked."""
    t0 = time.perf_counter()
    labels = [label for label, _, _ in entries]
    outcomes, failures = [], []
    for label, solver, params in entries:
        try:
            outcomes.append((label, solver.solve(problem, params)))
        except Exception as exc:  # one failed search must not cost the others
            logger.warning("auto: %s failed: %r", label, exc)
            failures.append(f"{label}: {exc!r}")
    return _best_checked(problem, labels, outcomes, failures, t0)


def _race(
    problem: RoutingProblem, entries: list[Entry], workers: int, time_limit_s: float
) -> Plan:
    """Run the searches in worker processes and keep the best checked plan.

    All searches share the budget ``time_limit_s``, which counts from here (worker
    start-up included); searches not done shortly after it are terminated and left
    out. Plans failing :func:`~logistics.checker.check_plan` are discarded; ties go to
    the earlier entry.
    """
    t0 = time.perf_counter()
    labels = [label for label, _, _ in entries]
    outcomes, failures = _run_race(problem, entries, workers, time_limit_s)
    return _best_checked(problem, labels, outcomes, failures, t0)


def solve(
    problem: RoutingProblem, params: SolveParams, *, backend: str = "auto"
) -> Plan:
    """Solve ``problem`` with the chosen backend.

    Parameters
    ----------
    problem
        The routing problem.
    params
        Search settings, passed to the backend(s).
    backend
        A backend name, or ``"auto"``. For shipments (pickup and delivery), the
        portfolio of :mod:`.portfolio` within the budget, ``parallel_searches`` at a
        time (in worker processes when 2 or more, else in turn here). For depot
        deliveries, with ``parallel_searches >= 2``, the searches of
        :func:`_race_entries` in parallel (two PyVRP seeds; two OR-Tools searches
        when only OR-Tools applies), else the first installed backend supporting the
        problem, PyVRP before OR-Tools. The best plan the checker accepts is kept.

    Returns
    -------
    Plan
        The plan; under ``auto`` its ``backend`` names the winning search and the
        others, e.g. ``"ortools lcci (auto: raced ortools from start, pyvrp)"``,
        ``"pyvrp seed 2 (auto: raced pyvrp)"`` or ``"pyvrp (auto)"``.

    Raises
    ------
    BackendUnavailableError
        When a forced backend is unavailable or lacks a feature of the problem.
    SolverError
        When no backend returns a usable plan.
    """
    if backend != "auto":
        solver = choose_backend(problem, backend)
        logger.info("solving %s with %s", problem.name, solver.name)
        return solver.solve(problem, params)
    candidates = _candidates(problem) or [get_solver("ortools")]
    if problem.has_shipments:
        # Pickup and delivery, the project's own problems: a portfolio of searches
        # within the budget (see portfolio.py).
        backends = {c.name: c for c in candidates}
        entries = portfolio(problem, backends, params)
        entries = split_budget(entries, params.time_limit_s, params.parallel_searches)
    else:
        entries = _race_entries(problem, candidates, params)
        if params.parallel_searches < 2:
            entries = entries[:1]
    if len(entries) >= 2 and problem.requests and problem.vehicles:
        labels = [e[0] for e in entries]
        if params.parallel_searches >= 2:
            logger.info("solving %s: racing %s", problem.name, labels)
            return _race(
                problem, entries, params.parallel_searches, params.time_limit_s
            )
        logger.info("solving %s: searches in turn %s", problem.name, labels)
        return _in_turn(problem, entries)
    if entries:
        label, solver, entry_params = entries[0]
    else:
        solver = candidates[0]
        label, entry_params = solver.name, replace(params, parallel_searches=1)
    logger.info("solving %s with %s (auto)", problem.name, label)
    plan = solver.solve(problem, entry_params)
    return replace(plan, backend=f"{label} (auto)")
