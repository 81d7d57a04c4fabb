"""Time the cold road matrix for 1,000 random Corsica sites (issue #9 part 6).

The network comes from the cache (built on the first run, ~12 s); the matrix is not
cached. Prints the median of ``--repeat`` wall times of ``build_road_matrix``, of
scipy's Dijkstra alone on the same sources, and the peak memory (ru_maxrss).

Usage: ``.venv/bin/python -m benchmarks.bench_matrix [--sites 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

from logistics.matrix import build_road_matrix
from logistics.network import load_network, nearest_nodes

OSM_FILE = Path(__file__).resolve().parents[2] / "shared/data/osm/corsica.osm.bz2"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0, or 0 with a message when the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
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
    matrix_s, dijkstra_s = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        build_road_matrix(network, ids, lats, lons, use_cache=False)
        matrix_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        dijkstra(
            network.csr_duration(),
            directed=True,
            indices=sources,
            return_predecessors=True,
        )
        dijkstra_s.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"network: {network.summary()}")
    print(f"sites: {args.sites} random road nodes (seed 0), {sources.size} sources")
    print(
        f"build_road_matrix (cold): median {statistics.median(matrix_s):.2f} s "
        f"of {[round(t, 2) for t in matrix_s]}"
    )
    print(
        f"scipy dijkstra only:      median {statistics.median(dijkstra_s):.2f} s "
        f"of {[round(t, 2) for t in dijkstra_s]}"
    )
    print(f"peak memory (ru_maxrss): {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
