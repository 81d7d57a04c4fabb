"""Tests for :mod:`logistics.matrix`: road and geodesic travel matrices."""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from logistics import _cache
from logistics.constants import SNAP_ERROR_M, SNAP_WARN_M
from logistics.exceptions import NetworkError, SnappingError, SnappingWarning
from logistics.matrix import (
    TravelMatrix,
    _empty,
    _fastest_paths,
    _process_count,
    _split_rows,
    build_geodesic_matrix,
    build_road_matrix,
    great_circle_m,
    road_path,
)
from logistics.network import RoadNetwork, load_network

from .conftest import ROOT, TEST_DATA, shared_osm_file

# Six places in and around Melun, each within ~120 m of a road node.
MELUN_SITES = {
    "gare": (48.5273, 2.6551),
    "mairie": (48.5397, 2.6596),
    "dammarie": (48.5176, 2.6394),
    "le_mee": (48.5335, 2.6290),
    "vaux": (48.5265, 2.6790),
    "rubelles": (48.5570, 2.6750),
}


@pytest.fixture(scope="module")
def six_sites(melun: RoadNetwork) -> TravelMatrix:
    """Road matrix between the six Melun places."""
    lats, lons = zip(*MELUN_SITES.values(), strict=True)
    return build_road_matrix(melun, list(MELUN_SITES), lats, lons, use_cache=False)


def _arc_sums(network: RoadNetwork, path: list[int]) -> tuple[float, float]:
    """Add up the length and duration of the fastest arcs along a node path."""
    length, duration = network.csr_length(), network.csr_duration()
    pairs = list(itertools.pairwise(path))
    return (
        sum(float(length[u, v]) for u, v in pairs),
        sum(float(duration[u, v]) for u, v in pairs),
    )


# -- road matrix -------------------------------------------------------------------


def test_road_matrix_has_zero_diagonal_and_positive_trips(
    six_sites: TravelMatrix,
) -> None:
    """Staying put is free; every trip between distinct places takes time."""
    off_diagonal = ~np.eye(6, dtype=bool)
    assert not np.diagonal(six_sites.distance_m).any()
    assert not np.diagonal(six_sites.duration_s).any()
    assert (six_sites.distance_m[off_diagonal] > 0).all()
    assert (six_sites.duration_s[off_diagonal] > 0).all()
    assert six_sites.source == "road"
    assert six_sites.description == (
        "OpenStreetMap file melun.osm.bz2 (OSMnx), fastest paths"
    )
    assert (six_sites.snap_distance_m < SNAP_WARN_M).all()


def test_road_distance_is_at_least_the_great_circle(six_sites: TravelMatrix) -> None:
    """Roads are never shorter than the straight line, snapping legs aside."""
    lats, lons = (np.array(c) for c in zip(*MELUN_SITES.values(), strict=True))
    straight_m = great_circle_m(lats[:, None], lons[:, None], lats, lons)
    snap = six_sites.snap_distance_m
    slack_m = snap[:, None] + snap[None, :]
    assert (six_sites.distance_m >= straight_m - slack_m - 1e-6).all()
    # ... nor absurd detours (the worst pair, Dammarie -> Le Mee, crosses the Seine
    # through Melun: about 3.1 times the straight line).
    far = straight_m > 1_000
    assert (six_sites.distance_m[far] < 4 * straight_m[far]).all()


def test_road_paths_join_the_sites_and_add_up(
    melun: RoadNetwork, six_sites: TravelMatrix
) -> None:
    """Each recovered path runs site to site and sums to the matrix entries."""
    assert six_sites.site_node is not None
    for i, j in itertools.permutations(range(6), 2):
        path = road_path(melun, six_sites, i, j)
        assert path[0] == six_sites.site_node[i]
        assert path[-1] == six_sites.site_node[j]
        length_m, duration_s = _arc_sums(melun, path)
        assert length_m == pytest.approx(six_sites.distance_m[i, j], rel=1e-9)
        assert duration_s == pytest.approx(six_sites.duration_s[i, j], rel=1e-9)


def test_road_path_accepts_site_ids(
    melun: RoadNetwork, six_sites: TravelMatrix
) -> None:
    """Sites can be named by id as well as by position."""
    by_id = road_path(melun, six_sites, "gare", "vaux")
    by_index = road_path(melun, six_sites, 0, 4)
    assert by_id == by_index
    assert six_sites.index("vaux") == 4
    with pytest.raises(KeyError, match="'nowhere' is not in this matrix"):
        six_sites.index("nowhere")


def test_sites_on_the_same_node_are_zero_apart(melun: RoadNetwork) -> None:
    """Two sites snapped to one node are 0 m and 0 s apart, both ways."""
    lat, lon = MELUN_SITES["gare"]
    matrix = build_road_matrix(
        melun,
        ["a", "b", "c"],
        [lat, lat + 1e-5, MELUN_SITES["vaux"][0]],
        [lon, lon, MELUN_SITES["vaux"][1]],
        use_cache=False,
    )
    assert matrix.site_node is not None
    assert matrix.site_node[0] == matrix.site_node[1]
    assert matrix.distance_m[0, 1] == matrix.distance_m[1, 0] == 0.0
    assert matrix.duration_s[0, 1] == matrix.duration_s[1, 0] == 0.0
    assert matrix.distance_m[0, 2] == matrix.distance_m[1, 2] > 0
    assert road_path(melun, matrix, 0, 1) == [matrix.site_node[0]]


def test_site_a_kilometre_off_the_network_warns(melun: RoadNetwork) -> None:
    """A site ~1 km north of the northernmost node triggers a SnappingWarning."""
    top = int(np.argmax(melun.node_lat))
    lat, lon = melun.node_lat[top] + 0.009, melun.node_lon[top]  # 0.009° = 1,001 m
    with pytest.warns(
        SnappingWarning, match=r"'far_farm' .* 1,00\d m from the nearest"
    ):
        matrix = build_road_matrix(
            melun, ["gare", "far_farm"], [48.5273, lat], [2.6551, lon], use_cache=False
        )
    assert SNAP_WARN_M < matrix.snap_distance_m[1] < SNAP_ERROR_M


def test_site_50_km_away_is_outside_the_network(melun: RoadNetwork) -> None:
    """A site far beyond the extract raises a SnappingError naming it."""
    with pytest.raises(
        SnappingError, match=r"'paris_hub' at \(48\.856600, 2\.352200\)"
    ):
        build_road_matrix(
            melun, ["gare", "paris_hub"], [48.5273, 48.8566], [2.6551, 2.3522]
        )


def test_road_matrix_cache_round_trip(
    melun: RoadNetwork,
    six_sites: TravelMatrix,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cached matrix, paths included, reloads equal to the computed one."""
    monkeypatch.setenv(_cache.CACHE_ENV_VAR, str(tmp_path))
    lats, lons = zip(*MELUN_SITES.values(), strict=True)
    first = build_road_matrix(melun, list(MELUN_SITES), lats, lons)
    assert len(list((tmp_path / "matrices").glob("road.*.npz"))) == 1
    second = build_road_matrix(melun, list(MELUN_SITES), lats, lons)
    assert first == second == six_sites
    assert road_path(melun, second, 1, 5) == road_path(melun, six_sites, 1, 5)


def test_road_path_refuses_a_geodesic_matrix(melun: RoadNetwork) -> None:
    """A geodesic matrix has no road paths to recover."""
    matrix = build_geodesic_matrix(["a", "b"], [48.52, 48.53], [2.65, 2.66])
    with pytest.raises(ValueError, match="has no road paths"):
        road_path(melun, matrix, 0, 1)


@settings(max_examples=10, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.floats(min_value=48.49, max_value=48.57),
            st.floats(min_value=2.60, max_value=2.72),
        ),
        min_size=2,
        max_size=8,
    )
)
def test_random_melun_sites_give_a_sane_matrix(
    melun: RoadNetwork, points: list[tuple[float, float]]
) -> None:
    """Any sites in Melun: zero diagonal, no negative, roads >= 0.9 x straight line."""
    lats, lons = (np.array(c) for c in zip(*points, strict=True))
    ids = [f"site{i}" for i in range(len(points))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnappingWarning)  # fields at the edges
        matrix = build_road_matrix(melun, ids, lats, lons, use_cache=False)
    assert matrix.site_node is not None
    assert not np.diagonal(matrix.distance_m).any()
    assert not np.diagonal(matrix.duration_s).any()
    assert (matrix.distance_m >= 0).all()
    assert (matrix.duration_s >= 0).all()
    node_lat = melun.node_lat[matrix.site_node]
    node_lon = melun.node_lon[matrix.site_node]
    straight_m = great_circle_m(
        node_lat[:, None], node_lon[:, None], node_lat, node_lon
    )
    assert (matrix.distance_m >= 0.9 * straight_m).all()


# -- TravelMatrix validation ---------------------------------------------------------


def _matrix(distance_m: list[list[float]], **changes: object) -> TravelMatrix:
    n = len(distance_m)
    fields: dict[str, object] = {
        "site_ids": tuple("abc"[:n]),
        "distance_m": np.array(distance_m),
        "duration_s": np.array(distance_m) / 10.0,
        "source": "road",
        "description": "hand-made",
        "snap_distance_m": np.zeros(n),
    }
    fields.update(changes)
    return TravelMatrix(**fields)  # type: ignore[arg-type]


def test_unreachable_pairs_are_named() -> None:
    """An infinite entry is an unreachable pair, reported by site ids."""
    with pytest.raises(NetworkError, match=r"1 unreachable .*'b' -> 'c'"):
        _matrix([[0, 1, 2], [1, 0, np.inf], [2, 1, 0]])


def test_matrix_rejects_negative_values_and_non_zero_diagonal() -> None:
    """Negative distances and a non-zero diagonal are refused."""
    with pytest.raises(NetworkError, match="negative entries: 'a' -> 'b'"):
        _matrix([[0, -1], [1, 0]])
    with pytest.raises(NetworkError, match="zero diagonal"):
        _matrix([[5, 1], [1, 0]])


def test_matrix_rejects_inconsistent_shapes_and_ids() -> None:
    """Shapes must match the number of ids, and ids must be unique."""
    with pytest.raises(ValueError, match=r"snap_distance_m must have shape \(2,\)"):
        _matrix([[0, 1], [1, 0]], snap_distance_m=np.zeros(3))
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        _matrix([[0, 1], [1, 0]], site_ids=("a", "a"))
    with pytest.raises(ValueError, match="source must be one of"):
        _matrix([[0, 1], [1, 0]], source="osrm")


# -- geodesic fallback ---------------------------------------------------------------


def test_geodesic_matrix_is_geopy_great_circle_times_detour() -> None:
    """Distances equal geopy's great_circle x 1.3; durations are at 40 km/h."""
    ids = list(MELUN_SITES)
    lats, lons = zip(*MELUN_SITES.values(), strict=True)
    matrix = build_geodesic_matrix(ids, lats, lons)
    for i, j in itertools.permutations(range(len(ids)), 2):
        expected_m = 1.3 * great_circle(MELUN_SITES[ids[i]], MELUN_SITES[ids[j]]).m
        assert matrix.distance_m[i, j] == pytest.approx(expected_m, rel=1e-9)
        assert matrix.duration_s[i, j] == pytest.approx(expected_m / (40 / 3.6))
    assert matrix.source == "geodesic"
    # The matrix names its method; whether it is a fallback is the caller's to say.
    assert (
        matrix.description == "geodesic estimate: great-circle x 1.3 detour at 40 km/h"
    )
    assert matrix.site_node is None
    assert not matrix.snap_distance_m.any()


def test_geodesic_matrix_options_are_validated() -> None:
    """A detour below 1 or a non-positive speed is refused."""
    with pytest.raises(ValueError, match="detour_factor must be >= 1"):
        build_geodesic_matrix(["a"], [48.5], [2.6], detour_factor=0.8)
    with pytest.raises(ValueError, match="speed_kmh must be > 0"):
        build_geodesic_matrix(["a"], [48.5], [2.6], speed_kmh=0.0)


@settings(max_examples=50, deadline=None)
@given(
    lat1=st.floats(-89.0, 89.0),
    lon1=st.floats(-180.0, 180.0),
    lat2=st.floats(-89.0, 89.0),
    lon2=st.floats(-180.0, 180.0),
)
def test_great_circle_m_matches_geopy(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    """The vectorised haversine agrees with geopy.distance.great_circle."""
    expected = great_circle((lat1, lon1), (lat2, lon2)).m
    assert float(great_circle_m(lat1, lon1, lat2, lon2)) == pytest.approx(
        expected, rel=1e-9, abs=1e-6
    )


def test_matrix_arrays_are_read_only() -> None:
    """A travel matrix cannot be changed in place; the caller's arrays stay theirs."""
    distance = np.array([[0.0, 5.0], [5.0, 0.0]])
    matrix = TravelMatrix(
        ("a", "b"), distance, distance / 10, "geodesic", "test", np.zeros(2)
    )
    with pytest.raises(ValueError, match="read-only"):
        matrix.distance_m[0, 1] = 1.0
    distance[0, 1] = 6.0  # still the caller's to change
    assert distance.flags.writeable


def test_fastest_path_lengths_equal_a_dijkstra_on_each_tree(melun: RoadNetwork) -> None:
    """Each distance is the length of the fastest path, as a reference sums it."""
    rng = np.random.default_rng(0)
    nodes = rng.choice(melun.n_nodes, size=40, replace=False)
    matrix = build_road_matrix(
        melun,
        [f"n{i}" for i in nodes],
        melun.node_lat[nodes],
        melun.node_lon[nodes],
        use_cache=False,
    )
    length = melun.csr_length()
    sources = np.unique(matrix.site_node)
    assert matrix.predecessors is not None
    assert matrix.site_node is not None
    for row, source in zip(matrix.predecessors, sources, strict=True):
        # The tree as its own graph, weighted by length: one path to each node.
        child = np.flatnonzero(row >= 0)
        parent = row[child]
        tree = scipy.sparse.csr_matrix(
            (np.asarray(length[parent, child]).ravel(), (parent, child)),
            shape=length.shape,
        )
        expected = dijkstra(tree, directed=True, indices=source)
        i = np.flatnonzero(matrix.site_node == source)[0]
        np.testing.assert_allclose(
            matrix.distance_m[i], expected[matrix.site_node], rtol=0, atol=1e-6
        )


# -- the searches, shared between processes ----------------------------------------


def _pointer_jumping_sum(arc_lengths_m: list[float]) -> float:
    """Add up a path's arc lengths (root first) in the order pointer jumping does.

    Round ``k`` adds to the partial sum at depth ``j`` the partial sum at depth
    ``j - 2**(k-1)`` (nothing above the root), so the result is not the sequential
    sum: it differs in the last bits, and this order is the one the matrices have
    always been computed in.
    """
    level = [0.0, *arc_lengths_m]  # level[j]: the partial sum at depth j (root: 0)
    step = 1
    while step < len(level):
        level = [
            value + (level[j - step] if j >= step else 0.0)
            for j, value in enumerate(level)
        ]
        step *= 2
    return level[-1]


def _reference_matrix(
    network: RoadNetwork, site_node: np.ndarray, pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], float]]:
    """The straightforward way: one scipy Dijkstra call over all sources (durations
    and trees), then each pair's path walked node by node and its arcs added up."""
    sources = np.unique(site_node)
    time_s, predecessors = dijkstra(
        network.csr_duration(), directed=True, indices=sources, return_predecessors=True
    )
    row = {int(node): r for r, node in enumerate(sources)}
    length = network.csr_length().todok()
    distance_m = {}
    for i, j in pairs:
        tree, node, arcs = predecessors[row[int(site_node[i])]], int(site_node[j]), []
        while node != site_node[i]:
            arcs.append(float(length[int(tree[node]), node]))
            node = int(tree[node])
        distance_m[i, j] = _pointer_jumping_sum(arcs[::-1])
    duration_s = np.array(
        [[time_s[row[int(a)], int(b)] for b in site_node] for a in site_node]
    )
    return duration_s, predecessors.astype(np.int32), distance_m


def _bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).tobytes()


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_searches_are_bit_identical_to_one_dijkstra_and_walked_paths(
    melun: RoadNetwork, processes: int
) -> None:
    """However the sources are shared between processes, durations, trees and path
    lengths are bit for bit those of one Dijkstra call and of each path walked."""
    rng = np.random.default_rng(7)
    site_node = rng.choice(melun.n_nodes, size=50, replace=False)
    site_node[-1] = site_node[0]  # two sites on one node: zero apart, one tree
    pairs = list(itertools.product(range(site_node.size), repeat=2))
    duration_s, predecessors, distance = _reference_matrix(melun, site_node, pairs)
    got_distance_m, got_duration_s, got_predecessors = _fastest_paths(
        melun, site_node, processes=processes
    )
    assert _bits(got_predecessors) == _bits(predecessors)
    assert _bits(got_duration_s) == _bits(duration_s)
    expected_m = np.array([distance[pair] for pair in pairs]).reshape(50, 50)
    assert _bits(got_distance_m) == _bits(expected_m)
    assert got_distance_m[0, -1] == 0.0
    assert got_distance_m[0, 1] > 0.0


def test_a_large_matrix_is_shared_between_processes() -> None:
    """Many sources on a big network use every CPU (Linux); small ones stay here."""
    cpus = len(os.sched_getaffinity(0)) if sys.platform == "linux" else 1
    assert _process_count(1000, 16_591) == min(cpus, 16)
    assert _process_count(40, 2_256) == 1
    assert _process_count(0, 2_256) == 1


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_rows_are_computed_by_forked_processes_into_shared_memory() -> None:
    """Each process fills its own rows; the parent reads them all."""
    pid = _empty((9, 1), np.int64, shared=True)

    def search(rows: range) -> None:
        pid[rows.start : rows.stop] = os.getpid()

    _split_rows(search, 9, 3)
    owners = pid.ravel().tolist()
    assert owners[:3] == [os.getpid()] * 3
    assert len(set(owners[3:6])) == len(set(owners[6:])) == 1
    assert len(set(owners)) == 3


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_rows_of_a_failed_process_are_redone_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A search process that fails costs time, never a row: the parent redoes it."""
    parent = os.getpid()
    out = _empty((10, 1), np.float64, shared=True)
    out[:] = -1.0

    def search(rows: range) -> None:
        if os.getpid() != parent:
            msg = "this child fails"
            raise RuntimeError(msg)
        out[rows.start : rows.stop, 0] = np.arange(rows.start, rows.stop)

    with caplog.at_level(logging.WARNING, logger="logistics.matrix"):
        _split_rows(search, 10, 2)
    assert out.ravel().tolist() == list(range(10))
    assert "ended with status 1; redoing its rows 5-9 here" in caplog.text


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_rows_of_a_killed_process_are_redone_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A search process killed by a signal (the OOM killer) costs no row either."""
    parent = os.getpid()
    out = _empty((4, 1), np.float64, shared=True)
    out[:] = -1.0

    def search(rows: range) -> None:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        out[rows.start : rows.stop, 0] = np.arange(rows.start, rows.stop)

    with caplog.at_level(logging.WARNING, logger="logistics.matrix"):
        _split_rows(search, 4, 2)
    assert out.ravel().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert "was killed by signal 9; redoing its rows 2-3 here" in caplog.text


def test_rows_are_searched_here_when_no_process_can_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """If fork() fails (too many processes: not reproducible as root, hence the
    stand-in), every row is still searched, in this process."""

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    pid = np.zeros(6, dtype=np.int64)

    def search(rows: range) -> None:
        pid[rows.start : rows.stop] = os.getpid()

    with caplog.at_level(logging.WARNING, logger="logistics.matrix"):
        _split_rows(search, 6, 3)
    assert pid.tolist() == [os.getpid()] * 6
    assert caplog.text.count("Could not start a matrix search process") == 2


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_an_error_here_kills_the_search_processes() -> None:
    """Ctrl-C or an error in the parent ends the children before it propagates."""
    parent = os.getpid()
    child = _empty((1, 1), np.int64, shared=True)
    child[0, 0] = 0

    def search(rows: range) -> None:
        if os.getpid() != parent:
            child[0, 0] = os.getpid()
            time.sleep(60)
            return
        deadline = time.monotonic() + 30
        while not child[0, 0] and time.monotonic() < deadline:
            time.sleep(0.01)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _split_rows(search, 2, 2)
    assert child[0, 0] > 0
    with pytest.raises(ProcessLookupError):
        os.kill(int(child[0, 0]), 0)  # killed and reaped


_MATRIX_DIGEST = (
    "import hashlib, sys; import numpy as np; "
    "from logistics.matrix import _fastest_paths; "
    "from logistics.network import load_network; "
    "net = load_network(osm_file=sys.argv[1], search_dirs=[], use_cache=False); "
    "nodes = np.random.default_rng(3).choice(net.n_nodes, size=30, replace=False); "
    "arrays = _fastest_paths(net, nodes, processes=2); "
    "print(hashlib.sha256(b''.join(a.tobytes() for a in arrays)).hexdigest())"
)


def test_forked_matrix_does_not_depend_on_the_hash_seed() -> None:
    """Fresh interpreters with different string hash seeds, searching in two
    processes, give the bytes this process gets in one."""
    osm_file = TEST_DATA / "melun_centre.osm.bz2"
    digests = set()
    for seed in ("0", "1"):
        # `python -c` puts the working directory first on sys.path: this
        # repository's `logistics` is imported.
        done = subprocess.run(
            [sys.executable, "-c", _MATRIX_DIGEST, str(osm_file)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    network = load_network(osm_file=osm_file, search_dirs=[], use_cache=False)
    nodes = np.random.default_rng(3).choice(network.n_nodes, size=30, replace=False)
    here = _fastest_paths(network, nodes, processes=1)
    assert digests == {hashlib.sha256(b"".join(a.tobytes() for a in here)).hexdigest()}


@pytest.mark.slow
def test_corsica_matrix_in_two_processes_matches_the_reference() -> None:
    """On all of Corsica (deep trees: paths of hundreds of arcs), two processes give
    the single process's bytes, and sampled pairs match the walked paths exactly."""
    network = load_network(
        osm_file=shared_osm_file("corsica.osm.bz2"), search_dirs=[], use_cache=True
    )
    rng = np.random.default_rng(11)
    site_node = rng.choice(network.n_nodes, size=150, replace=False)
    one = _fastest_paths(network, site_node, processes=1)
    two = _fastest_paths(network, site_node, processes=2)
    assert [_bits(a) for a in two] == [_bits(a) for a in one]
    pairs = [(int(i), int(j)) for i, j in rng.integers(0, 150, size=(200, 2))]
    duration_s, predecessors, distance = _reference_matrix(network, site_node, pairs)
    assert _bits(two[1]) == _bits(duration_s)
    assert _bits(two[2]) == _bits(predecessors)
    for i, j in pairs:
        assert two[0][i, j] == distance[i, j], (i, j)
