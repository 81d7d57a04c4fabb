"""The hub strategy on Melun's roads: two legs linked in time, checked end to end."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from logistics.accounting import account
from logistics.checker import check_hub_chain, check_plan, check_solution
from logistics.comparison import compare
from logistics.context import Shipment, build_context
from logistics.exceptions import ScenarioError
from logistics.hub import handling_s
from logistics.report import route_sheets, write_report
from logistics.report.tables import summary_text
from logistics.scenario import parse_scenario
from logistics.strategies.hub import greedy_trips
from logistics.travel import build_travel

from ..conftest import fleet_of, solve_with

MELUN = Path(__file__).resolve().parents[2] / "scenarios" / "melun.yaml"

HUB: dict[str, Any] = {
    "id": "hub_vaux",
    "name": "Shared shed, Vaux-le-Pénil business park",
    "lat": 48.52935,
    "lon": 2.67942,
    "opening": "04:00-12:00",
    "cold_room": True,
    "vehicles": [{"type": "small_van_reefer", "count": 2, "max_trips": 3}],
    "collection_vehicles": [{"type": "van_3t5", "count": 1, "max_trips": 2}],
}


def _raw(**hub: Any) -> dict[str, Any]:
    raw = yaml.safe_load(MELUN.read_text(encoding="utf-8"))
    raw["hubs"] = [{**copy.deepcopy(HUB), **hub}]
    raw["solver"] = {"time_limit_s": 1, "separate_time_limit_s": 1, "seed": 1}
    return raw


def _scenario(**hub: Any):  # type: ignore[no-untyped-def]
    return parse_scenario(_raw(**hub), source=MELUN)


@pytest.fixture(scope="module")
def melun_hub(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Melun with a hub, its road travel matrix (own cache)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    scenario = _scenario()
    travel = build_travel(scenario, scenario_dir=MELUN.parent)
    yield scenario, travel
    mp.undo()


def _run(scenario, travel):  # type: ignore[no-untyped-def]
    context = build_context(scenario, travel.matrix)
    return context, solve_with("hub", context)


def _stops(solution, kind):  # type: ignore[no-untyped-def]
    return {s.order: s for r in solution.routes for s in r.stops if s.type == kind}


@pytest.fixture(scope="module")
def own_plan(melun_hub):  # type: ignore[no-untyped-def]
    scenario, travel = melun_hub
    return _run(scenario, travel)


def test_hub_plan_passes_the_checker_and_goes_through_the_hub(own_plan) -> None:
    """Every order is served through the hub (dropped, loaded, delivered) or listed
    unserved with a reason, and the plan passes the independent checker."""
    context, solution = own_plan
    scenario = context.scenario
    fleet = fleet_of("hub", context)
    assert check_solution(scenario, context, solution, fleet=fleet) == []
    drops, loads = _stops(solution, "drop"), _stops(solution, "load")
    delivered = {o for r in solution.routes for o in r.orders}
    assert set(drops) == set(loads) == delivered
    assert {s.site for s in drops.values()} == {"hub_vaux"}
    listed = {u.order for u in solution.unserved}
    assert delivered | listed == {o.id for o in scenario.orders}
    assert all(u.reason for u in solution.unserved)
    # First leg by the farms' own vans, second by the hub's vans from the hub.
    for route in solution.routes:
        kinds = {s.type for s in route.stops}
        if "drop" in kinds:
            assert route.vehicle.startswith("p_")
        else:
            assert route.vehicle.startswith("hub_vaux-")
            assert route.stops[0].site == "hub_vaux"


def test_no_van_leaves_the_hub_with_goods_not_yet_arrived_and_handled(own_plan) -> None:
    """Each order is loaded out of the hub only after it was unloaded there and
    handled; a plan loading an order earlier is refused by the checker."""
    context, solution = own_plan
    scenario = context.scenario
    hub = scenario.hubs[0]
    orders = {o.id: o for o in scenario.orders}
    drops, loads = _stops(solution, "drop"), _stops(solution, "load")
    assert loads
    for oid, load in loads.items():
        ready = drops[oid].departure_s + handling_s(hub, orders[oid])
        assert load.start_s >= ready - 1e-6
    # Move one load before its order's arrival at the hub: the checker says so.
    oid = next(iter(loads))
    early = drops[oid].arrival_s - 60
    tampered = replace(
        solution,
        routes=tuple(
            replace(
                r,
                stops=tuple(
                    replace(s, start_s=early)
                    if s.type == "load" and s.order == oid
                    else s
                    for s in r.stops
                ),
            )
            for r in solution.routes
        ),
    )
    errors = check_hub_chain(tampered, orders, {hub.id: hub})
    assert any(oid in e and "before it is unloaded" in e for e in errors)


def test_chilled_goods_never_wait_outside_a_cold_room(melun_hub) -> None:
    """Without a cold room, every chilled order leaves the dock within the maximum
    wait or is refused with a reason; a longer wait is refused by the checker."""
    _, travel = melun_hub
    scenario = _scenario(cold_room=False, max_chilled_wait_min=20)
    context, solution = _run(scenario, travel)
    fleet = fleet_of("hub", context)
    assert check_solution(scenario, context, solution, fleet=fleet) == []
    orders = {o.id: o for o in scenario.orders}
    drops, loads = _stops(solution, "drop"), _stops(solution, "load")
    chilled = [o for o in loads if orders[o].temperature == "chilled"]
    assert chilled, "the scenario must route some chilled order through the hub"
    for oid in chilled:
        assert loads[oid].start_s - drops[oid].departure_s <= 20 * 60 + 1e-6
    assert solution.hub is not None
    assert not any(o.cold_room for o in solution.hub.orders)
    # The same plan with a 1-minute limit breaks the rule: the checker refuses it.
    strict = scenario.hubs[0].model_copy(update={"max_chilled_wait_min": 1.0})
    errors = check_hub_chain(solution, orders, {strict.id: strict})
    assert any("no cold room" in e for e in errors)


def test_collection_tours_bring_goods_to_the_hub(melun_hub) -> None:
    """With ``first_leg: collection`` the hub's collection van collects at the farms;
    the plan passes the checker."""
    _, travel = melun_hub
    scenario = _scenario(first_leg="collection")
    context, solution = _run(scenario, travel)
    assert (
        check_solution(scenario, context, solution, fleet=fleet_of("hub", context))
        == []
    )
    first = [r for r in solution.routes if any(s.type == "drop" for s in r.stops)]
    assert first
    assert all(r.vehicle.startswith("hub_vaux-collect-") for r in first)
    farms = {s.site for r in first for s in r.stops if s.type == "pickup"}
    assert len(farms) >= 2  # one van visits several farms


def test_hub_capacity_is_never_exceeded(melun_hub) -> None:
    """A small hub holds at most its capacity; orders that do not fit are listed
    with the capacity as reason."""
    _, travel = melun_hub
    scenario = _scenario(capacity_kg=120)
    context, solution = _run(scenario, travel)
    assert (
        check_solution(scenario, context, solution, fleet=fleet_of("hub", context))
        == []
    )
    assert solution.hub is not None
    assert solution.hub.peak_kg <= 120 + 1e-6
    assert any("capacity" in u.reason for u in solution.unserved)


def test_orders_the_hub_vans_cannot_take_never_go_to_the_hub(melun_hub) -> None:
    """With only an ambient hub van, the second leg cannot take the chilled orders:
    they are not brought to the hub either, and are listed with the second leg's
    reason; the plan passes the checker."""
    _, travel = melun_hub
    scenario = _scenario(vehicles=[{"type": "small_van", "max_trips": 2}])
    context, solution = _run(scenario, travel)
    assert (
        check_solution(scenario, context, solution, fleet=fleet_of("hub", context))
        == []
    )
    chilled = {o.id for o in scenario.orders if o.temperature == "chilled"}
    left = {u.order for u in solution.unserved if u.reason.startswith("second leg")}
    assert left == chilled
    assert not set(_stops(solution, "drop")) & chilled
    assert solution.orders_served == len(scenario.orders) - len(chilled)
    assert solution.hub is not None
    assert solution.hub.bound_second_leg_cost <= solution.hub.second_leg_cost + 1e-6


def test_hub_accounting_adds_handling_and_hub_emissions(own_plan, melun_hub) -> None:
    """The strategy's cost and CO2e are its routes plus the hub's handling and
    operations; producers' shares add up to them."""
    context, solution = own_plan
    _, travel = melun_hub
    acc = account(context.scenario, solution, travel.matrix)
    assert acc.hub is not None
    hub = context.scenario.hubs[0]
    assert acc.hub.handling_cost_eur == pytest.approx(
        acc.hub.handled_kg * hub.handling_cost_eur_per_kg
    )
    assert acc.hub.co2e_kg > 0
    routes_cost = sum(r.cost_eur for r in acc.routes)
    assert acc.cost_eur == pytest.approx(routes_cost + acc.hub.handling_cost_eur)
    assert sum(p.cost_eur for p in acc.producers) == pytest.approx(acc.cost_eur)
    assert sum(p.co2e_kg for p in acc.producers) == pytest.approx(acc.co2e_kg)
    assert acc.hub.first_leg_km + acc.hub.second_leg_km == pytest.approx(
        acc.distance_km
    )
    assert acc.orders_served == sum(p.orders_served for p in acc.producers)


def test_three_way_comparison_on_melun(melun_hub, tmp_path) -> None:
    """With a hub, the default comparison is separate, pooled and hub, each
    checked; report.json has the hub under the same keys as the others plus a hub
    section, and the summary says what the hub adds."""
    scenario, travel = melun_hub
    result = compare(scenario, travel=travel, use_cache=False)
    assert result.strategies == ("separate", "pooled", "hub")
    assert set(result.savings) == {"pooled", "hub"}
    hub = result["hub"]
    assert hub.account.hub is not None
    assert hub.solution.hub is not None
    assert hub.solution.hub.bound_orders_served >= 1
    write_report(result, tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    strategies = data["strategies"]
    assert set(strategies["hub"]) == set(strategies["pooled"]) | {"hub"}
    section = strategies["hub"]["hub"]
    assert section["handling_cost_eur"] == pytest.approx(
        section["handled_kg"] * scenario.hubs[0].handling_cost_eur_per_kg, abs=0.01
    )
    assert section["first_leg_km"] > 0
    assert "hub" in data["savings"]
    text = summary_text(result)
    assert "Hub" in text.splitlines()[1]
    assert "handling" in text
    assert "optimistic bound" in text


def test_greedy_trips_give_a_feasible_warm_start(melun_hub) -> None:
    """The warm start of the legs: every trip loads at the hub, then delivers; the
    plan passes the problem-level checker and serves the orders that fit."""
    scenario, travel = melun_hub
    context = build_context(scenario, travel.matrix)
    hub = scenario.hubs[0]
    points = {d.id: d for d in scenario.delivery_points}
    shipments = [
        Shipment(
            o,
            hub.id,
            o.delivery_point,
            ((hub.opening.start + 600 * (i % 6), hub.opening.end),),
            tuple((w.start, w.end) for w in points[o.delivery_point].time_windows),
            60 * o.crates,
            60 * o.crates,
        )
        for i, o in enumerate(scenario.orders)
    ]
    problem = context.shipments_problem(shipments, fleet_of("hub", context)[-2:])
    plan = greedy_trips(problem)
    assert check_plan(problem, plan) == []
    assert len(plan.unserved) < len(problem.requests) // 2
    for route in plan.routes:
        for trip in route.trips():
            kinds = [problem.visits[v].kind for v in trip]
            assert kinds == sorted(kinds, key=lambda k: k != "pickup")


def test_hub_scenario_errors_name_field_and_rule() -> None:
    """A collection first leg without collection vans, or an unknown van type, is
    refused with the field path."""
    with pytest.raises(ScenarioError, match=r"hubs\[0\].*collection_vehicles"):
        parse_scenario(_raw(first_leg="collection", collection_vehicles=[]))
    with pytest.raises(
        ScenarioError, match=r"hubs\[0\] \(id 'hub_vaux'\)\.vehicles\[0\]\.type"
    ):
        parse_scenario(_raw(vehicles=[{"type": "lorry"}]))


def test_hub_route_sheets_load_out_of_the_hub_and_unload_at_it(own_plan) -> None:
    """On the hub strategy's route sheets the hub vans load each order at the hub
    and unload it at its customer; the farms' vans unload at the hub."""
    context, solution = own_plan
    hub_id = context.scenario.hubs[0].id
    actions: dict[tuple[str, str], set[str]] = {}
    for sheet in route_sheets(context.scenario, solution):
        for trip in sheet.trips:
            for stop in trip.stops[1:-1]:
                for parcel in stop.parcels:
                    at_hub = "hub" if stop.site.id == hub_id else "elsewhere"
                    actions.setdefault((parcel.order, at_hub), set()).add(stop.action)
    served = {o for r in solution.routes for s in r.stops if (o := s.order)}
    assert served
    for order in served:
        assert actions[(order, "hub")] == {"load", "unload"}  # dropped, then loaded
        assert "unload" in actions[(order, "elsewhere")]  # at its customer


def test_a_stored_hub_solution_reads_back_and_is_re_checked(own_plan) -> None:
    """The hub BKS store (benchmarks/run_hub_variants.py) keeps the whole solution:
    read back, it equals the solution, passes the checker and costs the same; a
    stored file whose delivery was moved before its goods reached the hub does not
    pass."""
    from benchmarks.run_hub_variants import solution_from_json, solution_to_json
    from logistics.strategies import get_strategy

    context, solution = own_plan
    scenario = context.scenario
    text = json.dumps(solution_to_json(solution))
    back = solution_from_json(json.loads(text))
    assert back == solution
    assert back.hub is not None
    assert back.hub == solution.hub
    fleet = get_strategy("hub").fleet(context, context.producer_ids)
    assert check_solution(scenario, context, back, fleet=fleet) == []
    cost = account(scenario, back, context).cost_eur
    assert cost == pytest.approx(account(scenario, solution, context).cost_eur)
    data = json.loads(text)
    route = next(
        r for r in data["routes"] if any(s["type"] == "load" for s in r["stops"])
    )
    load = next(s for s in route["stops"] if s["type"] == "load")
    load["start_s"] = load["arrival_s"] = 0.0
    errors = check_solution(scenario, context, solution_from_json(data), fleet=fleet)
    assert errors
