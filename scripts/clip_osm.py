"""Clip an OpenStreetMap XML file to a bounding box and write it as ``.osm.bz2``.

The box is given directly (``--bbox W,S,E,N``) or as the bounding box of a scenario's
sites (``--scenario FILE``), widened on every side by ``--margin-km``. A way is kept
when at least one of its nodes lies in the box, and then whole, with every node it
references (osmium's "complete ways" strategy), so no way is cut at the border. All
attributes and tags of the kept nodes and ways are copied unchanged and in the input
order; relations are dropped (the road graph does not use them). The output carries
no timestamp, so the same input and options give the same bytes.

Usage, from the repository root::

    python scripts/clip_osm.py INPUT.osm.bz2 OUTPUT.osm.bz2 \\
        --scenario scenarios/melun.yaml --margin-km 2

Only the standard library is needed, except for ``--scenario``, which reads the
scenario with the ``logistics`` package itself.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import math
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

KM_PER_DEGREE_LAT = 111.32
"""Length of one degree of latitude in km (mean, WGS84), for the margin."""

BBox = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


def open_osm(path: Path) -> bz2.BZ2File | gzip.GzipFile | IO[bytes]:
    """Open a plain, ``.bz2`` or ``.gz`` OSM XML file for binary reading."""
    if path.name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def widen(bbox: BBox, margin_km: float) -> BBox:
    """Widen a box by ``margin_km`` on every side.

    Parameters
    ----------
    bbox
        (west, south, east, north) in degrees.
    margin_km
        Margin in km; east-west degrees are scaled by the cosine of the box's
        highest absolute latitude, so the margin is at least ``margin_km`` everywhere.

    Returns
    -------
    tuple of float
        The widened (west, south, east, north).
    """
    west, south, east, north = bbox
    dlat = margin_km / KM_PER_DEGREE_LAT
    coslat = math.cos(math.radians(max(abs(south), abs(north))))
    dlon = margin_km / (KM_PER_DEGREE_LAT * coslat)
    return (west - dlon, south - dlat, east + dlon, north + dlat)


def scenario_bbox(scenario_file: Path) -> BBox:
    """Return the (west, south, east, north) box of a scenario's sites."""
    from logistics import load_scenario  # only this option needs the package

    coords = load_scenario(scenario_file).site_coordinates().values()
    lats = [lat for lat, _ in coords]
    lons = [lon for _, lon in coords]
    return (min(lons), min(lats), max(lons), max(lats))


def _elements(path: Path) -> Iterator[tuple[ET.Element, dict[str, str]]]:
    """Yield each top-level element of an OSM file, and the root's attributes.

    Elements are cleared from the tree once yielded, so memory stays flat.
    """
    with open_osm(path) as stream:
        context = ET.iterparse(stream, events=("start", "end"))
        depth = 0
        root_attrib: dict[str, str] = {}
        for event, elem in context:
            if event == "start":
                if depth == 0:
                    root_attrib = dict(elem.attrib)
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                yield elem, root_attrib
                elem.clear()


def _serialize(elem: ET.Element) -> str:
    """Write an element back as one line of OSM XML, attributes in input order."""
    elem.tail = None
    # ElementTree writes empty elements as `<nd ref="1" />`; OSM tools write `/>`.
    # `>` is always escaped inside attribute values, so the replacement is safe.
    text = ET.tostring(elem, encoding="unicode", short_empty_elements=True)
    return text.replace(" />", "/>")


def clip(source: Path, target: Path, bbox: BBox) -> tuple[int, int]:
    """Write the ways of ``source`` that touch ``bbox``, whole, to ``target``.

    Parameters
    ----------
    source
        OSM XML file (plain, ``.bz2`` or ``.gz``) with nodes before ways.
    target
        Output file; bz2-compressed if its name ends in ``.bz2``.
    bbox
        (west, south, east, north) in degrees.

    Returns
    -------
    tuple of int
        Number of nodes and ways written.
    """
    west, south, east, north = bbox
    nodes: dict[str, tuple[bool, str]] = {}  # id -> (inside the box, XML line)
    ways: list[tuple[list[str], str]] = []
    root_attrib: dict[str, str] = {}
    for elem, attrib in _elements(source):
        root_attrib = attrib  # the same mapping for every element
        if elem.tag == "node":
            lat, lon = float(elem.attrib["lat"]), float(elem.attrib["lon"])
            inside = south <= lat <= north and west <= lon <= east
            nodes[elem.attrib["id"]] = (inside, _serialize(elem))
        elif elem.tag == "way":
            refs = [nd.attrib["ref"] for nd in elem.iter("nd")]
            if any(nodes[ref][0] for ref in refs if ref in nodes):
                ways.append((refs, _serialize(elem)))
    needed = {ref for refs, _ in ways for ref in refs if ref in nodes}
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<osm" + "".join(f" {k}={quoteattr(v)}" for k, v in root_attrib.items()) + ">",
        f'<bounds minlat="{south:.7f}" minlon="{west:.7f}" '
        f'maxlat="{north:.7f}" maxlon="{east:.7f}"/>',
        *(line for ref, (_, line) in nodes.items() if ref in needed),
        *(line for _, line in ways),
        "</osm>",
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if target.name.endswith(".bz2"):
        data = bz2.compress(data, compresslevel=9)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(needed), len(ways)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, clip, and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="input OSM XML (.osm, .bz2, .gz)")
    parser.add_argument("target", type=Path, help="output file, e.g. x.osm.bz2")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--scenario", type=Path, help="clip around a scenario's sites")
    where.add_argument("--bbox", help="W,S,E,N in degrees (write --bbox=-1,...)")
    parser.add_argument(
        "--margin-km", type=float, default=0.0, help="margin around the box (km)"
    )
    args = parser.parse_args(argv)
    if args.scenario is not None:
        box = scenario_bbox(args.scenario)
    else:
        box = tuple(float(v) for v in args.bbox.split(","))  # type: ignore[assignment]
    box = widen(box, args.margin_km)
    n_nodes, n_ways = clip(args.source, args.target, box)
    label = ",".join(f"{v:.5f}" for v in box)
    size_kb = args.target.stat().st_size / 1000
    print(
        f"{args.target}: {n_nodes:,} nodes, {n_ways:,} ways, {size_kb:,.1f} kB; "
        f"box W,S,E,N = {label} (margin {args.margin_km:g} km)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
