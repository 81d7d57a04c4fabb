"""``pooled``: the collective's fleet serves all its producers' orders together.

A vehicle collects at several farms, then delivers (pickup and delivery on the same
vehicle). The fleet is the members' own vehicles (when the scenario pools them) plus
the pooled fleet's extra vehicles open to these members. The search starts from a
given solution (normally the separate one) when its vehicles belong to this fleet, and
never returns a plan worse than that start on the objective.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from ..fleet import FleetVehicle, pool_vehicles, producer_vehicles
from ..solution import Solution, to_solution
from .base import plan_from_solution, register, solve_problems

if TYPE_CHECKING:
    from ..context import PlanningContext

__all__ = ["Pooled"]

logger = logging.getLogger(__name__)


class Pooled:
    """Shared vehicles and shared routes for every member."""

    name = "pooled"
    description = "shared vehicles collect at several farms, then deliver"

    def fleet(
        self, context: PlanningContext, producers: Collection[str]
    ) -> tuple[FleetVehicle, ...]:
        """Members' own vehicles (if pooled) then the pool vehicles open to them."""
        scenario = context.scenario
        members = set(producers)
        own: tuple[FleetVehicle, ...] = ()
        if scenario.pooled_fleet.include_producer_vehicles:
            own = tuple(
                v
                for p in scenario.producers
                if p.id in members
                for v in producer_vehicles(scenario, p.id)
            )
        return own + pool_vehicles(scenario, members)

    def solve(
        self,
        context: PlanningContext,
        producers: Collection[str],
        *,
        start: Solution | None = None,
        executor: Executor | None = None,
    ) -> Solution:
        """Solve one pickup-and-delivery problem for all members' orders."""
        problem = context.problem(producers, self.fleet(context, producers))
        initial = plan_from_solution(problem, start) if start is not None else None
        params = context.solve_params(
            time_limit_s=context.scenario.solver.time_limit_s,
            initial=initial,
            race=True,
        )
        plan = solve_problems(context, [problem], params)[0]
        solution = to_solution(context.scenario, problem, plan, strategy=self.name)
        if initial is not None:
            # Never report a pooled plan worse than what every producer achieves
            # alone: keep the start if the search ended above it.
            base = to_solution(context.scenario, problem, initial, strategy=self.name)
            if base.objective < solution.objective:
                logger.warning("pooled search ended above its start; keeping the start")
                solution = base
        return solution


register(Pooled())
