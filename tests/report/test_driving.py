"""Who drives: per-producer hours and km add up to the strategy's, and show who
carries other producers' orders."""

from __future__ import annotations

import pytest

from logistics.comparison import compare
from logistics.report.driving import COLLECTIVE, driving_rows, producer_driving
from logistics.scenario import parse_scenario

from .conftest import named_raw


@pytest.mark.parametrize("strategy", ["separate", "pooled"])
def test_producer_rows_add_up_to_the_strategy(two_trips, strategy) -> None:
    """Hours, km, vehicles and trips summed over producers are the strategy's; every
    producer has a row, in scenario order; orders carried are the orders served."""
    result = two_trips[strategy]
    rows = producer_driving(two_trips.scenario, result.solution)
    assert [r.producer for r in rows] == ["p0", "p1", "p2"]
    account = result.account
    assert sum(r.duration_h for r in rows) == pytest.approx(account.duration_h)
    # Route km come from the integer problem, the account's from the float matrix.
    assert sum(r.distance_km for r in rows) == pytest.approx(
        account.distance_km, abs=0.01
    )
    assert sum(r.vehicles for r in rows) == account.vehicles_used
    assert sum(r.trips for r in rows) == account.trips
    assert sum(r.orders_carried for r in rows) == account.orders_served
    for r in rows:
        assert 0 <= r.driving_h <= r.duration_h


def test_separate_carries_only_own_orders_pooled_for_others(two_trips) -> None:
    """Alone, nobody carries another producer's orders; pooled, the vans that still
    drive carry every order of the producers that no longer drive."""
    scenario = two_trips.scenario
    alone = producer_driving(scenario, two_trips["separate"].solution)
    assert all(r.orders_for_others == 0 for r in alone)
    pooled = producer_driving(scenario, two_trips["pooled"].solution)
    idle = {r.producer for r in pooled if r.vehicles == 0}
    others = sum(r.orders_for_others for r in pooled)
    idle_orders = sum(
        1
        for route in two_trips["pooled"].solution.routes
        for o in scenario.orders
        if o.id in route.orders and o.producer in idle
    )
    assert others >= idle_orders
    assert others > 0  # the three farms share fewer vans than three


def test_driving_rows_pair_baseline_and_strategy(two_trips) -> None:
    """driving_rows gives each producer's figures under both strategies and the
    change, by name (the two similar farm names both in full)."""
    rows = driving_rows(two_trips, "pooled")
    names = [r["name"] for r in rows]
    assert names == ["p0", "Ferme des Balzanes", "Ferme du Balzac"]
    for row in rows:
        assert row["duration_change_h"] == pytest.approx(
            row["strategy"]["duration_h"] - row["baseline"]["duration_h"], abs=2e-3
        )


def test_collective_vehicles_get_their_own_row(named_travel) -> None:
    """A van of the collective (no owner) that does all pooled deliveries appears
    as a row without producer, and the producers drive nothing."""
    raw = named_raw()
    raw["vehicle_types"].append(
        {"id": "big_reefer", "capacity_kg": 2000, "refrigerated": True}
    )
    raw["pooled_fleet"] = {
        "include_producer_vehicles": False,
        "vehicles": [{"type": "big_reefer", "start": "p0"}],
    }
    scenario = parse_scenario(raw)
    result = compare(
        scenario, travel=named_travel, strategies=["pooled"], use_cache=False
    )
    rows = producer_driving(scenario, result["pooled"].solution)
    assert [r.producer for r in rows] == ["p0", "p1", "p2", COLLECTIVE]
    assert rows[-1].name == "collective vehicles"
    assert rows[-1].vehicles == 1
    assert rows[-1].orders_for_others == rows[-1].orders_carried > 0
    assert all(r.vehicles == 0 for r in rows[:-1])
    assert rows[-1].as_dict()["producer"] is None
