"""Scenario -> routing problem: shipments, subsets, refrigeration, objective choice."""

from __future__ import annotations

import pytest

from logistics.constants import COST_SCALE, MASS_SCALE
from logistics.problem import build_problem, scenario_vehicles
from logistics.scenario import parse_scenario

from .conftest import tiny_raw


def test_every_order_becomes_a_farm_to_point_shipment(
    three_farms, three_farms_matrix
) -> None:
    """One pickup at the producer's farm and one delivery at the point per order."""
    problem = build_problem(three_farms, three_farms_matrix, pooled=True)
    assert len(problem.requests) == len(three_farms.orders)
    for order, request in zip(three_farms.orders, problem.requests, strict=True):
        pick = problem.visits[request.pickup]
        drop = problem.visits[request.delivery]
        assert problem.location_ids[pick.location] == order.producer
        assert problem.location_ids[drop.location] == order.delivery_point
        assert request.demand == (round(order.kg * MASS_SCALE), order.crates)
    d2 = problem.visits[problem.requests[1].delivery]
    assert d2.windows == ((7 * 3600, 9 * 3600), (14 * 3600, 15 * 3600))


def test_chilled_orders_only_allow_refrigerated_vehicles(
    three_farms, three_farms_matrix
) -> None:
    """Chilled requests list the reefer; separate p0 has none, so its list is empty."""
    pooled = build_problem(three_farms, three_farms_matrix, pooled=True)
    chilled = pooled.requests[pooled.request_index("o4")]
    assert [pooled.vehicles[k].id for k in chilled.allowed_vehicles] == ["p2-reefer-1"]
    alone = build_problem(
        three_farms, three_farms_matrix, pooled=False, producers=["p0"]
    )
    assert alone.requests[alone.request_index("o4")].allowed_vehicles == ()


def test_subset_keeps_only_its_producers(three_farms, three_farms_matrix) -> None:
    """A coalition problem has its producers' orders and vehicles only."""
    problem = build_problem(
        three_farms, three_farms_matrix, pooled=True, producers=["p1", "p2"]
    )
    assert {r.group for r in problem.requests} == {"p1", "p2"}
    assert {v.owner for v in problem.vehicles} == {"p1", "p2"}


def test_vehicle_ids_are_stable_between_strategies(three_farms) -> None:
    """The same producer vehicle has the same id separate and pooled."""
    separate = {v.id for v in scenario_vehicles(three_farms, pooled=False)}
    pooled = {v.id for v in scenario_vehicles(three_farms, pooled=True)}
    assert separate == pooled == {"p0-van-1", "p1-van-1", "p2-reefer-1"}


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        # van: fixed 20 EUR, flat 0.40 EUR/km (no emission class), 13.5 EUR/h driver.
        ("cost", (20 * COST_SCALE, 400, round(13.5 * COST_SCALE / 3600))),
        # + 1000 EUR/t x 0.25 kg CO2e/km = +0.25 EUR/km.
        ("cost_carbon", (20 * COST_SCALE, 650, round(13.5 * COST_SCALE / 3600))),
        ("distance", (0, 1, 0)),
        ("time", (0, 0, 1)),
    ],
)
def test_objective_choice_sets_vehicle_coefficients(
    three_farms_matrix, objective, expected
) -> None:
    """Cost, cost plus a carbon price, distance or time become integer coefficients."""
    raw = tiny_raw()
    raw["solver"] = {"objective": objective, "carbon_price_eur_per_t": 1000}
    scenario = parse_scenario(raw)
    problem = build_problem(scenario, three_farms_matrix, pooled=True)
    van = problem.vehicles[0]
    assert (van.fixed_cost, van.distance_cost, van.duration_cost) == expected
