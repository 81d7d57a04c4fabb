"""Travel matrices between sites: fastest road paths, or a labelled geodesic estimate.

:func:`build_road_matrix` snaps every site to its nearest road node and runs one
Dijkstra search on travel times from each distinct site node. The distance reported
for a pair is the length of *that fastest path* (not of the shortest path, which could
be a slow detour through town), obtained by summing edge lengths down the
shortest-path tree. On Linux, large matrices share the searches between one forked
process per CPU (each source's row is computed alone, so the figures do not depend
on how the rows are shared).

:func:`build_geodesic_matrix` is the fallback when no road network is available: it is
labelled as such in :attr:`TravelMatrix.description`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import mmap
import os
import signal
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from . import _cache
from .constants import SNAP_ERROR_M, SNAP_WARN_M
from .exceptions import NetworkError, SnappingError, SnappingWarning
from .network import EARTH_RADIUS_M, RoadNetwork, nearest_nodes

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import scipy.sparse

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SOURCES: Final = frozenset({"road", "geodesic"})
"""Allowed values of :attr:`TravelMatrix.source`."""

DEFAULT_DETOUR_FACTOR: Final = 1.3
"""Road distance over great-circle distance assumed by the geodesic fallback; 1.3 is
the usual circuity of European road networks at urban and regional scale."""

DEFAULT_GEODESIC_SPEED_KMH: Final = 40.0
"""Average speed assumed by the geodesic fallback (mixed town and rural driving)."""

_MATRIX_CACHE_VERSION: Final = "travel-matrix-v1"
_COORD_DECIMALS: Final = 6  # ~0.1 m: finer moves cannot change the snapped node
_MAX_NAMED_PAIRS: Final = 10
_ROWS_PER_BLOCK: Final = 8  # 8 x 16,591 Corsica nodes: ~1 MB per array
_ROWS_PER_SEARCH: Final = 64  # Dijkstra sources per scipy call (full rows: ~8 MB)
_MIN_WORK_PER_PROCESS: Final = 1_000_000
"""Sources x network nodes that make a forked search process worth starting: ~0.15 s
of searching (Corsica: 2.5 ms per 16,591-node source), against the ~2 ms of fork()
and up to ~40 ms of tearing a big process's copy down (measured on this machine)."""


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Distances and durations between every ordered pair of sites.

    Row ``i``, column ``j`` is the trip from site ``i`` to site ``j``; road matrices
    are asymmetric (one-way streets).

    Parameters
    ----------
    site_ids
        Site identifiers, in matrix order (unique).
    distance_m
        ``n x n`` travel distances in metres.
    duration_s
        ``n x n`` travel times in seconds.
    source
        ``"road"`` (fastest paths on a road network) or ``"geodesic"`` (fallback).
    description
        Human-readable provenance, e.g. ``"OpenStreetMap file melun.osm.bz2 (OSMnx),
        fastest paths"``: the one label reports show.
    snap_distance_m
        Distance from each site to its road node, in metres (zeros for geodesic).
    site_node
        Road-network node index of each site, or ``None`` for geodesic matrices.
    predecessors
        Shortest-path trees for :func:`road_path`, or ``None``: row ``k`` belongs to
        the ``k``-th smallest distinct value of ``site_node`` and gives, for every
        network node, its predecessor on the fastest path from that site (-9999 for
        none).

    Raises
    ------
    ValueError
        If shapes or ids are inconsistent.
    NetworkError
        If a value is infinite or NaN (an unreachable pair, named in the message),
        negative, or on the diagonal not zero.
    """

    site_ids: tuple[str, ...]
    distance_m: FloatArray
    duration_s: FloatArray
    source: str
    description: str
    snap_distance_m: FloatArray
    site_node: IntArray | None = None
    predecessors: npt.NDArray[np.int32] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.site_ids)
        object.__setattr__(self, "site_ids", tuple(str(s) for s in self.site_ids))
        for name, dtype in (
            ("distance_m", np.float64),
            ("duration_s", np.float64),
            ("snap_distance_m", np.float64),
            ("site_node", np.int64),
            ("predecessors", np.int32),
        ):
            if getattr(self, name) is not None:
                object.__setattr__(
                    self, name, _read_only(np.asarray(getattr(self, name), dtype=dtype))
                )
        problems = self._shape_problems(n)
        if problems:
            msg = "invalid TravelMatrix: " + "; ".join(problems)
            raise ValueError(msg)
        self._check_values()

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.site_ids)

    def index(self, site_id: str) -> int:
        """Return the row/column of ``site_id``.

        Raises
        ------
        KeyError
            If the matrix has no such site.
        """
        try:
            return self._positions[site_id]
        except KeyError:
            msg = f"site_id {site_id!r} is not in this matrix ({self.n_sites} sites)."
            raise KeyError(msg) from None

    def summary(self) -> str:
        """Return a one-line description: size, provenance, worst snapping."""
        worst = float(self.snap_distance_m.max(initial=0.0))
        return (
            f"TravelMatrix: {self.n_sites} sites, {self.source} ({self.description}); "
            f"largest snapping distance {worst:,.0f} m"
        )

    def __str__(self) -> str:
        return self.summary()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TravelMatrix):
            return NotImplemented
        texts = (self.site_ids, self.source, self.description)
        return texts == (other.site_ids, other.source, other.description) and all(
            _optional_equal(getattr(self, name), getattr(other, name))
            for name in (
                "distance_m",
                "duration_s",
                "snap_distance_m",
                "site_node",
                "predecessors",
            )
        )

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {site_id: i for i, site_id in enumerate(self.site_ids)}

    def _shape_problems(self, n: int) -> list[str]:
        """List the structural problems (shapes, ids, source)."""
        problems = []
        if len(set(self.site_ids)) != n:
            counts = Counter(self.site_ids)
            dupes = sorted(s for s, count in counts.items() if count > 1)
            problems.append(f"site_ids must be unique; repeated: {dupes}")
        for name, shape in (
            ("distance_m", (n, n)),
            ("duration_s", (n, n)),
            ("snap_distance_m", (n,)),
        ):
            if getattr(self, name).shape != shape:
                actual = getattr(self, name).shape
                problems.append(f"{name} must have shape {shape}; got {actual}")
        if self.source not in SOURCES:
            problems.append(
                f"source must be one of {sorted(SOURCES)}; got {self.source!r}"
            )
        if self.site_node is not None and self.site_node.shape != (n,):
            problems.append(f"site_node must have shape ({n},)")
        if self.predecessors is not None:
            n_rows = 0 if self.site_node is None else np.unique(self.site_node).size
            if self.predecessors.ndim != 2 or self.predecessors.shape[0] != n_rows:
                problems.append(
                    "predecessors needs site_node and one row per distinct site node"
                )
        return problems

    def _check_values(self) -> None:
        """Reject unreachable pairs, negative values and a non-zero diagonal."""
        for name in ("distance_m", "duration_s"):
            values = getattr(self, name)
            bad = ~np.isfinite(values)
            if bad.any():
                pairs = self._name_pairs(bad)
                msg = (
                    f"{name} has {int(bad.sum())} unreachable (infinite or NaN) "
                    f"pair(s): {pairs}. The sites may lie on road pieces that are "
                    "not connected to each other."
                )
                raise NetworkError(msg)
            if (values < 0).any():
                msg = f"{name} has negative entries: {self._name_pairs(values < 0)}."
                raise NetworkError(msg)
            if np.diagonal(values).any():
                msg = f"{name} must have a zero diagonal."
                raise NetworkError(msg)
        if not (
            np.isfinite(self.snap_distance_m).all()
            and (self.snap_distance_m >= 0).all()
        ):
            msg = "snap_distance_m must be finite and >= 0."
            raise NetworkError(msg)

    def _name_pairs(self, mask: npt.NDArray[np.bool_]) -> str:
        """Render the first offending ``origin -> destination`` pairs of ``mask``."""
        rows, cols = np.nonzero(mask)
        named = [
            f"{self.site_ids[i]!r} -> {self.site_ids[j]!r}"
            for i, j in zip(
                rows[:_MAX_NAMED_PAIRS], cols[:_MAX_NAMED_PAIRS], strict=True
            )
        ]
        more = len(rows) - len(named)
        return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def _site_arrays(
    site_ids: Sequence[str], lats: npt.ArrayLike, lons: npt.ArrayLike
) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    """Site ids as a tuple and coordinates as float arrays, of matching lengths."""
    ids = tuple(str(s) for s in site_ids)
    lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    if not (lat.shape == lon.shape == (len(ids),)):
        msg = (
            "site_ids, lats and lons must have the same length; got "
            f"{len(ids)}, {lat.shape}, {lon.shape}."
        )
        raise ValueError(msg)
    return ids, lat, lon


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view: the matrix never changes, and the caller's array stays
    writable for the caller (no copy)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _optional_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))


# ----------------------------------------------------------------------------------
# Road matrix


def build_road_matrix(
    network: RoadNetwork,
    site_ids: Sequence[str],
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    *,
    use_cache: bool = True,
) -> TravelMatrix:
    """Build the fastest-path travel matrix between sites on a road network.

    Parameters
    ----------
    network
        Road network (strongly connected, as :func:`~logistics.network.load_network`
        returns it).
    site_ids
        Unique site identifiers, in the order wanted for the matrix.
    lats, lons
        Site coordinates in degrees (WGS84), one per site.
    use_cache
        Read and write the matrix, with its shortest-path trees, under
        :func:`logistics._cache.cache_dir`, keyed by the network's fingerprint and
        the sites' ids and coordinates.

    Returns
    -------
    TravelMatrix
        ``source="road"``; durations of the fastest paths and the lengths of those
        same paths. Sites snapped to the same node are 0 m and 0 s apart. The legs
        between a site and its road node are not included.

    Raises
    ------
    SnappingError
        If any site is more than :data:`~logistics.constants.SNAP_ERROR_M` from the
        nearest road node; the message names every such site.
    NetworkError
        If some pair of sites is not connected.

    Warns
    -----
    SnappingWarning
        For each site more than :data:`~logistics.constants.SNAP_WARN_M` from its
        nearest road node.
    """
    ids, lat, lon = _site_arrays(site_ids, lats, lons)
    site_node, snap_m = nearest_nodes(network, lat, lon)
    _check_snapping(network, ids, lat, lon, snap_m)

    key = _cache.cache_key(
        _MATRIX_CACHE_VERSION,
        network.fingerprint,
        ids,
        np.round(lat, _COORD_DECIMALS).tolist(),
        np.round(lon, _COORD_DECIMALS).tolist(),
    )
    cache_file = _cache.cache_dir() / "matrices" / f"road.{key}.npz"
    cached = _read_cached_matrix(cache_file, site_node) if use_cache else None
    if cached is not None:
        logger.info("Loaded %d-site road matrix from cache %s", len(ids), cache_file)
        distance_m, duration_s, predecessors = cached
    else:
        distance_m, duration_s, predecessors = _fastest_paths(network, site_node)
        if use_cache:
            _save_matrix(cache_file, distance_m, duration_s, site_node, predecessors)
    return TravelMatrix(
        site_ids=ids,
        distance_m=distance_m,
        duration_s=duration_s,
        source="road",
        description=f"{network.source}, fastest paths",
        snap_distance_m=snap_m,
        site_node=site_node,
        predecessors=predecessors,
    )


def _check_snapping(
    network: RoadNetwork,
    ids: tuple[str, ...],
    lat: FloatArray,
    lon: FloatArray,
    snap_m: FloatArray,
) -> None:
    """Raise for sites off the network, warn for sites far from it."""
    outside = [
        f"site {ids[i]!r} at ({lat[i]:.6f}, {lon[i]:.6f}) is {snap_m[i]:,.0f} m "
        "from the nearest road node"
        for i in np.flatnonzero(snap_m > SNAP_ERROR_M)
    ]
    if outside:
        msg = (
            f"{len(outside)} site(s) outside the road network ({network.source}; "
            f"limit {SNAP_ERROR_M:,.0f} m): " + "; ".join(outside) + ". Check the "
            "coordinates (latitude/longitude swapped?) or use an OSM file that "
            "covers them."
        )
        raise SnappingError(msg)
    for i in np.flatnonzero(snap_m > SNAP_WARN_M):
        warnings.warn(
            f"site {ids[i]!r} at ({lat[i]:.6f}, {lon[i]:.6f}) is {snap_m[i]:,.0f} m "
            f"from the nearest road node (more than {SNAP_WARN_M:,.0f} m); its travel "
            "times start from that node.",
            SnappingWarning,
            stacklevel=3,
        )


def _fastest_paths(
    network: RoadNetwork, site_node: IntArray, *, processes: int | None = None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32]]:
    """Run one Dijkstra from every distinct site node; expand to a site matrix.

    Parameters
    ----------
    network
        The road network.
    site_node
        Road node of each site.
    processes
        How many processes share the searches; by default as
        :func:`_process_count` says. The figures do not depend on it.

    Returns
    -------
    tuple
        The distance and duration matrices (sites x sites) and the predecessor rows
        (distinct site nodes x network nodes).
    """
    sources, site_row = np.unique(site_node, return_inverse=True)
    if processes is None:
        processes = _process_count(sources.size, network.n_nodes)
    shared = processes > 1
    out = _SearchOutput(
        time_s=_empty((sources.size, sources.size), np.float64, shared=shared),
        length_m=_empty((sources.size, sources.size), np.float64, shared=shared),
        predecessors=_empty((sources.size, network.n_nodes), np.int32, shared=shared),
    )
    search = _RowSearch(
        network.csr_duration(), _TreeArcs(network.csr_length()), sources, out
    )
    _split_rows(search, sources.size, processes)
    # Distinct-node matrices -> site matrices: sites sharing a node share a row and
    # column, hence 0 between them.
    duration_s = out.time_s[np.ix_(site_row, site_row)]
    distance_m = out.length_m[np.ix_(site_row, site_row)]
    return distance_m, duration_s, out.predecessors


@dataclass(frozen=True)
class _SearchOutput:
    """Where the searches write: rows are sources, in :func:`np.unique` order."""

    time_s: FloatArray  # sources x sources
    length_m: FloatArray  # sources x sources, along the fastest paths
    predecessors: npt.NDArray[np.int32]  # sources x network nodes


def _empty(
    shape: tuple[int, int], dtype: type[np.generic], *, shared: bool
) -> np.ndarray:
    """An uninitialised array; ``shared`` puts it in memory that forked processes
    write to and the parent reads (an anonymous shared mapping), so that no result
    is pickled or copied between processes."""
    if not shared:
        return np.empty(shape, dtype=dtype)
    count = shape[0] * shape[1]
    buffer = mmap.mmap(-1, max(1, count * np.dtype(dtype).itemsize))
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


class _RowSearch:
    """Fill rows of a :class:`_SearchOutput`: Dijkstra, then the path lengths.

    Sources go by :data:`_ROWS_PER_SEARCH` so that the full rows scipy returns
    (one value per network node) stay small while they are reduced to the sources'
    columns; each row is computed alone, so chunks and processes change no figure.
    """

    def __init__(
        self,
        csr_duration: scipy.sparse.csr_matrix,
        arcs: _TreeArcs,
        sources: IntArray,
        out: _SearchOutput,
    ) -> None:
        self._csr_duration = csr_duration
        self._arcs = arcs
        self._sources = sources
        self._out = out

    def __call__(self, rows: range) -> None:
        """Compute and store the rows ``rows`` of every output array."""
        for start in range(rows.start, rows.stop, _ROWS_PER_SEARCH):
            chunk = slice(start, min(start + _ROWS_PER_SEARCH, rows.stop))
            time_s, predecessors = dijkstra(
                self._csr_duration,
                directed=True,
                indices=self._sources[chunk],
                return_predecessors=True,
            )
            self._out.time_s[chunk] = time_s[:, self._sources]
            self._out.predecessors[chunk] = predecessors
            self._out.length_m[chunk] = _path_lengths(
                self._out.predecessors[chunk], self._arcs, targets=self._sources
            )


def _process_count(n_rows: int, n_nodes: int) -> int:
    """Processes worth starting for ``n_rows`` searches over ``n_nodes`` nodes.

    One per available CPU, but only where ``fork()`` is the way to start them
    (Linux: no re-import, arrays shared copy-on-write) and only as many as get
    :data:`_MIN_WORK_PER_PROCESS` each: the bundled Melun network (2,256 nodes)
    stays in one process below ~440 sites, Corsica (16,591 nodes) forks from ~120.
    """
    if sys.platform != "linux":
        return 1
    cpus = len(os.sched_getaffinity(0))
    return max(1, min(cpus, n_rows * n_nodes // _MIN_WORK_PER_PROCESS))


def _split_rows(search: Callable[[range], None], n_rows: int, processes: int) -> None:
    """Run ``search`` over ``range(n_rows)``, split between ``processes`` processes.

    The parent keeps the first share and forks one child per other share; children
    write into shared memory and leave with :func:`os._exit` (no cleanup handlers,
    no output). A child that cannot start or fails has its rows done here, so the
    result never depends on it; an exception here (Ctrl-C) kills the children
    before rising.
    """
    if not hasattr(os, "fork"):  # Windows
        processes = 1
    bounds = np.linspace(0, n_rows, max(1, processes) + 1).round().astype(int)
    shares = [range(a, b) for a, b in itertools.pairwise(bounds.tolist())]
    here = shares[:1]
    children: dict[int, range] = {}
    try:
        for share in shares[1:]:
            pid = _fork_share(search, share)
            if pid is None:
                here.append(share)
            else:
                children[pid] = share
        for share in here:
            search(share)
        while children:
            pid = next(iter(children))
            problem = _wait(pid)
            share = children.pop(pid)
            if problem:
                logger.warning(
                    "A matrix search process %s; redoing its rows %d-%d here.",
                    problem,
                    share.start,
                    share.stop - 1,
                )
                search(share)
    finally:
        for pid in children:  # left only when this process raised
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _wait(pid: int) -> str | None:
    """Wait for a child; return what went wrong with it, or ``None``."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:  # reaped by someone else (SIGCHLD ignored)
        return "could not be waited for"
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"was killed by signal {-code}"
    return f"ended with status {code}" if code else None


def _fork_share(search: Callable[[range], None], share: range) -> int | None:
    """Fork a child that runs ``search(share)`` and exits; return its pid, or
    ``None`` (logged) when no process can be started."""
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a multi-threaded process (the CLI's
            # spinner) may deadlock the child on a lock another thread held; the
            # child only runs scipy and numpy on arrays it already has, then
            # _exit()s.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError as exc:  # EAGAIN, ENOMEM: too many processes, too little memory
        logger.warning(
            "Could not start a matrix search process (%s); searching its rows %d-%d "
            "here.",
            exc,
            share.start,
            share.stop - 1,
        )
        return None
    if pid == 0:  # the child
        status = 1
        try:
            search(share)
            status = 0
        finally:
            os._exit(status)
    return pid


def _path_lengths(
    predecessors: npt.NDArray[np.int32],
    arcs: _TreeArcs,
    *,
    targets: IntArray,
) -> FloatArray:
    """Sum edge lengths along each shortest-path tree, to the ``targets`` columns.

    Pointer jumping: each node starts with the length of its tree arc and a pointer
    to its parent (a root points to itself and holds 0); each round adds the
    pointed-to node's partial sum and jumps the pointer to that node's pointer, so
    after ``ceil(log2(depth))`` rounds every node holds its whole path length. The
    lengths are those of exactly the arcs Dijkstra chose (no re-rounding).

    Rows go by small blocks so that a block's arrays stay in the CPU cache: the
    gathers are random within a tree, and on whole 1,000-row blocks they missed the
    cache (Corsica, 1,000 sources: 4.4 s then, 1.0 s by blocks of 8).
    """
    n_rows = predecessors.shape[0]
    out = np.empty((n_rows, targets.size), dtype=np.float64)
    for start in range(0, n_rows, _ROWS_PER_BLOCK):
        parent = predecessors[start : start + _ROWS_PER_BLOCK]
        total = arcs.lengths(parent).reshape(-1)
        own = np.arange(parent.size, dtype=np.int32).reshape(parent.shape)
        offset = own[:, :1]
        pointer = np.where(parent >= 0, parent + offset, own).reshape(-1)
        while True:
            total += total[pointer]
            jumped = pointer[pointer]
            if np.array_equal(jumped, pointer):
                break
            pointer = jumped
        out[start : start + _ROWS_PER_BLOCK] = total.reshape(parent.shape)[:, targets]
    return out


class _TreeArcs:
    """The arc into each node of a shortest-path tree, found among its in-arcs.

    Road nodes have at most a handful of in-arcs: starting every node at its first
    in-arc (CSC order) and stepping the few that do not match costs a couple of
    passes, where a binary search over all arcs cost ~16 probes per node.
    """

    def __init__(self, csr: scipy.sparse.csr_matrix) -> None:
        csc = csr.tocsc()
        csc.sort_indices()
        self._first = csc.indptr[:-1].astype(np.int32)
        self._end = csc.indptr[1:].astype(np.int32)
        self._tail = csc.indices.astype(np.int32)
        self._values = np.asarray(csc.data, dtype=np.float64)

    def lengths(self, parent: npt.NDArray[np.int32]) -> FloatArray:
        """Value of arc ``parent[r, v] -> v`` for every row and node; 0 for roots."""
        n_nodes = parent.shape[1]
        has_parent = parent >= 0
        position = np.broadcast_to(self._first, parent.shape).copy()
        flat_position, flat_parent = position.reshape(-1), parent.reshape(-1)
        miss = np.flatnonzero(has_parent & (self._tail[position] != parent))
        while miss.size:
            flat_position[miss] += 1
            if (flat_position[miss] >= self._end[miss % n_nodes]).any():
                msg = "predecessor tree uses an arc missing from the network."
                raise NetworkError(msg)
            miss = miss[self._tail[flat_position[miss]] != flat_parent[miss]]
        return np.where(has_parent, self._values[position], 0.0)


def _read_cached_matrix(
    cache_file: Path, site_node: IntArray
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32]] | None:
    """Load a cached road matrix if it matches the sites' nodes, else ``None``."""
    arrays = _cache.load_npz(cache_file)
    if arrays is None or not {"distance_m", "duration_s", "predecessors"} <= set(
        arrays
    ):
        return None
    n = site_node.size
    matches = (
        np.array_equal(arrays.get("site_node", np.empty(0)), site_node)
        and arrays["distance_m"].shape == arrays["duration_s"].shape == (n, n)
        and arrays["predecessors"].shape[0] == np.unique(site_node).size
    )
    if not matches:
        logger.warning("Ignoring a cached matrix that does not match: %s", cache_file)
        return None
    return arrays["distance_m"], arrays["duration_s"], arrays["predecessors"]


def _save_matrix(
    cache_file: Path,
    distance_m: FloatArray,
    duration_s: FloatArray,
    site_node: IntArray,
    predecessors: npt.NDArray[np.int32],
) -> None:
    """Cache a road matrix; a cache that cannot be written is logged, not fatal."""
    try:
        _cache.save_npz(
            cache_file,
            distance_m=distance_m,
            duration_s=duration_s,
            site_node=site_node,
            predecessors=predecessors,
        )
    except OSError as exc:
        logger.warning("Could not cache the travel matrix in %s: %s", cache_file, exc)


def road_path(
    network: RoadNetwork,
    matrix: TravelMatrix,
    origin: int | str,
    destination: int | str,
) -> list[int]:
    """Recover the node sequence of the fastest road path between two sites.

    Parameters
    ----------
    network
        The network the matrix was built on.
    matrix
        A road :class:`TravelMatrix` (it carries the shortest-path trees).
    origin, destination
        Sites, by position in the matrix or by id.

    Returns
    -------
    list of int
        Node indices into ``network`` from the origin's node to the destination's
        node, both included (a single node when they coincide). Its edges' lengths
        and durations add up to ``matrix.distance_m`` / ``matrix.duration_s``.

    Raises
    ------
    ValueError
        If the matrix has no paths (geodesic) or belongs to another network.
    """
    if matrix.predecessors is None or matrix.site_node is None:
        msg = f"this {matrix.source} matrix has no road paths ({matrix.description})."
        raise ValueError(msg)
    if matrix.predecessors.shape[1] != network.n_nodes:
        msg = (
            f"the matrix was built on a network of {matrix.predecessors.shape[1]:,} "
            f"nodes, not on this one ({network.n_nodes:,} nodes)."
        )
        raise ValueError(msg)
    i, j = (
        s if isinstance(s, int | np.integer) else matrix.index(s)
        for s in (origin, destination)
    )
    sources = np.unique(matrix.site_node)
    tree = matrix.predecessors[np.searchsorted(sources, matrix.site_node[i])]
    start, node = int(matrix.site_node[i]), int(matrix.site_node[j])
    path = [node]
    while node != start:
        node = int(tree[node])
        if node < 0 or len(path) > network.n_nodes:
            msg = f"no road path from site {origin!r} to site {destination!r}."
            raise NetworkError(msg)
        path.append(node)
    return path[::-1]


# ----------------------------------------------------------------------------------
# Geodesic fallback


def great_circle_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Return great-circle distances in metres (broadcasting), as geopy computes them.

    Haversine formula on a sphere of radius
    :data:`~logistics.network.EARTH_RADIUS_M`, the radius of
    ``geopy.distance.great_circle``; the two agree to about a micrometre.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = np.radians(
        np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64)
    )
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    return np.asarray(
        2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64
    )


def build_geodesic_matrix(
    site_ids: Sequence[str],
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_GEODESIC_SPEED_KMH,
    description: str | None = None,
) -> TravelMatrix:
    """Estimate travel distances and times without a road network.

    Distance is the great-circle distance times ``detour_factor``; time is that
    distance at ``speed_kmh``. The result is symmetric; whether it is a fallback, and
    warning the user, is the caller's to say (``description``).

    Parameters
    ----------
    site_ids
        Unique site identifiers.
    lats, lons
        Site coordinates in degrees, one per site.
    detour_factor
        Ratio of road to straight-line distance, >= 1.
    speed_kmh
        Average driving speed in km/h, > 0.
    description
        The provenance label; by default it names the method and its two
        parameters.

    Returns
    -------
    TravelMatrix
        ``source="geodesic"``, zero snapping distances, no road nodes.
    """
    if not (np.isfinite(detour_factor) and detour_factor >= 1.0):
        msg = f"detour_factor must be >= 1; got {detour_factor!r}."
        raise ValueError(msg)
    if not (np.isfinite(speed_kmh) and speed_kmh > 0):
        msg = f"speed_kmh must be > 0; got {speed_kmh!r}."
        raise ValueError(msg)
    ids, lat, lon = _site_arrays(site_ids, lats, lons)
    distance_m = detour_factor * great_circle_m(lat[:, None], lon[:, None], lat, lon)
    np.fill_diagonal(distance_m, 0.0)
    return TravelMatrix(
        site_ids=ids,
        distance_m=distance_m,
        duration_s=distance_m / (speed_kmh / 3.6),
        source="geodesic",
        description=description
        or (
            f"geodesic estimate: great-circle x {detour_factor:g} detour at "
            f"{speed_kmh:g} km/h"
        ),
        snap_distance_m=np.zeros(len(ids)),
    )
