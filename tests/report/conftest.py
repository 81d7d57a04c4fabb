"""Solved comparisons shared by the report tests: two trips with addresses and names
(geodesic), and a small one on real roads (the Melun centre test extract)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from logistics.comparison import Comparison, compare
from logistics.scenario import Scenario, parse_scenario
from logistics.travel import TravelData, build_travel

from ..conftest import TEST_DATA, tiny_raw, with_evening_drop


def named_raw() -> dict[str, Any]:
    """The tiny scenario with an evening drop point (p1 goes out twice when alone),
    two farms with similar names and addresses on two sites."""
    raw = with_evening_drop(tiny_raw())
    raw["producers"][1]["name"] = "Ferme des Balzanes"
    raw["producers"][1]["address"] = "2 chemin des Balzanes, 77000 Voisenon"
    raw["producers"][2]["name"] = "Ferme du Balzac"
    raw["delivery_points"][0]["name"] = "Épicerie Saint-Aspais"
    raw["delivery_points"][0]["address"] = "12 rue Saint-Aspais, 77000 Melun"
    return raw


@pytest.fixture(scope="session")
def named() -> Scenario:
    """:func:`named_raw` validated."""
    return parse_scenario(named_raw())


@pytest.fixture(scope="session")
def named_travel(named: Scenario) -> TravelData:
    """Geodesic travel data of :func:`named`."""
    return build_travel(named)


@pytest.fixture(scope="session")
def two_trips(named: Scenario, named_travel: TravelData) -> Comparison:
    """Separate vs pooled on :func:`named` (no cache)."""
    return compare(named, travel=named_travel, use_cache=False)


CENTRE: dict[str, Any] = {
    "name": "melun_centre_two_farms",
    "vehicle_types": [
        {"id": "van", "capacity_kg": 600, "capacity_crates": 40, "fixed_cost_eur": 12}
    ],
    "producers": [
        {
            "id": "f_north",
            "name": "North farm & dairy",
            "lat": 48.5500,
            "lon": 2.6760,
            "vehicles": [{"type": "van"}],
        },
        {
            "id": "f_south",
            "name": "South orchard",
            "lat": 48.5300,
            "lon": 2.6550,
            "vehicles": [{"type": "van"}],
        },
    ],
    "delivery_points": [
        {
            "id": "sh_carnot",
            "name": "Cheese shop, Rue Carnot",
            "kind": "shop",
            "lat": 48.53962,
            "lon": 2.65905,
            "time_windows": ["07:00-11:00"],
        },
        {
            "id": "sh_pompidou",
            "name": "Supermarket <local> shelf",
            "kind": "shop",
            "lat": 48.55113,
            "lon": 2.64975,
            "time_windows": ["07:00-11:00"],
        },
        {
            "id": "re_praslin",
            "kind": "restaurant",
            "lat": 48.53711,
            "lon": 2.65708,
            "time_windows": ["08:00-11:00"],
        },
        {
            "id": "dp_evening",
            "name": "Evening lockers",
            "kind": "drop_point",
            "lat": 48.54728,
            "lon": 2.65705,
            "time_windows": ["17:00-19:00"],
        },
    ],
    "orders": [
        {"id": "n1", "producer": "f_north", "delivery_point": "sh_carnot", "kg": 30},
        {"id": "n2", "producer": "f_north", "delivery_point": "re_praslin", "kg": 12},
        {"id": "n3", "producer": "f_north", "delivery_point": "dp_evening", "kg": 8},
        {"id": "s1", "producer": "f_south", "delivery_point": "sh_pompidou", "kg": 40},
        {"id": "s2", "producer": "f_south", "delivery_point": "sh_carnot", "kg": 20},
        {
            "id": "s3",
            "producer": "f_south",
            "delivery_point": "dp_evening",
            "kg": 15,
            "crates": 2,
        },
    ],
    "network": {"source": "osm_file", "osm_file": "melun_centre.osm.bz2"},
    "solver": {"time_limit_s": 1, "separate_time_limit_s": 1, "workers": 1},
}
"""Two farms, four delivery points in central Melun; an evening drop point makes
the vans go out twice."""


@pytest.fixture(scope="session")
def centre_comparison(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Comparison]:
    """Separate and pooled on the centre scenario, over the bundled test extract."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    scenario = parse_scenario(CENTRE)
    travel = build_travel(scenario, scenario_dir=TEST_DATA)
    yield compare(scenario, travel=travel)
    mp.undo()
