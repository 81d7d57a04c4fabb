"""End to end on the real Melun road network: scenario file to checked report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logistics import compare, load_scenario
from logistics.checker import check_solution
from logistics.cli import main
from logistics.context import build_context
from logistics.travel import build_travel

from .conftest import SHARED_OSM, fleet_of, shared_osm_file

MELUN = Path(__file__).resolve().parents[1] / "scenarios" / "melun.yaml"


@pytest.fixture(scope="module")
def melun_comparison(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Both strategies on melun.yaml over melun.osm.bz2 (own cache folder)."""
    shared_osm_file("melun.osm.bz2")
    mp = pytest.MonkeyPatch()
    mp.setenv("LOGISTICS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    scenario = load_scenario(MELUN)
    travel = build_travel(scenario, scenario_dir=MELUN.parent, osm_dirs=(SHARED_OSM,))
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
    """`logistics run scenarios/melun.yaml --osm-dir ...` prints and writes reports."""
    shared_osm_file("melun.osm.bz2")
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(tmp_path / "cache"))
    code = main(
        [
            "run",
            str(MELUN),
            "--out",
            str(tmp_path / "out"),
            "--osm-dir",
            str(SHARED_OSM),
            "-q",
            "--time-limit",
            "3",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["network"]["kind"] == "osm_file"
    assert report["network"]["nodes"] > 2000
    snaps = report["network"]["snap_distance_m"]
    assert set(snaps) >= {"p_voisenon"}
    assert 0 <= report["network"]["max_snap_distance_m"] < 300
    assert "melun" in capsys.readouterr().out
