"""The pooled strategy: shared vehicles, every order served or listed with reason."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.checker import check_solution
from logistics.context import build_context
from logistics.scenario import parse_scenario
from logistics.travel import build_travel

from ..conftest import fleet_of, solve_with, tiny_raw, with_evening_drop


def test_pooled_serves_the_chilled_order_separate_cannot(three_farms_context) -> None:
    """p2's refrigerated van carries p0's chilled order once vehicles are shared."""
    separate = solve_with("separate", three_farms_context)
    pooled = solve_with("pooled", three_farms_context, start=separate)
    assert [u.order for u in separate.unserved] == ["o4"]
    assert pooled.unserved == ()
    assert pooled.objective <= separate.objective
    carriers = [r for r in pooled.routes if "o4" in r.orders]
    assert carriers
    assert carriers[0].vehicle_type == "reefer"


def _random_scenario(data) -> dict:  # type: ignore[no-untyped-def, type-arg]
    raw = tiny_raw()
    n_orders = data.draw(st.integers(2, 7))
    orders = []
    for i in range(n_orders):
        orders.append(
            {
                "id": f"x{i}",
                "producer": data.draw(st.sampled_from(["p0", "p1", "p2"])),
                "delivery_point": data.draw(st.sampled_from(["d1", "d2", "d3"])),
                "kg": data.draw(st.floats(5, 400)),
                "crates": data.draw(st.integers(0, 20)),
                "temperature": data.draw(
                    st.sampled_from(["ambient", "ambient", "chilled"])
                ),
            }
        )
    raw["orders"] = orders
    raw["solver"] = {
        "time_limit_s": 1,
        "separate_time_limit_s": 0.5,
        "workers": 1,
        "solution_limit": 200,
    }
    return raw


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_pooled_search_finds_plans_no_worse_than_separate(data) -> None:  # type: ignore[no-untyped-def]
    """On random order sets, the pooled search itself (started from scratch, without
    the separate plan to fall back on) serves at least as many orders as separate at
    no higher objective per order served, and both plans check."""
    scenario = parse_scenario(_random_scenario(data))
    context = build_context(scenario, build_travel(scenario).matrix)
    separate = solve_with("separate", context)
    pooled = solve_with("pooled", context)  # no start: the search alone
    for name, solution in (("separate", separate), ("pooled", pooled)):
        fleet = fleet_of(name, context)
        assert check_solution(scenario, context, solution, fleet=fleet) == []
        listed = {u.order for u in solution.unserved}
        served = {o for r in solution.routes for o in r.orders}
        assert listed | served == {o.id for o in scenario.orders}
        assert not listed & served
    # Every order separate serves, pooled can serve too (it has the same vans and
    # more): the search must not lose any.
    assert len(pooled.unserved) <= len(separate.unserved)
    if len(pooled.unserved) == len(separate.unserved):
        assert pooled.objective <= separate.objective + 1e-6


def test_a_two_trip_day_converts_back_to_a_plan_with_its_break() -> None:
    """A solution whose van comes home between trips converts to a plan with that
    break (used to start the pooled search from the separate plan)."""
    from logistics.plan import evaluate
    from logistics.strategies import plan_from_solution

    raw = tiny_raw()
    with_evening_drop(raw)
    scenario = parse_scenario(raw)
    context = build_context(scenario, build_travel(scenario).matrix)
    separate = solve_with("separate", context, ["p1"])
    assert any(r.trips == 2 for r in separate.routes)
    problem = context.problem(["p1"], fleet_of("separate", context, ["p1"]))
    plan = plan_from_solution(problem, separate)
    assert plan is not None
    assert any(r.breaks for r in plan.routes)
    assert evaluate(problem, plan) / 1e6 == pytest.approx(separate.objective)
