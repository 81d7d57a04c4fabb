"""On-disk cache of solved plans, keyed by everything that determines them.

A rerun of an unchanged scenario with unchanged solver settings reuses the plans found
before instead of searching again (the search under a time limit is the slow stage).
The key covers the whole routing problem (matrices, visits, requests, vehicles), the
solve parameters (including the starting plan), the backend, the package version and a
digest of the package's source code, so any change re-solves. Cached plans are still
re-checked by the feasibility checker.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ._cache import atomic_write_text, cache_dir
from .constants import VERSION
from .plan import Plan, RoutePlan

if TYPE_CHECKING:
    from .problem import RoutingProblem
    from .solvers.base import SolveParams

__all__ = ["load_plan", "plan_key", "store_plan"]

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Digest of the package's source files: a code change invalidates cached plans."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def plan_key(problem: RoutingProblem, params: SolveParams, backend: str) -> str:
    """Return a hex digest identifying (problem, parameters, backend, version)."""
    digest = hashlib.sha256()
    digest.update(problem.distance.tobytes())
    digest.update(problem.duration.tobytes())
    digest.update(
        repr(
            (
                problem.visits,
                problem.requests,
                problem.vehicles,
                problem.dimensions,
                problem.location_ids,
            )
        ).encode()
    )
    initial = params.initial
    digest.update(
        repr(
            (
                params.time_limit_s,
                params.seed,
                params.solution_limit,
                params.first_solution,
                backend,
                VERSION,
                code_fingerprint(),
                None if initial is None else (initial.routes, initial.unserved),
            )
        ).encode()
    )
    return digest.hexdigest()[:32]


def _path(key: str) -> Path:
    return cache_dir() / "plans" / f"{key}.json"


def load_plan(key: str) -> Plan | None:
    """Return the cached plan for ``key``, or None if absent or unreadable."""
    path = _path(key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        routes = tuple(
            RoutePlan(int(r["vehicle"]), tuple(int(v) for v in r["visits"]))
            for r in data["routes"]
        )
        return Plan(
            routes,
            tuple(int(u) for u in data["unserved"]),
            str(data["backend"]),
            float(data["wall_time_s"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_plan(key: str, plan: Plan) -> None:
    """Write ``plan`` under ``key`` atomically (errors are logged, not raised)."""
    data = {
        "routes": [
            {"vehicle": r.vehicle, "visits": list(r.visits)} for r in plan.routes
        ],
        "unserved": list(plan.unserved),
        "backend": plan.backend,
        "wall_time_s": plan.wall_time_s,
    }
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data))
    except OSError as exc:  # a read-only cache must not break a run
        logger.warning("could not cache plan in %s: %s", path, exc)
