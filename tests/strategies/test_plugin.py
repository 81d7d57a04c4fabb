"""A new strategy is one class and a register call: here, nearest-neighbour pairs.

Each producer pools with its nearest neighbour (by road time between farms): pairs
share their vehicles, different pairs never share. Defined here, in a test, to show
that nothing else in the package needs to change.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Executor
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from logistics.comparison import compare
from logistics.fleet import FleetVehicle, producer_vehicles
from logistics.solution import Solution, merge_solutions, to_solution
from logistics.strategies import STRATEGIES, register, run_strategy, solve_problems
from logistics.travel import build_travel

from ..conftest import fleet_of, solve_with

if TYPE_CHECKING:
    from logistics.context import PlanningContext


class NearestPairs:
    """Each producer shares vehicles with its nearest neighbour only."""

    name = "nearest_pairs"
    description = "each producer pools with its nearest neighbour"

    def groups(
        self, context: PlanningContext, producers: Collection[str]
    ) -> list[tuple[str, ...]]:
        """Greedy pairs of nearest farms (by travel time both ways)."""
        left = sorted(producers)
        groups = []
        while left:
            p = left.pop(0)
            if not left:
                groups.append((p,))
                break
            i = context.index(p)
            q = min(
                left,
                key=lambda o: (
                    context.duration_s[i, context.index(o)]
                    + context.duration_s[context.index(o), i]
                ),
            )
            left.remove(q)
            groups.append((p, q))
        return groups

    def fleet(
        self, context: PlanningContext, producers: Collection[str]
    ) -> tuple[FleetVehicle, ...]:
        return tuple(
            replace(v, serves=group)
            for group in self.groups(context, producers)
            for p in group
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
        groups = self.groups(context, producers)
        problems = [
            context.problem(group, self.fleet(context, group), name="+".join(group))
            for group in groups
        ]
        params = context.solve_params(time_limit_s=1.0)
        plans = solve_problems(context, problems, params, executor)
        return merge_solutions(
            self.name,
            [
                to_solution(context.scenario, pb, plan, strategy=self.name)
                for pb, plan in zip(problems, plans, strict=True)
            ],
        )


@pytest.fixture
def nearest_pairs():  # type: ignore[no-untyped-def]
    """Register the strategy for one test."""
    strategy = register(NearestPairs())
    yield strategy
    del STRATEGIES[strategy.name]


def test_third_strategy_runs_checked_and_compared(
    nearest_pairs, three_farms, three_farms_context
) -> None:
    """The plug-in is solved, checked against its own fleet and compared."""
    solution = run_strategy(nearest_pairs, three_farms_context)
    groups = nearest_pairs.groups(three_farms_context, three_farms_context.producer_ids)
    orders = {o.id: o for o in three_farms.orders}
    for route in solution.routes:
        group = next(g for g in groups if route.owner in g)
        assert {orders[o].producer for o in route.orders} <= set(group)
    result = compare(
        three_farms,
        travel=build_travel(three_farms),
        strategies=["separate", "nearest_pairs", "pooled"],
        use_cache=False,
    )
    assert result.strategies == ("separate", "nearest_pairs", "pooled")
    assert set(result.savings) == {"nearest_pairs", "pooled"}
    pairs = result["nearest_pairs"].account
    separate = result["separate"].account
    assert result.savings["nearest_pairs"].cost_eur == pytest.approx(
        separate.cost_eur - pairs.cost_eur
    )


def test_checker_holds_a_solution_to_the_fleet_it_is_checked_with(
    three_farms_context,
) -> None:
    """The pooled plan passes with the pooled fleet, and is rejected with a fleet
    that restricts each van to its owner: p2's reefer carries p0's chilled order."""
    from logistics.checker import check_solution

    pooled = solve_with("pooled", three_farms_context)
    scenario = three_farms_context.scenario
    fleet = fleet_of("pooled", three_farms_context)
    assert check_solution(scenario, three_farms_context, pooled, fleet=fleet) == []
    own_only = fleet_of("separate", three_farms_context)
    errors = check_solution(scenario, three_farms_context, pooled, fleet=own_only)
    assert any(
        "carries 'o4' of producer p0, but this vehicle only serves ['p2']" in e
        for e in errors
    )
