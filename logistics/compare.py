"""The two strategies and their comparison.

- ``separate``: each producer serves its own orders with its own vehicles, from its
  farm. One routing problem per producer, solved in parallel processes where cores
  allow.
- ``pooled``: the collective's fleet serves all orders as pickup-and-delivery. The
  search starts from the separate plan whenever the pooled fleet includes the
  producers' vehicles, so pooled is never worse than separate on the objective.

Every solution is re-checked by :func:`~logistics.checker.check_solution` before it is
returned.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .accounting import StrategyAccount, account
from .checker import assert_feasible
from .plan import Plan, RoutePlan
from .plan_cache import load_plan, plan_key, store_plan
from .problem import RoutingProblem, build_problem
from .solution import Solution, merge_solutions, to_solution
from .solvers import SolveParams, solve

if TYPE_CHECKING:
    from .matrix import TravelMatrix
    from .scenario import Scenario
    from .travel import NetworkInfo

__all__ = ["Comparison", "StrategyResult", "compare", "solve_pooled", "solve_separate"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class StrategyResult:
    """A checked solution and its accounts."""

    solution: Solution
    account: StrategyAccount


def _params(
    scenario: Scenario, *, pooled: bool, initial: Plan | None = None
) -> SolveParams:
    s = scenario.solver
    return SolveParams(
        time_limit_s=s.time_limit_s if pooled else s.separate_time_limit_s,
        seed=s.seed,
        solution_limit=s.solution_limit,
        first_solution=s.first_solution,
        initial=initial,
    )


def _solve_one(args: tuple[RoutingProblem, SolveParams, str]) -> Plan:
    problem, params, backend = args
    return solve(problem, params, backend=backend)


def _solve_all(
    jobs: Sequence[tuple[RoutingProblem, SolveParams, str]],
    workers: int,
    use_cache: bool,
) -> list[Plan]:
    """Solve every job, reusing cached plans, in parallel processes when workers > 1."""
    keys = [plan_key(*job) for job in jobs]
    plans: list[Plan | None] = [load_plan(k) if use_cache else None for k in keys]
    todo = [i for i, p in enumerate(plans) if p is None]
    if len(todo) > 1 and workers > 1:
        # fork: works from scripts without a __main__ guard; the parent has not
        # started solver threads (OR-Tools routing search is single-threaded).
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            fresh = list(pool.map(_solve_one, [jobs[i] for i in todo]))
    else:
        fresh = [_solve_one(jobs[i]) for i in todo]
    for i, plan in zip(todo, fresh, strict=True):
        plans[i] = plan
        store_plan(keys[i], plan)
    return [p for p in plans if p is not None]


def _workers(scenario: Scenario, jobs: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    wanted = scenario.solver.workers or cores
    return max(1, min(wanted, jobs, cores))


def solve_separate(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    progress: Progress | None = None,
    use_cache: bool = False,
) -> Solution:
    """Solve each producer alone with its own vehicles and merge the plans.

    Parameters
    ----------
    scenario
        The validated scenario.
    matrix
        Travel matrix between all sites.
    progress
        Called with a short message as producers are solved.
    use_cache
        Reuse plans cached on disk for identical problems and settings.

    Returns
    -------
    Solution
        The merged, checked solution (strategy ``"separate"``).
    """
    say = progress or (lambda _m: None)
    producers = [
        p.id
        for p in scenario.producers
        if any(o.producer == p.id for o in scenario.orders)
    ]
    problems = [
        build_problem(scenario, matrix, pooled=False, producers=[p]) for p in producers
    ]
    jobs = [
        (pb, _params(scenario, pooled=False), scenario.solver.backend)
        for pb in problems
    ]
    workers = _workers(scenario, len(jobs))
    say(f"separate: {len(jobs)} producers on {workers} worker(s)")
    plans = _solve_all(jobs, workers, use_cache)
    parts = [
        to_solution(scenario, pb, plan, strategy="separate")
        for pb, plan in zip(problems, plans, strict=True)
    ]
    solution = merge_solutions("separate", parts)
    assert_feasible(scenario, matrix, solution)
    return solution


def _initial_from(problem: RoutingProblem, solution: Solution) -> Plan | None:
    """Express a solution's routes as a plan of ``problem`` (None if impossible)."""
    vehicle_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    routes = []
    for route in solution.routes:
        if route.vehicle not in vehicle_index:
            return None
        visits = []
        for stop in route.stops:
            if stop.order is None:
                continue
            req = problem.requests[problem.request_index(stop.order)]
            visits.append(req.pickup if stop.type == "pickup" else req.delivery)
        routes.append(
            RoutePlan(
                vehicle_index[route.vehicle], tuple(v for v in visits if v is not None)
            )
        )
    served = {o for r in solution.routes for o in r.orders}
    unserved = tuple(i for i, r in enumerate(problem.requests) if r.id not in served)
    return Plan(tuple(routes), unserved, "initial")


def solve_pooled(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    initial: Solution | None = None,
    progress: Progress | None = None,
    use_cache: bool = False,
) -> Solution:
    """Solve all orders with the pooled fleet.

    Parameters
    ----------
    scenario
        The validated scenario.
    matrix
        Travel matrix between all sites.
    initial
        A solution to start from (normally the separate one); ignored when its vehicles
        are not part of the pooled fleet.
    progress
        Called with a short message.
    use_cache
        Reuse a plan cached on disk for the identical problem and settings.

    Returns
    -------
    Solution
        The checked pooled solution. When an initial solution is given and usable, the
        pooled objective is never above its objective.
    """
    say = progress or (lambda _m: None)
    problem = build_problem(scenario, matrix, pooled=True)
    start = _initial_from(problem, initial) if initial is not None else None
    say(f"pooled: {len(problem.requests)} orders, {len(problem.vehicles)} vehicles")
    job = (
        problem,
        _params(scenario, pooled=True, initial=start),
        scenario.solver.backend,
    )
    plan = _solve_all([job], 1, use_cache)[0]
    solution = to_solution(scenario, problem, plan, strategy="pooled")
    if start is not None:
        # Keep the starting plan if the search somehow did worse (never report a
        # pooled plan worse than what every producer achieves alone).
        base = to_solution(scenario, problem, start, strategy="pooled")
        if base.objective < solution.objective:
            logger.warning("pooled search ended above its start; keeping the start")
            solution = base
    assert_feasible(scenario, matrix, solution)
    return solution


@dataclass(frozen=True)
class Comparison:
    """Separate vs pooled, with the network used and the savings."""

    scenario: Scenario
    network: NetworkInfo
    separate: StrategyResult
    pooled: StrategyResult
    wall_time_s: float

    @property
    def savings(self) -> dict[str, float]:
        """What pooling saves: absolute and percent of separate."""
        sep, poo = self.separate.account, self.pooled.account
        out: dict[str, float] = {}
        for key in ("distance_km", "duration_h", "cost_eur", "co2e_kg"):
            a, b = getattr(sep, key), getattr(poo, key)
            out[key] = a - b
            out[key.rsplit("_", 1)[0] + "_pct"] = 100.0 * (a - b) / a if a else 0.0
        out["vehicles_used"] = sep.vehicles_used - poo.vehicles_used
        # Split the CO2e saving: fewer km at the separate plan's kg CO2e per km, and
        # the change in kg CO2e per km (load factor, vehicle mix) on the pooled km.
        if sep.distance_km > 0 and poo.distance_km > 0:
            sep_rate = sep.co2e_kg / sep.distance_km
            poo_rate = poo.co2e_kg / poo.distance_km
            out["co2e_from_fewer_km_kg"] = (
                sep.distance_km - poo.distance_km
            ) * sep_rate
            out["co2e_from_intensity_kg"] = poo.distance_km * (sep_rate - poo_rate)
        return out

    def producer_savings(self) -> list[dict[str, Any]]:
        """Per producer: allocated cost and CO2e separate vs pooled (ISO 14083 rule)."""
        sep = {p.producer: p for p in self.separate.account.producers}
        poo = {p.producer: p for p in self.pooled.account.producers}
        rows = []
        for pid, a in sep.items():
            b = poo[pid]
            rows.append(
                {
                    "producer": pid,
                    "orders_separate": a.orders_served,
                    "orders_pooled": b.orders_served,
                    "cost_separate_eur": a.cost_eur,
                    "cost_pooled_eur": b.cost_eur,
                    "cost_saving_eur": a.cost_eur - b.cost_eur,
                    "co2e_separate_kg": a.co2e_kg,
                    "co2e_pooled_kg": b.co2e_kg,
                    "co2e_saving_kg": a.co2e_kg - b.co2e_kg,
                }
            )
        return rows

    @property
    def summary(self) -> str:
        """A plain-text table of both strategies and the savings."""
        from .report.tables import summary_text

        return summary_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The content of ``report.json``."""
        from .report.files import comparison_dict

        return comparison_dict(self)


def compare(
    scenario: Scenario,
    *,
    matrix: TravelMatrix | None = None,
    network: NetworkInfo | None = None,
    scenario_dir: str | Path | None = None,
    osm_dirs: tuple[str | Path, ...] = (),
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Comparison:
    """Solve both strategies and compare them.

    Parameters
    ----------
    scenario
        The validated scenario (from :func:`~logistics.scenario.load_scenario`).
    matrix, network
        A precomputed travel matrix and its network description; built when omitted.
    scenario_dir
        Folder of the scenario file, where its OSM file is looked for first (defaults to
        the folder ``load_scenario`` read it from).
    osm_dirs
        Further folders to look for OSM files in.
    progress
        Called with a short message at each step.
    use_cache
        Reuse networks, matrices and plans cached on disk for identical inputs.

    Returns
    -------
    Comparison
        Both checked solutions, their accounts and the savings.
    """
    from .travel import build_travel

    t0 = time.perf_counter()
    if matrix is None or network is None:
        folder = Path(scenario_dir) if scenario_dir is not None else scenario.source_dir
        travel = build_travel(
            scenario,
            scenario_dir=folder,
            osm_dirs=osm_dirs,
            use_cache=use_cache,
            progress=progress,
        )
        matrix, network = travel.matrix, travel.network
    separate = solve_separate(scenario, matrix, progress=progress, use_cache=use_cache)
    pooled = solve_pooled(
        scenario, matrix, initial=separate, progress=progress, use_cache=use_cache
    )
    return Comparison(
        scenario=scenario,
        network=network,
        separate=StrategyResult(separate, account(scenario, separate, matrix)),
        pooled=StrategyResult(pooled, account(scenario, pooled, matrix)),
        wall_time_s=time.perf_counter() - t0,
    )
