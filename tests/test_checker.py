"""The independent checker accepts feasible plans and names every broken rule."""

from __future__ import annotations

import dataclasses

import pytest

from logistics.checker import assert_feasible, check_plan
from logistics.checker import check_solution as _check_solution
from logistics.exceptions import InfeasiblePlanError
from logistics.plan import Plan, RoutePlan
from logistics.solution import Solution, Stop, Unserved

from .conftest import fleet_of as _fleet_of
from .conftest import grid_problem, solve_with


def _fleet(scenario, matrix):  # type: ignore[no-untyped-def]
    """The separate fleet of the tiny scenario (each van serves its owner)."""
    from logistics.context import build_context

    return _fleet_of("separate", build_context(scenario, matrix))


def check_solution(scenario, matrix, solution):  # type: ignore[no-untyped-def]
    """Check against the separate fleet, as the hand-made routes claim to be."""
    return _check_solution(scenario, matrix, solution, fleet=_fleet(scenario, matrix))


POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4)]


CRATES = {"o1": 2, "o2": 5, "o3": 1, "o4": 0, "o5": 0, "o6": 0}
"""Crates of the tiny scenario's orders (tests/conftest.py)."""


def _hand_route(matrix, stops_spec, vehicle="p1-van-1", vtype="van", owner="p1"):  # type: ignore[no-untyped-def]
    """Build a route with times that follow the matrix exactly from 07:00.

    Service as the scenario defaults say: a fixed 5 min when a stop begins (a new
    site), then 1 min per crate of each order, at farms and at delivery points.
    """
    from logistics.solution import Route

    t = 7 * 3600.0
    stops = []
    prev = None
    prev_kind = "start"
    distance_m = 0.0
    for site, kind, order, load in stops_spec:
        if prev is not None:
            t += float(matrix.duration_s[matrix.index(prev), matrix.index(site)])
            distance_m += float(
                matrix.distance_m[matrix.index(prev), matrix.index(site)]
            )
        arrival = t
        if kind in ("pickup", "delivery"):
            new_stop = prev_kind not in ("pickup", "delivery") or prev != site
            start = arrival + (300.0 if new_stop else 0.0)
            t = start + 60.0 * CRATES[order]
        else:
            start = arrival
        stops.append(Stop(site, kind, order, arrival, start, t, load, 0))
        prev, prev_kind = site, kind
    duration = stops[-1].arrival_s - stops[0].departure_s
    return Route("separate", vehicle, vtype, owner, tuple(stops), distance_m, duration)


def _solution(routes, unserved=()) -> Solution:  # type: ignore[no-untyped-def]
    return Solution("separate", tuple(routes), tuple(unserved), 0.0, "hand", 0.0)


FEASIBLE_P1 = [
    ("p1", "start", None, 0.0),
    ("p1", "pickup", "o1", 30.0),
    ("p1", "pickup", "o2", 120.0),
    ("d2", "delivery", "o2", 30.0),
    ("d1", "delivery", "o1", 0.0),
    ("p1", "end", None, 0.0),
]
OTHERS_UNSERVED = [
    Unserved(o, "x", "not in this hand-made plan") for o in ("o3", "o4", "o5", "o6")
]


def test_hand_made_feasible_plan_passes(three_farms, three_farms_matrix) -> None:
    """A route that collects then delivers within the windows passes every check."""
    route = _hand_route(three_farms_matrix, FEASIBLE_P1)
    assert (
        check_solution(
            three_farms, three_farms_matrix, _solution([route], OTHERS_UNSERVED)
        )
        == []
    )


@pytest.mark.parametrize(
    ("spec", "unserved", "pattern"),
    [
        # delivery before pickup
        (
            [
                ("p1", "start", None, 0.0),
                ("d1", "delivery", "o1", -30.0),
                ("p1", "pickup", "o1", 0.0),
                ("p1", "pickup", "o2", 90.0),
                ("d2", "delivery", "o2", 0.0),
                ("p1", "end", None, 0.0),
            ],
            OTHERS_UNSERVED,
            "delivers 'o1' before picking it up",
        ),
        # an order neither served nor listed
        (FEASIBLE_P1, OTHERS_UNSERVED[1:], "order 'o3' must be served once"),
        # load misreported
        (
            [
                ("p1", "start", None, 0.0),
                ("p1", "pickup", "o1", 99.0),
                ("p1", "pickup", "o2", 120.0),
                ("d2", "delivery", "o2", 30.0),
                ("d1", "delivery", "o1", 0.0),
                ("p1", "end", None, 0.0),
            ],
            OTHERS_UNSERVED,
            "reports 99.000 kg on board",
        ),
        # an order served and also listed unserved
        (
            FEASIBLE_P1,
            [*OTHERS_UNSERVED, Unserved("o1", "p1", "dup")],
            "order 'o1' must be served once",
        ),
        # an unserved order without a reason
        (
            FEASIBLE_P1,
            [*OTHERS_UNSERVED[:-1], Unserved("o6", "p2", " ")],
            "listed unserved without a reason",
        ),
    ],
)
def test_infeasible_hand_made_plans_are_rejected(
    three_farms, three_farms_matrix, spec, unserved, pattern
) -> None:
    """Each broken rule is reported in words."""
    route = _hand_route(three_farms_matrix, spec)
    solution = _solution([route], unserved)
    with pytest.raises(InfeasiblePlanError, match=pattern):
        assert_feasible(
            three_farms,
            three_farms_matrix,
            solution,
            fleet=_fleet(three_farms, three_farms_matrix),
        )


def test_late_delivery_and_overload_are_rejected(
    three_farms, three_farms_matrix
) -> None:
    """Times outside windows and loads above capacity are caught."""
    route = _hand_route(three_farms_matrix, FEASIBLE_P1)
    late = tuple(
        dataclasses.replace(
            s,
            start_s=s.start_s + 5 * 3600,
            departure_s=s.departure_s + 5 * 3600,
            arrival_s=s.arrival_s + 5 * 3600,
        )
        if s.type == "delivery" or s.type == "end"
        else s
        for s in route.stops
    )
    errors = check_solution(
        three_farms,
        three_farms_matrix,
        _solution(
            [
                dataclasses.replace(
                    route, stops=late, duration_s=route.duration_s + 5 * 3600
                )
            ],
            OTHERS_UNSERVED,
        ),
    )
    assert any("outside the time windows of d1" in e for e in errors)
    small = three_farms.model_copy(
        update={
            "vehicle_types": [
                three_farms.vehicle_types[0].model_copy(update={"capacity_kg": 100}),
                three_farms.vehicle_types[1],
            ]
        }
    )
    errors = check_solution(
        small, three_farms_matrix, _solution([route], OTHERS_UNSERVED)
    )
    assert any("carries 120.0 kg" in e and "capacity 100 kg" in e for e in errors)


def test_chilled_order_in_ambient_van_is_rejected(
    three_farms, three_farms_matrix
) -> None:
    """A chilled order may only ride in a refrigerated vehicle."""
    spec = [
        ("p0", "start", None, 0.0),
        ("p0", "pickup", "o4", 20.0),
        ("d3", "delivery", "o4", 0.0),
        ("p0", "end", None, 0.0),
    ]
    route = _hand_route(three_farms_matrix, spec, vehicle="p0-van-1", owner="p0")
    unserved = [Unserved(o, "x", "hand") for o in ("o1", "o2", "o3", "o5", "o6")]
    errors = check_solution(
        three_farms, three_farms_matrix, _solution([route], unserved)
    )
    assert any("chilled order 'o4' in a non-refrigerated vehicle" in e for e in errors)


def test_solver_output_passes_the_checker(
    three_farms, three_farms_matrix, three_farms_context
) -> None:
    """The separate strategy's output is feasible and explains its unserved order."""
    solution = solve_with("separate", three_farms_context)
    assert check_solution(three_farms, three_farms_matrix, solution) == []
    assert [u.order for u in solution.unserved] == ["o4"]
    assert "no refrigerated vehicle" in solution.unserved[0].reason


def test_problem_checker_catches_overloaded_depot_departure() -> None:
    """Depot deliveries above capacity are rejected even though load only falls."""
    problem = grid_problem(POINTS, [6, 6, 6], capacity=10, n_vehicles=1)
    plan = Plan((RoutePlan(0, (0, 1, 2)),), ())
    assert any("leaves its depot with 18" in e for e in check_plan(problem, plan))


def test_problem_checker_catches_missing_and_duplicate_visits() -> None:
    """Requests must be fully served exactly once or listed unserved."""
    problem = grid_problem(POINTS, [1, 1, 1], capacity=10, n_vehicles=2)
    plan = Plan((RoutePlan(0, (0, 1)), RoutePlan(1, (1,))), ())
    errors = check_plan(problem, plan)
    assert any("visit 1 made 2 times" in e for e in errors)
    assert any("'r2' neither fully served" in e for e in errors)


def test_route_must_use_a_fleet_vehicle_from_its_base(
    three_farms, three_farms_matrix
) -> None:
    """A route from the wrong farm, or of an unknown vehicle, is rejected."""
    spec = [
        ("p0", "start", None, 0.0),
        ("p1", "pickup", "o1", 30.0),
        ("p1", "pickup", "o2", 120.0),
        ("d2", "delivery", "o2", 30.0),
        ("d1", "delivery", "o1", 0.0),
        ("p1", "end", None, 0.0),
    ]
    route = _hand_route(three_farms_matrix, spec)
    errors = check_solution(
        three_farms, three_farms_matrix, _solution([route], OTHERS_UNSERVED)
    )
    assert any("must start at p1 and end at p1; starts at p0" in e for e in errors)
    ghost = _hand_route(three_farms_matrix, FEASIBLE_P1, vehicle="p1-van-9")
    errors = check_solution(
        three_farms, three_farms_matrix, _solution([ghost], OTHERS_UNSERVED)
    )
    assert any("not a vehicle of the separate fleet" in e for e in errors)


def test_short_unloading_and_misreported_totals_are_rejected(
    three_farms, three_farms_matrix
) -> None:
    """A stop left before its service time is up, and a route whose reported km or
    hours do not follow from its stops, are caught."""
    route = _hand_route(three_farms_matrix, FEASIBLE_P1)
    hasty = tuple(
        dataclasses.replace(s, departure_s=s.start_s + 30) if s.order == "o2" else s
        for s in route.stops
    )
    errors = check_solution(
        three_farms,
        three_farms_matrix,
        _solution([dataclasses.replace(route, stops=hasty)], OTHERS_UNSERVED),
    )
    # o2: 5 crates x 1 min, loading at p1 and unloading at d2
    assert any("before the 300s of unloading 'o2'" in e for e in errors)
    assert any("before the 300s of loading 'o2'" in e for e in errors)
    unparked = tuple(
        dataclasses.replace(s, start_s=s.arrival_s) if s.site == "d1" else s
        for s in route.stops
    )
    errors = check_solution(
        three_farms,
        three_farms_matrix,
        _solution([dataclasses.replace(route, stops=unparked)], OTHERS_UNSERVED),
    )
    assert any("before the stop's fixed 300s" in e for e in errors)
    wrong = dataclasses.replace(
        route, distance_m=route.distance_m + 5000, duration_s=route.duration_s - 600
    )
    errors = check_solution(
        three_farms, three_farms_matrix, _solution([wrong], OTHERS_UNSERVED)
    )
    assert any("its legs add up to" in e for e in errors)
    assert any("is back at" in e for e in errors)


def test_problem_checker_finds_route_duration_over_its_maximum() -> None:
    """A route that cannot be done within the vehicle's maximum duration, whatever
    the departure, is rejected with its shortest duration."""
    problem = grid_problem(POINTS, [1, 1, 1], capacity=10, n_vehicles=1)
    tight = dataclasses.replace(
        problem,
        vehicles=(dataclasses.replace(problem.vehicles[0], max_duration=50),),
    )
    errors = check_plan(tight, Plan((RoutePlan(0, (0, 1, 2)),), ()))
    assert any("works" in e and "> 50" in e for e in errors)
    assert check_plan(problem, Plan((RoutePlan(0, (0, 1, 2)),), ())) == []
