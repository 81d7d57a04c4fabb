"""Planning context: problems for any producers and fleet, costs, pickling."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest

from logistics.constants import COST_SCALE, MASS_SCALE
from logistics.context import build_context
from logistics.exceptions import UnknownIdError
from logistics.scenario import parse_scenario

from .conftest import fleet_of, tiny_raw


def _pooled_problem(context, producers=None):  # type: ignore[no-untyped-def]
    members = producers if producers is not None else context.producer_ids
    return context.problem(members, fleet_of("pooled", context, members))


def test_every_order_becomes_a_farm_to_point_shipment(
    three_farms, three_farms_context
) -> None:
    """One pickup at the producer's farm and one delivery at the point per order."""
    problem = _pooled_problem(three_farms_context)
    assert len(problem.requests) == len(three_farms.orders)
    for order, request in zip(three_farms.orders, problem.requests, strict=True):
        pick = problem.visits[request.pickup]
        drop = problem.visits[request.delivery]
        assert problem.location_ids[pick.location] == order.producer
        assert problem.location_ids[drop.location] == order.delivery_point
        assert request.demand == (round(order.kg * MASS_SCALE), order.crates)
    d2 = problem.visits[problem.requests[1].delivery]
    assert d2.windows == ((7 * 3600, 9 * 3600), (14 * 3600, 15 * 3600))


def test_problem_matrices_are_the_context_rows_of_its_sites(
    three_farms_context,
) -> None:
    """A sub-problem's matrices are cut from the context's, site for site."""
    context = three_farms_context
    problem = _pooled_problem(context, ["p1"])
    assert set(problem.location_ids) == {"p1", "d1", "d2"}
    for i, a in enumerate(problem.location_ids):
        for j, b in enumerate(problem.location_ids):
            assert (
                problem.duration[i, j]
                == context.duration_s[context.index(a), context.index(b)]
            )


def test_chilled_orders_only_allow_refrigerated_vehicles(
    three_farms_context,
) -> None:
    """Chilled requests list the reefer; separate p0 has none, so its list is empty."""
    pooled = _pooled_problem(three_farms_context)
    chilled = pooled.requests[pooled.request_index("o4")]
    assert [pooled.vehicles[k].id for k in chilled.allowed_vehicles] == ["p2-reefer-1"]
    alone = three_farms_context.problem(
        ["p0"], fleet_of("separate", three_farms_context, ["p0"])
    )
    assert alone.requests[alone.request_index("o4")].allowed_vehicles == ()


def test_subset_keeps_only_its_producers(three_farms_context) -> None:
    """A coalition problem has its producers' orders and vehicles only."""
    problem = _pooled_problem(three_farms_context, ["p1", "p2"])
    assert {r.group for r in problem.requests} == {"p1", "p2"}
    assert {v.owner for v in problem.vehicles} == {"p1", "p2"}


def test_vehicle_ids_are_stable_between_strategies(three_farms_context) -> None:
    """The same producer vehicle has the same id separate and pooled."""
    separate = {v.id for v in fleet_of("separate", three_farms_context)}
    pooled = {v.id for v in fleet_of("pooled", three_farms_context)}
    assert separate == pooled == {"p0-van-1", "p1-van-1", "p2-reefer-1"}


def test_pool_vehicles_follow_their_owner_into_coalitions(three_farms_matrix) -> None:
    """A lent pool vehicle serves only coalitions with its owner; the collective's
    own pool vehicle serves every coalition."""
    raw = tiny_raw()
    raw["pooled_fleet"] = {
        "vehicles": [
            {"type": "van", "start": "p0", "owner": "p0"},
            {"type": "reefer", "start": "p1"},
        ]
    }
    context = build_context(parse_scenario(raw), three_farms_matrix)
    without_p0 = {v.id for v in fleet_of("pooled", context, ["p1", "p2"])}
    with_p0 = {v.id for v in fleet_of("pooled", context, ["p0"])}
    assert "pool-van-1" not in without_p0
    assert "pool-reefer-2" in without_p0
    assert {"pool-van-1", "pool-reefer-2"} <= with_p0


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
    context = build_context(parse_scenario(raw), three_farms_matrix)
    van = _pooled_problem(context).vehicles[0]
    assert (van.fixed_cost, van.distance_cost, van.duration_cost) == expected


def test_context_pickles_for_worker_processes(three_farms_context) -> None:
    """The context travels to a worker and builds the same problems there."""
    copy = pickle.loads(pickle.dumps(three_farms_context))
    original = _pooled_problem(three_farms_context)
    again = _pooled_problem(copy)
    assert again.requests == original.requests
    assert again.vehicles == original.vehicles
    assert np.array_equal(again.distance, original.distance)
    assert not copy.distance_m.flags.writeable


def test_unknown_producer_is_a_clear_error(three_farms_context) -> None:
    """Asking for a producer the scenario lacks names it."""
    with pytest.raises(UnknownIdError, match="producer id 'p9'"):
        three_farms_context.orders_of(["p9"])


def test_replaced_problem_looks_up_its_own_requests(three_farms_context) -> None:
    """dataclasses.replace gives a problem whose id lookups follow its own
    requests, never the original's (the lookup is derived, not an init field)."""
    problem = _pooled_problem(three_farms_context)
    first = problem.requests[0].id
    assert problem.request_index(first) == 0  # fills the original's lookup first
    renamed = replace(
        problem,
        requests=tuple(replace(r, id=f"x{i}") for i, r in enumerate(problem.requests)),
    )
    assert renamed.request_index("x2") == 2
    assert problem.request_index(first) == 0
    with pytest.raises(UnknownIdError, match=f"request id {first!r}"):
        renamed.request_index(first)


def test_problem_arrays_are_read_only(three_farms_context) -> None:
    """A routing problem's matrices cannot be changed in place."""
    problem = _pooled_problem(three_farms_context)
    with pytest.raises(ValueError, match="read-only"):
        problem.distance[0, 1] = 5


def test_unserved_penalty_exceeds_any_vehicle_day(three_farms_matrix) -> None:
    """The penalty follows from the scenario: above the dearest vehicle's fixed cost
    plus its longest route, so a vehicle costing 50,000 EUR a day still serves its
    producer's orders, and the one unserved order keeps its true reason."""
    from .conftest import solve_with

    raw = tiny_raw()
    for vt in raw["vehicle_types"]:
        vt["fixed_cost_eur"] = 50_000
    context = build_context(parse_scenario(raw), three_farms_matrix)
    fixed, per_m, per_s = context.coefficients["van"]
    longest_s = context.scenario.max_route_duration_s
    assert context.unserved_penalty > fixed + per_s * longest_s + per_m * 1000
    problem = _pooled_problem(context)
    assert {r.penalty for r in problem.requests} == {context.unserved_penalty}
    separate = solve_with("separate", context)
    assert [u.order for u in separate.unserved] == ["o4"]
    assert "no refrigerated vehicle" in separate.unserved[0].reason
