"""On-disk store of solved plans, keyed by what determines them.

A rerun of an unchanged scenario reuses the plans found before instead of searching
again (the time-limited search is the slow stage). The key covers the whole routing
problem (matrices, visits, requests, vehicles), the solve parameters (the starting plan
included), the backend, the solver libraries' versions and
:data:`~logistics.constants.SOLVER_RESULTS_VERSION`, bumped by hand when a code change
changes plans. Editing anything else (docstrings, reports) keeps stored plans.

Entries are written atomically (temporary file, then rename), so processes that store
and load the same key at once see a whole plan or none. Loaded plans are still
re-checked by the feasibility checker.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ._cache import atomic_write_text, cache_dir
from .constants import SOLVER_RESULTS_VERSION
from .plan import Plan, RoutePlan

if TYPE_CHECKING:
    from .problem import RoutingProblem
    from .solvers.base import SolveParams

__all__ = ["PlanStore", "plan_key"]

logger = logging.getLogger(__name__)


@functools.cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    """Versions of the solver libraries, which change plans when they change."""
    versions = []
    for name in ("ortools", "pyvrp"):
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "absent"))
    return tuple(versions)


def plan_key(problem: RoutingProblem, params: SolveParams, backend: str) -> str:
    """Return a hex digest identifying (problem, parameters, backend, versions)."""
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
                params.parallel_searches,
                backend,
                SOLVER_RESULTS_VERSION,
                _library_versions(),
                None if initial is None else (initial.routes, initial.unserved),
            )
        ).encode()
    )
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class PlanStore:
    """Plans stored as small JSON files in one folder.

    Parameters
    ----------
    root
        The folder (created on first store).
    """

    root: Path

    @classmethod
    def default(cls) -> PlanStore:
        """Return the store under the cache folder (``LOGISTICS_CACHE_DIR``)."""
        return cls(cache_dir() / "plans")

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str) -> Plan | None:
        """Return the plan stored under ``key``, or None if absent or unreadable."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            routes = tuple(
                RoutePlan(
                    int(r["vehicle"]),
                    tuple(int(v) for v in r["visits"]),
                    tuple(int(b) for b in r["breaks"]),
                )
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

    def store(self, key: str, plan: Plan) -> None:
        """Write ``plan`` under ``key`` atomically (errors are logged, not raised)."""
        data = {
            "routes": [
                {
                    "vehicle": r.vehicle,
                    "visits": list(r.visits),
                    "breaks": list(r.breaks),
                }
                for r in plan.routes
            ],
            "unserved": list(plan.unserved),
            "backend": plan.backend,
            "wall_time_s": plan.wall_time_s,
        }
        path = self._path(key)
        try:
            atomic_write_text(path, json.dumps(data))
        except OSError as exc:  # a read-only store must not break a run
            logger.warning("could not store plan in %s: %s", path, exc)
