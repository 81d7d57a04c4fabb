"""PyVRP backend on small problems whose optimum is found by brute force."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import replace

import numpy as np
import pytest

from logistics.checker import check_plan
from logistics.exceptions import BackendUnavailableError
from logistics.plan import RoutePlan, evaluate, schedule_route
from logistics.problem import Request, RoutingProblem, Vehicle, Visit
from logistics.solvers import SolveParams, choose_backend
from logistics.solvers.ortools_solver import OrToolsSolver
from logistics.solvers.pyvrp_solver import PyVrpSolver

from ..conftest import grid_problem
from .brute_force import brute_force_optimum

pytest.importorskip("pyvrp")

POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4), (-3, -2), (2, -4)]


def _no_cost_mismatch(caplog: pytest.LogCaptureFixture) -> bool:
    """Whether the solver logged no difference between PyVRP's cost and ours."""
    return not any("differs" in r.getMessage() for r in caplog.records)


def _with_vehicles(problem: RoutingProblem, **changes: int) -> RoutingProblem:
    """The same problem with every vehicle's fields changed."""
    vehicles = tuple(replace(v, **changes) for v in problem.vehicles)  # type: ignore[arg-type]
    return replace(problem, vehicles=vehicles)


def test_cvrp_matches_brute_force_optimum(caplog: pytest.LogCaptureFixture) -> None:
    """Five customers, two vehicles of capacity 10: PyVRP finds the optimum."""
    caplog.set_level(logging.WARNING)
    problem = grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    assert plan.backend == "pyvrp"
    assert evaluate(problem, plan) == brute_force_optimum(problem)
    assert _no_cost_mismatch(caplog)


def test_three_shipments_on_one_vehicle_match_brute_force() -> None:
    """Three shipments, one vehicle of capacity 10: optimal, pickups first."""
    problem = grid_problem(
        POINTS, [5, 5, 5], capacity=10, n_vehicles=1, pickups_from=[4, 5, 4]
    )
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_time_windows_force_the_visiting_order() -> None:
    """Disjoint windows in time order leave one feasible sequence, which is found."""
    windows = [(300, 400), (150, 250), (450, 550), (0, 100)]
    problem = grid_problem(
        POINTS, [1, 1, 1, 1], capacity=10, n_vehicles=1, windows=windows
    )
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    expected = tuple(problem.requests[r].delivery for r in (3, 1, 0, 2))
    assert plan.routes == (RoutePlan(0, expected),)
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_duration_with_waiting_matches_schedule_route(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavoidable waiting counts in the duration cost as in ``schedule_route``.

    Customer 0 closes at 50 and customer 1 opens at 400: the best route leaves at 18,
    serves 0 at 50, waits at 1 until 400 and is back at 464 (duration 446).
    """
    caplog.set_level(logging.WARNING)
    windows = [(0, 50), (400, 1000)]
    problem = grid_problem(POINTS, [1, 1], capacity=10, n_vehicles=1, windows=windows)
    problem = _with_vehicles(problem, duration_cost=1)
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    route = plan.routes[0]
    sched = schedule_route(problem, route.vehicle, route.visits)
    assert (sched.depart, sched.finish) == (18, 464)
    assert evaluate(problem, plan) == brute_force_optimum(problem) == 32 + 41 + 64 + 446
    assert _no_cost_mismatch(caplog)


@pytest.mark.parametrize(("max_duration", "served"), [(446, 2), (445, 1)])
def test_max_duration_includes_waiting(max_duration: int, served: int) -> None:
    """A maximum route duration one unit below the waiting route drops a request."""
    windows = [(0, 50), (400, 1000)]
    problem = grid_problem(POINTS, [1, 1], capacity=10, n_vehicles=1, windows=windows)
    problem = _with_vehicles(problem, max_duration=max_duration)
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert len(problem.requests) - len(plan.unserved) == served
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_allowed_vehicles_are_respected_exactly() -> None:
    """Restricted requests ride only allowed vehicles; one nobody may carry is unserved.

    Vehicle 1 (the only one allowed for requests 0 and 1) is based far away, so the
    unrestricted optimum would give them to vehicle 0.
    """
    points = [*POINTS, (30, 30)]
    base = grid_problem(points, [1, 1, 1, 1, 1], capacity=10, n_vehicles=2)
    allowed: list[tuple[int, ...] | None] = [(1,), (1,), None, None, ()]
    requests = tuple(
        replace(r, allowed_vehicles=a)
        for r, a in zip(base.requests, allowed, strict=True)
    )
    vehicles = (base.vehicles[0], replace(base.vehicles[1], start=6, end=6))
    problem = replace(base, requests=requests, vehicles=vehicles)
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert plan.unserved == (4,)
    route_1 = plan.route_of(1)
    assert route_1 is not None
    assert {problem.visits[v].request for v in route_1.visits} >= {0, 1}
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def _random_problem(seed: int, *, shipments: bool) -> RoutingProblem:
    """A random problem with every feature PyVRP supports."""
    rng = random.Random(seed)
    n_loc = 8
    xy = np.array([(rng.randint(0, 50), rng.randint(0, 50)) for _ in range(n_loc)])
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    dist = dist.astype(np.int64)

    def window() -> tuple[tuple[int, int], ...]:
        lo = rng.randint(0, 200)
        return ((lo, lo + rng.randint(5, 80)),)

    visits: list[Visit] = []
    requests: list[Request] = []
    for i in range(6):
        pick = None
        if shipments:
            visits.append(Visit(rng.randrange(n_loc), i, "pickup", 5, window()))
            pick = len(visits) - 1
        visits.append(Visit(rng.randrange(1, n_loc), i, "delivery", 5, window()))
        demand = (rng.randint(1, 5), rng.randint(0, 2))
        allowed = rng.choice([None, None, (0,), (1, 2)])
        penalty = rng.randint(50, 400)
        requests.append(
            Request(f"r{i}", pick, len(visits) - 1, demand, allowed, penalty)
        )
    vehicles = tuple(
        Vehicle(
            f"v{k}",
            start=rng.randint(0, 2),
            end=rng.randint(0, 2),
            capacity=(rng.randint(5, 12), 3),
            shift=(rng.randint(0, 50), rng.randint(200, 400)),
            max_duration=rng.randint(60, 250),
            fixed_cost=rng.randint(0, 30),
            distance_cost=rng.randint(1, 3),
            duration_cost=rng.randint(0, 2),
        )
        for k in range(3)
    )
    return RoutingProblem(
        dist, dist * 2, tuple(visits), tuple(requests), vehicles, ("a", "b"), name="rnd"
    )


@pytest.mark.parametrize("shipments", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_problems_pass_checker_with_equal_costs(
    seed: int, shipments: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Depots, windows, service, max duration, costs: PyVRP's cost equals ours."""
    caplog.set_level(logging.WARNING)
    problem = _random_problem(seed, shipments=shipments)
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=0.3, seed=seed))
    assert check_plan(problem, plan) == []
    assert _no_cost_mismatch(caplog)


def test_initial_plan_is_never_worsened() -> None:
    """Starting from OR-Tools' plan, PyVRP returns a plan at least as good."""
    problem = grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)
    start = OrToolsSolver().solve(problem, SolveParams(time_limit_s=0.3))
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=0.3, initial=start))
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) <= evaluate(problem, start)


def test_same_seed_and_solution_limit_give_same_plan() -> None:
    """An iteration limit with a fixed seed makes the search reproducible."""
    problem = grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)
    params = SolveParams(time_limit_s=30, seed=7, solution_limit=200)
    first = PyVrpSolver().solve(problem, params)
    second = PyVrpSolver().solve(problem, params)
    assert first.routes == second.routes


def test_forcing_pyvrp_on_several_windows_at_a_shipment_visit_is_refused() -> None:
    """PyVRP has no groups of shipments, so a two-window pickup or delivery of a
    shipment is refused by name."""
    problem = grid_problem(
        POINTS, [1, 1], capacity=10, n_vehicles=1, pickups_from=[3, 4]
    )
    visits = list(problem.visits)
    visits[1] = replace(visits[1], windows=((0, 100), (300, 400)))
    problem = replace(problem, visits=tuple(visits))
    wanted = (
        "several time windows at a visit of a pickup-and-delivery request "
        "(PyVRP has no groups of shipments)"
    )
    assert PyVrpSolver().unsupported(problem) == [wanted]
    with pytest.raises(
        BackendUnavailableError, match=r"'pyvrp'.*several time windows at a visit"
    ):
        choose_backend(problem, "pyvrp")
    with pytest.raises(BackendUnavailableError, match="several time windows"):
        PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))


def test_several_windows_of_optional_depot_deliveries() -> None:
    """When the fleet cannot take every depot delivery, the requests become optional
    client groups: at most one window of each is used, the rest is unserved, and
    the plan is checked."""
    problem = grid_problem(POINTS, [4, 3], capacity=5, n_vehicles=1)
    visits = [
        replace(v, windows=((0, 2), (20, 10**6))) if i == 0 else v
        for i, v in enumerate(problem.visits)
    ]
    problem = replace(problem, visits=tuple(visits))
    assert PyVrpSolver().unsupported(problem) == []
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    assert len(plan.unserved) == 1
    assert sum(len(r.visits) for r in plan.routes) == 1


@pytest.mark.parametrize(
    ("shipments", "n", "expected"),
    [(True, 60, "short"), (True, 30, "default"), (False, 60, "default")],
)
def test_late_acceptance_history_goes_by_problem(
    monkeypatch: pytest.MonkeyPatch, shipments: bool, n: int, expected: str
) -> None:
    """PyVRP searches shipment problems of SHORT_HISTORY_MIN_REQUESTS requests or
    more with the short late-acceptance history, smaller ones and depot deliveries
    with PyVRP's default; the plan is checked either way."""
    import pyvrp

    from logistics.solvers import pyvrp_solver

    assert pyvrp_solver.SHORT_HISTORY_MIN_REQUESTS in range(31, 61)
    default = pyvrp.IteratedLocalSearchParams().history_length
    short = pyvrp_solver.LATE_ACCEPTANCE_HISTORY
    assert short < default
    seen: list[int] = []
    real_solve = pyvrp.solve

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs["params"].ils.history_length)  # type: ignore[attr-defined]
        return real_solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pyvrp, "solve", spy)
    points = [(i % 8, i // 8) for i in range(n + 1)]
    pickups = [0] * n if shipments else None
    problem = grid_problem(
        points, [1] * n, capacity=n, n_vehicles=2, pickups_from=pickups
    )
    plan = PyVrpSolver().solve(problem, SolveParams(time_limit_s=0.3))
    assert check_plan(problem, plan) == []
    assert set(seen) == {short if expected == "short" else default}
    seen.clear()
    PyVrpSolver(history_length=None).solve(problem, SolveParams(time_limit_s=0.3))
    assert set(seen) == {default}


def test_lean_search_leaves_relocate_shipment_out_from_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From ``lean_from`` requests PyVRP searches without LEAN_LEFT_OUT; below it
    (and with ``lean_from=None``) with every operator; the plan still serves every
    request and passes the checker."""
    from logistics.solvers import pyvrp_solver

    assert pyvrp_solver.LEAN_LEFT_OUT == ("RelocateShipment",)
    assert pyvrp_solver.LEAN_MIN_REQUESTS in range(201, 300)
    import pyvrp

    seen: list[set[str]] = []
    real_solve = pyvrp.solve

    def spy(*args: object, **kwargs: object) -> object:
        ops = kwargs["params"].operators  # type: ignore[attr-defined]
        seen.append({op.__name__ for op in ops})
        return real_solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pyvrp, "solve", spy)
    n = 12
    points = [(i % 4, i // 4) for i in range(n + 1)]
    problem = grid_problem(
        points, [1] * n, capacity=n, n_vehicles=2, pickups_from=[0] * n
    )
    plan = PyVrpSolver(lean_from=n).solve(problem, SolveParams(time_limit_s=0.3))
    assert check_plan(problem, plan) == []
    assert not plan.unserved
    assert seen
    assert all("RelocateShipment" not in ops for ops in seen)
    assert all("RelocatePickup" in ops for ops in seen)
    for solver in (
        PyVrpSolver(lean_from=n + 1),
        PyVrpSolver(),
        PyVrpSolver(None, None),
    ):
        seen.clear()
        solver.solve(problem, SolveParams(time_limit_s=0.3))
        assert seen
        assert all("RelocateShipment" in ops for ops in seen)


def test_an_iteration_limit_gives_up_by_iterations_not_by_the_clock() -> None:
    """Under an iteration limit (coalition solves), a search still without a feasible
    solution gives up after _REQUIRED_SHARE of its iterations, whatever the time: a
    give-up time already past does not stop it, so a loaded machine gives the same
    plan. Without a limit, the give-up time decides."""
    from logistics.solvers.pyvrp_solver import _INFEASIBLE_COST, _REQUIRED_SHARE, _Stop

    far, past = time.perf_counter() + 3600, time.perf_counter() - 1
    limited = _Stop(far, past, 100)
    calls = 0
    while not limited(_INFEASIBLE_COST):
        calls += 1
    assert calls == int(_REQUIRED_SHARE * 100)
    feasible = _Stop(far, past, 100)
    calls = 0
    while not feasible(1.0):
        calls += 1
    assert calls == 100
    timed = _Stop(far, past, None)
    assert timed(_INFEASIBLE_COST)
