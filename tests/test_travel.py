"""Network choice: the scenario's source, strict by default, the allowed fallback."""

from __future__ import annotations

import pytest

from logistics.exceptions import (
    FallbackWarning,
    NetworkError,
    ScenarioError,
    SnappingError,
)
from logistics.scenario import parse_scenario
from logistics.travel import build_travel, check_network, osm_search_dirs

from .conftest import TEST_DATA, tiny_raw


def test_geodesic_on_request_is_labelled_without_fallback() -> None:
    """A scenario asking for the geodesic estimate gets it, said as such."""
    travel = build_travel(parse_scenario(tiny_raw()))
    assert travel.network.kind == "geodesic"
    assert "great-circle x 1.3" in travel.network.source
    assert "FALLBACK" not in travel.network.source
    # one label: the matrix says the same as the network description
    assert travel.matrix.description == travel.network.source


def test_missing_osm_file_stops_the_run_naming_folders_and_ways_out(
    tmp_path,
) -> None:
    """By default a missing OSM file is an error: the folders searched, where to put
    the file, and the explicit way to accept the geodesic estimate."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "absent.osm.bz2"}
    with pytest.raises(NetworkError) as caught:
        build_travel(parse_scenario(raw), scenario_dir=tmp_path)
    message = str(caught.value)
    assert "OSM file 'absent.osm.bz2' not found. Looked in:" in message
    assert str(tmp_path) in message
    assert "--osm-dir DIR" in message
    assert "pass --allow-geodesic or set network.source: geodesic" in message


def test_damaged_osm_file_stops_the_run(tmp_path) -> None:
    """A truncated .bz2 is an error by default, not straight-line figures."""
    src = (TEST_DATA / "melun_centre.osm.bz2").read_bytes()
    (tmp_path / "cut.osm.bz2").write_bytes(src[: len(src) // 2])
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "cut.osm.bz2"}
    with pytest.raises(NetworkError, match=r"cannot read OSM file .*cut\.osm\.bz2"):
        build_travel(parse_scenario(raw), scenario_dir=tmp_path, use_cache=False)


def test_allowed_fallback_is_warned_and_labelled(tmp_path) -> None:
    """With allow_geodesic, a missing file gives the geodesic estimate, warned and
    labelled FALLBACK with the reason."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "absent.osm.bz2"}
    with pytest.warns(FallbackWarning, match=r"absent\.osm\.bz2"):
        travel = build_travel(
            parse_scenario(raw), scenario_dir=tmp_path, allow_geodesic=True
        )
    assert travel.network.kind == "geodesic"
    assert "FALLBACK" in travel.network.source
    assert travel.matrix.description == travel.network.source
    assert "absent.osm.bz2" in travel.network.fallback_reason


def test_sites_off_the_network_never_fall_back(tmp_path) -> None:
    """A site 20 km outside the extract is an error even with allow_geodesic."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "melun_centre.osm.bz2"}
    raw["producers"][0]["lat"] = 48.72  # ~20 km north of Melun
    with pytest.raises(SnappingError, match=r"site 'p0' at \(48\.720000"):
        build_travel(parse_scenario(raw), scenario_dir=TEST_DATA, allow_geodesic=True)


def test_check_network_lists_every_far_site_with_its_distance() -> None:
    """check_network snaps all sites at once on the small Melun-centre extract: the
    three farms lie beyond 300 m (one beyond 3 km), listed farthest first with their
    great-circle distance to the nearest road node."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "melun_centre.osm.bz2"}
    check = check_network(parse_scenario(raw), scenario_dir=TEST_DATA)
    assert check is not None
    assert [site for site, _ in check.far] == ["p1", "p0", "p2"]
    assert [site for site, _ in check.outside] == ["p1"]
    assert check.outside[0][1] == pytest.approx(4190, abs=5)
    assert all(check.snap_distance_m[d] < 300 for d in ("d1", "d2", "d3"))


def test_geodesic_fallback_true_is_refused_with_the_new_way() -> None:
    """The old scenario switch that allowed the silent fallback is refused."""
    raw = tiny_raw()
    raw["network"] = {
        "source": "osm_file",
        "osm_file": "x.osm",
        "geodesic_fallback": True,
    }
    with pytest.raises(ScenarioError, match=r"network: .*--allow-geodesic"):
        parse_scenario(raw)


def test_osm_folders_are_searched_in_order(tmp_path, monkeypatch) -> None:
    """Scenario folder first, then --osm-dir folders, then LOGISTICS_OSM_DIR."""
    monkeypatch.setenv("LOGISTICS_OSM_DIR", str(tmp_path / "env"))
    dirs = osm_search_dirs(tmp_path / "scen", [tmp_path / "cli"])
    assert dirs == [tmp_path / "scen", tmp_path / "cli", tmp_path / "env"]


def test_offline_download_says_once_how_to_accept_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A download from a closed local port stops the run; the way out is said once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LOGISTICS_OVERPASS_URL", f"http://127.0.0.1:{port}/api")
    raw = tiny_raw()
    raw["network"] = {"source": "download"}
    with pytest.raises(NetworkError) as caught:
        build_travel(parse_scenario(raw), use_cache=False)
    assert str(caught.value).count("--allow-geodesic") == 1
    assert "is unreachable" in str(caught.value)
