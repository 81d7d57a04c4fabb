"""``separate``: each producer serves its own orders with its own vehicles.

One routing problem per producer, solved independently (in parallel on an executor).
This is the baseline the other strategies are compared with.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Executor
from dataclasses import replace
from typing import TYPE_CHECKING

from ..fleet import FleetVehicle, producer_vehicles
from ..solution import Solution, merge_solutions, to_solution
from .base import register, solve_problems

if TYPE_CHECKING:
    from ..context import PlanningContext

__all__ = ["Separate"]


class Separate:
    """Each producer alone: its own vehicles from its farm carry only its orders."""

    name = "separate"
    description = "each producer delivers its own orders with its own vehicles"

    def fleet(
        self, context: PlanningContext, producers: Collection[str]
    ) -> tuple[FleetVehicle, ...]:
        """Every member's own vehicles, each restricted to its owner's orders."""
        return tuple(
            replace(v, serves=(p,))
            for p in producers
            for v in producer_vehicles(context.scenario, p)
        )

    def solve(
        self,
        context: PlanningContext,
        producers: Collection[str],
        *,
        start: Solution | None = None,
        executor: Executor | None = None,
    ) -> Solution:
        """Solve one problem per producer with orders and merge the plans."""
        members = [p for p in producers if context.orders_of([p])]
        problems = [
            context.problem(
                [p], self.fleet(context, [p]), name=f"{context.scenario.name} / {p}"
            )
            for p in members
        ]
        params = context.solve_params(
            time_limit_s=context.scenario.solver.separate_time_limit_s
        )
        plans = solve_problems(context, problems, params, executor)
        parts = [
            to_solution(context.scenario, problem, plan, strategy=self.name)
            for problem, plan in zip(problems, plans, strict=True)
        ]
        return merge_solutions(self.name, parts)


register(Separate())
