"""Private on-disk cache helpers.

The road network and travel matrices are expensive to build (seconds to minutes) but
cheap to store as plain numpy arrays. These helpers give every cached artefact a
content-derived key and write it atomically, so that an interrupted run or two runs in
parallel never leave a half-written file behind: a reader sees either the old file, the
new file or no file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

CACHE_ENV_VAR = "LOGISTICS_CACHE_DIR"
"""Environment variable that overrides the cache folder."""

_KEY_LENGTH = 16


def cache_dir() -> Path:
    """Return the folder that holds the cache (it may not exist yet).

    Returns
    -------
    Path
        ``$LOGISTICS_CACHE_DIR`` when that variable is set and non-empty, otherwise
        ``~/.cache/logistics``.
    """
    override = os.environ.get(CACHE_ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "logistics"


def cache_key(*parts: Any) -> str:
    """Return a short stable key for a tuple of JSON-serialisable parts.

    Parameters
    ----------
    *parts
        Values that together identify a cached artefact (paths, sizes, tables,
        version constants, ...). Dict keys are sorted, so insertion order does not
        matter; values JSON cannot encode are rendered with ``repr``.

    Returns
    -------
    str
        The first 16 hexadecimal characters of the SHA-256 of the canonical JSON.
    """
    canonical = json.dumps(
        list(parts), sort_keys=True, separators=(",", ":"), default=repr
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_KEY_LENGTH]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers never see a partial file.

    The bytes go to a temporary file in the same folder (same file system), which is
    flushed to disk and then renamed over ``path`` with :func:`os.replace`.

    Parameters
    ----------
    path
        Destination file; its parent folders are created if needed.
    data
        Bytes to write.
    """
    _atomic_write(Path(path), lambda handle: handle.write(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path
        Destination file; its parent folders are created if needed.
    text
        Text to write, encoded as UTF-8.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def save_npz(path: Path, /, **arrays: Any) -> None:
    """Save named arrays to an uncompressed ``.npz`` file atomically.

    Uncompressed because loading speed matters more than disk space here: the cached
    network must load in well under a second.

    Parameters
    ----------
    path
        Destination file (conventionally ending in ``.npz``).
    **arrays
        Arrays (or values :func:`numpy.asarray` accepts) to store under their names.
    """
    _atomic_write(Path(path), lambda handle: np.savez(handle, **arrays))


def process_umask() -> int:
    """Return the process umask without changing it for longer than a moment.

    Read from ``/proc/self/status`` where it exists (Linux 4.7+), which touches
    nothing; otherwise set and restore it, the only portable way.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_sibling(path: Path) -> tuple[int, Path]:
    """Create a hidden temporary file beside ``path``; return its descriptor and path.

    :func:`tempfile.mkstemp` creates files readable by their owner only (0600); the
    mode is widened to what ``open()`` would give (0666 less the umask), so a renamed
    report or scenario is readable by whoever the user's umask lets read it.
    """
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            os.fchmod(fd, 0o666 & ~process_umask())
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return fd, Path(name)


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Run ``write`` on a temporary sibling of ``path``, fsync it, then rename it.

    A sibling (not ``/tmp``) because :func:`os.replace` is only atomic within one file
    system.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = temp_sibling(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """Load every array of an ``.npz`` file into memory.

    Parameters
    ----------
    path
        File written by :func:`save_npz`.

    Returns
    -------
    dict of str to numpy.ndarray or None
        The arrays by name, or ``None`` when the file is missing or unreadable (a
        corrupt cache entry is treated as a miss and will be overwritten).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        # allow_pickle=False: a cache file must never be able to run code.
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        logger.warning("Ignoring unreadable cache file %s: %s", path, exc)
        return None
