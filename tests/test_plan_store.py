"""The plan store: keyed by what changes plans, atomic, versioned explicitly."""

from __future__ import annotations

from dataclasses import replace

from logistics import plan_store
from logistics.plan import Plan, RoutePlan
from logistics.plan_store import PlanStore, plan_key
from logistics.solvers import SolveParams

from .conftest import grid_problem


def test_key_follows_problem_parameters_and_version(monkeypatch) -> None:
    """Changing the problem, a parameter or the results version changes the key;
    rebuilding the same problem does not."""
    problem = grid_problem([(0, 0), (1, 2), (3, 1)], [1, 2], capacity=5, n_vehicles=1)
    params = SolveParams(time_limit_s=1)
    key = plan_key(problem, params, "auto")
    same = grid_problem([(0, 0), (1, 2), (3, 1)], [1, 2], capacity=5, n_vehicles=1)
    assert plan_key(same, params, "auto") == key
    other = grid_problem([(0, 0), (1, 2), (3, 1)], [1, 3], capacity=5, n_vehicles=1)
    assert plan_key(other, params, "auto") != key
    assert plan_key(problem, replace(params, seed=2), "auto") != key
    assert plan_key(problem, params, "ortools") != key
    monkeypatch.setattr(plan_store, "SOLVER_RESULTS_VERSION", 10**6)
    assert plan_key(problem, params, "auto") != key


def test_store_round_trip_and_unreadable_entries(tmp_path) -> None:
    """A stored plan loads back equal, trips included; a damaged entry (or one
    without trips, from before they existed) reads as absent."""
    store = PlanStore(tmp_path / "plans")
    plan = Plan(
        (RoutePlan(0, (1, 0)), RoutePlan(1, (3, 4, 5, 6), (2,))), (2,), "ortools", 1.5
    )
    store.store("abc", plan)
    assert store.load("abc") == plan
    (tmp_path / "plans" / "bad.json").write_text("{not json", encoding="utf-8")
    assert store.load("bad") is None
    (tmp_path / "plans" / "old.json").write_text(
        '{"routes": [{"vehicle": 0, "visits": [1, 0]}], "unserved": [], '
        '"backend": "x", "wall_time_s": 0}',
        encoding="utf-8",
    )
    assert store.load("old") is None
    assert store.load("missing") is None
    assert not list((tmp_path / "plans").glob("*.tmp"))
