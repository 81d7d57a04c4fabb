"""Route sheets follow the checked routes: every order loaded then unloaded once,
clock times, driving time from the matrix, names and addresses, totals."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from logistics.report.sheets import (
    SHEET_COLUMNS,
    driving_s,
    route_sheets,
    sheet_rows,
)
from logistics.scenario import format_time_of_day

_HHMM = re.compile(r"^\d{2}:\d{2}$")


@pytest.mark.parametrize("strategy", ["separate", "pooled"])
def test_every_served_order_is_loaded_then_unloaded_once_on_one_trip(
    two_trips, strategy
) -> None:
    """Each delivered order is loaded at its farm and unloaded at its delivery
    point, on the same vehicle and trip, loading first; nothing else is handled."""
    scenario = two_trips.scenario
    orders = {o.id: o for o in scenario.orders}
    sheets = route_sheets(scenario, two_trips[strategy].solution)
    loaded: dict[str, tuple[str, int, int]] = {}
    unloaded: dict[str, tuple[str, int, int]] = {}
    for sheet in sheets:
        for trip in sheet.trips:
            for position, stop in enumerate(trip.stops):
                for parcel in stop.parcels:
                    where = (sheet.vehicle, trip.number, position)
                    target = loaded if stop.action == "load" else unloaded
                    assert parcel.order not in target
                    target[parcel.order] = where
                    order = orders[parcel.order]
                    expected_site = (
                        order.producer
                        if stop.action == "load"
                        else order.delivery_point
                    )
                    assert stop.site.id == expected_site
                    assert parcel.kg == order.kg
                    assert parcel.crates == order.crates
                    assert parcel.chilled == (order.temperature == "chilled")
    served = {o for r in two_trips[strategy].solution.routes for o in r.orders}
    assert set(loaded) == set(unloaded) == served
    for order, (vehicle, trip, position) in unloaded.items():
        assert loaded[order][:2] == (vehicle, trip)
        assert loaded[order][2] < position


def test_separate_sheet_has_two_trips_with_clock_times_in_order(two_trips) -> None:
    """Ferme des Balzanes alone goes out twice: each trip leaves and comes back to
    the farm, the evening trip after the morning one, times rising along a trip."""
    scenario = two_trips.scenario
    (sheet,) = [
        s
        for s in route_sheets(scenario, two_trips["separate"].solution)
        if s.owner == "p1"
    ]
    assert sheet.owner_name == "Ferme des Balzanes"
    assert [t.number for t in sheet.trips] == [1, 2]
    first, second = sheet.trips
    assert second.depart_s >= first.return_s
    for trip in sheet.trips:
        assert trip.stops[0].action == "start"
        assert trip.stops[-1].action == "back"
        assert trip.stops[0].site.id == trip.stops[-1].site.id == "p1"
        times = [t for s in trip.stops for t in (s.arrival_s, s.departure_s)]
        assert times == sorted(times)
        for stop in trip.stops:
            assert _HHMM.match(stop.arrival)
            assert stop.arrival == format_time_of_day(stop.arrival_s)
    assert "o7" in {p.order for p in second.delivered}
    assert sheet.trips[0].stops[0].site.address == (
        "2 chemin des Balzanes, 77000 Voisenon"
    )


def test_totals_add_up(two_trips) -> None:
    """Trip totals are the orders delivered on the trip; vehicle totals the sum of
    its trips; all vehicles together deliver the strategy's kg."""
    scenario = two_trips.scenario
    kg = {o.id: o.kg for o in scenario.orders}
    for name in two_trips.strategies:
        sheets = route_sheets(scenario, two_trips[name].solution)
        for sheet in sheets:
            for trip in sheet.trips:
                delivered = sum(kg[p.order] for p in trip.delivered)
                assert trip.kg == pytest.approx(delivered)
            assert sheet.kg == pytest.approx(sum(t.kg for t in sheet.trips))
            assert sheet.orders == sum(len(t.delivered) for t in sheet.trips)
        assert sum(s.kg for s in sheets) == pytest.approx(
            two_trips[name].account.delivered_kg
        )


def test_driving_time_is_the_matrix_travel_time(two_trips, named_travel) -> None:
    """Time at the wheel on a route equals the sum of its legs' matrix travel times
    (stops and waiting excluded), to the second per leg."""
    matrix = named_travel.matrix
    for name in two_trips.strategies:
        for route in two_trips[name].solution.routes:
            legs = [
                float(matrix.duration_s[matrix.index(a.site), matrix.index(b.site)])
                for a, b in zip(route.stops, route.stops[1:], strict=False)
            ]
            assert driving_s(route.stops) == pytest.approx(sum(legs), abs=len(legs))
            assert driving_s(route.stops) < route.duration_s


def test_consecutive_orders_at_one_site_make_one_stop(two_trips) -> None:
    """The pooled van parks once per site run: no two consecutive sheet stops share
    a site and an action, and one stop holds all orders loaded there at once."""
    for sheet in route_sheets(two_trips.scenario, two_trips["pooled"].solution):
        for trip in sheet.trips:
            pairs = zip(trip.stops, trip.stops[1:], strict=False)
            assert all((a.site.id, a.action) != (b.site.id, b.action) for a, b in pairs)
            handled = sum(len(s.parcels) for s in trip.stops)
            assert handled == 2 * len(trip.delivered)


def test_sheet_rows_have_names_addresses_times_and_totals(two_trips) -> None:
    """route_sheets.csv rows: every column known, one row per order handled, a total
    row per trip and per vehicle, HH:MM times, names and the address given."""
    sheets = route_sheets(two_trips.scenario, two_trips["separate"].solution)
    rows = sheet_rows(sheets)
    assert all(set(r) <= set(SHEET_COLUMNS) for r in rows)
    actions = Counter(r["action"] for r in rows)
    assert actions["vehicle total"] == len(sheets)
    assert actions["trip total"] == sum(len(s.trips) for s in sheets)
    handled = sum(len(p.parcels) for s in sheets for t in s.trips for p in t.stops)
    assert actions["load"] + actions["unload"] == handled
    for row in rows:
        for column in ("arrival", "departure"):
            assert row.get(column, "") == "" or _HHMM.match(row[column])
    unload_d1 = [r for r in rows if r["action"] == "unload" and r["site"] == "d1"]
    assert unload_d1
    assert {r["site_name"] for r in unload_d1} == {"Épicerie Saint-Aspais"}
    assert {r["address"] for r in unload_d1} == {"12 rue Saint-Aspais, 77000 Melun"}
    totals = [r for r in rows if r["action"] == "vehicle total"]
    assert sum(r["kg"] for r in totals) == pytest.approx(
        two_trips["separate"].account.delivered_kg
    )
