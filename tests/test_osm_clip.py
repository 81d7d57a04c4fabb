"""Clipping a .osm.pbf to the sites' box with pyosmium before the graph is built."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from logistics.exceptions import NetworkError
from logistics.network import DRIVABLE_HIGHWAYS, RoadNetwork, load_network
from logistics.osm_clip import clip_pbf, file_digest

from .conftest import BUNDLED_OSM, shared_osm_file

osmium = pytest.importorskip("osmium", reason="pyosmium not installed")

MELUN_CENTRE_BOX = (2.650, 48.530, 2.665, 48.545)
"""(west, south, east, north): the old town of Melun, inside the bundled extract."""


@pytest.fixture(scope="module")
def melun_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Melun extract converted to PBF with pyosmium (no shared data)."""
    target = tmp_path_factory.mktemp("pbf") / "melun.osm.pbf"
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(BUNDLED_OSM / "melun.osm.bz2")):
            writer.add(obj)
    return target


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty logistics cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(folder))
    return folder


def _read(path: Path) -> tuple[dict[int, tuple[float, float]], dict[int, list[int]]]:
    """Nodes (id -> lon, lat) and ways (id -> node ids) of an OSM file."""
    nodes = {
        n.id: (n.location.lon, n.location.lat)
        for n in osmium.FileProcessor(str(path), osmium.osm.NODE)
    }
    ways = {
        w.id: [n.ref for n in w.nodes]
        for w in osmium.FileProcessor(str(path), osmium.osm.WAY)
    }
    return nodes, ways


def _inside(lon_lat: tuple[float, float], box: tuple[float, ...]) -> bool:
    west, south, east, north = box
    return west <= lon_lat[0] <= east and south <= lon_lat[1] <= north


def test_clip_keeps_exactly_the_drivable_ways_touching_the_box(
    melun_pbf: Path, cache: Path
) -> None:
    """Every drivable way with a node in the box is kept whole, and nothing else."""
    clip = clip_pbf(melun_pbf, MELUN_CENTRE_BOX, highways=DRIVABLE_HIGHWAYS)
    nodes, ways = _read(clip.path)
    # Independently, from the whole source with every node location.
    expected = set()
    for way in osmium.FileProcessor(str(melun_pbf)).with_locations():
        if (
            isinstance(way, osmium.osm.Way)
            and way.tags.get("highway") in DRIVABLE_HIGHWAYS
            and any(_inside((n.lon, n.lat), MELUN_CENTRE_BOX) for n in way.nodes)
        ):
            expected.add(way.id)
    assert set(ways) == expected
    assert 0 < len(ways) < len(_read(melun_pbf)[1])
    referenced = {ref for refs in ways.values() for ref in refs}
    assert referenced == set(nodes)  # referentially complete, no stray node
    assert any(not _inside(nodes[r], MELUN_CENTRE_BOX) for r in referenced)
    assert (clip.ways, clip.nodes) == (len(ways), len(nodes))


def test_unclipped_pbf_gives_the_same_network_as_the_xml(
    melun_pbf: Path, melun: RoadNetwork, cache: Path
) -> None:
    """Read whole, the PBF gives the very arrays the XML extract gives."""
    network = load_network(osm_file=melun_pbf, search_dirs=[], use_cache=False)
    assert np.array_equal(network.node_osmid, melun.node_osmid)
    assert np.array_equal(network.edge_duration_s, melun.edge_duration_s)
    assert np.array_equal(network.edge_length_m, melun.edge_length_m)
    assert "pyosmium" in network.source


def test_clipped_network_is_the_box_and_says_so(melun_pbf: Path, cache: Path) -> None:
    """With a box the network is smaller, its nodes near the box, the label clipped."""
    whole = load_network(osm_file=melun_pbf, search_dirs=[], use_cache=False)
    part = load_network(
        osm_file=melun_pbf, search_dirs=[], clip_bbox=MELUN_CENTRE_BOX, use_cache=False
    )
    assert 0 < part.n_nodes < whole.n_nodes / 2
    west, south, east, north = MELUN_CENTRE_BOX
    inside = (
        (part.node_lon >= west)
        & (part.node_lon <= east)
        & (part.node_lat >= south)
        & (part.node_lat <= north)
    )
    assert inside.mean() > 0.8  # the rest: ends of ways crossing the box's edge
    assert "clipped to W,S,E,N 2.6500,48.5300,2.6650,48.5450" in part.source


def test_clip_is_cached_by_digest_and_box(melun_pbf: Path, cache: Path) -> None:
    """A rerun reads the cached clip; another box or other content clips again."""
    first = clip_pbf(melun_pbf, MELUN_CENTRE_BOX, highways=DRIVABLE_HIGHWAYS)
    again = clip_pbf(melun_pbf, MELUN_CENTRE_BOX, highways=DRIVABLE_HIGHWAYS)
    assert (first.from_cache, again.from_cache) == (False, True)
    assert again.path == first.path
    wider = (2.64, 48.52, 2.67, 48.55)
    other = clip_pbf(melun_pbf, wider, highways=DRIVABLE_HIGHWAYS)
    assert not other.from_cache
    assert other.ways > first.ways
    assert file_digest(melun_pbf) in {file_digest(melun_pbf)}
    assert len(list((cache / "clips").glob("melun.*.osm"))) == 2


def test_sites_outside_the_extract_are_one_clear_error(
    melun_pbf: Path, cache: Path
) -> None:
    """A box with no road of the file says the sites lie outside the extract."""
    with pytest.raises(NetworkError, match=r"has no drivable road to W,S,E,N 8\.7000"):
        load_network(
            osm_file=melun_pbf,
            search_dirs=[],
            clip_bbox=(8.70, 41.90, 8.75, 41.95),  # Ajaccio
            use_cache=False,
        )


def test_damaged_pbf_is_a_network_error(tmp_path: Path, cache: Path) -> None:
    """A truncated PBF gives one message naming the file, not a traceback."""
    data = (BUNDLED_OSM / "melun.osm.bz2").read_bytes()
    pbf = tmp_path / "broken.osm.pbf"
    pbf.write_bytes(data[:5000])
    with pytest.raises(NetworkError, match=r"cannot read OSM file .*broken\.osm\.pbf"):
        load_network(osm_file=pbf, search_dirs=[], clip_bbox=MELUN_CENTRE_BOX)


def test_liechtenstein_pbf_clipped_to_vaduz(cache: Path) -> None:
    """The shared Liechtenstein PBF clipped to Vaduz keeps a connected road graph."""
    path = shared_osm_file("liechtenstein-latest.osm.pbf")
    vaduz = (9.49, 47.12, 9.54, 47.16)
    clip = clip_pbf(path, vaduz, highways=DRIVABLE_HIGHWAYS)
    whole = clip_pbf(path, None, highways=DRIVABLE_HIGHWAYS)
    assert 0 < clip.ways < whole.ways
    network = load_network(osm_file=path, search_dirs=[], clip_bbox=vaduz)
    assert network.n_nodes > 300
    lat, lon = network.node_lat, network.node_lon
    # Kept ways touch the box; none reaches far beyond it (Vaduz's roads are short).
    assert float(np.median(lat)) == pytest.approx(47.14, abs=0.03)
    assert float(np.median(lon)) == pytest.approx(9.515, abs=0.03)
