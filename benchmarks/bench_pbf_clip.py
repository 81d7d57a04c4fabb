"""Time and peak memory of reading a .osm.pbf: the pyosmium clip against the old path.

Each measurement runs in a fresh Python process (peak resident memory is per
process), with a private empty cache:

- ``import``: Python with OSMnx, pyosmium and logistics imported (the floor);
- ``clip``: :func:`logistics.osm_clip.clip_pbf` to a town-sized box, cold;
- ``clip, disk index``: the same with libosmium's node-location index in a file
  (``sparse_file_array``) instead of memory (``flex_mem``, the default);
- ``clip, cached``: the same call again (digest memo + cached clip);
- ``network, clipped``: :func:`logistics.network.load_network` with the box, cold
  (clip, OSMnx graph of the clip, filtering, arrays);
- ``old: XML round trip``: what ``network.py`` did before: every drivable way of the
  whole file converted to XML text, then parsed whole by OSMnx (skipped with
  ``--skip-old`` or for files above ``--old-max-mb``).

Usage::

    python -m benchmarks.make_big_pbf /tmp/bench-pbf          # the large files
    python -m benchmarks.bench_pbf_clip --out benchmarks/results/2026-12-02-pbf-clip \\
        ../shared/data/osm/liechtenstein-latest.osm.pbf:9.49,47.12,9.54,47.16 ...

Each argument is ``FILE:WEST,SOUTH,EAST,NORTH``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PRELUDE = """
import json, resource, sys, time
from pathlib import Path
import osmium, osmnx
from logistics.network import DRIVABLE_HIGHWAYS, load_network
from logistics.osm_clip import clip_pbf
path = Path(sys.argv[1]); box = tuple(float(v) for v in sys.argv[2].split(","))
started = time.perf_counter()
"""

_STEPS = {
    "import": "result = {}",
    "clip": "c = clip_pbf(path, box, highways=DRIVABLE_HIGHWAYS)\n"
    "result = {'ways': c.ways, 'nodes': c.nodes, 'out_mb': c.path.stat().st_size/1e6}",
    "clip, disk index": (
        "import logistics.osm_clip as oc, tempfile\n"
        "index = tempfile.NamedTemporaryFile(suffix='.idx')\n"
        "oc.LOCATION_STORAGE = 'sparse_file_array,' + index.name\n"
        "c = clip_pbf(path, box, highways=DRIVABLE_HIGHWAYS)\n"
        "result = {'ways': c.ways, 'nodes': c.nodes}"
    ),
    "clip, cached": "clip_pbf(path, box, highways=DRIVABLE_HIGHWAYS)\n"
    "started = time.perf_counter()\n"
    "c = clip_pbf(path, box, highways=DRIVABLE_HIGHWAYS)\n"
    "assert c.from_cache\nresult = {}",
    "network, clipped": (
        "n = load_network(osm_file=path, search_dirs=[], clip_bbox=box)\n"
        "result = {'graph_nodes': n.n_nodes, 'graph_edges': n.n_edges}"
    ),
    "old: XML round trip": textwrap.dedent(
        """
        import tempfile
        from xml.sax.saxutils import quoteattr
        nodes, ways = {}, []
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            tags = dict(way.tags)
            if tags.get("highway") not in DRIVABLE_HIGHWAYS:
                continue
            if not all(nd.location.valid() for nd in way.nodes):
                continue
            for nd in way.nodes:
                nodes[nd.ref] = (nd.location.lat, nd.location.lon)
            ways.append((way.id, [nd.ref for nd in way.nodes], tags))
        with tempfile.TemporaryDirectory() as folder:
            xml = Path(folder) / "whole.osm"
            with xml.open("w", encoding="utf-8") as out:
                out.write('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">')
                for ref, (lat, lon) in nodes.items():
                    out.write(f'<node id="{ref}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
                for way_id, refs, tags in ways:
                    out.write(f'<way id="{way_id}">')
                    out.writelines(f'<nd ref="{r}"/>' for r in refs)
                    out.writelines(
                        f"<tag k={quoteattr(k)} v={quoteattr(v)}/>"
                        for k, v in tags.items()
                    )
                    out.write("</way>")
                out.write("</osm>")
            g = osmnx.graph_from_xml(xml, simplify=False, retain_all=True)
        result = {'graph_nodes_unsimplified': len(g)}
        """
    ),
}

_EPILOGUE = """
result["time_s"] = round(time.perf_counter() - started, 2)
result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""


def measure(step: str, path: Path, box: str, cache: Path) -> dict[str, object]:
    """Run one step in a fresh process and return what it printed."""
    env = {**os.environ, "LOGISTICS_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    code = _PRELUDE + _STEPS[step] + _EPILOGUE
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), box],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Measure every step on every file; write JSON and Markdown results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="FILE:WEST,SOUTH,EAST,NORTH")
    parser.add_argument("--out", type=Path, required=True, help="Results stem.")
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument("--old-max-mb", type=float, default=1e9)
    args = parser.parse_args()
    rows = []
    for spec in args.files:
        name, box = spec.rsplit(":", 1)
        path = Path(name).resolve()
        size_mb = path.stat().st_size / 1e6
        for step in _STEPS:
            if step.startswith("old") and (args.skip_old or size_mb > args.old_max_mb):
                continue
            with tempfile.TemporaryDirectory(prefix="bench-pbf-cache-") as cache:
                result = measure(step, path, box, Path(cache))
            row = {"file": path.name, "size_mb": round(size_mb, 1), "box": box}
            row |= {"step": step, **result}
            print(json.dumps(row), flush=True)
            rows.append(row)
    meta = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "note": "2 cores shared with ~7 other jobs; peak_rss_mb is per process",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n", encoding="utf-8"
    )
    lines = [
        f"# PBF clip: time and peak memory ({platform.node() or 'machine'}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()})",
        "",
        "Command: `python -m benchmarks.bench_pbf_clip " + " ".join(sys.argv[1:]) + "`",
        "",
        "One fresh process per row, private empty cache. `clip, cached` first clips",
        "cold in the same process, so its peak is the cold clip's. `old: XML round",
        "trip` is only the conversion and OSMnx's parse of the whole file (no",
        "filtering, simplification or arrays); `network, clipped` is the whole build.",
        "",
        "| file | MB | step | time s | peak RSS MB | detail |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        detail = ", ".join(
            f"{k} {v}"
            for k, v in r.items()
            if k not in {"file", "size_mb", "box", "step", "time_s", "peak_rss_mb"}
        )
        lines.append(
            f"| {r['file']} | {r['size_mb']} | {r['step']} | {r.get('time_s', '')} "
            f"| {r.get('peak_rss_mb', '')} | {detail} |"
        )
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
