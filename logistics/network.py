"""Road network: load OpenStreetMap data once, keep it as compact numpy arrays.

The pipeline needs the road graph for two things: snapping sites to their nearest
road node and running one many-to-many shortest-path search; maps and figures also draw
the roads and the paths driven, bends included (each edge keeps OSMnx's geometry as
shape points). All of it works on plain arrays (a KD-tree over node coordinates, a
:mod:`scipy.sparse` adjacency matrix, flat shape points), so the
OSMnx/networkx graph is converted once into a :class:`RoadNetwork` of arrays. That
object is cached as an ``.npz`` file and reloads in a few milliseconds, where re-parsing
the OSM XML of a region takes seconds (about 12 s for all of Corsica).

Speeds come from the ``maxspeed`` tag where present and otherwise from
:data:`FRENCH_SPEEDS_KMH`, a table by OSM ``highway`` type. The shared French extracts
carry no ``maxspeed`` tag at all, so for them the table is the whole speed model.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import numpy as np
import numpy.typing as npt
import scipy.sparse
from scipy.spatial import cKDTree

from . import _cache
from .exceptions import NetworkError

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_M: Final = 6_371_009.0
"""Mean earth radius in metres, the value used by both OSMnx and geopy's
``great_circle``, so that snapping distances and geodesic estimates agree with them."""

# Free-flow speeds by OSM highway type, used where a way has no usable `maxspeed` tag.
# They follow the French Code de la route: 130 km/h on motorways, 110 on dual
# carriageways (trunk), 80 on two-lane rural roads since the 2018 decree (primary and
# secondary, although many departments went back to 90 on part of their network from
# 2020), 50 in built-up areas, where 30 km/h zones are now common on residential streets
# (and the rule in many towns), 20 in living streets (zones de rencontre). Tertiary and
# unclassified roads are mostly narrow rural lanes, hence 70 and 50. Slip roads (_link)
# are slower than the road they serve. The values are free-flow, so town-centre primary
# roads at 80 km/h are optimistic; no congestion factor is applied on purpose because
# delivery rounds are compared against each other on the same speed model.
FRENCH_SPEEDS_KMH: Final[dict[str, float]] = {
    "motorway": 130.0,
    "motorway_link": 90.0,
    "trunk": 110.0,
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 60.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 70.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 20.0,
    "service": 20.0,
}
"""Free-flow speed in km/h by OSM ``highway`` type (French limits; see the comment)."""

FALLBACK_SPEED_KMH: Final = 40.0
"""Speed for a drivable highway type absent from :data:`FRENCH_SPEEDS_KMH` (e.g.
``road``, an unclassified-yet way) that has no ``maxspeed`` on any edge either."""

DRIVABLE_HIGHWAYS: Final = frozenset({*FRENCH_SPEEDS_KMH, "road"})
"""OSM ``highway`` values kept from a file. Everything else is dropped, notably
``footway``, ``path``, ``cycleway``, ``pedestrian``, ``steps``, ``bridleway``,
``corridor``, ``platform`` and ``construction``/``proposed`` (not roads for motor
vehicles) and ``track`` (farm and forest tracks: mostly unpaved or closed to traffic).
This matches OSMnx's ``drive_service`` filter."""

_EXCLUDED_SERVICE: Final = frozenset(
    {"emergency_access", "parking", "parking_aisle", "private"}
)
_EXCLUDED_ACCESS: Final = frozenset({"no", "private"})

DOWNLOAD_NETWORK_TYPE: Final = "drive"
"""OSMnx ``network_type`` used when the network is downloaded."""

OVERPASS_URL: Final = "https://overpass-api.de/api"
"""Overpass API used for downloads; the ``LOGISTICS_OVERPASS_URL`` environment
variable names another (a mirror, or a local server)."""

CONNECT_TIMEOUT_S: Final = 4.0
"""Time allowed to resolve and reach the Overpass server before a download is
declared impossible (offline): OSMnx itself would wait 60 s for the server's status
and then up to its 180 s request timeout."""

DOWNLOAD_TIMEOUT_S: Final = 120
"""OSMnx request timeout of a download once the server answered (Overpass may take
a minute for a regional query)."""

OSM_SUFFIXES: Final = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf")
"""File name endings :func:`load_network` can read."""

_CACHE_VERSION: Final = "road-network-v3"
"""Bump whenever the conversion changes, to invalidate cached networks."""

_KINDS: Final = frozenset({"osm_file", "download"})


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network stored as flat arrays.

    Nodes are numbered ``0 .. n_nodes - 1`` (sorted by OSM id); edge ``k`` goes from
    node ``edge_from[k]`` to node ``edge_to[k]``. Parallel edges may exist (two roads
    joining the same junctions); the sparse matrices keep the fastest of them.

    Parameters
    ----------
    node_osmid
        OSM id of each node (int64).
    node_lat, node_lon
        WGS84 latitude and longitude of each node, in degrees (float64).
    edge_from, edge_to
        Tail and head node index of each edge (int64).
    edge_length_m
        Length of each edge along its geometry, in metres (> 0).
    edge_duration_s
        Free-flow travel time of each edge, in seconds (> 0).
    source
        Human-readable provenance, e.g. ``"OpenStreetMap file melun.osm.bz2 (OSMnx)"``.
    kind
        ``"osm_file"`` or ``"download"``.
    path
        Absolute path of the OSM file, or ``None`` for a download.
    edge_shape_start
        Where each edge's shape points start in ``shape_lat`` / ``shape_lon``
        (``n_edges + 1`` offsets, int64): edge ``k`` bends through the points
        ``shape_start[k]:shape_start[k + 1]``, in driving order, between its two
        nodes. ``None`` (with the two arrays below) when every edge is straight.
    shape_lat, shape_lon
        The bends of all edges (OSMnx's edge geometry without its end points), in
        degrees (float64).
    """

    node_osmid: IntArray
    node_lat: FloatArray
    node_lon: FloatArray
    edge_from: IntArray
    edge_to: IntArray
    edge_length_m: FloatArray
    edge_duration_s: FloatArray
    source: str
    kind: str
    path: str | None = None
    edge_shape_start: IntArray | None = None
    shape_lat: FloatArray | None = None
    shape_lon: FloatArray | None = None

    def __post_init__(self) -> None:
        for name, dtype in {**_ARRAY_FIELDS, **_SHAPE_FIELDS}.items():
            if getattr(self, name) is None:
                continue
            # Read-only views: the network never changes once built (the caller's
            # arrays stay writable, no copy).
            view = np.asarray(getattr(self, name), dtype=dtype).view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)
        problems = _network_problems(self) or _shape_problems(self)
        if problems:
            msg = "invalid RoadNetwork: " + "; ".join(problems)
            raise ValueError(msg)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_osmid.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges, parallel edges included."""
        return int(self.edge_from.shape[0])

    def csr_duration(self) -> scipy.sparse.csr_matrix:
        """Return the ``n_nodes x n_nodes`` adjacency matrix of travel times in s.

        Returns
        -------
        scipy.sparse.csr_matrix
            Entry ``(u, v)`` is the duration of the fastest edge from ``u`` to ``v``;
            no self-loops, sorted indices.
        """
        tail, head, _, duration_s = self._fastest_arcs
        return self._csr(tail, head, duration_s)

    def csr_length(self) -> scipy.sparse.csr_matrix:
        """Return the ``n_nodes x n_nodes`` adjacency matrix of lengths in metres.

        Returns
        -------
        scipy.sparse.csr_matrix
            Entry ``(u, v)`` is the length of the *fastest* edge from ``u`` to ``v``
            (not the shortest), so that it describes the same edge as
            :meth:`csr_duration`; no self-loops, sorted indices.
        """
        tail, head, length_m, _ = self._fastest_arcs
        return self._csr(tail, head, length_m)

    @property
    def has_shapes(self) -> bool:
        """Whether the edges carry their road geometry (bends between nodes)."""
        return self.edge_shape_start is not None

    def path_coordinates(self, nodes: Sequence[int]) -> tuple[FloatArray, FloatArray]:
        """Return the latitudes and longitudes along a path, bends included.

        Parameters
        ----------
        nodes
            Node indices of a path, each consecutive pair joined by an edge (as
            :func:`~logistics.matrix.road_path` returns them).

        Returns
        -------
        lat, lon : numpy.ndarray of float64
            The first node, then for each edge its bends (the road geometry of
            the fastest edge between the two nodes, the one the travel times use)
            and its head node. Straight edges add their head node only.

        Raises
        ------
        ValueError
            If two consecutive nodes are not joined by an edge.
        """
        path = np.asarray(nodes, dtype=np.int64)
        if path.size == 0:
            return np.empty(0), np.empty(0)
        edges = self._edges_between(path[:-1], path[1:])
        lat_parts, lon_parts = [self.node_lat[path[:1]]], [self.node_lon[path[:1]]]
        for edge, head in zip(edges.tolist(), path[1:].tolist(), strict=True):
            bend_lat, bend_lon = self._bends(edge)
            lat_parts.append(bend_lat)
            lon_parts.append(bend_lon)
            lat_parts.append(self.node_lat[head : head + 1])
            lon_parts.append(self.node_lon[head : head + 1])
        return np.concatenate(lat_parts), np.concatenate(lon_parts)

    def edges_within(
        self, west: float, south: float, east: float, north: float
    ) -> list[tuple[FloatArray, FloatArray]]:
        """Return the shape of every edge with a node inside a bounding box.

        One line per pair of opposite edges (a two-way street is drawn once);
        self-loops only when they bend.

        Parameters
        ----------
        west, south, east, north
            The box, in degrees.

        Returns
        -------
        list of (lat, lon)
            Each edge's latitudes and longitudes, from tail to head, bends included.
        """
        inside = (
            (self.node_lon >= west)
            & (self.node_lon <= east)
            & (self.node_lat >= south)
            & (self.node_lat <= north)
        )
        tail, head = self.edge_from, self.edge_to
        # Keep u -> v, and v -> u only when there is no u -> v (a one-way street).
        keys = np.minimum(tail, head) * self.n_nodes + np.maximum(tail, head)
        _, first = np.unique(keys, return_index=True)
        chosen = np.zeros(self.n_edges, dtype=bool)
        chosen[first] = True
        chosen &= inside[tail] | inside[head]
        if self.edge_shape_start is None:
            chosen &= tail != head  # a straight self-loop is a dot
        else:
            chosen &= (tail != head) | (np.diff(self.edge_shape_start) > 0)
        lines = []
        for edge in np.flatnonzero(chosen).tolist():
            u, v = int(tail[edge]), int(head[edge])
            bend_lat, bend_lon = self._bends(edge)
            lat = np.concatenate(([self.node_lat[u]], bend_lat, [self.node_lat[v]]))
            lon = np.concatenate(([self.node_lon[u]], bend_lon, [self.node_lon[v]]))
            lines.append((lat, lon))
        return lines

    def _bends(self, edge: int) -> tuple[FloatArray, FloatArray]:
        """The shape points of one edge between its nodes (none if straight)."""
        start, lat, lon = self.edge_shape_start, self.shape_lat, self.shape_lon
        if start is None or lat is None or lon is None:
            return np.empty(0), np.empty(0)
        lo, hi = int(start[edge]), int(start[edge + 1])
        return lat[lo:hi], lon[lo:hi]

    @cached_property
    def fingerprint(self) -> str:
        """Return a 16-hex-digit digest of the arrays (keys caches built on top)."""
        return _cache.cache_key(
            _CACHE_VERSION,
            *(_digest(getattr(self, name)) for name in _ARRAY_FIELDS),
        )

    def summary(self) -> str:
        """Return a one-line description: size and provenance."""
        return (
            f"RoadNetwork: {self.n_nodes:,} nodes, {self.n_edges:,} edges, "
            f"{self.edge_length_m.sum() / 1000:,.0f} km of roads; {self.source}"
        )

    def __str__(self) -> str:
        return self.summary()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RoadNetwork):
            return NotImplemented
        same_text = (self.source, self.kind, self.path) == (
            other.source,
            other.kind,
            other.path,
        )
        return same_text and all(
            _optional_equal(getattr(self, name), getattr(other, name))
            for name in (*_ARRAY_FIELDS, *_SHAPE_FIELDS)
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @cached_property
    def _fastest_arcs(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """Keep one edge per ordered node pair, the fastest, and drop self-loops.

        Shortest-path code needs a simple graph; a self-loop never lies on a shortest
        path, and of two parallel edges only the faster one can.
        """
        _, keep = self._fastest_edge_ids
        return (
            self.edge_from[keep],
            self.edge_to[keep],
            self.edge_length_m[keep],
            self.edge_duration_s[keep],
        )

    @cached_property
    def _fastest_edge_ids(self) -> tuple[IntArray, IntArray]:
        """The edge behind each arc of the sparse matrices, and its sort key.

        Keys are ``tail * n_nodes + head``, increasing, so that the edge joining
        two nodes is found by binary search.
        """
        order = np.lexsort((self.edge_duration_s, self.edge_to, self.edge_from))
        tail, head = self.edge_from[order], self.edge_to[order]
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        keep = order[first & (tail != head)]
        keys = self.edge_from[keep] * self.n_nodes + self.edge_to[keep]
        return keys, keep

    def _edges_between(self, tail: IntArray, head: IntArray) -> IntArray:
        """Index of the fastest edge ``tail[i] -> head[i]`` for every ``i``."""
        keys, edges = self._fastest_edge_ids
        wanted = tail * self.n_nodes + head
        position = np.minimum(np.searchsorted(keys, wanted), max(keys.size - 1, 0))
        found = keys.size > 0 and (keys[position] == wanted).all()
        if not found:
            bad = int(np.flatnonzero(keys[position] != wanted)[0]) if keys.size else 0
            msg = (
                f"no edge from node {int(tail[bad])} to node {int(head[bad])}: not a "
                "path of this network."
            )
            raise ValueError(msg)
        return edges[position]

    @cached_property
    def _kdtree(self) -> cKDTree:
        """KD-tree of the nodes on the unit sphere, built on first snap."""
        return cKDTree(_unit_vectors(self.node_lat, self.node_lon))

    def _csr(
        self, tail: IntArray, head: IntArray, weight: FloatArray
    ) -> scipy.sparse.csr_matrix:
        shape = (self.n_nodes, self.n_nodes)
        matrix = scipy.sparse.csr_matrix((weight, (tail, head)), shape=shape)
        matrix.sort_indices()
        return matrix


_ARRAY_FIELDS: Final[dict[str, type[np.generic]]] = {
    "node_osmid": np.int64,
    "node_lat": np.float64,
    "node_lon": np.float64,
    "edge_from": np.int64,
    "edge_to": np.int64,
    "edge_length_m": np.float64,
    "edge_duration_s": np.float64,
}


_SHAPE_FIELDS: Final[dict[str, type[np.generic]]] = {
    "edge_shape_start": np.int64,
    "shape_lat": np.float64,
    "shape_lon": np.float64,
}


def _shape_problems(network: RoadNetwork) -> list[str]:
    """List what is wrong with the edge shapes (empty when valid or absent)."""
    arrays = [getattr(network, name) for name in _SHAPE_FIELDS]
    if all(a is None for a in arrays):
        return []
    if any(a is None for a in arrays):
        return [f"{', '.join(_SHAPE_FIELDS)} must be given together"]
    start, lat, lon = arrays
    if start.shape != (network.n_edges + 1,):
        return [f"edge_shape_start must have shape ({network.n_edges + 1},)"]
    if lat.ndim != 1 or lat.shape != lon.shape:
        return ["shape_lat and shape_lon must be 1-D of equal length"]
    if start[0] != 0 or start[-1] != lat.size or (np.diff(start) < 0).any():
        return ["edge_shape_start must rise from 0 to the number of shape points"]
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        return ["shape_lat and shape_lon must be finite"]
    return []


def _optional_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))


def _network_problems(network: RoadNetwork) -> list[str]:
    """List every broken invariant of a network (empty when valid)."""
    n_nodes, n_edges = network.node_osmid.shape[0], network.edge_from.shape[0]
    expected = {
        name: (n_nodes,) if name.startswith("node") else (n_edges,)
        for name in _ARRAY_FIELDS
    }
    problems = [
        f"{name} must have shape {shape}; got {getattr(network, name).shape}"
        for name, shape in expected.items()
        if getattr(network, name).shape != shape
    ]
    if problems:
        return problems
    if n_nodes == 0:
        problems.append("the network has no nodes")
    for name in ("edge_from", "edge_to"):
        index = getattr(network, name)
        if n_edges and (index.min() < 0 or index.max() >= n_nodes):
            problems.append(f"{name} must index nodes 0..{n_nodes - 1}")
    for name in ("edge_length_m", "edge_duration_s"):
        values = getattr(network, name)
        if not (np.isfinite(values).all() and (values > 0).all()):
            problems.append(f"{name} must be finite and > 0")
    if not (np.abs(network.node_lat) <= 90).all():
        problems.append("node_lat must lie in [-90, 90]")
    if network.kind not in _KINDS:
        problems.append(f"kind must be one of {sorted(_KINDS)}; got {network.kind!r}")
    return problems


def _digest(array: np.ndarray[Any, Any]) -> str:
    """Hash an array's dtype, shape and bytes (1.5 MB for Corsica: ~2 ms)."""
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------------------
# Loading


def load_network(
    *,
    osm_file: str | os.PathLike[str] | None,
    search_dirs: Sequence[Path],
    download_bbox: tuple[float, float, float, float] | None = None,
    clip_bbox: tuple[float, float, float, float] | None = None,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RoadNetwork:
    """Load a drivable road network from an OSM file or, failing that, download it.

    Parameters
    ----------
    osm_file
        OSM file name or path (``.osm``, ``.osm.bz2``, ``.osm.gz``, or ``.osm.pbf``
        when pyosmium is installed). A relative name is looked up in each of
        ``search_dirs`` in order. ``None`` to download instead.
    search_dirs
        Folders to look in for a relative ``osm_file``, typically
        ``[scenario_dir, *osm_dirs]``.
    download_bbox
        ``(west, south, east, north)`` in degrees (the OSMnx 2 order), used only when
        ``osm_file`` is ``None``.
    clip_bbox
        ``(west, south, east, north)``: a ``.osm.pbf`` file is first clipped to the
        drivable ways touching this box (:func:`logistics.osm_clip.clip_pbf`), so
        that a regional extract of hundreds of MB is never parsed whole. ``None``
        reads the whole file. Ignored for XML files (already small extracts).
    use_cache
        Read and write the converted arrays (and, for downloads, OSMnx's HTTP cache)
        under :func:`logistics._cache.cache_dir`.
    progress
        Called with a short message at each stage (reading, filtering, caching...).

    Returns
    -------
    RoadNetwork
        The largest strongly connected component of the drivable roads, with
        free-flow travel times.

    Raises
    ------
    NetworkError
        If the file is missing or unreadable, pyosmium is needed but absent, the
        download fails (offline?), or no drivable road is left after filtering.
    """
    if osm_file is not None:
        path = resolve_osm_file(osm_file, search_dirs)
        if _osm_suffix(path) == ".osm.pbf":
            return _load_pbf(path, clip_bbox, use_cache=use_cache, progress=progress)
        return _load_osm_file(path, use_cache=use_cache, progress=progress)
    if download_bbox is not None:
        return _download_network(download_bbox, use_cache=use_cache, progress=progress)
    msg = "no road network source: give osm_file or download_bbox."
    raise NetworkError(msg)


def resolve_osm_file(
    osm_file: str | os.PathLike[str], search_dirs: Sequence[Path]
) -> Path:
    """Find an OSM file: an absolute path as is, a relative one in each folder in turn.

    Parameters
    ----------
    osm_file
        File name or path.
    search_dirs
        Folders to search, in order, for a relative ``osm_file``.

    Returns
    -------
    Path
        The absolute, resolved path of the first match.

    Raises
    ------
    NetworkError
        If no folder holds the file; the message names every folder looked in.
    """
    requested = Path(osm_file).expanduser()
    candidates = (
        [requested]
        if requested.is_absolute()
        else [Path(folder).expanduser() / requested for folder in search_dirs]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    looked_in = (
        "\n".join(
            f"  - {c.parent.resolve()}"
            + ("" if c.parent.is_dir() else " (folder does not exist)")
            for c in candidates
        )
        or "  (no folder to search)"
    )
    msg = (
        f"OSM file {str(osm_file)!r} not found. Looked in:\n{looked_in}\n"
        "Put the file in one of these folders, or name the folder that holds it with "
        "--osm-dir DIR or the LOGISTICS_OSM_DIR environment variable."
    )
    raise NetworkError(msg)


def _load_osm_file(
    path: Path, *, use_cache: bool, progress: Callable[[str], None] | None
) -> RoadNetwork:
    """Load ``path`` from the array cache, or parse, filter and cache it."""
    _osm_suffix(path)  # refuse an unsupported ending before any work
    stat = path.stat()
    key = _cache.cache_key(
        "osm_file",
        str(path),
        stat.st_size,
        stat.st_mtime_ns,
        FRENCH_SPEEDS_KMH,
        FALLBACK_SPEED_KMH,
        sorted(DRIVABLE_HIGHWAYS),
        _CACHE_VERSION,
    )
    cache_file = _cache.cache_dir() / "networks" / f"{path.name}.{key}.npz"
    if use_cache and (cached := _read_cached_network(cache_file)) is not None:
        _say(progress, f"Loaded road network {path.name} from cache {cache_file}")
        return cached

    _say(progress, f"Reading OSM file {path} with OSMnx")
    graph = _graph_from_file(path)
    network = _network_from_graph(
        _prepare_graph(graph, progress),
        source=f"OpenStreetMap file {path.name} (OSMnx)",
        kind="osm_file",
        path=str(path),
    )
    if use_cache:
        _write_cached_network(cache_file, network, progress)
    return network


def _load_pbf(
    path: Path,
    bbox: tuple[float, float, float, float] | None,
    *,
    use_cache: bool,
    progress: Callable[[str], None] | None,
) -> RoadNetwork:
    """Clip a PBF to ``bbox`` with pyosmium (cached), then build the network from it."""
    from .osm_clip import clip_pbf

    box = "" if bbox is None else " to W,S,E,N " + ",".join(f"{v:.4f}" for v in bbox)
    with tempfile.TemporaryDirectory(prefix="logistics-clip-") as folder:
        _say(progress, f"Clipping {path.name}{box} with pyosmium")
        clip = clip_pbf(
            path,
            bbox,
            highways=DRIVABLE_HIGHWAYS,
            use_cache=use_cache,
            out_dir=Path(folder),
        )
        if clip.ways == 0:
            msg = (
                f"OSM file {path} has no drivable road{box or ''}: the sites lie "
                "outside the extract. Use the extract of their region."
            )
            raise NetworkError(msg)
        key = _cache.cache_key(
            "pbf_clip",
            clip.path.name,  # content-derived: file digest, box, road classes
            FRENCH_SPEEDS_KMH,
            FALLBACK_SPEED_KMH,
            _CACHE_VERSION,
        )
        cache_file = _cache.cache_dir() / "networks" / f"{path.name}.{key}.npz"
        if use_cache and (cached := _read_cached_network(cache_file)) is not None:
            _say(progress, f"Loaded road network {path.name} from cache {cache_file}")
            return cached
        _say(progress, f"Reading the clip of {path.name} with OSMnx")
        graph = _graph_from_file(clip.path)
    clipped = "" if bbox is None else ", clipped" + box
    network = _network_from_graph(
        _prepare_graph(graph, progress),
        source=f"OpenStreetMap file {path.name}{clipped} (pyosmium + OSMnx)",
        kind="osm_file",
        path=str(path),
    )
    if use_cache:
        _write_cached_network(cache_file, network, progress)
    return network


def _osm_suffix(path: Path) -> str:
    """Return the supported ending of ``path`` or raise a NetworkError naming them."""
    name = path.name.lower()
    for suffix in sorted(OSM_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    msg = (
        f"cannot read {path.name!r}: OSM file names must end in one of {OSM_SUFFIXES}."
    )
    raise NetworkError(msg)


def _graph_from_file(path: Path) -> nx.MultiDiGraph:
    """Parse an OSM XML file into an unsimplified OSMnx graph with every component.

    Unsimplified so that highway filtering sees one type per edge (simplification
    merges edges into lists of types); all components so that filtering runs first.
    OSMnx reads ``.bz2`` and ``.gz`` itself; a PBF arrives here clipped to XML.
    """
    import osmnx as ox  # lazy: OSMnx takes ~1 s to import

    try:
        return ox.graph_from_xml(path, simplify=False, retain_all=True)
    except NetworkError:
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        SAXException,
        ParseError,
    ) as exc:
        # bz2/gzip raise OSError or EOFError on a damaged archive, the XML parsers
        # SAXParseException or ElementTree's ParseError (a truncated .osm), OSMnx
        # ValueErrors (e.g. a file without ways), pyosmium RuntimeError on a damaged
        # PBF.
        msg = (
            f"cannot read OSM file {path}: {exc}. The file is damaged or incomplete "
            "(an interrupted download or copy?): download or copy it again."
        )
        raise NetworkError(msg) from exc


def _download_network(
    bbox: tuple[float, float, float, float],
    *,
    use_cache: bool,
    progress: Callable[[str], None] | None,
) -> RoadNetwork:
    """Download the drivable roads in ``bbox`` through OSMnx (Overpass API)."""
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        msg = (
            "download_bbox must be (west, south, east, north) with west < east and "
            f"south < north, in degrees; got {bbox!r}."
        )
        raise NetworkError(msg)
    rounded = (round(west, 6), round(south, 6), round(east, 6), round(north, 6))
    key = _cache.cache_key(
        "download",
        rounded,
        DOWNLOAD_NETWORK_TYPE,
        FRENCH_SPEEDS_KMH,
        FALLBACK_SPEED_KMH,
        _CACHE_VERSION,
    )
    cache_file = _cache.cache_dir() / "networks" / f"download.{key}.npz"
    if use_cache and (cached := _read_cached_network(cache_file)) is not None:
        _say(progress, f"Loaded downloaded road network from cache {cache_file}")
        return cached

    label = ",".join(f"{v:.5f}" for v in rounded)
    _say(progress, f"Downloading OSM roads in bbox {label} (Overpass API via OSMnx)")
    graph = _fetch_bbox(rounded, label, use_cache=use_cache)
    network = _network_from_graph(
        _prepare_graph(graph, progress),
        source=f"OpenStreetMap download, bbox W,S,E,N = {label} (OSMnx)",
        kind="download",
        path=None,
    )
    if use_cache:
        _write_cached_network(cache_file, network, progress)
    return network


def _fetch_bbox(
    bbox: tuple[float, float, float, float], label: str, *, use_cache: bool
) -> nx.MultiDiGraph:
    """Call OSMnx with its HTTP cache in our cache folder; map failures to ours."""
    import osmnx as ox
    import requests

    url = overpass_url()
    _check_reachable(url, label)
    try:
        with _osmnx_settings(
            use_cache=use_cache,
            cache_folder=str(_cache.cache_dir() / "osmnx"),
            overpass_url=url,
            requests_timeout=DOWNLOAD_TIMEOUT_S,
        ):
            return ox.graph_from_bbox(
                bbox,
                network_type=DOWNLOAD_NETWORK_TYPE,
                simplify=False,
                retain_all=True,
            )
    except (requests.RequestException, OSError) as exc:
        msg = (
            f"cannot download the road network for bbox {label}: {exc}. Offline? "
            "Give an OSM file instead (osm_file in the scenario, --osm-dir)."
        )
        raise NetworkError(msg) from exc
    except ValueError as exc:  # OSMnx's InsufficientResponseError, status errors
        msg = f"no usable road network downloaded for bbox {label}: {exc}"
        raise NetworkError(msg) from exc


def overpass_url() -> str:
    """Return the Overpass API URL (``LOGISTICS_OVERPASS_URL`` or the default)."""
    return os.environ.get("LOGISTICS_OVERPASS_URL", "").strip() or OVERPASS_URL


def _check_reachable(url: str, label: str) -> None:
    """Fail within :data:`CONNECT_TIMEOUT_S` when the Overpass server is unreachable.

    Name resolution has no timeout of its own (it may wait on an unreachable DNS
    server), so it runs in a daemon thread that is abandoned after the deadline.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
                outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT_S + 0.5)
    if outcome and outcome[0] is None:
        return
    reason = str(outcome[0]) if outcome else f"no answer in {CONNECT_TIMEOUT_S:g} s"
    msg = (
        f"cannot download the road network for bbox {label}: the Overpass API at "
        f"{url} is unreachable ({reason}). Offline? Give an OSM file instead: "
        "network.source: osm_file with osm_file: NAME, the file next to the scenario "
        "or in a folder named with --osm-dir; or run with --allow-geodesic for a "
        "labelled straight-line estimate."
    )
    raise NetworkError(msg)


@contextlib.contextmanager
def _osmnx_settings(**overrides: Any) -> Iterator[None]:
    """Set OSMnx's global settings for one call and restore them afterwards.

    OSMnx is configured through module globals; restoring them keeps this library
    from changing the behaviour of a caller's own OSMnx code.
    """
    import osmnx as ox

    saved = {name: getattr(ox.settings, name) for name in overrides}
    try:
        for name, value in overrides.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def _prepare_graph(
    graph: nx.MultiDiGraph, progress: Callable[[str], None] | None
) -> nx.MultiDiGraph:
    """Filter to drivable roads, keep the largest SCC, add travel times, simplify.

    Strong connectivity matters: in a merely weakly connected graph some one-way
    dead ends can be entered but not left, which would make travel times infinite.
    """
    import osmnx as ox

    n_raw = graph.number_of_nodes()
    drop = [
        (u, v, k)
        for u, v, k, data in graph.edges(keys=True, data=True)
        if not _is_drivable(data)
    ]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n, degree in graph.degree() if degree == 0])
    if graph.number_of_edges() == 0:
        kept_types = ", ".join(sorted(DRIVABLE_HIGHWAYS))
        msg = f"no drivable road left after filtering (kept types: {kept_types})."
        raise NetworkError(msg)
    graph = ox.truncate.largest_component(graph, strongly=True)
    kept = graph.number_of_nodes()
    if kept < 0.5 * n_raw:
        logger.warning(
            "The largest strongly connected component keeps only %d of %d nodes; "
            "check one-way tags and the extract's boundary.",
            kept,
            n_raw,
        )
    graph = _simplify_with_travel_times(graph)
    _say(
        progress,
        f"Kept {kept:,} of {n_raw:,} OSM nodes (dropped {len(drop):,} non-drivable "
        "edges, then all but the largest strongly connected component); "
        f"{graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges "
        "after simplification",
    )
    return graph


def _simplify_with_travel_times(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Time every OSM segment at its own speed, then merge segments into edges.

    Speeds are set before simplification, one OSM way (one ``highway`` type, one
    ``maxspeed``) per edge. Simplifying first would merge the tags of a chain of
    ways into ``list(set(...))`` lists, whose order depends on ``PYTHONHASHSEED``,
    and ``osmnx.add_edge_speeds`` keeps the first item of a ``highway`` list: the
    speed of a merged edge of mixed types would change from run to run, and be
    wrong for all but one of its segments. Summing per-segment lengths and times
    instead gives the physical travel time whatever the hash order. Only
    ``length`` and ``travel_time`` are read afterwards (and node ``x``/``y``).
    """
    import osmnx as ox

    graph = ox.add_edge_speeds(
        graph, hwy_speeds=FRENCH_SPEEDS_KMH, fallback=FALLBACK_SPEED_KMH
    )
    graph = ox.add_edge_travel_times(graph)
    return ox.simplify_graph(graph, edge_attr_aggs={"length": sum, "travel_time": sum})


def _is_drivable(data: dict[str, Any]) -> bool:
    """Tell whether an OSMnx edge is open to delivery vans (see DRIVABLE_HIGHWAYS)."""

    def values(tag: str) -> set[Any]:
        value = data.get(tag)
        return set(value) if isinstance(value, list) else {value}

    return (
        bool(values("highway") & DRIVABLE_HIGHWAYS)
        and "yes" not in values("area")
        and not values("access") & _EXCLUDED_ACCESS
        and not values("service") & _EXCLUDED_SERVICE
    )


def _network_from_graph(
    graph: nx.MultiDiGraph, *, source: str, kind: str, path: str | None
) -> RoadNetwork:
    """Convert a prepared OSMnx graph into arrays, nodes sorted by OSM id."""
    osmids = np.array(sorted(graph.nodes), dtype=np.int64)
    position = {osmid: i for i, osmid in enumerate(osmids.tolist())}
    lat = np.array([graph.nodes[n]["y"] for n in osmids.tolist()], dtype=np.float64)
    lon = np.array([graph.nodes[n]["x"] for n in osmids.tolist()], dtype=np.float64)
    rows, bends = [], []
    for u, v, data in graph.edges(data=True):
        rows.append((position[u], position[v], data["length"], data["travel_time"]))
        bends.append(_edge_bends(data.get("geometry"), graph.nodes[u]))
    edges = np.array(rows, dtype=np.float64).reshape(-1, 4)
    shape_start = np.zeros(len(bends) + 1, dtype=np.int64)
    shape_start[1:] = np.cumsum([len(b) for b in bends])
    shape = np.array([p for b in bends for p in b], dtype=np.float64).reshape(-1, 2)
    length_m, duration_s = edges[:, 2], edges[:, 3]
    # Two OSM nodes at identical coordinates give a zero-length edge; a zero weight
    # would be ambiguous for scipy's sparse graphs (explicit zero or no edge?), so
    # floor such edges at 1 cm and 1 ms.
    if (length_m < 0.01).any() or (duration_s < 1e-3).any():
        logger.info("Raised near-zero edge lengths/durations to 1 cm / 1 ms")
        length_m = np.maximum(length_m, 0.01)
        duration_s = np.maximum(duration_s, 1e-3)
    return RoadNetwork(
        node_osmid=osmids,
        node_lat=lat,
        node_lon=lon,
        edge_from=edges[:, 0].astype(np.int64),
        edge_to=edges[:, 1].astype(np.int64),
        edge_length_m=length_m,
        edge_duration_s=duration_s,
        source=source,
        kind=kind,
        path=path,
        edge_shape_start=shape_start,
        shape_lat=shape[:, 0],
        shape_lon=shape[:, 1],
    )


def _edge_bends(geometry: Any, tail: dict[str, Any]) -> list[tuple[float, float]]:
    """The ``(lat, lon)`` points of an OSMnx edge geometry between its two nodes.

    OSMnx gives merged (simplified) edges a LineString from tail to head; other
    edges have none and are straight. The end points are the nodes themselves.
    """
    if geometry is None:
        return []
    points = [(float(y), float(x)) for x, y in geometry.coords]
    if points and points[0] != (tail["y"], tail["x"]):
        points.reverse()  # never seen from OSMnx 2, but a reversed line would zigzag
    return points[1:-1]


def _read_cached_network(cache_file: Path) -> RoadNetwork | None:
    """Load a cached network, treating an unreadable or invalid file as a miss."""
    arrays = _cache.load_npz(cache_file)
    if arrays is None:
        return None
    try:
        path = str(arrays["path"])
        return RoadNetwork(
            **{name: arrays[name] for name in _ARRAY_FIELDS},
            source=str(arrays["source"]),
            kind=str(arrays["kind"]),
            path=path or None,
            edge_shape_start=arrays.get("edge_shape_start"),
            shape_lat=arrays.get("shape_lat"),
            shape_lon=arrays.get("shape_lon"),
        )
    except (KeyError, ValueError) as exc:
        logger.warning("Ignoring invalid cached network %s: %s", cache_file, exc)
        return None


def _write_cached_network(
    cache_file: Path, network: RoadNetwork, progress: Callable[[str], None] | None
) -> None:
    """Cache a network; a cache that cannot be written is logged, not fatal."""
    try:
        _cache.save_npz(
            cache_file,
            **{name: getattr(network, name) for name in _ARRAY_FIELDS},
            source=np.str_(network.source),
            kind=np.str_(network.kind),
            path=np.str_(network.path or ""),
            **{
                name: getattr(network, name)
                for name in _SHAPE_FIELDS
                if getattr(network, name) is not None
            },
        )
    except OSError as exc:
        logger.warning("Could not cache the road network in %s: %s", cache_file, exc)
        return
    _say(progress, f"Cached road network as {cache_file}")


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    """Log a stage message and pass it on to the caller's progress callback."""
    logger.info(message)
    if progress is not None:
        progress(message)


# ----------------------------------------------------------------------------------
# Snapping


def nearest_nodes(
    network: RoadNetwork, lats: npt.ArrayLike, lons: npt.ArrayLike
) -> tuple[IntArray, FloatArray]:
    """Find the nearest network node of each point, by great-circle distance.

    A KD-tree over 3-D unit vectors gives exact great-circle nearest neighbours
    (chord length is monotonic in arc length) without projecting coordinates.

    Parameters
    ----------
    network
        Road network to snap to.
    lats, lons
        Latitudes and longitudes of the points, in degrees (same length).

    Returns
    -------
    node_index : numpy.ndarray of int64
        Index of each point's nearest node.
    snap_distance_m : numpy.ndarray of float64
        Great-circle distance from each point to that node, in metres.

    Raises
    ------
    ValueError
        If the coordinates are not finite, out of range or of different lengths.
    """
    lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    if lat.shape != lon.shape or lat.ndim != 1:
        msg = (
            f"lats and lons must be 1-D of equal length; got {lat.shape}, {lon.shape}."
        )
        raise ValueError(msg)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        msg = "lats and lons must be finite numbers."
        raise ValueError(msg)
    if (np.abs(lat) > 90).any():
        msg = f"latitudes must lie in [-90, 90]; got {lat[np.abs(lat) > 90][:5]}."
        raise ValueError(msg)
    if lat.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    chord, index = network._kdtree.query(_unit_vectors(lat, lon), k=1)
    angle = 2.0 * np.arcsin(np.minimum(np.asarray(chord) / 2.0, 1.0))
    return np.asarray(index, dtype=np.int64), angle * EARTH_RADIUS_M


def _unit_vectors(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Map latitudes and longitudes to points on the unit sphere, shape (n, 3)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))
