"""Two searches in sequence: the second starts from the best plan the first found.

PyVRP's iterated local search and OR-Tools' guided local search get stuck in
different places. On the pooled Melun problem PyVRP settles on one van from the
wrong farm (134.28 EUR at 20 s and at 60 s); OR-Tools started from that plan moves
the whole tour onto the better-placed van within 5 s (120.44 EUR), while PyVRP started
from OR-Tools' plans never improved them (``benchmarks/bench_chain.py``). A chain runs
the first search on a share of the budget and the second, warm, on the rest.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from ..checker import check_plan
from ..plan import evaluate

if TYPE_CHECKING:
    from ..plan import Plan
    from ..problem import RoutingProblem
    from .base import SolveParams, Solver

__all__ = ["Chain"]


class Chain:
    """``first`` on ``share`` of the budget, then ``second`` from its plan.

    Parameters
    ----------
    first, second
        The two backends.
    share
        Share of the budget for ``first``; ``second`` gets what is left, counted
        from the chain's start.

    Notes
    -----
    The first search starts from scratch; the second from the cheaper of the first
    search's plan and the caller's start plan (``params.initial``, when it passes the
    checker). The chain returns the cheapest checked plan of the two searches: the
    second never makes the result worse.
    """

    def __init__(self, first: Solver, second: Solver, share: float = 0.5) -> None:
        self.first = first
        self.second = second
        self.share = share
        self.name = f"{first.name} then {second.name}"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """Features either backend lacks."""
        return self.first.unsupported(problem) + [
            m
            for m in self.second.unsupported(problem)
            if m not in self.first.unsupported(problem)
        ]

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """Run both searches within ``params.time_limit_s``; return the best plan."""
        t0 = time.perf_counter()
        budget = params.time_limit_s * self.share
        first = self.first.solve(
            problem, replace(params, time_limit_s=budget, initial=None)
        )
        candidates = [first]
        start = params.initial
        if start is not None and start.routes and not check_plan(problem, start):
            candidates.append(start)
        best_start = min(candidates, key=lambda p: evaluate(problem, p))
        left = params.time_limit_s - (time.perf_counter() - t0)
        if left <= 0 or not problem.requests:
            return replace(first, backend=self.name)
        second = self.second.solve(
            problem, replace(params, time_limit_s=left, initial=best_start)
        )
        plans = [p for p in (second, first) if not check_plan(problem, p)]
        best = min(plans or [first], key=lambda p: evaluate(problem, p))
        return replace(best, backend=self.name, wall_time_s=time.perf_counter() - t0)
