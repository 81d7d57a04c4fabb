"""Network choice: the scenario's source, the geodesic estimate, the fallback."""

from __future__ import annotations

import pytest

from logistics.exceptions import FallbackWarning, NetworkError
from logistics.scenario import parse_scenario
from logistics.travel import build_travel, osm_search_dirs

from .conftest import tiny_raw


def test_geodesic_on_request_is_labelled_without_fallback() -> None:
    """A scenario asking for the geodesic estimate gets it, said as such."""
    travel = build_travel(parse_scenario(tiny_raw()))
    assert travel.network.kind == "geodesic"
    assert "great-circle x 1.3" in travel.network.source
    assert "FALLBACK" not in travel.network.source
    # one label: the matrix says the same as the network description
    assert travel.matrix.description == travel.network.source


def test_missing_osm_file_falls_back_with_a_warning_and_label(tmp_path) -> None:
    """No reachable road source: geodesic last resort, warned and labelled."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "absent.osm.bz2"}
    with pytest.warns(FallbackWarning, match=r"absent\.osm\.bz2"):
        travel = build_travel(parse_scenario(raw), scenario_dir=tmp_path)
    assert travel.network.kind == "geodesic"
    assert "FALLBACK" in travel.network.source
    assert travel.matrix.description == travel.network.source
    assert "absent.osm.bz2" in travel.network.fallback_reason


def test_fallback_can_be_refused(tmp_path) -> None:
    """With geodesic_fallback off, the missing file is an error naming the folders."""
    raw = tiny_raw()
    raw["network"] = {
        "source": "osm_file",
        "osm_file": "absent.osm.bz2",
        "geodesic_fallback": False,
    }
    with pytest.raises(NetworkError, match=r"absent\.osm\.bz2"):
        build_travel(parse_scenario(raw), scenario_dir=tmp_path)


def test_osm_folders_are_searched_in_order(tmp_path, monkeypatch) -> None:
    """Scenario folder first, then --osm-dir folders, then LOGISTICS_OSM_DIR."""
    monkeypatch.setenv("LOGISTICS_OSM_DIR", str(tmp_path / "env"))
    dirs = osm_search_dirs(tmp_path / "scen", [tmp_path / "cli"])
    assert dirs == [tmp_path / "scen", tmp_path / "cli", tmp_path / "env"]
