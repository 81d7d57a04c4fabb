"""Access rules per zone: a heavy van is kept out of the centre, stops keep to its
opening hours, in every strategy and in the checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from logistics.access import in_zone, intersect_windows
from logistics.checker import check_solution
from logistics.context import build_context
from logistics.exceptions import ScenarioError
from logistics.scenario import AccessRule, parse_scenario
from logistics.travel import build_travel

from .conftest import fleet_of, solve_with

MELUN = Path(__file__).resolve().parents[1] / "scenarios" / "melun.yaml"

CENTRE: dict[str, Any] = {
    "id": "centre",
    "name": "Melun centre, on the island and the north bank",
    "circle": {"lat": 48.5390, "lon": 2.6590, "radius_m": 700},
    "open": ["06:00-11:00"],
    "max_gross_weight_kg": 3000,
}
GROSS_KG = {"small_van": 2000, "van_3t5": 3500, "small_van_reefer": 2100}


def _raw(rules: list[dict[str, Any]]) -> dict[str, Any]:
    raw = yaml.safe_load(MELUN.read_text(encoding="utf-8"))
    for t in raw["vehicle_types"]:
        t["gross_weight_kg"] = GROSS_KG[t["id"]]
    raw["access_rules"] = rules
    raw["solver"] = {"time_limit_s": 1, "separate_time_limit_s": 1, "seed": 1}
    return raw


@pytest.fixture(scope="module")
def melun(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Melun with the centre rule, and its road travel matrix (own cache)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    scenario = parse_scenario(_raw([CENTRE]), source=MELUN)
    travel = build_travel(scenario, scenario_dir=MELUN.parent)
    yield scenario, travel
    mp.undo()


def _centre_sites(scenario) -> set[str]:  # type: ignore[no-untyped-def]
    rule = scenario.access_rules[0]
    return {
        s
        for s, (lat, lon) in scenario.site_coordinates().items()
        if in_zone(rule, lat, lon)
    }


def test_zone_geometry_and_windows() -> None:
    """Circle and polygon membership, and windows cut to a zone's opening."""
    rule = AccessRule.model_validate(CENTRE)
    assert in_zone(rule, 48.5390, 2.6590)
    assert in_zone(rule, 48.5440, 2.6590)  # ~556 m north
    assert not in_zone(rule, 48.5470, 2.6590)  # ~890 m north
    square = AccessRule.model_validate(
        {
            "id": "sq",
            "polygon": [[48.53, 2.65], [48.53, 2.67], [48.55, 2.67], [48.55, 2.65]],
        }
    )
    assert in_zone(square, 48.54, 2.66)
    assert not in_zone(square, 48.56, 2.66)
    assert intersect_windows([(0, 100), (200, 300)], [(50, 250)]) == (
        (50, 100),
        (200, 250),
    )
    assert intersect_windows([(0, 10)], [(20, 30)]) == ()


def test_heavy_van_is_refused_in_the_centre_by_separate_and_the_checker(melun) -> None:
    """Separate: the farm whose only van is too heavy cannot deliver in the centre
    (listed with the rule as reason); the checker refuses a plan that does."""
    scenario, travel = melun
    centre = _centre_sites(scenario)
    assert centre, "the zone must hold some delivery points"
    context = build_context(scenario, travel.matrix)
    solution = solve_with("separate", context)
    assert (
        check_solution(scenario, context, solution, fleet=fleet_of("separate", context))
        == []
    )
    heavy = [r for r in solution.routes if r.vehicle_type == "van_3t5"]
    assert all(s.site not in centre for r in heavy for s in r.stops)
    points = {o.id: o.delivery_point for o in scenario.orders}
    barred = [u for u in solution.unserved if u.producer == "p_voisenon"]
    assert barred
    assert all(points[u.order] in centre for u in barred)
    assert all("access rule 'centre'" in u.reason for u in barred)
    # The same farm's plan made without the rule delivers in the centre with its
    # 3.5 t van: checked against the rule, it is refused.
    free = parse_scenario(_raw([]), source=MELUN)
    free_context = build_context(free, travel.matrix)
    unruled = solve_with("separate", free_context, ["p_voisenon"])
    assert any(s.site in centre for r in unruled.routes for s in r.stops)
    errors = check_solution(
        scenario,
        context,
        unruled,
        fleet=fleet_of("separate", context, ["p_voisenon"]),
        producers=["p_voisenon"],
    )
    assert any("zone 'centre'" in e and "3500 kg vehicle" in e for e in errors)


def test_pooled_keeps_heavy_vans_out_and_stops_inside_opening_hours(melun) -> None:
    """Pooled: lighter vans serve the centre; every stop there starts while the
    zone is open; the plan passes the checker."""
    scenario, travel = melun
    centre = _centre_sites(scenario)
    context = build_context(scenario, travel.matrix)
    solution = solve_with("pooled", context)
    assert (
        check_solution(scenario, context, solution, fleet=fleet_of("pooled", context))
        == []
    )
    stops = [
        (r.vehicle_type, s)
        for r in solution.routes
        for s in r.stops
        if s.site in centre and s.type == "delivery"
    ]
    assert stops
    assert all(t != "van_3t5" for t, _ in stops)
    assert all(6 * 3600 <= s.start_s <= 11 * 3600 for _, s in stops)


def test_a_weight_limit_needs_every_gross_weight() -> None:
    """A weight limit without vehicle gross weights is refused, naming the field."""
    raw = _raw([CENTRE])
    del raw["vehicle_types"][0]["gross_weight_kg"]
    with pytest.raises(ScenarioError, match=r"vehicle_types\[0\].*gross_weight_kg"):
        parse_scenario(raw)
    with pytest.raises(ScenarioError, match="exactly one of circle or polygon"):
        parse_scenario(_raw([{"id": "z"}]))
