"""Cost and emission accounting: hand-computed values and conservation of totals."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.accounting import account
from logistics.context import build_context
from logistics.exceptions import UnknownIdError
from logistics.factors import factors, vehicle_rates
from logistics.scenario import parse_scenario
from logistics.solution import Route, Solution, Stop
from logistics.travel import build_travel

from .conftest import solve_with, tiny_raw


def _classed_raw() -> dict:  # type: ignore[type-arg]
    raw = tiny_raw()
    raw["vehicle_types"][0]["emission_class"] = "small_van"
    raw["vehicle_types"][1]["emission_class"] = "van_3t5_diesel"
    return raw


@pytest.fixture(scope="module")
def classed():  # type: ignore[no-untyped-def]
    scenario = parse_scenario(_classed_raw())
    matrix = build_travel(scenario).matrix
    return scenario, matrix


def test_route_emissions_use_the_load_on_each_leg(classed) -> None:
    """p1's van: 120 kg out to d2, 30 kg on to d1, empty back; CO2e by hand."""
    scenario, matrix = classed
    d = lambda a, b: matrix.distance_m[matrix.index(a), matrix.index(b)] / 1000  # noqa: E731
    stops = (
        Stop("p1", "start", None, 0, 0, 0, 0.0, 0),
        Stop("p1", "pickup", "o1", 0, 0, 0, 30.0, 2),
        Stop("p1", "pickup", "o2", 0, 0, 0, 120.0, 7),
        Stop("d2", "delivery", "o2", 0, 0, 0, 30.0, 2),
        Stop("d1", "delivery", "o1", 0, 0, 0, 0.0, 0),
        Stop("p1", "end", None, 0, 0, 3600, 0.0, 0),
    )
    route = Route("separate", "p1-van-1", "van", "p1", stops, 0.0, 3600.0)
    acc = account(scenario, Solution("separate", (route,), (), 0, "hand", 0), matrix)
    r = acc.routes[0]
    # small_van: 0.065 L/km empty, 0.075 full, capacity 800 kg; diesel 3.16 kg CO2e/L.
    litres = (
        d("p1", "d2") * (0.065 + 0.010 * 120 / 800)
        + d("d2", "d1") * (0.065 + 0.010 * 30 / 800)
        + d("d1", "p1") * 0.065
    )
    assert r.co2e_kg == pytest.approx(litres * 3.16, rel=1e-9)
    assert r.empty_km == pytest.approx(d("d1", "p1"))
    assert r.tonne_km == pytest.approx(
        (d("p1", "d2") * 120 + d("d2", "d1") * 30) / 1000
    )
    # Allocation by kg x shortest distance pickup -> delivery, summing to the route.
    w1, w2 = 30 * d("p1", "d1"), 90 * d("p1", "d2")
    assert r.order_co2e_kg["o1"] == pytest.approx(r.co2e_kg * w1 / (w1 + w2))
    assert sum(r.order_co2e_kg.values()) == pytest.approx(r.co2e_kg, rel=1e-12)
    # Cost: fixed 20 + (litres x 1.67 EUR/L + 0.28 EUR/km maintenance) + 1 h x 13.5.
    km = d("p1", "d2") + d("d2", "d1") + d("d1", "p1")
    assert r.cost_eur == pytest.approx(20 + litres * 1.67 + 0.28 * km + 13.5)


def test_objective_per_km_cost_comes_from_the_factor_table(classed) -> None:
    """Without cost_per_km_eur, the solver's EUR/km is energy at half load + wear."""
    scenario, _ = classed
    vt = scenario.vehicle_type("van")
    expected = (0.065 + 0.010 * 0.5) * 1.67 + 0.28
    rates = vehicle_rates(vt, factors(scenario.factors or None))
    assert rates.running_eur_per_km == pytest.approx(expected)
    # and CO2e at half load: (0.065 + 0.005) L/km x 3.16 kg/L
    assert rates.co2e_kg_per_km == pytest.approx(0.070 * 3.16)


def test_route_of_an_unknown_vehicle_type_is_a_clear_error(classed) -> None:
    """Accounting a route whose vehicle type the scenario lacks names the type."""
    scenario, matrix = classed
    stops = (
        Stop("p1", "start", None, 0, 0, 0, 0.0, 0),
        Stop("p1", "end", None, 0, 0, 0, 0.0, 0),
    )
    route = Route("separate", "p1-van-1", "hovercraft", "p1", stops, 0.0, 0.0)
    with pytest.raises(UnknownIdError, match="vehicle type id 'hovercraft'"):
        account(scenario, Solution("separate", (route,), (), 0, "hand", 0), matrix)


def test_unknown_emission_class_is_rejected() -> None:
    """A class missing from the factor table is a scenario error naming the choices."""
    from logistics.exceptions import ScenarioError

    raw = _classed_raw()
    raw["vehicle_types"][0]["emission_class"] = "spaceship"
    with pytest.raises(
        ScenarioError, match=r"emission_class: 'spaceship' is not a vehicle"
    ):
        parse_scenario(raw)


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(kgs=st.lists(st.floats(5, 300), min_size=6, max_size=6))
def test_producer_shares_sum_to_strategy_totals(kgs) -> None:  # type: ignore[no-untyped-def]
    """Per-producer cost and CO2e add up to the strategy totals, both strategies."""
    raw = _classed_raw()
    for order, kg in zip(raw["orders"], kgs, strict=True):
        order["kg"] = kg
    raw["solver"] = {
        "time_limit_s": 1,
        "separate_time_limit_s": 0.5,
        "workers": 1,
        "solution_limit": 100,
    }
    scenario = parse_scenario(raw)
    matrix = build_travel(scenario).matrix
    context = build_context(scenario, matrix)
    separate = solve_with("separate", context)
    for solution in (separate, solve_with("pooled", context, start=separate)):
        acc = account(scenario, solution, matrix)
        assert math.isclose(
            sum(p.co2e_kg for p in acc.producers), acc.co2e_kg, rel_tol=1e-9
        )
        assert math.isclose(
            sum(p.cost_eur for p in acc.producers), acc.cost_eur, rel_tol=1e-9
        )
        assert sum(p.orders_served for p in acc.producers) == acc.orders_served
        assert 0 <= acc.load_factor <= 1
