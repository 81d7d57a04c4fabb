"""map.html: a line per vehicle and trip along the roads, a marker per site, offline."""

from __future__ import annotations

import json
import re

from logistics.comparison import Comparison, compare
from logistics.paths import comparison_paths, route_trips
from logistics.report.map import ROUTE_CLASS, SITE_CLASS, render_map
from logistics.scenario import format_time_of_day


def _popups(page: str) -> list[str]:
    """The HTML of every popup (bound with bindPopup and a JSON string)."""
    return [
        json.loads(text) for text in re.findall(r'bindPopup\(("(?:[^"\\]|\\.)*")', page)
    ]


def _classes(page: str, kind: str, strategy: str) -> int:
    return page.count(f'"className": "{kind} logistics-{strategy}"')


def test_one_line_per_vehicle_and_trip_and_one_marker_per_site(
    centre_comparison: Comparison,
) -> None:
    """Every strategy has a line per trip and a marker per distinct site visited."""
    page = render_map(centre_comparison)
    assert sum(r.trips for r in centre_comparison["separate"].solution.routes) == 4
    for name, result in centre_comparison.results.items():
        routes = result.solution.routes
        assert _classes(page, ROUTE_CLASS, name) == sum(r.trips for r in routes)
        sites = {s.site for r in routes for s in r.stops}
        assert _classes(page, SITE_CLASS, name) == len(sites)
        assert f"{name}: {len(routes)} vehicle(s)" in page  # its checkbox label


def test_lines_follow_the_roads(centre_comparison: Comparison) -> None:
    """Each trip's line has the points of its road paths, far more than its stops."""
    page = render_map(centre_comparison)
    paths = comparison_paths(centre_comparison)
    assert paths.along_roads
    assert "Lines follow the roads driven" in page
    lines = re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", page, flags=re.S)
    expected = [
        paths.line([s.site for s in trip])
        for result in centre_comparison.results.values()
        for route in result.solution.routes
        for trip in route_trips(route)
    ]
    assert len(lines) == len(expected)
    for text, (lat, _) in zip(lines, expected, strict=True):
        points = json.loads(text)
        assert len(points) == lat.size > 10
        assert points[0][0] == round(float(lat[0]), 6)


def test_popups_give_names_clock_times_and_load_on_arrival(
    centre_comparison: Comparison,
) -> None:
    """A delivery point's popup names it, and gives the arrival and the load then."""
    page = render_map(centre_comparison)
    popups = _popups(page)
    route = next(
        r
        for r in centre_comparison["pooled"].solution.routes
        if any(s.site == "sh_pompidou" for s in r.stops)
    )
    at = next(i for i, s in enumerate(route.stops) if s.site == "sh_pompidou")
    arrival = format_time_of_day(route.stops[at].arrival_s)
    load = route.stops[at - 1].load_kg
    assert load > 0
    pompidou = [
        p for p in popups if "Supermarket &lt;local&gt; shelf" in p and "pooled" in p
    ]
    assert len(pompidou) == 1
    assert f"arrives <b>{arrival}</b>" in pompidou[0]
    assert f"{load:,.0f} kg, " in pompidou[0]
    assert "unloads s1 (40 kg)" in pompidou[0]
    assert re.search(r"\b\d\d:\d\d\b", pompidou[0])
    farm = [p for p in popups if "North farm &amp; dairy" in p and "separate" in p]
    assert "leaves <b>" in farm[0]
    assert "back <b>" in farm[0]


def test_page_works_offline_with_attribution_and_legend(
    centre_comparison: Comparison,
) -> None:
    """No script or style sheet from the network; Leaflet is inlined; same bytes."""
    page = render_map(centre_comparison)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert "window.L=" in page or "window.L =" in page  # Leaflet itself
    assert "images/layers.png" not in page  # inlined as data URIs
    attribution = re.search(r'"attribution": ("(?:[^"\\]|\\.)*")', page)
    assert attribution is not None
    assert "OpenStreetMap</a> contributors" in json.loads(attribution.group(1))
    assert "logistics-legend" in page
    assert "L.control.layers" in page
    assert render_map(centre_comparison) == page


def test_geodesic_map_draws_straight_lines_and_says_so(three_farms) -> None:  # type: ignore[no-untyped-def]
    """Without a road network the lines are straight and the legend says why."""
    result = compare(three_farms, use_cache=False)
    page = render_map(result)
    assert "Straight lines, not roads" in page
    for text in re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", page, flags=re.S):
        stops = json.loads(text)
        assert len(stops) <= 8  # one point per stop, no road bends
