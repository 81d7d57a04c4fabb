"""Lines of the legs driven: along the fastest road paths, or straight without roads."""

from __future__ import annotations

import numpy as np
import pytest

from logistics.matrix import build_road_matrix, great_circle_m
from logistics.network import RoadNetwork
from logistics.paths import RoadPaths, driven_legs, leg_paths, route_trips
from logistics.scenario import load_scenario
from logistics.solution import Route, Stop
from logistics.travel import NetworkInfo, TravelData, build_travel

from .conftest import ROOT


def _length_m(lat: np.ndarray, lon: np.ndarray) -> float:
    return float(great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())


def test_leg_lines_follow_the_road_paths_of_the_matrix(melun: RoadNetwork) -> None:
    """Between the sites' road nodes, a leg's line is as long as the matrix says."""
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    sites = scenario.site_coordinates()
    ids = list(sites)
    matrix = build_road_matrix(
        melun,
        ids,
        [sites[i][0] for i in ids],
        [sites[i][1] for i in ids],
        use_cache=False,
    )
    travel = TravelData(matrix, NetworkInfo("melun test", "osm_file", 1, 1), melun)
    legs = [
        ("p_voisenon", "sh_carnot"),
        ("sh_carnot", "p_livry"),
        ("p_lemee", "dp_relay"),
    ]
    paths = leg_paths(travel, sites, legs)
    assert paths.along_roads
    assert "melun test" in paths.description
    for origin, destination in legs:
        lat, lon = paths.legs[origin, destination]
        assert (lat[0], lon[0]) == sites[origin]
        assert (lat[-1], lon[-1]) == sites[destination]
        # Without the two short links from each site to its road node:
        on_roads_m = _length_m(lat[1:-1], lon[1:-1])
        expected = matrix.distance_m[matrix.index(origin), matrix.index(destination)]
        assert on_roads_m == pytest.approx(expected, rel=1e-6)
        assert lat.size > 10  # bends and junctions, not a straight segment


def test_without_roads_legs_are_straight_and_say_so() -> None:
    """A geodesic estimate gives two-point lines and a description naming it."""
    raw_path = ROOT / "scenarios" / "melun.yaml"
    scenario = load_scenario(raw_path)
    geodesic = scenario.model_copy(
        update={"network": scenario.network.model_copy(update={"source": "geodesic"})}
    )
    travel = build_travel(geodesic)
    sites = geodesic.site_coordinates()
    paths = leg_paths(travel, sites, [("p_livry", "sh_thiers")])
    lat, lon = paths.legs["p_livry", "sh_thiers"]
    assert not paths.along_roads
    assert "no road network" in paths.description
    assert "geodesic" in paths.description
    assert lat.tolist() == [sites["p_livry"][0], sites["sh_thiers"][0]]
    assert lon.tolist() == [sites["p_livry"][1], sites["sh_thiers"][1]]


def _stop(site: str, kind: str, trip: int, order: str | None = None) -> Stop:
    return Stop(site, kind, order, 0.0, 0.0, 0.0, 0.0, 0, trip)  # type: ignore[arg-type]


def test_route_trips_start_again_from_the_base_stop() -> None:
    """A return to base ends trip 1 and starts trip 2; legs are listed once."""
    stops = (
        _stop("f", "start", 1),
        _stop("f", "pickup", 1, "o1"),
        _stop("a", "delivery", 1, "o1"),
        _stop("f", "base", 1),
        _stop("f", "pickup", 2, "o2"),
        _stop("b", "delivery", 2, "o2"),
        _stop("b", "delivery", 2, "o3"),
        _stop("f", "end", 2),
    )
    route = Route("pooled", "v1", "van", "f", stops, 1000.0, 3600.0)
    trips = route_trips(route)
    assert [[s.site for s in t] for t in trips] == [
        ["f", "f", "a", "f"],
        ["f", "f", "b", "b", "f"],
    ]
    assert trips[1][0] is stops[3]
    assert driven_legs([route]) == [("a", "f"), ("b", "f"), ("f", "a"), ("f", "b")]


def test_line_joins_legs_and_names_a_missing_one() -> None:
    """Legs join at their shared point; a leg never traced is a clear KeyError."""
    paths = RoadPaths(
        {
            ("a", "b"): (np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.0, 0.0])),
            ("b", "c"): (np.array([1.0, 1.0]), np.array([0.0, 1.0])),
        },
        along_roads=True,
        description="test",
    )
    lat, lon = paths.line(["a", "a", "b", "c"])
    assert lat.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert lon.tolist() == [0.0, 0.0, 0.0, 1.0]
    with pytest.raises(KeyError, match="from site 'c' to site 'a'"):
        paths.line(["b", "c", "a"])
