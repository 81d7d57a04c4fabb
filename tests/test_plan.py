"""Route schedules: exact shortest duration, several windows per visit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.plan import _forward, schedule_route
from logistics.problem import Request, RoutingProblem, Vehicle, Visit


def _line_problem(
    windows: list[tuple[tuple[int, int], ...]], gap: int = 10
) -> RoutingProblem:
    """Depot at 0 then one visit per location 1..n on a line, ``gap`` apart."""
    n = len(windows) + 1
    pos = np.arange(n) * gap
    dist = np.abs(pos[:, None] - pos[None, :]).astype(np.int64)
    visits = tuple(Visit(i + 1, i, "delivery", 5, w) for i, w in enumerate(windows))
    requests = tuple(Request(f"r{i}", None, i, (1,)) for i in range(len(windows)))
    vehicle = Vehicle("v", 0, 0, (100,), (0, 10_000), 10_000)
    return RoutingProblem(dist, dist.copy(), visits, requests, (vehicle,))


def test_second_window_shortens_the_route() -> None:
    """A late first stop with an early and a late window: waiting for the late one is
    wrong when a later stop only opens late; the exact schedule uses the late window."""
    problem = _line_problem([((0, 20), (300, 400)), ((320, 500),)])
    sched = schedule_route(problem, 0, (0, 1))
    # Depart at 295: stop 0 at 305 (second window), stop 1 at 320, home at 345.
    assert sched.depart == 295
    assert sched.duration == 50
    assert sched.start[0] >= 300


def test_no_waiting_route_departs_just_in_time() -> None:
    """The vehicle leaves so as to arrive when the first window opens (earliest of
    the equally short schedules)."""
    problem = _line_problem([((100, 200),), ((0, 1000),)])
    sched = schedule_route(problem, 0, (0, 1))
    assert sched.depart == 90
    assert sched.duration == 10 + 5 + 10 + 5 + 20


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 80), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
def test_schedule_is_as_short_as_any_departure(spec) -> None:  # type: ignore[no-untyped-def]
    """No departure time, tried one by one, gives a shorter feasible schedule."""
    windows = []
    for lo, width, second in spec:
        w = ((lo, lo + width),)
        if second:
            w = (*w, (lo + width + 50, lo + width + 120))
        windows.append(w)
    problem = _line_problem(windows)
    visits = tuple(range(len(windows)))
    best = schedule_route(problem, 0, visits)
    brute = [
        s.duration
        for t in range(0, 700)
        if (s := _forward(problem, 0, visits, t)).feasible
    ]
    if not brute:
        assert not best.feasible
    else:
        assert best.feasible
        assert best.duration == min(brute)


def test_two_orders_at_one_stop_pay_the_fixed_part_once(three_farms_matrix) -> None:
    """Two orders of one farm for one shop: one stop at the farm and one at the shop,
    each paying its fixed 5 min once; each order then takes 1 min per crate. The
    reported stops and the independent checker agree."""
    from logistics.checker import check_solution
    from logistics.context import build_context
    from logistics.plan import Plan, RoutePlan
    from logistics.scenario import parse_scenario
    from logistics.solution import to_solution

    from .conftest import fleet_of, tiny_raw

    raw = tiny_raw()
    raw["orders"] = [
        {"id": "a", "producer": "p1", "delivery_point": "d1", "kg": 30, "crates": 2},
        {"id": "b", "producer": "p1", "delivery_point": "d1", "kg": 20, "crates": 3},
    ]
    scenario = parse_scenario(raw)
    context = build_context(scenario, three_farms_matrix)
    fleet = fleet_of("separate", context, ["p1"])
    problem = context.problem(["p1"], fleet)
    # visits: 0 pickup a, 1 delivery a, 2 pickup b, 3 delivery b
    plan = Plan((RoutePlan(0, (0, 2, 1, 3)),), ())
    sched = schedule_route(problem, 0, (0, 2, 1, 3))
    travel = int(context.duration_s[context.index("p1"), context.index("d1")])
    back = int(context.duration_s[context.index("d1"), context.index("p1")])
    # farm: 300 s fixed + 2 + 3 crates; shop: 300 s fixed + 2 + 3 crates
    assert sched.duration == 300 + 120 + 180 + travel + 300 + 120 + 180 + back
    assert sched.start[1] == sched.departure[0]  # second pickup: no new fixed part
    assert sched.start[3] == sched.departure[2]  # second delivery: likewise
    solution = to_solution(scenario, problem, plan, strategy="separate")
    stops = solution.routes[0].stops
    assert stops[1].start_s - stops[1].arrival_s >= 300  # parking at the farm
    assert stops[2].start_s == stops[1].departure_s
    assert check_solution(scenario, context, solution, fleet=fleet) == []
