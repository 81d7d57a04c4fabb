"""Trimming interchangeable spare vehicles never changes what a fleet can do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from logistics.checker import check_plan
from logistics.plan import Plan, RoutePlan, evaluate
from logistics.problem import RoutingProblem
from logistics.solvers import SolveParams, solve
from logistics.solvers.trim import trim_fleet

from ..conftest import grid_problem
from .brute_force import brute_force_optimum

POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4)]


def _spare_fleet(restrict_first: bool) -> RoutingProblem:
    """Three requests, seven identical small vans (fixed cost 30) and one big van
    with a dearer fixed cost; optionally request 0 rides only in vans 0-2."""
    base = grid_problem(POINTS, [6, 5, 4], capacity=10, n_vehicles=7)
    small = tuple(replace(v, fixed_cost=30) for v in base.vehicles)
    big = replace(base.vehicles[0], id="big", capacity=(20,), fixed_cost=45)
    requests = base.requests
    if restrict_first:
        requests = (replace(requests[0], allowed_vehicles=(0, 1, 2)), *requests[1:])
    return replace(base, vehicles=(*small, big), requests=requests)


@pytest.mark.parametrize(
    ("restrict_first", "n_kept"), [(False, 4), (True, 6)], ids=["free", "restricted"]
)
def test_trimming_keeps_the_brute_force_optimum(
    restrict_first: bool, n_kept: int
) -> None:
    """At most one identical vehicle per request is kept per group (vans 0-2 and 3-6
    are different groups when request 0 may ride only in 0-2), and the exhaustive
    optimum of the trimmed problem equals the original's."""
    problem = _spare_fleet(restrict_first)
    trim = trim_fleet(problem)
    assert len(trim.problem.vehicles) == n_kept
    assert brute_force_optimum(trim.problem) == brute_force_optimum(problem)


def test_trimmed_plan_maps_back_to_the_callers_vehicles() -> None:
    """A plan on the trimmed fleet names the original vehicles, and the vehicles of
    a starting plan are never trimmed away."""
    problem = _spare_fleet(restrict_first=False)
    start = Plan((RoutePlan(6, (0, 1)), RoutePlan(7, (2,))), ())
    trim = trim_fleet(problem, keep=start)
    assert {6, 7} <= set(trim.kept)
    assert trim.to_original(trim.to_trimmed(start)) == start
    assert [v.id for v in trim.problem.vehicles] == [
        problem.vehicles[k].id for k in trim.kept
    ]


def test_nothing_to_trim_returns_the_problem_itself() -> None:
    """A fleet without surplus is handed to the backend unchanged."""
    problem = grid_problem(POINTS, [6, 5, 4], capacity=10, n_vehicles=3)
    assert trim_fleet(problem).problem is problem


@pytest.mark.parametrize("backend", ["ortools", "pyvrp"])
def test_backends_solve_spare_fleets_optimally(backend: str) -> None:
    """Both backends reach the brute-force optimum on the spare fleet, with a plan
    on the caller's vehicle indices."""
    if backend == "pyvrp":
        pytest.importorskip("pyvrp")
    problem = _spare_fleet(restrict_first=True)
    plan = solve(problem, SolveParams(time_limit_s=1), backend=backend)
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) == brute_force_optimum(problem)


def test_a_group_that_may_carry_nothing_keeps_one_vehicle() -> None:
    """Vehicles no request may ride in are trimmed to one, never to an empty fleet
    (OR-Tools crashed building a model without vehicles)."""
    base = grid_problem(POINTS, [6, 5, 4], capacity=10, n_vehicles=3)
    requests = tuple(replace(r, allowed_vehicles=()) for r in base.requests)
    problem = replace(base, requests=requests)
    assert len(trim_fleet(problem).problem.vehicles) == 1
    plan = solve(problem, SolveParams(time_limit_s=1), backend="ortools")
    assert plan.unserved == (0, 1, 2)
