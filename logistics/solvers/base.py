"""The solver interface shared by every backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from ..plan import Plan
    from ..problem import RoutingProblem

__all__ = ["FirstSolution", "SolveParams", "Solver"]

FirstSolution = Literal[
    "parallel_cheapest_insertion",
    "local_cheapest_insertion",
    "local_cheapest_cost_insertion",
    "path_cheapest_arc",
    "automatic",
]


@dataclass(frozen=True)
class SolveParams:
    """Search settings understood by every backend.

    Parameters
    ----------
    time_limit_s
        Wall time of each solve, counted from the backend's ``solve`` call: building
        the model, every search (PyVRP's second search included) and reading the plan
        back. Decoding and checking the plan may add a little: a solve ends within
        ``time_limit_s * 1.05 + 1`` seconds at any fleet size (``tests/solvers/
        test_budget.py``, ``benchmarks/budget.py``).
    seed
        Random seed (PyVRP); OR-Tools' search is deterministic for a given
        ``solution_limit``.
    solution_limit
        Stop after this many solutions (makes time-limited runs reproducible).
    first_solution
        OR-Tools first-solution strategy. Insertion strategies are required with time
        windows or pickups: ``path_cheapest_arc`` finds nothing on Solomon R101.
        The default, local cheapest insertion, had the lowest mean gap after 10 s on
        the Solomon and Li & Lim instances measured and the lowest cost on the Ajaccio
        scenario (``benchmarks/results/*insertion*.md``).
    initial
        A feasible plan to start the search from, e.g. the separate plan.
    parallel_searches
        How many searches ``auto`` may run at once in its own worker processes (a
        race, see :func:`logistics.solvers.solve`); 1 runs one search in this process.
        An explicit setting, never inferred: a caller that already spreads solves over
        every core (an executor of many problems) keeps it at 1.
    large_neighbourhoods
        OR-Tools: also run the large-neighbourhood operators it leaves off by
        default (path and inactive LNS, cheapest-insertion LNS on expensive chains
        and on close nodes). The ``auto`` portfolio turns them on for its LCCI
        search: from LCCI at 20 s they were never worse in 12 runs on six collectives
        and cheaper in 7 (936.28 vs 949.30 EUR on vaduz-p14-o126, 222.73 vs 259.50 on
        vaduz-p05-o30; ``benchmarks/results/2026-12-03-ortools-variants.md``).
    """

    time_limit_s: float = 10.0
    seed: int = 1
    solution_limit: int | None = None
    first_solution: FirstSolution = "local_cheapest_insertion"
    initial: Plan | None = None
    parallel_searches: int = 1
    large_neighbourhoods: bool = False

    def __post_init__(self) -> None:
        if self.parallel_searches < 1:
            msg = f"parallel_searches must be >= 1; got {self.parallel_searches!r}."
            raise ValueError(msg)


class Solver(Protocol):
    """A routing backend."""

    name: str

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """Return the model features this backend cannot handle (empty if none)."""
        ...

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """Solve ``problem`` and return a plan (possibly with unserved requests)."""
        ...
