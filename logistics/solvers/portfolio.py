"""The search portfolio ``auto`` runs on pickup-and-delivery problems.

No single search is right everywhere on the project's own problems. Starting the
pooled search from the separate plan wins on some collectives (Ajaccio: 639 vs 676
EUR) and traps it near that plan on others (a 14-farm collective: 966-1,071 EUR warm
vs 730-897 EUR from scratch at 30 s; OR-Tools with local cheapest *cost* insertion
reached 674 EUR). So within the budget ``auto`` runs several searches and keeps the
best plan the checker accepts:

1. OR-Tools from the given start (the separate plan), when one is given;
2. OR-Tools from scratch, local cheapest cost insertion;
3. PyVRP from scratch, when it supports the problem (one time window per visit);
4. OR-Tools from scratch with the scenario's first-solution strategy (local cheapest
   insertion by default) when PyVRP does not apply, so that two constructions are
   always tried.

With ``parallel_searches`` p >= 2 the first p searches run side by side in worker
processes, each with the whole budget; with one, every search runs in turn on an
equal share. Measured on Ajaccio (20 s, 2 cores): splitting the budget into two rounds
of three searches cost 37 EUR (676.10 vs 639.42 EUR: the warm start needs its whole
budget), so on 2 cores the two searches with the best evidence run, the warm start and
OR-Tools LCCI from scratch. The start plan itself stays the guarantee: the strategy
keeps it if every search ends above it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..problem import RoutingProblem
    from .base import SolveParams, Solver

__all__ = ["Entry", "portfolio", "split_budget"]

Entry = tuple[str, "Solver", "SolveParams"]
"""One search: label, backend, parameters."""


def portfolio(
    problem: RoutingProblem, backends: dict[str, Solver], params: SolveParams
) -> list[Entry]:
    """Return the searches for a shipment problem (see the module docstring).

    Parameters
    ----------
    problem
        The routing problem (shipments).
    backends
        Installed backends that support the problem, by name.
    params
        The caller's settings; each entry gets a copy with one search and its own
        start and first-solution strategy (budgets are split by
        :func:`split_budget`).
    """
    single = replace(params, parallel_searches=1, initial=None)
    entries: list[Entry] = []
    ortools = backends.get("ortools")
    if ortools is not None and params.initial is not None and params.initial.routes:
        entries.append(
            ("ortools from start", ortools, replace(single, initial=params.initial))
        )
    if ortools is not None:
        lcci = replace(single, first_solution="local_cheapest_cost_insertion")
        entries.append(("ortools lcci", ortools, lcci))
    if "pyvrp" in backends:
        entries.append(("pyvrp", backends["pyvrp"], single))
    elif (
        ortools is not None and params.first_solution != "local_cheapest_cost_insertion"
    ):
        entries.append((f"ortools {params.first_solution}", ortools, single))
    return entries


def split_budget(entries: list[Entry], budget_s: float, parallel: int) -> list[Entry]:
    """Fit the searches into ``budget_s`` with ``parallel`` running at a time.

    With ``parallel >= 2``: the first ``parallel`` searches, each with the whole
    budget (side by side). With one: every search in turn, on an equal share.
    """
    if not entries:
        return entries
    if parallel >= 2:
        chosen, share = entries[:parallel], budget_s
    else:
        chosen, share = entries, budget_s / len(entries)
    return [(label, s, replace(p, time_limit_s=share)) for label, s, p in chosen]
