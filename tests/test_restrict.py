"""A larger coalition's plan restricted to a smaller one: feasible, complete, honest."""

from __future__ import annotations

import pytest

from logistics.checker import check_plan, check_solution
from logistics.coalitions import STRATEGY, coalition_values, price_solution
from logistics.factors import outsourcing_tariff
from logistics.restrict import restricted_plan
from logistics.solution import to_solution
from logistics.strategies import get_strategy, plan_from_solution

from .conftest import solve_with


@pytest.fixture(scope="module")
def everyone_plan(three_farms_context):
    """The pooled plan of the three farms (every route on p2's reefer or a van)."""
    return solve_with("pooled", three_farms_context)


def _problem(context, members):
    ordered = [p for p in context.producer_ids if p in members]
    fleet = get_strategy(STRATEGY).fleet(context, ordered)
    return context.problem(ordered, fleet, name="+".join(ordered)), fleet, ordered


def _restricted(context, source, members):
    problem, fleet, ordered = _problem(context, members)
    plan = restricted_plan(problem, source)
    assert plan is not None
    solution = to_solution(context.scenario, problem, plan, strategy=STRATEGY)
    return problem, plan, solution, fleet, ordered


def test_restricting_to_everyone_keeps_the_plan(three_farms_context, everyone_plan):
    """With every producer kept, the restriction is the plan itself, visit by visit."""
    ctx = three_farms_context
    problem, plan, _, _, _ = _restricted(ctx, everyone_plan, ctx.producer_ids)
    same = plan_from_solution(problem, everyone_plan)
    assert same is not None
    assert sorted(plan.routes, key=lambda r: r.vehicle) == sorted(
        same.routes, key=lambda r: r.vehicle
    )
    assert plan.unserved == same.unserved


@pytest.mark.parametrize(
    "members", [("p0",), ("p1",), ("p2",), ("p0", "p1"), ("p0", "p2"), ("p1", "p2")]
)
def test_restriction_is_a_checked_plan_of_the_smaller_coalition(
    three_farms_context, everyone_plan, members
):
    """Every order of S is served once or listed unserved, and both checkers (the
    problem's and the independent scenario checker) accept the plan for S's fleet."""
    ctx = three_farms_context
    problem, plan, solution, fleet, ordered = _restricted(ctx, everyone_plan, members)
    assert check_plan(problem, plan) == []
    assert (
        check_solution(ctx.scenario, ctx, solution, fleet=fleet, producers=ordered)
        == []
    )
    mine = {o.id for o in ctx.orders_of(ordered)}
    served = [o for r in solution.routes for o in r.orders]
    assert sorted(served + [u.order for u in solution.unserved]) == sorted(mine)
    assert {r.vehicle for r in solution.routes} <= {v.id for v in fleet}


def test_a_route_on_another_producers_van_moves_to_a_members_vehicle(
    three_farms_context, everyone_plan
):
    """p1's orders carried by another farm's vehicle in the pooled plan end up on
    p1's own van, not unserved: p1's van can carry them (nothing chilled)."""
    ctx = three_farms_context
    carriers = {r.vehicle for r in everyone_plan.routes if {"o1", "o2"} & set(r.orders)}
    _, _, solution, _, _ = _restricted(ctx, everyone_plan, ("p1",))
    assert [r.vehicle for r in solution.routes] == ["p1-van-1"]
    assert sorted(solution.routes[0].orders) == ["o1", "o2"]
    assert solution.unserved == ()
    # The case is only a test of moving when the pooled plan used another vehicle.
    assert carriers != {"p1-van-1"}


def test_a_chilled_order_without_a_reefer_is_unserved_and_the_rest_placed(
    three_farms_context, everyone_plan
):
    """Alone, p0 has a plain van: its chilled order o4 cannot go on it, so it is
    listed unserved, while o3 travels on p0's van (the trip split by order)."""
    ctx = three_farms_context
    _, _, solution, _, _ = _restricted(ctx, everyone_plan, ("p0",))
    assert [u.order for u in solution.unserved] == ["o4"]
    assert [(r.vehicle, r.orders) for r in solution.routes] == [("p0-van-1", ("o3",))]


def test_coalition_values_never_exceed_the_restricted_plan(
    three_farms_context, everyone_plan
):
    """Given everyone's plan as reference, each c(S) is at most that plan restricted
    to S, priced the same way (the restriction is a candidate)."""
    ctx = three_farms_context
    tariff = outsourcing_tariff()
    coalitions = [frozenset(c) for c in (("p0",), ("p1",), ("p0", "p1"), ("p1", "p2"))]
    values = coalition_values(
        ctx, coalitions, reference=("everyone's plan", everyone_plan), unions=False
    )
    for members in coalitions:
        _, _, solution, _, _ = _restricted(ctx, everyone_plan, members)
        bound = price_solution(ctx, tariff, members, solution, "restricted")
        assert values[members].cost_eur <= bound.cost_eur + 1e-9
