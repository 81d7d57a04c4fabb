"""OR-Tools backend on small problems whose optimum is found by brute force."""

from __future__ import annotations

import pytest

from logistics.checker import check_plan
from logistics.plan import evaluate, schedule_route
from logistics.solvers import SolveParams
from logistics.solvers.ortools_solver import OrToolsSolver

from ..conftest import grid_problem
from .brute_force import brute_force_optimum

POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4), (-3, -2), (2, -4)]


def test_cvrp_matches_brute_force_optimum() -> None:
    """Five customers, two vehicles of capacity 10: OR-Tools finds the optimum."""
    problem = grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=2))
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_vehicle_waits_for_a_window_that_opens_late() -> None:
    """A customer open only from t=400 is served at or after 400, never before."""
    windows = [(0, 1000), (400, 1000), (0, 1000), (0, 1000), (0, 1000)]
    problem = grid_problem(POINTS, [1] * 5, capacity=100, n_vehicles=1, windows=windows)
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=1))
    assert check_plan(problem, plan) == []
    route = plan.routes[0]
    sched = schedule_route(problem, route.vehicle, route.visits)
    position = route.visits.index(problem.requests[1].delivery)
    assert sched.start[position] >= 400


def test_pickup_precedes_delivery_and_matches_brute_force() -> None:
    """Three shipments on one vehicle: optimal sequence with pickups first."""
    problem = grid_problem(
        POINTS, [5, 5, 5], capacity=10, n_vehicles=1, pickups_from=[4, 5, 4]
    )
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=2))
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_unreachable_request_is_unserved_not_dropped() -> None:
    """A window that closes before anyone can arrive leaves that request unserved."""
    windows = [(0, 1000), (0, 1), (0, 1000), (0, 1000), (0, 1000)]
    problem = grid_problem(POINTS, [1] * 5, capacity=100, n_vehicles=1, windows=windows)
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=1))
    assert plan.unserved == (1,)
    assert check_plan(problem, plan) == []


def test_same_solution_limit_gives_same_plan() -> None:
    """A solution-count limit makes the search reproducible."""
    problem = grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)
    params = SolveParams(time_limit_s=30, solution_limit=50)
    first = OrToolsSolver().solve(problem, params)
    second = OrToolsSolver().solve(problem, params)
    assert first.routes == second.routes


@pytest.mark.parametrize(
    "strategy",
    [
        "parallel_cheapest_insertion",
        "local_cheapest_insertion",
        "local_cheapest_cost_insertion",
    ],
)
def test_insertion_strategies_all_give_feasible_plans(strategy) -> None:
    """Every offered insertion strategy returns a checked plan."""
    problem = grid_problem(
        POINTS, [5, 5, 5], capacity=10, n_vehicles=2, pickups_from=[4, 5, 4]
    )
    plan = OrToolsSolver().solve(
        problem, SolveParams(time_limit_s=1, first_solution=strategy)
    )
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()


def test_impossible_shipment_is_unserved_not_a_failure() -> None:
    """A delivery window closing before the pickup opens leaves only that order out."""
    from logistics.problem import RoutingProblem, Visit

    base = grid_problem(POINTS, [5, 5], capacity=10, n_vehicles=1, pickups_from=[4, 5])
    visits = list(base.visits)
    visits[0] = Visit(visits[0].location, 0, "pickup", 0, ((500, 600),))
    visits[1] = Visit(visits[1].location, 0, "delivery", 0, ((0, 100),))
    problem = RoutingProblem(
        base.distance,
        base.duration,
        tuple(visits),
        base.requests,
        base.vehicles,
        name="impossible",
    )
    plan = OrToolsSolver().solve(problem, SolveParams(time_limit_s=1))
    assert plan.unserved == (0,)
    assert check_plan(problem, plan) == []


def test_large_neighbourhoods_keep_the_optimum_and_the_checker_happy() -> None:
    """The portfolio's OR-Tools searches add the large-neighbourhood operators
    OR-Tools leaves off (``large_neighbourhoods``); with them the search still
    finds the brute-force optimum of a small pickup-and-delivery problem and a
    plan the checker accepts, and the operators really are switched on."""
    from ortools.util import optional_boolean_pb2

    from logistics.solvers.ortools_solver import _LNS_OPERATORS, _search_parameters

    params = SolveParams(time_limit_s=2, large_neighbourhoods=True)
    operators = _search_parameters(params).local_search_operators
    assert all(
        getattr(operators, name) == optional_boolean_pb2.BOOL_TRUE
        for name in _LNS_OPERATORS
    )
    default = _search_parameters(SolveParams()).local_search_operators
    assert all(
        getattr(default, name) != optional_boolean_pb2.BOOL_TRUE
        for name in _LNS_OPERATORS
    )
    problem = grid_problem(
        POINTS, [5, 5, 5], capacity=10, n_vehicles=1, pickups_from=[4, 5, 4]
    )
    plan = OrToolsSolver().solve(problem, params)
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) == brute_force_optimum(problem)
