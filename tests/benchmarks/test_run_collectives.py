"""The collectives benchmark stores best-known plans as JSON that re-cost exactly."""

from __future__ import annotations

from benchmarks.run_collectives import plan_from_json, plan_to_json
from logistics.checker import check_plan
from logistics.plan import Plan, RoutePlan, evaluate

from ..test_trips import _farm_shop_drop


def test_a_two_trip_plan_round_trips_with_its_return_to_base() -> None:
    """A stored plan keeps where the van went home between trips: read back, it is
    the same plan at the same cost (it used to come back as one long trip)."""
    problem = _farm_shop_drop(max_trips=2)
    plan = Plan((RoutePlan(0, (0, 1, 2, 3), (2,)),), ())
    assert check_plan(problem, plan) == []
    again = plan_from_json(problem, plan_to_json(problem, plan))
    assert again.routes == plan.routes
    assert evaluate(problem, again) == evaluate(problem, plan)
