"""The strategy interface, the registry, and what every strategy shares.

A strategy says which vehicles a set of producers may use (:meth:`Strategy.fleet`) and
how their orders are planned (:meth:`Strategy.solve`). :func:`run_strategy` solves and
then re-checks the solution with the independent checker against that same fleet, so a
new strategy is one module defining a class, plus ``register(MyStrategy())``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..checker import assert_feasible
from ..executors import map_jobs
from ..plan import Plan, RoutePlan
from ..plan_store import plan_key
from ..solvers import solve

if TYPE_CHECKING:
    from ..context import PlanningContext
    from ..fleet import FleetVehicle
    from ..problem import RoutingProblem
    from ..solution import Solution
    from ..solvers.base import SolveParams

__all__ = [
    "STRATEGIES",
    "Strategy",
    "get_strategy",
    "plan_from_solution",
    "register",
    "run_strategy",
    "solve_problems",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class Strategy(Protocol):
    """A way for producers to organise their deliveries.

    Attributes
    ----------
    name
        Registry key and report label (``"separate"``, ``"pooled"``, ...).
    description
        One line for reports.
    """

    name: str
    description: str

    def fleet(
        self, context: PlanningContext, producers: Collection[str]
    ) -> tuple[FleetVehicle, ...]:
        """Return the vehicles ``producers`` may use under this strategy."""
        ...

    def solve(
        self,
        context: PlanningContext,
        producers: Collection[str],
        *,
        start: Solution | None = None,
        executor: Executor | None = None,
    ) -> Solution:
        """Plan every order of ``producers`` with :meth:`fleet`'s vehicles.

        ``start`` is a solution to start from (e.g. the baseline's), which the
        strategy may ignore; ``executor`` runs independent solves in parallel.
        """
        ...


STRATEGIES: dict[str, Strategy] = {}
"""The registered strategies by name."""


def register(strategy: Strategy) -> Strategy:
    """Add ``strategy`` to :data:`STRATEGIES` under its name and return it."""
    STRATEGIES[strategy.name] = strategy
    return strategy


def get_strategy(name: str) -> Strategy:
    """Return the registered strategy ``name``.

    Raises
    ------
    KeyError
        A :class:`~logistics.exceptions.UnknownIdError` naming the known strategies.
    """
    from ..exceptions import UnknownIdError

    try:
        return STRATEGIES[name]
    except KeyError:
        msg = f"unknown strategy {name!r}; choose from {sorted(STRATEGIES)}"
        raise UnknownIdError(msg) from None


def run_strategy(
    strategy: Strategy,
    context: PlanningContext,
    producers: Collection[str] | None = None,
    *,
    start: Solution | None = None,
    executor: Executor | None = None,
) -> Solution:
    """Solve with ``strategy`` and re-check the solution independently.

    Parameters
    ----------
    strategy
        The strategy.
    context
        The planning context.
    producers
        The producers planned (all by default).
    start
        A solution the strategy may start from.
    executor
        Runs independent solves in parallel (``None``: in this process).

    Returns
    -------
    Solution
        The solution, which passed :func:`~logistics.checker.check_solution` with the
        strategy's own fleet.

    Raises
    ------
    InfeasiblePlanError
        When the checker rejects the solution.
    """
    members = tuple(producers) if producers is not None else context.producer_ids
    solution = strategy.solve(context, members, start=start, executor=executor)
    assert_feasible(
        context.scenario,
        context,
        solution,
        fleet=strategy.fleet(context, members),
        producers=members,
    )
    return solution


# -- shared by strategies -------------------------------------------------------------


def _solve_job(job: tuple[RoutingProblem, SolveParams, str]) -> Plan:
    """Solve one problem (a module-level function, so executors can pickle it)."""
    problem, params, backend = job
    return solve(problem, params, backend=backend)


def solve_problems(
    context: PlanningContext,
    problems: Sequence[RoutingProblem],
    params: SolveParams,
    executor: Executor | None = None,
) -> list[Plan]:
    """Solve every problem, reusing stored plans, on ``executor`` when given.

    Parameters
    ----------
    context
        Supplies the backend setting and the plan store.
    problems
        The problems, solved independently.
    params
        Search settings, the same for every problem.
    executor
        Where to run the solves; ``None`` runs them here one after another.

    Returns
    -------
    list of Plan
        One plan per problem, in order.
    """
    backend = context.scenario.solver.backend
    store = context.plan_store
    keys = [plan_key(p, params, backend) for p in problems]
    plans: list[Plan | None] = [
        store.load(k) if store is not None else None for k in keys
    ]
    todo = [i for i, plan in enumerate(plans) if plan is None]
    fresh = map_jobs(
        _solve_job, [(problems[i], params, backend) for i in todo], executor
    )
    for i, plan in zip(todo, fresh, strict=True):
        plans[i] = plan
        if store is not None:
            store.store(keys[i], plan)
    return [p for p in plans if p is not None]


def plan_from_solution(problem: RoutingProblem, solution: Solution) -> Plan | None:
    """Express a solution's routes as a plan of ``problem`` (None if impossible).

    Used to start a search from another strategy's solution: impossible when one of
    its vehicles or orders is not part of ``problem``.
    """
    vehicle_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    request_ids = {r.id for r in problem.requests}
    routes = []
    for route in solution.routes:
        if route.vehicle not in vehicle_index or any(
            s.type in ("drop", "load") for s in route.stops
        ):
            return None  # another fleet, or legs through a hub
        visits: list[int] = []
        breaks: list[int] = []
        for stop in route.stops:
            if stop.type == "base" and visits:
                breaks.append(len(visits))  # back home between two trips
            if stop.order is None:
                continue
            if stop.order not in request_ids:
                return None
            req = problem.requests[problem.request_index(stop.order)]
            visit = req.pickup if stop.type == "pickup" else req.delivery
            if visit is not None:
                visits.append(visit)
        inner = tuple(b for b in breaks if 0 < b < len(visits))
        routes.append(RoutePlan(vehicle_index[route.vehicle], tuple(visits), inner))
    served = {o for r in solution.routes for o in r.orders}
    unserved = tuple(i for i, r in enumerate(problem.requests) if r.id not in served)
    return Plan(tuple(routes), unserved, "start")
