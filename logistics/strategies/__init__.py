"""Strategies: how a set of producers organises its deliveries.

Each strategy is a plug-in (:class:`~.base.Strategy`) registered in
:data:`~.base.STRATEGIES` by name: ``separate`` (each producer alone, the baseline)
and ``pooled`` (shared vehicles and routes). A new strategy is one module here that
defines a class with ``name``, ``description``, ``fleet`` and ``solve`` and calls
``register``.
"""

from __future__ import annotations

from .base import (
    STRATEGIES,
    Strategy,
    get_strategy,
    plan_from_solution,
    register,
    run_strategy,
    solve_problems,
)
from .hub import HubStrategy
from .pooled import Pooled
from .separate import Separate

__all__ = [
    "STRATEGIES",
    "HubStrategy",
    "Pooled",
    "Separate",
    "Strategy",
    "get_strategy",
    "plan_from_solution",
    "register",
    "run_strategy",
    "solve_problems",
]
