"""Shared fixtures: tiny named scenarios and problems, and the OSM files."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from logistics.network import RoadNetwork, load_network
from logistics.problem import Request, RoutingProblem, Vehicle, Visit
from logistics.scenario import Scenario, parse_scenario

# Property tests draw the same examples on every run (a test run is reproducible and
# CI cannot fail by chance); HYPOTHESIS_PROFILE=explore draws new ones, as when
# hypothesis found the EPM LP's near-zero stand-alone case (tests/test_allocation.py).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_OSM = ROOT / "scenarios" / "osm"
"""Road extracts shipped with the scenarios (in the repository: never skipped)."""
TEST_DATA = ROOT / "tests" / "data"
SHARED_OSM = ROOT.parent / "shared" / "data" / "osm"
"""The project's shared OSM files (all of Corsica, Liechtenstein, the whole Melun
extract), outside the repository: tests that truly need them skip on a clean clone."""


def shared_osm_file(name: str) -> Path:
    """Return a shared OSM file or skip the test with a clear reason."""
    path = SHARED_OSM / name
    if not path.is_file():
        pytest.skip(
            f"{path} not found: this test needs the shared OSM file {name} (outside "
            "the repository; the bundled extracts cannot stand in for it)"
        )
    return path


TINY: dict[str, Any] = {
    "name": "three_farms_three_shops",
    "vehicle_types": [
        {"id": "van", "capacity_kg": 800, "capacity_crates": 40, "fixed_cost_eur": 20},
        {
            "id": "reefer",
            "capacity_kg": 800,
            "capacity_crates": 40,
            "refrigerated": True,
            "fixed_cost_eur": 25,
            "cost_per_km_eur": 0.6,
        },
    ],
    "producers": [
        {
            "id": "p0",
            "lat": 48.52,
            "lon": 2.62,
            "available": ["06:00", "11:00"],
            "vehicles": [{"type": "van"}],
        },
        {"id": "p1", "lat": 48.50, "lon": 2.60, "vehicles": [{"type": "van"}]},
        {"id": "p2", "lat": 48.56, "lon": 2.70, "vehicles": [{"type": "reefer"}]},
    ],
    "delivery_points": [
        {
            "id": "d1",
            "kind": "shop",
            "lat": 48.54,
            "lon": 2.65,
            "time_windows": [["07:00", "10:00"]],
        },
        {
            "id": "d2",
            "kind": "canteen",
            "lat": 48.53,
            "lon": 2.66,
            "time_windows": ["07:00-09:00", "14:00-15:00"],
        },
        {
            "id": "d3",
            "kind": "restaurant",
            "lat": 48.55,
            "lon": 2.64,
            "time_windows": ["08:00-11:00"],
        },
    ],
    "orders": [
        {"id": "o1", "producer": "p1", "delivery_point": "d1", "kg": 30, "crates": 2},
        {"id": "o2", "producer": "p1", "delivery_point": "d2", "kg": 90, "crates": 5},
        {"id": "o3", "producer": "p0", "delivery_point": "d2", "kg": 20, "crates": 1},
        {
            "id": "o4",
            "producer": "p0",
            "delivery_point": "d3",
            "kg": 20,
            "temperature": "chilled",
        },
        {
            "id": "o5",
            "producer": "p2",
            "delivery_point": "d3",
            "kg": 40,
            "temperature": "chilled",
        },
        {"id": "o6", "producer": "p2", "delivery_point": "d1", "kg": 40},
    ],
    "network": {"source": "geodesic"},
    "solver": {"time_limit_s": 2, "separate_time_limit_s": 1, "workers": 1},
}


def tiny_raw() -> dict[str, Any]:
    """A fresh, mutable copy of the tiny scenario mapping."""
    return copy.deepcopy(TINY)


def with_evening_drop(raw: dict[str, Any]) -> dict[str, Any]:
    """Add an evening drop point (17:00-19:00) with one order of p1: p1's van then
    serves its morning shops, goes home, and goes out again."""
    raw["delivery_points"].append(
        {
            "id": "d4",
            "kind": "drop_point",
            "lat": 48.545,
            "lon": 2.655,
            "time_windows": ["17:00-19:00"],
        }
    )
    raw["orders"].append(
        {"id": "o7", "producer": "p1", "delivery_point": "d4", "kg": 25, "crates": 2}
    )
    return raw


@pytest.fixture(scope="session")
def melun() -> RoadNetwork:
    """The real Melun road network (bundled extract), parsed once without the cache."""
    path = BUNDLED_OSM / "melun.osm.bz2"
    return load_network(osm_file=path, search_dirs=[], use_cache=False)


@pytest.fixture(scope="session")
def three_farms() -> Scenario:
    """Three farms (one without a refrigerated van), three shops, six orders."""
    return parse_scenario(tiny_raw())


@pytest.fixture(scope="session")
def three_farms_matrix(three_farms: Scenario):  # type: ignore[no-untyped-def]
    """Geodesic travel matrix of the tiny scenario."""
    from logistics.travel import build_travel

    return build_travel(three_farms).matrix


@pytest.fixture(scope="session")
def three_farms_context(three_farms, three_farms_matrix):  # type: ignore[no-untyped-def]
    """Planning context of the tiny scenario (no plan store)."""
    from logistics.context import build_context

    return build_context(three_farms, three_farms_matrix)


def solve_with(strategy_name: str, context, producers=None, start=None):  # type: ignore[no-untyped-def]
    """Run a registered strategy through ``run_strategy`` (solved and checked)."""
    from logistics.strategies import get_strategy, run_strategy

    return run_strategy(get_strategy(strategy_name), context, producers, start=start)


def fleet_of(strategy_name: str, context, producers=None):  # type: ignore[no-untyped-def]
    """The fleet a registered strategy gives ``producers`` (all by default)."""
    from logistics.strategies import get_strategy

    members = producers if producers is not None else context.producer_ids
    return get_strategy(strategy_name).fleet(context, members)


def grid_problem(
    points: list[tuple[int, int]],
    demands: list[int],
    *,
    capacity: int,
    n_vehicles: int,
    windows: list[tuple[int, int]] | None = None,
    pickups_from: list[int] | None = None,
) -> RoutingProblem:
    """A small Euclidean problem; location 0 is the depot.

    With ``pickups_from``, request i is a shipment from location ``pickups_from[i]`` to
    location i + 1; otherwise a depot delivery to location i + 1.
    """
    xy = np.array(points, dtype=float)
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 10)
    dist = dist.astype(np.int64)
    visits: list[Visit] = []
    requests: list[Request] = []
    for i, q in enumerate(demands):
        win = (windows[i],) if windows else ((0, 10**6),)
        pick = None
        if pickups_from is not None:
            visits.append(Visit(pickups_from[i], i, "pickup", 0, ((0, 10**6),)))
            pick = len(visits) - 1
        visits.append(Visit(i + 1, i, "delivery", 0, win))
        requests.append(Request(f"r{i}", pick, len(visits) - 1, (q,)))
    vehicles = tuple(
        Vehicle(f"v{k}", 0, 0, (capacity,), (0, 10**6), 10**6)
        for k in range(n_vehicles)
    )
    return RoutingProblem(
        dist, dist.copy(), tuple(visits), tuple(requests), vehicles, name="grid"
    )


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Keep every test's networks, matrices and plans out of the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("logistics-cache")))
    yield
    mp.undo()
