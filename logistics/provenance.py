"""Provenance of a run: tool version, time, digests of every input file, seed.

``report.json`` records it (key ``provenance``) so that a figure can be traced to the
exact scenario, tables and road file it came from, and rerun.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .constants import VERSION

if TYPE_CHECKING:
    from .comparison import Comparison

__all__ = ["file_sha256", "inputs_sha256", "provenance_dict"]

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 of a file's bytes, in hex.

    Cached by path, size and modification time: a large regional OSM file (hundreds
    of MB, about a second to hash) is hashed once per process.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _sha256(str(resolved), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inputs_sha256(files: Mapping[str, str]) -> str:
    """Return one SHA-256 over several files: their names and digests, in order.

    Parameters
    ----------
    files
        ``{name: sha256}``, the scenario file first, then the tables it names.
    """
    digest = hashlib.sha256()
    for name, sha in files.items():
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def provenance_dict(comparison: Comparison) -> dict[str, Any]:
    """Return the ``provenance`` block of ``report.json``.

    Keys: ``tool``, ``version``, ``python``, ``created_utc`` (ISO 8601, seconds),
    ``scenario_file``, ``scenario_sha256`` (over the scenario file and the tables it
    names; null for a scenario built in Python), ``input_files`` ({name: sha256}),
    ``seed``, ``network_source``, ``network_kind``, ``osm_file`` and ``osm_sha256``
    (null unless the roads come from an OSM file).
    """
    scenario, net = comparison.scenario, comparison.network
    files = dict(scenario.input_files)
    return {
        "tool": "logistics",
        "version": VERSION,
        "python": platform.python_version(),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario_file": next(iter(files), None),
        "scenario_sha256": inputs_sha256(files) if files else None,
        "input_files": files,
        "seed": scenario.solver.seed,
        "network_source": net.source,
        "network_kind": net.kind,
        "osm_file": net.osm_file or None,
        "osm_sha256": net.osm_sha256 or None,
    }
