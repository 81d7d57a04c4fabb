"""Tests of the benchmark readers against the literature's best-known solutions."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.instances import (
    family_cost,
    list_instances,
    load_instance,
    read_bks_plan,
)
from logistics.checker import check_plan

ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"

pytestmark = pytest.mark.skipif(
    not ROOT.is_dir(),
    reason=f"public benchmark instances not found at {ROOT} (no shared data directory)",
)


@pytest.mark.parametrize(
    ("family", "name", "n_requests", "n_vehicles", "n_locations", "has_shipments"),
    [
        ("solomon", "R101", 100, 25, 101, False),
        ("cvrp_x", "X-n101-k25", 100, 28, 101, False),
        ("lilim_pdptw", "lc101", 53, 25, 107, True),
        ("cordeau_mdvrp", "p08", 249, 28, 251, False),
    ],
)
def test_reader_builds_problem_with_expected_size(
    family: str,
    name: str,
    n_requests: int,
    n_vehicles: int,
    n_locations: int,
    has_shipments: bool,
) -> None:
    """Each reader yields the instance's requests, fleet and locations."""
    problem = load_instance(family, name, root=ROOT).problem
    assert len(problem.requests) == n_requests
    assert len(problem.vehicles) == n_vehicles
    assert problem.distance.shape == (n_locations, n_locations)
    assert problem.has_shipments is has_shipments
    assert (problem.distance.diagonal() == 0).all()


def test_cordeau_duration_limit_and_service_are_scaled() -> None:
    """Cordeau p08's D = 310 and service times become scaled integers per vehicle."""
    instance = load_instance("cordeau_mdvrp", "p08", root=ROOT)
    assert {v.max_duration for v in instance.problem.vehicles} == {310 * instance.scale}
    assert {v.start for v in instance.problem.vehicles} == {249, 250}


def _bks_cases() -> list[tuple[str, str]]:
    if not ROOT.is_dir():
        return []
    return [
        (family, name)
        for family in ("cvrp_x", "lilim_pdptw")
        for name in list_instances(family, root=ROOT)
    ]


@pytest.mark.parametrize(("family", "name"), _bks_cases())
def test_bks_routes_are_feasible_and_reproduce_bks_cost(family: str, name: str) -> None:
    """A BKS route file passes check_plan and has the BKS cost within 0.01 %."""
    instance = load_instance(family, name, root=ROOT)
    path = next((ROOT / family / "solutions").glob(f"{name}.sol*"))
    plan = read_bks_plan(instance, path)
    assert check_plan(instance.problem, plan) == []
    assert family_cost(instance, plan) == pytest.approx(instance.bks_cost, rel=1e-4)
    assert len(plan.routes) == instance.bks_vehicles
    scaled = sum(
        instance.problem.route_distance(r.vehicle, r.visits) for r in plan.routes
    )
    assert scaled / instance.scale == pytest.approx(instance.bks_cost, rel=1e-3)
