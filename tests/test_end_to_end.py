"""End to end on real road networks: scenario file to checked report files.

The scenarios name road extracts bundled in ``scenarios/osm/``, so everything here runs
from the repository alone: no ``--osm-dir``, no ``LOGISTICS_OSM_DIR``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from logistics import compare, load_scenario
from logistics.checker import check_solution
from logistics.cli import main
from logistics.context import build_context
from logistics.travel import build_travel

from .conftest import BUNDLED_OSM, fleet_of, shared_osm_file

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MELUN = SCENARIOS / "melun.yaml"


@pytest.fixture(scope="module")
def melun_comparison(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Both strategies on melun.yaml over its bundled melun.osm.bz2 (own cache)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.delenv("LOGISTICS_OSM_DIR", raising=False)
    scenario = load_scenario(MELUN)
    travel = build_travel(scenario, scenario_dir=MELUN.parent)
    result = compare(scenario, travel=travel)
    yield scenario, travel, result
    mp.undo()


def test_melun_runs_on_the_real_road_network(melun_comparison) -> None:
    """The matrix comes from melun.osm.bz2 through OSMnx, not the geodesic fallback."""
    _, travel, result = melun_comparison
    assert travel.network.kind == "osm_file"
    assert "melun.osm.bz2" in travel.network.source
    assert travel.network.nodes > 2000
    assert result.network == travel.network


def test_melun_plans_are_feasible_and_pooled_is_not_worse(melun_comparison) -> None:
    """Both plans pass the checker; pooled objective <= separate; all orders counted."""
    scenario, travel, result = melun_comparison
    context = build_context(scenario, travel.matrix)
    for name in ("separate", "pooled"):
        solution = result[name].solution
        fleet = fleet_of(name, context)
        assert check_solution(scenario, context, solution, fleet=fleet) == []
        served = {o for r in solution.routes for o in r.orders}
        listed = {u.order for u in solution.unserved}
        assert served | listed == {o.id for o in scenario.orders}
    assert result["pooled"].solution.objective <= (
        result["separate"].solution.objective + 1e-6
    )
    # Road distances are longer than straight lines: every route is >= its crow-fly
    # legs.
    for route in result["pooled"].solution.routes:
        assert route.distance_km > 0


def test_cli_writes_reports_for_melun(tmp_path, monkeypatch, capsys) -> None:
    """`logistics run scenarios/melun.yaml` prints and writes reports, no --osm-dir."""
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LOGISTICS_OSM_DIR", raising=False)
    code = main(
        [
            "run",
            str(MELUN),
            "--out",
            str(tmp_path / "out"),
            "-q",
            "--time-limit",
            "3",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["network"]["kind"] == "osm_file"
    assert "melun.osm.bz2" in report["network"]["source"]
    assert report["network"]["nodes"] > 2000
    snaps = report["network"]["snap_distance_m"]
    assert set(snaps) >= {"p_voisenon"}
    assert 0 <= report["network"]["max_snap_distance_m"] < 300
    assert "melun" in capsys.readouterr().out
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"map.html", "routes.png", "totals.png"} <= written
    assert "producer_savings_pooled.png" in written


@pytest.mark.parametrize(
    ("name", "extract"), [("ajaccio", "ajaccio.osm.bz2"), ("melun", "melun.osm.bz2")]
)
def test_shipped_scenarios_use_the_bundled_roads_not_geodesic(
    name: str, extract: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the repository alone, each scenario runs on its bundled road extract."""
    monkeypatch.delenv("LOGISTICS_OSM_DIR", raising=False)
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    travel = build_travel(scenario, scenario_dir=SCENARIOS, use_cache=False)
    assert travel.network.kind == "osm_file"
    assert travel.network.source == (
        f"OpenStreetMap file {extract} (OSMnx), fastest paths"
    )
    assert travel.matrix.source == "road"
    assert not travel.network.fallback_reason
    # The scenario files promise every site within 10 m of a road node.
    assert max(travel.network.snap_distance_m.values()) < 10.0
    assert (BUNDLED_OSM / extract).stat().st_size < 1_000_000


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "whole"), [("ajaccio", "corsica.osm.bz2"), ("melun", "melun.osm.bz2")]
)
def test_bundled_extract_gives_the_matrix_of_the_whole_file(
    name: str, whole: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clipped extract gives exactly the travel matrix of its whole source file."""
    source = shared_osm_file(whole)
    monkeypatch.delenv("LOGISTICS_OSM_DIR", raising=False)
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    clipped = build_travel(scenario, scenario_dir=SCENARIOS, use_cache=False)
    network = scenario.network.model_copy(update={"osm_file": str(source)})
    full = build_travel(
        scenario.model_copy(update={"network": network}), use_cache=False
    )
    assert clipped.matrix.site_ids == full.matrix.site_ids
    np.testing.assert_allclose(
        clipped.matrix.distance_m, full.matrix.distance_m, rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        clipped.matrix.duration_s, full.matrix.duration_s, rtol=0, atol=1e-6
    )
    assert clipped.network.snap_distance_m == full.network.snap_distance_m
