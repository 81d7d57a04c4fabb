"""Tests for :mod:`logistics.network` and the private cache helpers it relies on."""

from __future__ import annotations

import bz2
import gzip
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from logistics import _cache
from logistics.exceptions import NetworkError
from logistics.network import (
    FALLBACK_SPEED_KMH,
    FRENCH_SPEEDS_KMH,
    RoadNetwork,
    load_network,
    nearest_nodes,
)

from .conftest import BUNDLED_OSM, ROOT, TEST_DATA, shared_osm_file

OSM_DIR = BUNDLED_OSM


# -- loading ---------------------------------------------------------------------


def test_melun_filtering_keeps_most_of_the_network(melun: RoadNetwork) -> None:
    """Filtering and the strongly connected component keep most of Melun's roads."""
    # The shared melun.osm.bz2 has 2,264 nodes / 5,075 edges after
    # osmnx.graph_from_xml(simplify=True); the bundled extract is that file clipped
    # 2 km around the scenario's sites (scenarios/osm/SOURCE.md).
    assert 2_000 < melun.n_nodes <= 2_264
    assert 4_500 < melun.n_edges <= 5_075
    assert melun.kind == "osm_file"
    assert melun.source == "OpenStreetMap file melun.osm.bz2 (OSMnx)"
    assert melun.path is not None
    assert Path(melun.path).name == "melun.osm.bz2"


def test_melun_is_strongly_connected(melun: RoadNetwork) -> None:
    """Every node can reach every other one, so no travel time is infinite."""
    n_components, _ = connected_components(
        melun.csr_duration(), directed=True, connection="strong"
    )
    assert n_components == 1


def test_travel_times_are_positive_and_speeds_come_from_the_table(
    melun: RoadNetwork,
) -> None:
    """Melun has no maxspeed tags, so edges run at speeds of the table.

    An edge merged from ways of different types runs at a mix of their speeds
    (see the next test), so it lies between the table's extremes; such edges are
    rare.
    """
    assert (melun.edge_duration_s > 0).all()
    assert (melun.edge_length_m > 0).all()
    speed_kmh = melun.edge_length_m / melun.edge_duration_s * 3.6
    allowed = np.array([*FRENCH_SPEEDS_KMH.values(), FALLBACK_SPEED_KMH])
    from_table = np.isclose(speed_kmh[:, None], allowed[None, :]).any(axis=1)
    assert from_table.mean() > 0.99
    assert (speed_kmh >= allowed.min() - 1e-9).all()
    assert (speed_kmh <= allowed.max() + 1e-9).all()
    # Residential streets dominate a French town's network.
    assert np.median(speed_kmh) == pytest.approx(FRENCH_SPEEDS_KMH["residential"])


def test_merged_edge_sums_the_time_of_each_way(tmp_path: Path) -> None:
    """A trunk way and a secondary way in a row merge into one edge timed per way."""
    # Three nodes on a meridian, about 1,112 m and 2,224 m apart; B joins the two ways
    # only, so simplification removes it and merges the ways of different types.
    (tmp_path / "chain.osm").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lat="48.50" lon="2.60"/><node id="2" lat="48.51" lon="2.60"/>'
        '<node id="3" lat="48.53" lon="2.60"/>\n'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="trunk"/></way>\n'
        '<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/>'
        "</way>\n</osm>\n",
        encoding="utf-8",
    )
    network = load_network(
        osm_file="chain.osm", search_dirs=[tmp_path], use_cache=False
    )
    from logistics.matrix import great_circle_m

    first_m = great_circle_m(48.50, 2.60, 48.51, 2.60)
    second_m = great_circle_m(48.51, 2.60, 48.53, 2.60)
    expected_s = (
        first_m / FRENCH_SPEEDS_KMH["trunk"] + second_m / FRENCH_SPEEDS_KMH["secondary"]
    ) * 3.6
    assert network.n_nodes == 2  # the middle node was merged away
    assert network.n_edges == 2  # one edge each way
    np.testing.assert_allclose(network.edge_length_m, first_m + second_m, rtol=1e-3)
    np.testing.assert_allclose(network.edge_duration_s, expected_s, rtol=1e-3)


_FINGERPRINT = (
    "import sys; from logistics.network import load_network; "
    "net = load_network(osm_file=sys.argv[1], search_dirs=[], use_cache=False); "
    "print(net.n_nodes, net.n_edges, net.fingerprint)"
)


def _fingerprint_with_hash_seed(osm_file: Path, seed: str) -> str:
    """Build a network in a fresh interpreter with this PYTHONHASHSEED."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    # `python -c` puts the working directory first on sys.path: this repository's
    # `logistics` is imported, whichever checkout the interpreter was installed from.
    done = subprocess.run(
        [sys.executable, "-c", _FINGERPRINT, str(osm_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_network_does_not_depend_on_the_hash_seed() -> None:
    """Two interpreters with different string hash seeds build identical arrays."""
    osm_file = TEST_DATA / "melun_centre.osm.bz2"
    network = load_network(osm_file=osm_file, search_dirs=[], use_cache=False)
    # The extract has edges merged from ways of different highway types (their speed
    # is not in the table): the case whose speed once followed the set order.
    speed_kmh = network.edge_length_m / network.edge_duration_s * 3.6
    allowed = np.array([*FRENCH_SPEEDS_KMH.values(), FALLBACK_SPEED_KMH])
    assert not np.isclose(speed_kmh[:, None], allowed[None, :]).any(axis=1).all()
    expected = f"{network.n_nodes} {network.n_edges} {network.fingerprint}"
    for seed in ("0", "1"):  # these two seeds gave different speeds before the fix
        assert _fingerprint_with_hash_seed(osm_file, seed) == expected


def test_coordinates_lie_in_the_extract(melun: RoadNetwork) -> None:
    """Node coordinates stay within the bounds of the Melun extract."""
    assert melun.node_lat.min() > 48.47
    assert melun.node_lat.max() < 48.59
    assert melun.node_lon.min() > 2.58
    assert melun.node_lon.max() < 2.74


def test_missing_file_error_names_every_folder(tmp_path: Path) -> None:
    """A missing OSM file is reported with each folder searched and how to fix it."""
    first, second = tmp_path / "scenario", tmp_path / "osm"
    with pytest.raises(NetworkError, match=r"'nowhere\.osm\.bz2' not found") as info:
        load_network(osm_file="nowhere.osm.bz2", search_dirs=[first, second])
    message = str(info.value)
    assert str(first) in message
    assert str(second) in message
    assert "--osm-dir" in message
    assert "LOGISTICS_OSM_DIR" in message


def test_missing_absolute_path_is_reported(tmp_path: Path) -> None:
    """An absolute path is not searched for elsewhere and its folder is named."""
    missing = tmp_path / "gone.osm"
    with pytest.raises(NetworkError, match=r"gone\.osm") as info:
        load_network(osm_file=missing, search_dirs=[OSM_DIR])
    assert str(tmp_path) in str(info.value)


def test_unsupported_extension_is_rejected(tmp_path: Path) -> None:
    """Only OSM XML (plain, bz2, gz) and PBF files are accepted."""
    roads = tmp_path / "roads.geojson"
    roads.write_text("{}")
    with pytest.raises(NetworkError, match="must end in one of"):
        load_network(osm_file="roads.geojson", search_dirs=[tmp_path])


def test_damaged_file_raises_network_error(tmp_path: Path) -> None:
    """A truncated archive is reported as an unreadable OSM file."""
    damaged = tmp_path / "damaged.osm.bz2"
    damaged.write_bytes(bz2.compress(b"<?xml version='1.0'?><osm><node id=")[:40])
    with pytest.raises(NetworkError, match="cannot read OSM file"):
        load_network(osm_file=damaged, search_dirs=[], use_cache=False)


def test_no_source_is_an_error() -> None:
    """Neither a file nor a bounding box is a caller error."""
    with pytest.raises(NetworkError, match="give osm_file or download_bbox"):
        load_network(osm_file=None, search_dirs=[])


def test_cache_round_trip_gives_an_equal_network(
    melun: RoadNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached arrays reload into a network equal to the freshly parsed one."""
    monkeypatch.setenv(_cache.CACHE_ENV_VAR, str(tmp_path / "cache"))
    search_dirs = [tmp_path / "empty", OSM_DIR]
    built = load_network(osm_file="melun.osm.bz2", search_dirs=search_dirs)
    assert list((tmp_path / "cache" / "networks").glob("melun.osm.bz2.*.npz"))

    def no_parsing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the cached network was parsed again")

    # The rerun must come from the cache: parsing the XML again is an error.
    monkeypatch.setattr("logistics.network._graph_from_file", no_parsing)
    cached = load_network(osm_file="melun.osm.bz2", search_dirs=search_dirs)
    assert cached == built == melun
    assert cached.fingerprint == melun.fingerprint
    assert cached.has_shapes
    assert cached.shape_lat is not None
    assert np.array_equal(cached.shape_lat, melun.shape_lat)


def test_gz_file_gives_the_same_network(melun: RoadNetwork, tmp_path: Path) -> None:
    """A gzip-compressed copy of the XML loads into the same arrays."""
    gz_path = tmp_path / "melun.osm.gz"
    with (
        bz2.open(BUNDLED_OSM / "melun.osm.bz2", "rb") as src,
        gzip.open(gz_path, "wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    network = load_network(osm_file=gz_path, search_dirs=[], use_cache=False)
    assert network.source == "OpenStreetMap file melun.osm.gz (OSMnx)"
    assert np.array_equal(network.node_osmid, melun.node_osmid)
    assert np.array_equal(network.edge_duration_s, melun.edge_duration_s)


def test_pbf_without_pyosmium_explains_how_to_proceed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading PBF without pyosmium fails with an install or convert hint."""
    monkeypatch.setitem(sys.modules, "osmium", None)  # makes `import osmium` fail
    pbf = tmp_path / "region.osm.pbf"
    pbf.write_bytes(b"not really a pbf")
    with pytest.raises(NetworkError, match=r"needs pyosmium.*pip install osmium"):
        load_network(osm_file=pbf, search_dirs=[], use_cache=False)


def test_pbf_loads_through_pyosmium() -> None:
    """Liechtenstein's raw PBF is filtered to drivable roads and loaded."""
    pytest.importorskip("osmium", reason="pyosmium not installed")
    path = shared_osm_file("liechtenstein-latest.osm.pbf")
    network = load_network(osm_file=path, search_dirs=[], use_cache=False)
    assert network.n_nodes > 1_000
    assert "pyosmium" in network.source
    n_components, _ = connected_components(
        network.csr_duration(), directed=True, connection="strong"
    )
    assert n_components == 1


def test_offline_download_fails_within_5_s_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A download from an unreachable Overpass server (a closed local port) fails in
    under 5 s, names the server and the ways out, and leaves OSMnx settings as they
    were (OSMnx alone would wait 60 s for the server's status first)."""
    import osmnx as ox

    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    monkeypatch.setenv("LOGISTICS_OVERPASS_URL", url)
    before = (ox.settings.use_cache, ox.settings.cache_folder, ox.settings.overpass_url)
    start = time.perf_counter()
    with pytest.raises(NetworkError) as caught:
        load_network(
            osm_file=None,
            search_dirs=[],
            download_bbox=(2.60, 48.49, 2.72, 48.57),
            use_cache=False,
        )
    assert time.perf_counter() - start < 5
    message = str(caught.value)
    assert f"the Overpass API at {url} is unreachable" in message
    assert "Offline? Give an OSM file instead" in message
    assert "--osm-dir" in message
    assert "--allow-geodesic" in message
    after = (ox.settings.use_cache, ox.settings.cache_folder, ox.settings.overpass_url)
    assert after == before


def test_truncated_xml_is_a_network_error_not_a_parse_traceback(
    tmp_path: Path,
) -> None:
    """An uncompressed .osm cut in the middle is reported as a damaged file."""
    with bz2.open(TEST_DATA / "melun_centre.osm.bz2", "rb") as src:
        xml = src.read()
    cut = tmp_path / "cut.osm"
    cut.write_bytes(xml[: len(xml) // 2])
    with pytest.raises(NetworkError, match=r"cannot read OSM file .*cut\.osm.*again"):
        load_network(osm_file=cut, search_dirs=[], use_cache=False)


def test_download_bbox_must_be_west_south_east_north() -> None:
    """A bounding box in (south, west, north, east) order is rejected."""
    with pytest.raises(NetworkError, match="west, south, east, north"):
        load_network(
            osm_file=None, search_dirs=[], download_bbox=(48.49, 2.60, 48.57, 2.49)
        )


# -- RoadNetwork -----------------------------------------------------------------


def _tiny_network(**changes: object) -> RoadNetwork:
    """Three nodes; two parallel edges 0 -> 1 (the second faster), and 1 -> 2."""
    fields: dict[str, object] = {
        "node_osmid": [10, 20, 30],
        "node_lat": [48.50, 48.51, 48.52],
        "node_lon": [2.60, 2.60, 2.60],
        "edge_from": [0, 0, 1, 2],
        "edge_to": [1, 1, 2, 2],
        "edge_length_m": [1_200.0, 1_500.0, 1_100.0, 50.0],
        "edge_duration_s": [144.0, 90.0, 132.0, 9.0],
        "source": "hand-made test network",
        "kind": "osm_file",
    }
    fields.update(changes)
    return RoadNetwork(**fields)  # type: ignore[arg-type]


def test_csr_keeps_the_fastest_parallel_edge_and_drops_self_loops() -> None:
    """Of two edges joining the same nodes, the faster one (and its length) is kept."""
    network = _tiny_network()
    assert network.csr_duration()[0, 1] == 90.0
    assert network.csr_length()[0, 1] == 1_500.0
    assert network.csr_duration()[2, 2] == 0.0
    assert network.csr_duration().nnz == 2


def test_road_network_rejects_inconsistent_arrays() -> None:
    """Edges pointing at missing nodes or non-positive durations are refused."""
    with pytest.raises(ValueError, match="edge_to must index nodes"):
        _tiny_network(edge_to=[1, 1, 2, 7])
    with pytest.raises(ValueError, match="edge_duration_s must be finite and > 0"):
        _tiny_network(edge_duration_s=[144.0, 0.0, 132.0, 9.0])
    with pytest.raises(ValueError, match="node_lat must have shape"):
        _tiny_network(node_lat=[48.5, 48.51])
    with pytest.raises(ValueError, match="kind must be one of"):
        _tiny_network(kind="graphml")


def _with_bends() -> RoadNetwork:
    """The tiny network with a bend on the faster 0 -> 1 edge and two on 1 -> 2."""
    return _tiny_network(
        edge_shape_start=[0, 0, 1, 3, 3],
        shape_lat=[48.505, 48.513, 48.516],
        shape_lon=[2.61, 2.601, 2.602],
    )


def test_path_coordinates_follow_the_bends_of_the_fastest_edge() -> None:
    """A path is drawn through the bends of the edge the travel times use."""
    lat, lon = _with_bends().path_coordinates([0, 1, 2])
    assert lat.tolist() == [48.50, 48.505, 48.51, 48.513, 48.516, 48.52]
    assert lon.tolist() == [2.60, 2.61, 2.60, 2.601, 2.602, 2.60]
    straight_lat, _ = _tiny_network().path_coordinates([0, 1, 2])
    assert straight_lat.tolist() == [48.50, 48.51, 48.52]
    with pytest.raises(ValueError, match="no edge from node 2 to node 0"):
        _with_bends().path_coordinates([0, 1, 2, 0])


def test_edges_within_draws_each_street_once_with_its_bends() -> None:
    """Roads with a node in the box are listed once, from tail to head."""
    lines = _with_bends().edges_within(2.5, 48.515, 2.7, 48.53)
    assert [line[0].tolist() for line in lines] == [[48.51, 48.513, 48.516, 48.52]]
    everything = _with_bends().edges_within(2.0, 48.0, 3.0, 49.0)
    assert len(everything) == 2  # 0-1 (once for two parallel edges), 1-2; no loop


def test_road_network_rejects_inconsistent_shapes() -> None:
    """Shape offsets must cover every edge and every point, in order."""
    with pytest.raises(ValueError, match="must be given together"):
        _tiny_network(edge_shape_start=[0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="edge_shape_start must have shape"):
        _tiny_network(edge_shape_start=[0, 0], shape_lat=[], shape_lon=[])
    with pytest.raises(ValueError, match="rise from 0"):
        _tiny_network(
            edge_shape_start=[0, 2, 1, 2, 2], shape_lat=[1, 2], shape_lon=[1, 2]
        )


def test_melun_path_shapes_add_up_to_the_edge_lengths(melun: RoadNetwork) -> None:
    """Along the kept OSMnx geometry, a fastest path is as long as its edges say."""
    from scipy.sparse.csgraph import dijkstra

    from logistics.matrix import great_circle_m

    time_s, parent = dijkstra(melun.csr_duration(), indices=0, return_predecessors=True)
    node, path = int(np.argmax(time_s)), []
    while node >= 0:
        path.append(node)
        node = int(parent[node])
    path.reverse()
    lat, lon = melun.path_coordinates(path)
    along_m = great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
    length = melun.csr_length()
    edges_m = sum(length[u, v] for u, v in itertools.pairwise(path))
    assert lat.size > len(path)  # the path bends between some of its nodes
    assert along_m == pytest.approx(edges_m, rel=1e-6)


def test_nearest_nodes_matches_brute_force(melun: RoadNetwork) -> None:
    """The KD-tree on the unit sphere finds the great-circle nearest node."""
    from logistics.matrix import great_circle_m

    rng = np.random.default_rng(7)
    lats = rng.uniform(48.49, 48.57, 50)
    lons = rng.uniform(2.60, 2.72, 50)
    node, snap_m = nearest_nodes(melun, lats, lons)
    brute = great_circle_m(
        lats[:, None], lons[:, None], melun.node_lat[None, :], melun.node_lon[None, :]
    )
    np.testing.assert_allclose(snap_m, brute.min(axis=1), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(brute[np.arange(50), node], snap_m, atol=1e-6)


def test_nodes_snap_to_themselves(melun: RoadNetwork) -> None:
    """A node's own coordinates snap to it at zero distance."""
    picks = np.arange(0, melun.n_nodes, 97)
    node, snap_m = nearest_nodes(melun, melun.node_lat[picks], melun.node_lon[picks])
    assert np.array_equal(node, picks)
    assert snap_m.max() < 1e-6


def test_nearest_nodes_rejects_bad_coordinates(melun: RoadNetwork) -> None:
    """Mismatched lengths and latitudes beyond the poles are caller errors."""
    with pytest.raises(ValueError, match="equal length"):
        nearest_nodes(melun, [48.5, 48.6], [2.6])
    with pytest.raises(ValueError, match=r"latitudes must lie in \[-90, 90\]"):
        nearest_nodes(melun, [148.5], [2.6])


# -- private cache helpers ---------------------------------------------------------


def test_cache_key_is_stable_and_ignores_dict_order() -> None:
    """Equal parts give equal keys, whatever the dict insertion order."""
    key = _cache.cache_key("a", 1, {"x": 1.0, "y": 2.0})
    assert key == _cache.cache_key("a", 1, {"y": 2.0, "x": 1.0})
    assert key != _cache.cache_key("a", 2, {"x": 1.0, "y": 2.0})
    assert len(key) == 16
    assert set(key) <= set("0123456789abcdef")


def test_cache_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOGISTICS_CACHE_DIR overrides the default ~/.cache/logistics."""
    monkeypatch.setenv(_cache.CACHE_ENV_VAR, str(tmp_path))
    assert _cache.cache_dir() == tmp_path
    monkeypatch.delenv(_cache.CACHE_ENV_VAR)
    assert _cache.cache_dir() == Path.home() / ".cache" / "logistics"


def test_npz_round_trip_and_corrupt_files(tmp_path: Path) -> None:
    """Saved arrays come back equal; missing or corrupt files read as a miss."""
    target = tmp_path / "sub" / "arrays.npz"
    _cache.save_npz(target, path=np.arange(3), label=np.str_("x"))
    loaded = _cache.load_npz(target)
    assert loaded is not None
    assert np.array_equal(loaded["path"], np.arange(3))
    assert str(loaded["label"]) == "x"
    assert _cache.load_npz(tmp_path / "absent.npz") is None
    _cache.atomic_write_bytes(target, b"garbage")
    assert _cache.load_npz(target) is None
    assert sorted(p.name for p in target.parent.iterdir()) == ["arrays.npz"]


def test_atomic_write_text_replaces_the_file(tmp_path: Path) -> None:
    """A second write replaces the content and leaves no temporary file behind."""
    target = tmp_path / "note.txt"
    _cache.atomic_write_text(target, "first")
    _cache.atomic_write_text(target, "second é")
    assert target.read_text(encoding="utf-8") == "second é"
    assert [p.name for p in tmp_path.iterdir()] == ["note.txt"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_atomic_write_follows_the_umask(tmp_path: Path, umask: int) -> None:
    """Atomically written files (generated scenarios, caches) get 0666 less the
    umask, as open() gives, not the 0600 of a temporary file; the umask is kept."""
    import os

    previous = os.umask(umask)
    try:
        _cache.atomic_write_text(tmp_path / "scenario.yaml", "name: x\n")
        assert _cache.process_umask() == umask
    finally:
        os.umask(previous)
    assert (tmp_path / "scenario.yaml").stat().st_mode & 0o777 == 0o666 & ~umask


# -- timing (reported, not asserted) -------------------------------------------------


@pytest.mark.slow
def test_corsica_loads_cold_then_from_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Corsica parses into one big component and reloads identically from the cache."""
    path = shared_osm_file("corsica.osm.bz2")
    monkeypatch.setenv(_cache.CACHE_ENV_VAR, str(tmp_path))
    cold = load_network(osm_file=path, search_dirs=[])
    cached = load_network(osm_file=path, search_dirs=[])
    assert cached == cold
    assert cold.n_nodes > 16_000
