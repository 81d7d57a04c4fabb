"""Several trips a day: a van comes home between a morning and an evening round."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from logistics.checker import check_plan, check_solution
from logistics.context import build_context
from logistics.plan import Plan, RoutePlan, evaluate, schedule_route
from logistics.problem import Request, RoutingProblem, Vehicle, Visit
from logistics.scenario import parse_scenario
from logistics.solvers import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.travel import build_travel

from .conftest import fleet_of, solve_with, tiny_raw, with_evening_drop

MORNING = ((7 * 3600, 9 * 3600),)
EVENING = ((17 * 3600, 19 * 3600),)


def _farm_shop_drop(max_trips: int, *, paid_at_base: bool = False) -> RoutingProblem:
    """A farm (location 0, the van's base) with an order for a shop open in the
    morning and one for a drop point open in the evening, 10 min from the farm."""
    d = np.array([[0, 600, 600], [600, 0, 300], [600, 300, 0]], dtype=np.int64)
    visits = (
        Visit(0, 0, "pickup", 60, ((0, 86_400),)),
        Visit(1, 0, "delivery", 60, MORNING),
        Visit(0, 1, "pickup", 60, ((0, 86_400),)),
        Visit(2, 1, "delivery", 60, EVENING),
    )
    requests = (Request("shop", 0, 1, (10,)), Request("drop", 2, 3, (10,)))
    van = Vehicle(
        "van",
        0,
        0,
        (100,),
        (0, 48 * 3600),
        12 * 3600,
        fixed_cost=1000,
        distance_cost=1,
        duration_cost=1,
        max_trips=max_trips,
        paid_at_base=paid_at_base,
    )
    return RoutingProblem(d, d.copy(), visits, requests, (van,))


def test_van_returns_home_and_leaves_again_unpaid_in_between() -> None:
    """With two trips the van delivers the shop in the morning, goes home, and
    leaves again for the evening drop: the hours parked at home are not paid."""
    problem = _farm_shop_drop(max_trips=2)
    two_trips = Plan((RoutePlan(0, (0, 1, 2, 3), (2,)),), ())
    assert check_plan(problem, two_trips) == []
    sched = schedule_route(problem, 0, (0, 1, 2, 3), (2,))
    # trip 1: load 60 s, 600 s to the shop, unload 60 s, 600 s home = 1,320 s;
    # trip 2 likewise = 1,320 s; the afternoon at home is not paid.
    assert sched.duration == 2 * 1320
    back, leave = sched.returns[0]
    assert back <= leave
    assert sched.start[3] >= EVENING[0][0]
    one_trip = Plan((RoutePlan(0, (0, 2, 1, 3)),), ())
    assert evaluate(problem, two_trips) < evaluate(problem, one_trip)
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert plan.routes[0].breaks  # the solver found the two-trip day
    assert evaluate(problem, plan) == evaluate(problem, two_trips)


def test_a_driver_paid_for_the_shift_is_paid_while_parked() -> None:
    """A hired driver paid for the shift costs the whole day, trips or not."""
    problem = _farm_shop_drop(max_trips=2, paid_at_base=True)
    sched = schedule_route(problem, 0, (0, 1, 2, 3), (2,))
    assert sched.duration == sched.span > 8 * 3600


def test_problem_checker_refuses_extra_trips_and_goods_left_aboard() -> None:
    """A one-trip van may not come home in between; a van may not come home with
    goods it has not delivered."""
    one = _farm_shop_drop(max_trips=1)
    errors = check_plan(one, Plan((RoutePlan(0, (0, 1, 2, 3), (2,)),), ()))
    assert any("makes 2 trips; at most 1" in e for e in errors)
    two = _farm_shop_drop(max_trips=2)
    errors = check_plan(two, Plan((RoutePlan(0, (0, 2, 1, 3), (1,)),), ()))
    assert any(
        "returns to base before visit 2 with goods on board" in e for e in errors
    )


@pytest.fixture(scope="module")
def evening_scenario():  # type: ignore[no-untyped-def]
    """The tiny scenario with an evening drop point for p1, vans allowed 2 trips."""
    raw = tiny_raw()
    with_evening_drop(raw)
    scenario = parse_scenario(raw)
    return build_context(scenario, build_travel(scenario).matrix)


def test_separate_plan_sends_the_van_out_twice(evening_scenario) -> None:
    """p1's van serves its morning shops, goes home, and does the evening drop; the
    report shows two trips with a base stop, and the checker accepts it."""
    solution = solve_with("separate", evening_scenario, ["p1"])
    route = next(r for r in solution.routes if r.vehicle == "p1-van-1")
    assert route.trips == 2
    base = next(s for s in route.stops if s.type == "base")
    assert base.site == "p1"
    assert base.departure_s > base.arrival_s + 3600  # hours at the farm, unpaid
    span = route.stops[-1].arrival_s - route.stops[0].departure_s
    assert route.duration_s == pytest.approx(span - (base.departure_s - base.arrival_s))


def test_checker_refuses_overlapping_trips(evening_scenario) -> None:
    """A second trip that leaves before the first is back is rejected."""
    context = evening_scenario
    solution = solve_with("separate", context, ["p1"])
    route = next(r for r in solution.routes if r.trips == 2)
    stops = list(route.stops)
    i = next(i for i, s in enumerate(stops) if s.type == "base")
    stops[i] = dataclasses.replace(stops[i], departure_s=stops[i].arrival_s - 1800)
    broken = dataclasses.replace(
        solution,
        routes=tuple(
            dataclasses.replace(r, stops=tuple(stops)) if r is route else r
            for r in solution.routes
        ),
    )
    errors = check_solution(
        context.scenario,
        context,
        broken,
        fleet=fleet_of("separate", context, ["p1"]),
        producers=["p1"],
    )
    assert any(
        "trip 2 leaves base" in e and "before trip 1 is back" in e for e in errors
    )
