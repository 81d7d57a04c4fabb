"""Time the cold road matrix for 1,000 random Corsica sites (issue #9 part 6).

The network comes from the cache (built on the first run, ~12 s); the matrix is not
cached. Each repeat times, back to back so that they share the machine's load:

- ``reference``: the code of 2026-12-02 morning (commit 16d1426), kept below as it
  was: one scipy Dijkstra over all sources, then the path lengths;
- ``new, 1 process`` and ``new`` (as many processes as :mod:`logistics.matrix`
  chooses): :func:`~logistics.matrix.build_road_matrix` today;
- scipy's Dijkstra alone on the same sources.

Every new matrix is checked bit-identical to the reference (distance_m, duration_s,
predecessors). Prints medians, each ratio new/reference and the load average.

Usage: ``.venv/bin/python -m benchmarks.bench_matrix [--sites 1000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse.csgraph import dijkstra

from logistics import matrix as matrix_module
from logistics.matrix import TravelMatrix, build_road_matrix
from logistics.network import RoadNetwork, load_network, nearest_nodes

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt
    import scipy.sparse

OSM_FILE = Path(__file__).resolve().parents[2] / "shared/data/osm/corsica.osm.bz2"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0, or 0 with a message when the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--osm", type=Path, default=OSM_FILE)
    args = parser.parse_args(argv)
    if not args.osm.exists():
        print(f"skipped: {args.osm} is absent (needs ../shared/data/osm).")
        return 0
    network = load_network(osm_file=args.osm, search_dirs=[], use_cache=True)
    rng = np.random.default_rng(0)
    nodes = rng.choice(network.n_nodes, size=args.sites, replace=False)
    lats, lons = network.node_lat[nodes], network.node_lon[nodes]
    ids = [f"site{i}" for i in range(args.sites)]
    sources = np.unique(nearest_nodes(network, lats, lons)[0])
    processes = matrix_module._process_count(sources.size, network.n_nodes)

    def new_single() -> TravelMatrix:
        return _build(network, ids, lats, lons, _single_process)

    def new() -> TravelMatrix:
        return build_road_matrix(network, ids, lats, lons, use_cache=False)

    def reference() -> TravelMatrix:
        return _build(network, ids, lats, lons, reference_fastest_paths)

    timings: dict[str, list[Timing]] = {
        "reference": [],
        "new, 1 process": [],
        f"new, {processes} processes": [],
    }
    dijkstra_s = []
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        results = [
            _timed(run, timings[name])
            for name, run in zip(timings, (reference, new_single, new), strict=True)
        ]
        if not all(_identical(results[0], other) for other in results[1:]):
            print("MISMATCH: a new matrix differs from the reference")
            return 1
        start = time.perf_counter()
        dijkstra(
            network.csr_duration(),
            directed=True,
            indices=sources,
            return_predecessors=True,
        )
        dijkstra_s.append(time.perf_counter() - start)
        loads.append(os.getloadavg()[0])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"network: {network.summary()}")
    print(f"sites: {args.sites} random road nodes (seed 0), {sources.size} sources")
    print(
        f"cpus available: {len(os.sched_getaffinity(0))}; 1-min load average "
        f"during the runs: {min(loads):.1f} to {max(loads):.1f}"
    )
    base = statistics.median(t.wall_s for t in timings["reference"])
    base_cpu = statistics.median(t.busiest_s for t in timings["reference"])
    for name, runs in timings.items():
        wall = statistics.median(t.wall_s for t in runs)
        busiest = statistics.median(t.busiest_s for t in runs)
        print(
            f"{name + ':':<24} wall median {wall:.2f} s ({wall / base:.2f} x "
            f"reference) of {[round(t.wall_s, 2) for t in runs]}"
        )
        print(
            f"{'':<24} CPU median: this process "
            f"{statistics.median(t.cpu_self_s for t in runs):.2f} s, children "
            f"{statistics.median(t.cpu_children_s for t in runs):.2f} s; busiest "
            f"process {busiest:.2f} s ({busiest / base_cpu:.2f} x reference)"
        )
    print(
        f"{'scipy dijkstra only:':<24} median {statistics.median(dijkstra_s):.2f} s "
        f"of {[round(t, 2) for t in dijkstra_s]}"
    )
    print("results: bit-identical to the reference in every repeat")
    print(f"peak memory (ru_maxrss, this process): {peak_mb:,.0f} MB")
    return 0


@dataclass(frozen=True)
class Timing:
    """One run: wall time, CPU time of this process and of its forked children."""

    wall_s: float
    cpu_self_s: float
    cpu_children_s: float

    @property
    def busiest_s(self) -> float:
        """CPU time of the busiest process (one child at most here, on 2 CPUs): the
        wall time the run would take on idle cores, start-up costs included in it."""
        return max(self.cpu_self_s, self.cpu_children_s)


def _timed(run: Callable[[], TravelMatrix], into: list[Timing]) -> TravelMatrix:
    """Run ``run``; append its wall time and the CPU times of this process and of
    its children (the forked searches) to ``into``."""
    cpu_self, cpu_children = (
        _cpu_s(resource.RUSAGE_SELF),
        _cpu_s(resource.RUSAGE_CHILDREN),
    )
    start = time.perf_counter()
    result = run()
    into.append(
        Timing(
            wall_s=time.perf_counter() - start,
            cpu_self_s=_cpu_s(resource.RUSAGE_SELF) - cpu_self,
            cpu_children_s=_cpu_s(resource.RUSAGE_CHILDREN) - cpu_children,
        )
    )
    return result


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _identical(a: TravelMatrix, b: TravelMatrix) -> bool:
    """Bit-identical figures and trees (``TravelMatrix.__eq__`` uses array_equal)."""
    return a == b and a.distance_m.tobytes() == b.distance_m.tobytes()


def _single_process(
    network: RoadNetwork, site_node: npt.NDArray[np.int64]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return matrix_module._fastest_paths(network, site_node, processes=1)


def _build(
    network: RoadNetwork,
    ids: list[str],
    lats: np.ndarray,
    lons: np.ndarray,
    fastest_paths: Callable[
        [RoadNetwork, npt.NDArray[np.int64]], tuple[np.ndarray, np.ndarray, np.ndarray]
    ],
) -> TravelMatrix:
    """``build_road_matrix(use_cache=False)`` with another search function."""
    site_node, snap_m = nearest_nodes(network, lats, lons)
    distance_m, duration_s, predecessors = fastest_paths(network, site_node)
    return TravelMatrix(
        site_ids=tuple(ids),
        distance_m=distance_m,
        duration_s=duration_s,
        source="road",
        description=f"{network.source}, fastest paths",
        snap_distance_m=snap_m,
        site_node=site_node,
        predecessors=predecessors,
    )


# -- the reference: logistics/matrix.py at 16d1426, unchanged -----------------------

_ROWS_PER_BLOCK = 8


def reference_fastest_paths(
    network: RoadNetwork, site_node: npt.NDArray[np.int64]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Dijkstra from every distinct site node, then the path lengths."""
    sources, site_row = np.unique(site_node, return_inverse=True)
    csr_duration = network.csr_duration()
    time_s, predecessors = dijkstra(
        csr_duration, directed=True, indices=sources, return_predecessors=True
    )
    length_m = _reference_path_lengths(
        predecessors, network.csr_length(), targets=sources
    )
    duration_s = time_s[:, sources][np.ix_(site_row, site_row)]
    distance_m = length_m[np.ix_(site_row, site_row)]
    return distance_m, duration_s, predecessors.astype(np.int32, copy=False)


def _reference_path_lengths(
    predecessors: np.ndarray,
    csr_length: scipy.sparse.csr_matrix,
    *,
    targets: np.ndarray,
) -> np.ndarray:
    """Pointer jumping over the predecessor rows, by blocks of 8 rows."""
    n_rows = predecessors.shape[0]
    arcs = _ReferenceTreeArcs(csr_length)
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


class _ReferenceTreeArcs:
    """The arc into each node of a shortest-path tree, found among its in-arcs."""

    def __init__(self, csr: scipy.sparse.csr_matrix) -> None:
        csc = csr.tocsc()
        csc.sort_indices()
        self._first = csc.indptr[:-1].astype(np.int32)
        self._end = csc.indptr[1:].astype(np.int32)
        self._tail = csc.indices.astype(np.int32)
        self._values = np.asarray(csc.data, dtype=np.float64)

    def lengths(self, parent: np.ndarray) -> np.ndarray:
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
                raise RuntimeError(msg)
            miss = miss[self._tail[flat_position[miss]] != flat_parent[miss]]
        return np.where(has_parent, self._values[position], 0.0)


if __name__ == "__main__":
    sys.exit(main())
