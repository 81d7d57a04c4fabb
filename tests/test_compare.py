"""Separate vs pooled: pooled never worse, every order served or listed with reason."""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.checker import check_solution
from logistics.compare import compare, solve_pooled, solve_separate
from logistics.scenario import parse_scenario
from logistics.travel import build_travel

from .conftest import tiny_raw


def test_pooled_serves_the_chilled_order_separate_cannot(
    three_farms, three_farms_matrix
) -> None:
    """p2's refrigerated van carries p0's chilled order once vehicles are shared."""
    separate = solve_separate(three_farms, three_farms_matrix)
    pooled = solve_pooled(three_farms, three_farms_matrix, initial=separate)
    assert pooled.unserved == ()
    assert pooled.objective <= separate.objective
    carriers = [r for r in pooled.routes if "o4" in r.orders]
    assert carriers
    assert carriers[0].vehicle_type == "reefer"


def test_compare_reports_savings_consistent_with_accounts(
    three_farms, three_farms_matrix
) -> None:
    """Savings are separate minus pooled, in absolute and percent terms."""
    from logistics.travel import NetworkInfo

    result = compare(
        three_farms,
        matrix=three_farms_matrix,
        network=NetworkInfo("test geodesic", "geodesic", 0, 0),
    )
    sep, poo = result.separate.account, result.pooled.account
    assert result.savings["distance_km"] == sep.distance_km - poo.distance_km
    assert (
        abs(
            result.savings["cost_pct"]
            - 100 * (sep.cost_eur - poo.cost_eur) / sep.cost_eur
        )
        < 1e-9
    )
    assert "Distance (km)" in result.summary


def _random_scenario(data) -> dict:  # type: ignore[no-untyped-def]
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
def test_pooled_objective_never_exceeds_separate(data) -> None:  # type: ignore[no-untyped-def]
    """On random order sets: both plans check, pooled <= separate, nothing is lost."""
    scenario = parse_scenario(_random_scenario(data))
    matrix = build_travel(scenario).matrix
    separate = solve_separate(scenario, matrix)
    pooled = solve_pooled(scenario, matrix, initial=separate)
    for solution in (separate, pooled):
        assert check_solution(scenario, matrix, solution) == []
        listed = {u.order for u in solution.unserved}
        served = {o for r in solution.routes for o in r.orders}
        assert listed | served == {o.id for o in scenario.orders}
        assert not listed & served
    assert pooled.objective <= separate.objective + 1e-6


def test_rerun_reuses_cached_plans(
    three_farms, three_farms_matrix, monkeypatch
) -> None:
    """A second identical run takes its plans from the cache: no solver is called."""
    first = solve_separate(three_farms, three_farms_matrix, use_cache=True)

    def no_solving(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("solver called although the plan was cached")

    # ``logistics.compare`` the attribute is the function; patch the module itself.
    monkeypatch.setattr(sys.modules["logistics.compare"], "solve", no_solving)
    second = solve_separate(three_farms, three_farms_matrix, use_cache=True)
    assert second.routes == first.routes
    assert second.unserved == first.unserved
