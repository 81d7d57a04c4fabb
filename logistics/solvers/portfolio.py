"""The search portfolio ``auto`` runs on pickup-and-delivery problems.

No single search is right everywhere on the project's own problems. Starting the
pooled search from the separate plan wins on some collectives (Ajaccio: 639 vs 676
EUR) and traps it near that plan on others (a 14-farm collective: 966-1,071 EUR warm
vs 730-897 EUR from scratch at 30 s; OR-Tools with local cheapest *cost* insertion
reached 674 EUR). So within the budget ``auto`` runs several searches and keeps the
best plan the checker accepts:

1. PyVRP from scratch then OR-Tools from its plan (:class:`~.chain.Chain`, PyVRP on
   :data:`CHAIN_SHARE` of the budget), when PyVRP supports the problem (one time
   window per visit of a shipment; restricting visits to one window was measured
   worse, see ``benchmarks/bench_pyvrp_windows.py``): on a generated 40-farm,
   400-order collective PyVRP served every order for 4,947 EUR at 20 s where both
   OR-Tools searches were stuck near the separate plan with 26 orders unserved
   (OR-Tools' cost insertion had not finished its first solution); on Melun, OR-Tools
   from PyVRP's plan moved the one tour onto a better-placed farm's van (125.60 vs
   134.28 EUR, ``benchmarks/results/2026-12-02-chain.md``);
2. OR-Tools from scratch, local cheapest cost insertion (best at 30 s on the 14-farm
   collective above);
3. OR-Tools from the given start (the separate plan), when one is given (first when
   PyVRP does not apply: on Ajaccio, with several windows per visit, it beat every
   search from scratch);
4. OR-Tools from scratch with the scenario's first-solution strategy (local cheapest
   insertion by default).

With ``parallel_searches`` p >= 2 the first p searches run side by side in worker
processes, each with the whole budget; with one, every search runs in turn on an
equal share. Measured on Ajaccio (20 s, 2 cores): splitting the budget into two rounds
of three searches cost 37 EUR (676.10 vs 639.42 EUR: the warm start needs its whole
budget), so on 2 cores the two searches with the best evidence run: the PyVRP chain
and OR-Tools LCCI where PyVRP applies, else the warm start and OR-Tools LCCI. The
start plan itself stays the guarantee: the strategy keeps it if every search ends
above it. (Both
figures were measured on a machine shared with other jobs; the collectives benchmark
is where the portfolio is judged.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .chain import Chain

if TYPE_CHECKING:
    from ..problem import RoutingProblem
    from .base import SolveParams, Solver

__all__ = ["CHAIN_SHARE", "Entry", "portfolio", "split_budget"]

CHAIN_SHARE = 0.75
"""Share of its search's budget PyVRP gets before OR-Tools continues from its plan
(:class:`~.chain.Chain`). Measured at 20 s on seven collectives
(``benchmarks/results/2026-12-02-chain.md``): 3/4 was never worse than 1/2 and beat
PyVRP alone on three (scenario-melun 125.60 vs 134.28 EUR)."""

Entry = tuple[str, "Solver", "SolveParams"]
"""One search: label, backend, parameters."""


def portfolio(
    problem: RoutingProblem, backends: dict[str, Solver], params: SolveParams
) -> list[Entry]:
    """Return the searches for a shipment problem, most promising first.

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
    ortools = backends.get("ortools")
    pyvrp = backends.get("pyvrp")
    has_start = params.initial is not None and bool(params.initial.routes)
    scratch_pyvrp: list[Entry] = []
    if pyvrp is not None:
        first: Solver = pyvrp
        if ortools is not None:
            first = Chain(pyvrp, ortools, CHAIN_SHARE)
        scratch_pyvrp = [(first.name, first, single)]
    lcci: list[Entry] = []
    warm: list[Entry] = []
    other: list[Entry] = []
    if ortools is not None:
        cost = replace(single, first_solution="local_cheapest_cost_insertion")
        lcci = [("ortools lcci", ortools, cost)]
        if has_start:
            start = replace(single, initial=params.initial)
            warm = [("ortools from start", ortools, start)]
        if params.first_solution != "local_cheapest_cost_insertion":
            other = [(f"ortools {params.first_solution}", ortools, single)]
    if pyvrp is None:
        # Without PyVRP (several windows per visit), the warm start goes first: on
        # Ajaccio it beat every search from scratch.
        return warm + lcci + other
    return scratch_pyvrp + lcci + warm + other


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
