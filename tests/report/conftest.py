"""A solved comparison shared by the report tests: two trips, addresses, names."""

from __future__ import annotations

from typing import Any

import pytest

from logistics.comparison import Comparison, compare
from logistics.scenario import Scenario, parse_scenario
from logistics.travel import TravelData, build_travel

from ..conftest import tiny_raw, with_evening_drop


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
