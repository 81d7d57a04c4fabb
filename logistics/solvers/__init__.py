"""Solver backends behind one interface, and the ``auto`` choice between them.

``SOLVERS`` maps a backend name to its class. :func:`solve` picks a backend whose
features cover the problem (``auto``), or refuses a forced backend that lacks one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..exceptions import BackendUnavailableError
from .base import SolveParams, Solver
from .ortools_solver import OrToolsSolver

if TYPE_CHECKING:
    from ..plan import Plan
    from ..problem import RoutingProblem

__all__ = ["SOLVERS", "SolveParams", "Solver", "choose_backend", "get_solver", "solve"]

logger = logging.getLogger(__name__)

SOLVERS: dict[str, type] = {"ortools": OrToolsSolver}


def get_solver(name: str) -> Solver:
    """Return an instance of the backend called ``name``."""
    try:
        return SOLVERS[name]()  # type: ignore[no-any-return]
    except KeyError:
        msg = f"unknown solver backend {name!r}; choose one of {sorted(SOLVERS)} or 'auto'"
        raise BackendUnavailableError(msg) from None


def choose_backend(problem: RoutingProblem, backend: str = "auto") -> Solver:
    """Return the backend to use for ``problem``.

    Parameters
    ----------
    problem
        The routing problem.
    backend
        ``"auto"`` or a backend name.

    Raises
    ------
    BackendUnavailableError
        When a forced backend cannot handle one of the problem's features.
    """
    if backend != "auto":
        solver = get_solver(backend)
        missing = solver.unsupported(problem)
        if missing:
            msg = (
                f"solver backend {backend!r} cannot solve {problem.name!r}: it does not "
                f"support {', '.join(missing)}; use 'auto' or 'ortools'"
            )
            raise BackendUnavailableError(msg)
        return solver
    for name in ("pyvrp", "ortools"):
        if name not in SOLVERS:
            continue
        solver = get_solver(name)
        if not solver.unsupported(problem):
            return solver
    return get_solver("ortools")


def solve(problem: RoutingProblem, params: SolveParams, *, backend: str = "auto") -> Plan:
    """Solve ``problem`` with the chosen backend (see :func:`choose_backend`)."""
    solver = choose_backend(problem, backend)
    logger.info("solving %s with %s", problem.name, solver.name)
    return solver.solve(problem, params)
