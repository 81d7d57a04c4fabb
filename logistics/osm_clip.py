"""Clip a regional ``.osm.pbf`` to the sites' box before the road graph is built.

A regional extract (a French region from Geofabrik is 100-600 MB) holds far more roads
than a collective's delivery area. :func:`clip_pbf` keeps only the drivable ways that
have at least one node inside the box, and every node those ways reference (a way
crossing the border is kept whole, so the file stays referentially complete), and
writes them as a small OSM XML file that OSMnx reads. It streams the PBF once with
pyosmium: node locations go into libosmium's index (C++), only drivable ways reach
Python, and only the ways touching the box and their nodes are held until written.

The clip is cached under the logistics cache folder, keyed by the file's SHA-256
digest, the box and the road classes kept, so a rerun reads the small file directly;
the digest itself is remembered by path, size and modification time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from . import _cache
from .exceptions import NetworkError

__all__ = ["Clip", "clip_pbf", "file_digest"]

logger = logging.getLogger(__name__)

_CLIP_VERSION: Final = "pbf-clip-v1"
LOCATION_STORAGE: Final = "flex_mem"
"""libosmium node-location index: in memory, sparse or dense as the file needs."""
_BOX_DECIMALS: Final = 5
"""Box corners are rounded to ~1 m so that the same sites give the same cache key."""


@dataclass(frozen=True)
class Clip:
    """The result of clipping: the small OSM file and what went into it."""

    path: Path
    """The clipped OSM XML file (in the cache folder, or a temporary one)."""
    ways: int
    nodes: int
    bbox: tuple[float, float, float, float] | None
    from_cache: bool
    skipped_ways: int = 0
    """Ways dropped because a node they reference is missing from the source file."""


def clip_pbf(
    pbf_path: Path,
    bbox: tuple[float, float, float, float] | None,
    *,
    highways: Collection[str],
    use_cache: bool = True,
    out_dir: Path | None = None,
) -> Clip:
    """Write the drivable ways of ``pbf_path`` that touch ``bbox`` as OSM XML.

    Parameters
    ----------
    pbf_path
        The ``.osm.pbf`` file.
    bbox
        ``(west, south, east, north)`` in degrees; ``None`` keeps the whole file.
    highways
        ``highway`` tag values to keep (the drivable road classes).
    use_cache
        Reuse and store the clip under :func:`logistics._cache.cache_dir`.
    out_dir
        Folder for the clip when ``use_cache`` is off (default: a temporary folder
        the caller removes).

    Returns
    -------
    Clip
        The clipped file and its counts.

    Raises
    ------
    NetworkError
        If pyosmium is not installed, the file cannot be read, or the box is invalid.
    """
    osmium = _import_osmium(pbf_path)
    box = _checked_box(bbox)
    key = _cache.cache_key(_CLIP_VERSION, file_digest(pbf_path), box, sorted(highways))
    folder = _cache.cache_dir() / "clips" if use_cache else out_dir
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="logistics-clip-"))
    target = folder / f"{pbf_path.name.removesuffix('.osm.pbf')}.{key}.osm"
    meta = target.with_suffix(".json")
    if use_cache and target.is_file() and meta.is_file():
        counts = json.loads(meta.read_text(encoding="utf-8"))
        return Clip(target, counts["ways"], counts["nodes"], box, True)
    try:
        ways, nodes, skipped = _clip(osmium, pbf_path, box, frozenset(highways), target)
    except RuntimeError as exc:  # libosmium's errors on a damaged or truncated file
        msg = f"cannot read OSM file {pbf_path}: {exc}"
        raise NetworkError(msg) from exc
    if use_cache:
        _cache.atomic_write_text(meta, json.dumps({"ways": ways, "nodes": nodes}))
    return Clip(target, ways, nodes, box, False, skipped)


def _import_osmium(pbf_path: Path) -> Any:
    try:
        import osmium  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        msg = (
            f"reading {pbf_path.name} needs pyosmium, which is not installed: "
            "`pip install osmium` (the `pbf` extra), or convert the file to XML first "
            "with "
            f"`osmium cat {pbf_path.name} -o {pbf_path.name.removesuffix('.pbf')}`."
        )
        raise NetworkError(msg) from exc
    return osmium


def _checked_box(
    bbox: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    west, south, east, north = (round(float(v), _BOX_DECIMALS) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        msg = (
            "clip box must be (west, south, east, north) with west < east and "
            f"south < north, in degrees; got {bbox!r}."
        )
        raise NetworkError(msg)
    return west, south, east, north


def _clip(
    osmium: Any,
    pbf_path: Path,
    box: tuple[float, float, float, float] | None,
    highways: frozenset[str],
    target: Path,
) -> tuple[int, int, int]:
    """Stream the file once, keep the ways touching the box; write ``target``."""
    # Node locations go to libosmium's index (C++) and nodes never reach Python: the
    # EntityFilter drops them after the location handler, and the TagFilter passes
    # only drivable ways. A Python loop over every node costs ~8 us a node (five
    # minutes for a 40-million-node region); this costs the index's memory instead.
    processor = (
        osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(LOCATION_STORAGE)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*(("highway", h) for h in highways)))
    )
    locations: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    skipped = 0
    for way in processor:
        nodes = way.nodes
        if not all(n.location.valid() for n in nodes):
            skipped += 1  # a node beyond the extract's edge
            continue
        if box is not None and not _touches(nodes, box):
            continue
        refs = [n.ref for n in nodes]
        for n in nodes:
            locations[n.ref] = (n.lon, n.lat)
        ways.append((way.id, refs, dict(way.tags)))
    if skipped:
        logger.info("Skipped %d way(s) cut by the edge of %s", skipped, pbf_path.name)
    _write_osm(osmium, target, sorted(locations), locations, ways)
    return len(ways), len(locations), skipped


def _touches(nodes: Any, box: tuple[float, float, float, float]) -> bool:
    """Whether any node of a way lies inside ``box``."""
    west, south, east, north = box
    return any(west <= n.lon <= east and south <= n.lat <= north for n in nodes)


def _write_osm(
    osmium: Any,
    target: Path,
    node_ids: list[int],
    locations: dict[int, tuple[float, float]],
    ways: list[tuple[int, list[int], dict[str, str]]],
) -> None:
    """Write nodes then ways as OSM XML to a sibling temporary file, then rename it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".osm"
    )
    os.close(fd)
    try:
        writer = osmium.SimpleWriter(tmp_name, overwrite=True)
        try:
            for ref in node_ids:
                writer.add_node(
                    osmium.osm.mutable.Node(id=ref, version=1, location=locations[ref])
                )
            for way_id, refs, tags in sorted(ways):
                writer.add_way(
                    osmium.osm.mutable.Way(id=way_id, version=1, nodes=refs, tags=tags)
                )
        finally:
            writer.close()
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file, remembered by path, size and modification time.

    Hashing a 500 MB extract takes about a second; the memo makes reruns free while a
    changed file (new size or time) is hashed again.
    """
    stat = path.stat()
    memo_file = _cache.cache_dir() / "clips" / "digests.json"
    memo_key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    if memo_key in memo:
        return str(memo[memo_key])
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    memo[memo_key] = digest.hexdigest()
    try:
        _cache.atomic_write_text(memo_file, json.dumps(memo, indent=0))
    except OSError as exc:  # a read-only cache only costs a rehash next time
        logger.debug("cannot remember the digest of %s: %s", path, exc)
    return str(memo[memo_key])
