"""Make large .osm.pbf files to measure the PBF clip on (nothing here is downloaded).

- ``corsica.osm.pbf``: ../shared/data/osm/corsica.osm.bz2 converted to PBF as is.
- ``tiled-<N>x<M>.osm.pbf``: the Liechtenstein extract repeated on an N x M grid, each
  copy shifted by 0.3 degree in longitude and 0.2 degree in latitude per step and its
  ids offset, so that the file has the size and the mix of objects (roads, buildings,
  land use, relations dropped) of a regional extract N x M times Liechtenstein.

Usage: ``python -m benchmarks.make_big_pbf OUT_DIR [--grid 12x12]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import osmium

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm"
_ID_STRIDE = 10**10  # above any real OSM id today (~1.3e10 nodes: still unique)


def convert(source: Path, target: Path) -> None:
    """Copy every node, way and relation of ``source`` into ``target`` (any format)."""
    with osmium.SimpleWriter(str(target), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(source)):
            writer.add(obj)


def tile(source: Path, target: Path, nx: int, ny: int) -> None:
    """Write ``nx * ny`` shifted copies of ``source``'s nodes and ways."""
    nodes = [
        (n.id, n.location.lon, n.location.lat, dict(n.tags))
        for n in osmium.FileProcessor(str(source), osmium.osm.NODE)
        if n.location.valid()
    ]
    ways = [
        (w.id, [n.ref for n in w.nodes], dict(w.tags))
        for w in osmium.FileProcessor(str(source), osmium.osm.WAY)
    ]
    copies = [(i, j) for i in range(nx) for j in range(ny)]
    with osmium.SimpleWriter(str(target), overwrite=True) as writer:
        # Sorted like a real extract: all nodes by id, then all ways by id.
        for k, (i, j) in enumerate(copies):
            offset = k * _ID_STRIDE
            for nid, lon, lat, tags in nodes:
                writer.add_node(
                    osmium.osm.mutable.Node(
                        id=nid + offset,
                        version=1,
                        location=(lon + 0.3 * i, lat + 0.2 * j),
                        tags=tags,
                    )
                )
        for k, _ in enumerate(copies):
            offset = k * _ID_STRIDE
            for wid, refs, tags in ways:
                writer.add_way(
                    osmium.osm.mutable.Way(
                        id=wid + offset,
                        version=1,
                        nodes=[r + offset for r in refs],
                        tags=tags,
                    )
                )


def main() -> None:
    """Write the files into OUT_DIR."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--grid", default="12x12", help="N x M copies (default 12x12)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    convert(SHARED / "corsica.osm.bz2", args.out / "corsica.osm.pbf")
    nx, ny = (int(v) for v in args.grid.lower().split("x"))
    name = f"tiled-{nx}x{ny}.osm.pbf"
    tile(SHARED / "liechtenstein-latest.osm.pbf", args.out / name, nx, ny)
    for path in sorted(args.out.glob("*.osm.pbf")):
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
    print(f"made in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
