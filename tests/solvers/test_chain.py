"""Two searches in sequence (:class:`logistics.solvers.chain.Chain`)."""

from __future__ import annotations

import time

import pytest

from logistics.checker import check_plan
from logistics.plan import Plan, evaluate
from logistics.problem import RoutingProblem
from logistics.solvers import SolveParams
from logistics.solvers.chain import Chain
from logistics.solvers.ortools_solver import OrToolsSolver

from ..conftest import grid_problem

POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4), (-3, -2), (2, -4), (5, -1)]


class _Recorder:
    """A real backend that records what it was asked."""

    def __init__(self, inner: OrToolsSolver) -> None:
        self.inner = inner
        self.name = "recorded"
        self.calls: list[SolveParams] = []
        self.plans: list[Plan] = []

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        return self.inner.unsupported(problem)

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        self.calls.append(params)
        plan = self.inner.solve(problem, params)
        self.plans.append(plan)
        return plan


def _problem() -> RoutingProblem:
    return grid_problem(
        POINTS, [3, 4, 2, 5, 3, 2], capacity=9, n_vehicles=3, pickups_from=[6] * 6
    )


def test_second_search_starts_from_the_first_plan_within_the_budget() -> None:
    """The second search gets the rest of the budget and the first search's plan as
    its start; the chain returns a checked plan no worse than that start."""
    problem = _problem()
    first, second = _Recorder(OrToolsSolver()), _Recorder(OrToolsSolver())
    t0 = time.perf_counter()
    plan = Chain(first, second, 0.5).solve(problem, SolveParams(time_limit_s=2))
    assert time.perf_counter() - t0 <= 2 * 1.05 + 1
    assert first.calls[0].time_limit_s == pytest.approx(1.0)
    # The rest of the budget: what the first search did not use (it may stop early).
    assert second.calls[0].time_limit_s <= 2.0 - first.plans[0].wall_time_s
    assert second.calls[0].initial == first.plans[0]
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) <= evaluate(problem, first.plans[0])
    assert plan.backend == "recorded then recorded"


def test_a_cheaper_caller_start_is_where_the_second_search_starts() -> None:
    """When the caller's start plan beats the first search's plan, the second search
    starts from the caller's plan instead."""
    problem = _problem()
    good = OrToolsSolver().solve(problem, SolveParams(time_limit_s=1))
    first = _Recorder(OrToolsSolver())
    second = _Recorder(OrToolsSolver())
    # The first search stops at its first solution: never better than ``good``.
    params = SolveParams(time_limit_s=2, solution_limit=1, initial=good)
    Chain(first, second, 0.5).solve(problem, params)
    assert first.calls[0].initial is None
    assert evaluate(problem, good) < evaluate(problem, first.plans[0])
    assert second.calls[0].initial == good
