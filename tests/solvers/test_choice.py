"""The ``auto`` backend choice, the race between backends, forced-backend refusals."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import pytest

from logistics import solvers
from logistics.checker import check_plan
from logistics.exceptions import BackendUnavailableError, SolverError
from logistics.plan import Plan, RoutePlan, evaluate, schedule_route
from logistics.problem import RoutingProblem
from logistics.solvers import SolveParams, choose_backend, solve
from logistics.solvers.ortools_solver import OrToolsSolver

from ..conftest import grid_problem

POINTS = [(0, 0), (3, 1), (4, 5), (-2, 4), (-3, -2), (2, -4)]
PARAMS = SolveParams(time_limit_s=1)
RACE = SolveParams(time_limit_s=1, parallel_searches=2)


def _single_window() -> RoutingProblem:
    return grid_problem(POINTS, [4, 3, 5, 4, 3], capacity=10, n_vehicles=2)


def _multi_window() -> RoutingProblem:
    problem = _single_window()
    visits = list(problem.visits)
    visits[1] = replace(visits[1], windows=((0, 100), (300, 10**6)))
    return replace(problem, visits=tuple(visits))


def test_auto_picks_a_supporting_backend_and_returns_a_checked_plan() -> None:
    """``auto`` on a one-window problem serves everything with a backend that fits."""
    problem = _single_window()
    plan = solve(problem, PARAMS)
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    assert plan.backend.split()[0] in {"pyvrp", "ortools"}
    assert "auto" in plan.backend


def _multi_window_shipments() -> RoutingProblem:
    base = _shipments()
    visits = list(base.visits)
    visits[1] = replace(visits[1], windows=((0, 100), (300, 10**6)))
    return replace(base, visits=tuple(visits))


def test_auto_on_several_windows_per_shipment_visit_uses_ortools() -> None:
    """Only OR-Tools handles several windows at a pickup or delivery of a shipment
    (PyVRP has no groups of shipments), so ``auto`` uses it alone."""
    problem = _multi_window_shipments()
    assert choose_backend(problem).name == "ortools"
    plan = solve(problem, RACE)
    assert check_plan(problem, plan) == []
    assert plan.backend.startswith("ortools")
    assert "pyvrp" not in plan.backend


def test_forced_pyvrp_names_backend_and_missing_feature() -> None:
    """Forcing PyVRP on a shipment problem with several windows at a visit is
    refused with both names."""
    pytest.importorskip("pyvrp")
    with pytest.raises(
        BackendUnavailableError,
        match=r"backend 'pyvrp' .* not support several time windows at a visit of "
        r"a pickup-and-delivery request",
    ):
        solve(_multi_window_shipments(), PARAMS, backend="pyvrp")


def test_pyvrp_serves_a_depot_delivery_in_its_second_window() -> None:
    """A depot delivery with several windows is a mutually exclusive client group in
    PyVRP: a visit whose first window cannot be reached is served in its second."""
    pytest.importorskip("pyvrp")
    base = _single_window()
    visits = list(base.visits)
    # Visit 1 is at (3, 1): at least 3 time units from the depot, so its first
    # window (0, 1) is out of reach and only the second one, from 50, is left.
    visits[1] = replace(visits[1], windows=((0, 1), (50, 10**6)))
    problem = replace(base, visits=tuple(visits))
    assert choose_backend(problem).name == "pyvrp"
    plan = solve(problem, PARAMS, backend="pyvrp")
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    route = next(r for r in plan.routes if 1 in r.visits)
    schedule = schedule_route(problem, route.vehicle, route.visits, route.breaks)
    assert schedule.start[route.visits.index(1)] >= 50


def test_pyvrp_keeps_a_start_plan_in_its_windows() -> None:
    """A start plan that serves a several-window visit in its second window is handed
    to PyVRP as the client copy of that window; the result is never worse."""
    pytest.importorskip("pyvrp")
    problem = _multi_window()
    start = solve(problem, PARAMS, backend="ortools")
    assert check_plan(problem, start) == []
    plan = solve(problem, replace(PARAMS, initial=start), backend="pyvrp")
    assert check_plan(problem, plan) == []
    assert evaluate(problem, plan) <= evaluate(problem, start)


def test_auto_without_racing_prefers_pyvrp() -> None:
    """With one search allowed ``auto`` does not race and takes PyVRP when it fits
    the model."""
    pytest.importorskip("pyvrp")
    plan = solve(_single_window(), PARAMS)
    assert plan.backend == "pyvrp (auto)"


def _shipments() -> RoutingProblem:
    return grid_problem(
        POINTS, [5, 5, 5], capacity=10, n_vehicles=2, pickups_from=[4, 5, 4]
    )


def test_shipments_run_the_portfolio_side_by_side() -> None:
    """On two cores, small shipment problems race PyVRP from scratch then OR-Tools
    from its plan against PyVRP alone, each with the whole budget; the label names
    both."""
    pytest.importorskip("pyvrp")
    problem = _shipments()
    plan = solve(problem, RACE)
    assert check_plan(problem, plan) == []
    assert plan.backend in {
        "pyvrp then ortools (auto: raced pyvrp)",
        "pyvrp (auto: raced pyvrp then ortools)",
    }


def test_shipments_with_a_start_race_it_against_a_search_from_scratch() -> None:
    """Where only OR-Tools applies (several windows per visit) and a start is given
    (the separate plan), one search continues from it and one starts from scratch,
    so a start that traps the search cannot decide alone."""
    problem = _multi_window_shipments()
    start = Plan(
        (RoutePlan(0, (0, 1, 2, 3)), RoutePlan(1, (4, 5))),
        (),
    )
    assert check_plan(problem, start) == []
    plan = solve(problem, replace(RACE, initial=start))
    assert check_plan(problem, plan) == []
    assert plan.backend in {
        "ortools from start (auto: raced ortools local_cheapest_insertion)",
        "ortools local_cheapest_insertion (auto: raced ortools from start)",
    }
    assert evaluate(problem, plan) <= evaluate(problem, start)


def test_one_search_at_a_time_runs_the_portfolio_in_turn() -> None:
    """With one search allowed, every portfolio search runs here in turn on an equal
    share of the budget; the best checked plan is kept."""
    pytest.importorskip("pyvrp")
    problem = _shipments()
    plan = solve(problem, PARAMS)
    assert check_plan(problem, plan) == []
    assert "(auto: raced " in plan.backend


def test_auto_races_depot_deliveries_and_keeps_a_checked_plan() -> None:
    """Depot deliveries race two PyVRP searches; the result is checked and says
    which search won and what it raced."""
    pytest.importorskip("pyvrp")
    problem = _single_window()
    plan = solve(problem, replace(RACE, seed=7))
    assert check_plan(problem, plan) == []
    assert "(auto: raced " in plan.backend
    assert plan.backend.startswith("pyvrp")


def test_missing_pyvrp_gives_install_hint_and_auto_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without PyVRP a forced choice says how to install it; ``auto`` uses OR-Tools."""
    monkeypatch.setitem(sys.modules, "pyvrp", None)  # makes `import pyvrp` fail
    problem = _single_window()
    with pytest.raises(
        BackendUnavailableError, match=r"pip install 'logistics\[pyvrp\]'"
    ):
        choose_backend(problem, "pyvrp")
    assert choose_backend(problem).name == "ortools"


# -- the race, with stand-in backends -------------------------------------------------


def _served_by_vehicle_0(problem: RoutingProblem, order: list[int]) -> Plan:
    visits = tuple(problem.requests[r].delivery for r in order)
    return Plan((RoutePlan(0, visits),), ())


class _AllUnserved:
    """Feasible but poor: serves nothing."""

    name = "lazy"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        return []

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        return Plan((), tuple(range(len(problem.requests))), self.name)


class _Overloaded:
    """Cheapest on paper but breaks capacity, so the checker must reject it."""

    name = "cheater"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        return []

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        return replace(
            _served_by_vehicle_0(problem, [0, 1, 2, 3, 4]), backend=self.name
        )


class _Crashing:
    """Raises, as a backend bug would."""

    name = "crash"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        return []

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        msg = "backend bug"
        raise RuntimeError(msg)


def _stand_ins(monkeypatch: pytest.MonkeyPatch, *backends: Any) -> None:
    """Race only ``backends``: the race sends the backend objects themselves to its
    worker processes (started clean, by forkserver), not names in this registry."""
    for cls in backends:
        monkeypatch.setitem(solvers.SOLVERS, cls.name, cls)
    monkeypatch.setattr(solvers, "_AUTO_ORDER", tuple(cls.name for cls in backends))


def test_race_discards_unchecked_plans_and_survives_crashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The overloaded plan is rejected, the crash ignored, the feasible plan kept."""
    _stand_ins(monkeypatch, _Overloaded, _Crashing, _AllUnserved)
    problem = _single_window()
    plan = solve(problem, replace(RACE, parallel_searches=3))
    assert plan.backend == "lazy (auto: raced cheater, crash)"
    assert check_plan(problem, plan) == []


def test_race_keeps_the_lower_objective(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between a feasible empty plan and OR-Tools' plan the cheaper one wins."""
    _stand_ins(monkeypatch, _AllUnserved, OrToolsSolver)
    plan = solve(_single_window(), RACE)
    assert plan.backend == "ortools (auto: raced lazy)"
    assert plan.unserved == ()


def test_race_without_a_feasible_plan_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """When every raced backend fails, the error lists each failure."""
    _stand_ins(monkeypatch, _Overloaded, _Crashing)
    with pytest.raises(SolverError, match=r"crash: RuntimeError.*cheater: plan breaks"):
        solve(_single_window(), RACE)


def _two_window_problem() -> RoutingProblem:
    base = grid_problem(
        [(0, 0), (3, 1), (4, 5), (-2, 4)], [1, 1, 1], capacity=10, n_vehicles=2
    )
    visits = list(base.visits)
    visits[0] = replace(visits[0], windows=((0, 100), (200, 300)))
    return replace(base, visits=tuple(visits))


def test_single_backend_with_a_start_also_searches_from_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With OR-Tools alone (PyVRP not installed), given a starting plan and a spare
    search, auto also searches from scratch (a start can trap a local search) and
    returns the better checked plan, saying what it raced."""
    monkeypatch.setattr(solvers, "_AUTO_ORDER", ("ortools",))
    problem = _two_window_problem()
    start = Plan((RoutePlan(0, (0,)), RoutePlan(1, (1, 2))), ())
    plan = solve(problem, replace(RACE, initial=start))
    assert check_plan(problem, plan) == []
    assert plan.backend in {
        "ortools (auto: raced ortools from scratch)",
        "ortools from scratch (auto: raced ortools)",
    }


def test_single_ortools_without_start_races_the_other_insertion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a starting plan, the spare search uses the other insertion strategy."""
    monkeypatch.setattr(solvers, "_AUTO_ORDER", ("ortools",))
    problem = _two_window_problem()
    plan = solve(problem, RACE)
    assert check_plan(problem, plan) == []
    assert plan.backend in {
        "ortools (auto: raced ortools parallel_cheapest_insertion)",
        "ortools parallel_cheapest_insertion (auto: raced ortools)",
    }


def _many_shipments(n: int) -> RoutingProblem:
    points = [(i % 7, i // 7) for i in range(n + 1)]
    return grid_problem(points, [1] * n, capacity=n, n_vehicles=2, pickups_from=[0] * n)


def test_portfolio_second_core_goes_by_size() -> None:
    """On two cores a shipment problem of fewer than SHORT_HISTORY_MIN_REQUESTS
    requests with a start races the chain against PyVRP alone, one of up to
    SMALL_REQUESTS against the chain with another seed; above SMALL_REQUESTS PyVRP
    alone races PyVRP with another seed and a shorter history, and one core runs
    every search in turn, PyVRP first and OR-Tools after it."""
    pytest.importorskip("pyvrp")
    from logistics.solvers import PyVrpSolver
    from logistics.solvers.portfolio import SECOND_HISTORY, SMALL_REQUESTS, portfolio
    from logistics.solvers.pyvrp_solver import SHORT_HISTORY_MIN_REQUESTS

    backends = {"ortools": OrToolsSolver(), "pyvrp": PyVrpSolver()}
    few = _many_shipments(SHORT_HISTORY_MIN_REQUESTS - 1)
    start = solve(few, replace(PARAMS, time_limit_s=0.5), backend="ortools")
    params = replace(RACE, initial=start)
    labels = [label for label, _, _ in portfolio(few, backends, params)]
    assert labels[:3] == ["pyvrp then ortools", "pyvrp", "ortools from start"]
    small = _many_shipments(SMALL_REQUESTS)
    start = solve(small, replace(PARAMS, time_limit_s=0.5), backend="ortools")
    params = replace(RACE, initial=start)
    labels = [label for label, _, _ in portfolio(small, backends, params)]
    assert labels[:3] == [
        "pyvrp then ortools",
        "pyvrp then ortools seed 2",
        "ortools from start",
    ]
    larger = _many_shipments(SMALL_REQUESTS + 1)
    labels = [label for label, _, _ in portfolio(larger, backends, params)]
    second = f"pyvrp seed 2 history {SECOND_HISTORY}"
    assert labels[:2] == ["pyvrp", second]
    alone = replace(params, parallel_searches=1)
    labels = [label for label, _, _ in portfolio(larger, backends, alone)]
    assert labels == [
        "pyvrp",
        "ortools lcci",
        "ortools from start",
        "ortools local_cheapest_insertion",
    ]


def test_portfolio_searches_by_parts_from_decompose_min_requests() -> None:
    """From DECOMPOSE_MIN_REQUESTS requests of farms in several places, PyVRP by
    part_count parts races PyVRP by one part more with another seed and a shorter
    history; with all orders from one farm
    there is nothing to split and PyVRP searches alone."""
    pytest.importorskip("pyvrp")
    from logistics.solvers import PyVrpSolver
    from logistics.solvers.decompose import DECOMPOSE_MIN_REQUESTS, part_count
    from logistics.solvers.portfolio import SECOND_HISTORY, portfolio

    backends = {"ortools": OrToolsSolver(), "pyvrp": PyVrpSolver()}
    n = DECOMPOSE_MIN_REQUESTS
    one_farm = _many_shipments(n)
    labels = [label for label, _, _ in portfolio(one_farm, backends, RACE)]
    assert labels[0] == "pyvrp"
    farms = [i % 4 * 7 for i in range(n)]
    points = [(i % 7, i // 7) for i in range(n + 1)]
    problem = grid_problem(
        points, [1] * n, capacity=n, n_vehicles=2, pickups_from=farms
    )
    grouped = replace(
        problem,
        requests=tuple(
            replace(r, group=f"farm {farms[i]}") for i, r in enumerate(problem.requests)
        ),
    )
    labels = [label for label, _, _ in portfolio(grouped, backends, RACE)]
    k = part_count(n)
    assert labels[:2] == [
        f"pyvrp by {k} parts",
        f"pyvrp by {k + 1} parts seed 2 history {SECOND_HISTORY}",
    ]
    alone = replace(RACE, parallel_searches=1)
    labels = [label for label, _, _ in portfolio(grouped, backends, alone)]
    assert labels[:2] == [f"pyvrp by {k} parts", "ortools lcci"]
