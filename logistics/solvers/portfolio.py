"""The search portfolio ``auto`` runs on pickup-and-delivery problems.

No single search is right everywhere on the project's own problems. Starting the
pooled search from the separate plan wins on some collectives (Ajaccio: 639 vs 676
EUR) and traps it near that plan on others (a 14-farm collective: 966-1,071 EUR warm
vs 730-897 EUR from scratch at 30 s; OR-Tools with local cheapest *cost* insertion
reached 674 EUR). So within the budget ``auto`` runs several searches and keeps the
best plan the checker accepts:

1. up to :data:`SMALL_REQUESTS` requests, PyVRP from scratch then OR-Tools from its plan
   (:class:`~.chain.Chain`, PyVRP on :data:`CHAIN_SHARE` of the budget); above it, PyVRP
   alone on the whole budget (by parts from :data:`~.decompose.DECOMPOSE_MIN_REQUESTS`
   requests); when PyVRP supports the problem (one time window per visit of a shipment;
   restricting visits to one window was measured worse, see
   ``benchmarks/bench_pyvrp_windows.py``): on a generated 40-farm, 400-order collective
   PyVRP served every order for 4,947 EUR at 20 s where both OR-Tools searches were
   stuck near the separate plan with 26 orders unserved (OR-Tools' cost insertion had
   not finished its first solution); on Melun, OR-Tools from PyVRP's plan moved the one
   tour onto a better-placed farm's van (125.60 vs 134.28 EUR,
   ``benchmarks/results/2026-12-02-chain.md``);
2. on two cores and 50 requests or more, a second PyVRP search: the chain again with
   seed 2 (up to :data:`SMALL_REQUESTS` requests), or PyVRP alone with seed 2 and a
   shorter late-acceptance history (:data:`SECOND_HISTORY`);
3. OR-Tools from scratch, local cheapest cost insertion (LCCI; best at 30 s on the
   14-farm collective above), on problems up to :data:`LCCI_MAX_SIZE`;
4. OR-Tools from the given start (the separate plan), when one is given (first when
   PyVRP does not apply);
5. OR-Tools from scratch with the scenario's first-solution strategy (local cheapest
   insertion, LCI, by default; LCI when the scenario asks for LCCI, which 2 runs).

With ``parallel_searches`` p >= 2 the first p searches run side by side in worker
processes, each with the whole budget; with one, every search runs in turn on an
equal share. Measured on Ajaccio (20 s, 2 cores): splitting the budget into two rounds
of three searches cost 37 EUR (676.10 vs 639.42 EUR: the warm start needs its whole
budget), so on 2 cores the two searches with the best evidence for the problem's
size run (below). The
start plan itself stays the guarantee: the strategy keeps it if every search ends
above it. (Both
figures were measured on a machine shared with other jobs; the collectives benchmark
is where the portfolio is judged.)

The LCCI search also runs the large-neighbourhood operators OR-Tools leaves off by
default (:attr:`~.base.SolveParams.large_neighbourhoods`): from LCCI they were never
worse in 12 runs on six collectives and cheaper in 7
(``benchmarks/results/2026-12-03-ortools-variants.md``). The other OR-Tools searches
run without them: with them in every OR-Tools search, the bundled Ajaccio (warm start
and LCI, no PyVRP) came out at 733.34 EUR against 667.11
(``benchmarks/results/2026-12-03-collectives-penalties.md``).

The order depends on the problem's size, measured on the collectives family at the
default 20 s (``benchmarks/results/2026-12-03-portfolio-entries.md``, one core per
search):

- below :data:`~.pyvrp_solver.SHORT_HISTORY_MIN_REQUESTS` requests, PyVRP alone on
  the whole budget takes the second core (with one core the warm start follows the
  chain): on the three collectives of 30 orders at 20 s
  (``benchmarks/results/2026-12-03-small-entries.md``) the warm start never beat the
  chain (scenario-melun 140.56 against 122.28 EUR, melun-p05-o30 241.59 against
  225.81), while PyVRP alone did on scenario-melun (118.49: PyVRP's last 5 s, which
  the chain gives OR-Tools, found it); the race of both matched or beat the chain
  beside the warm start everywhere. (Earlier, before PyVRP's penalty fix, the warm
  start had found what neither did on melun-p05-o30: 241.65 EUR against 262.85 for
  the chain.)
- from there up to :data:`SMALL_REQUESTS` requests, the chain again with the next
  seed takes the second core: on the four collectives of 60-80 orders the warm start
  never beat the chain (e.g. melun-p10-o80 471.40 against 430.88 EUR, ajaccio-p10-o80
  793.84 against 719.96) while PyVRP with seed 2 did once (ajaccio-p10-o80 694.10;
  ``benchmarks/results/2026-12-03-portfolio-entries-2.md``);
- above :data:`SMALL_REQUESTS` requests PyVRP searches alone on the first core: at
  126-200 orders at 20 s, PyVRP on the whole budget beat the chain on three of four
  collectives (ajaccio-p20-o200 1,795.11 against 1,859.29 EUR, vaduz-p20-o200
  1,517.43 against 1,543.26), the chain won bastia-p14-o126 by 0.1 %
  (``benchmarks/results/2026-12-03-portfolio-entries-3.md``): at these sizes
  OR-Tools' last quarter rarely improves PyVRP's plan, and PyVRP loses a quarter of
  its iterations;
- above :data:`SMALL_REQUESTS` requests (and up to :data:`LCCI_MAX_SIZE`), PyVRP with
  another seed and a shorter late-acceptance history (:data:`SECOND_HISTORY`) takes
  the second core instead of LCCI: with its late-acceptance
  history shortened (:data:`~.pyvrp_solver.LATE_ACCEPTANCE_HISTORY`) PyVRP alone beat
  LCCI on all four collectives of 126-200 orders at 20 s (bastia-p14-o126 1,368.34
  against 1,464.88-1,505.95 EUR, ajaccio-p20-o200 1,850.73 against 1,934.61-1,969.03,
  ``benchmarks/results/2026-12-03-pyvrp-history.md``), where before that change LCCI
  won both (``2026-12-03-portfolio-entries.md``);
- from :data:`~.decompose.DECOMPOSE_MIN_REQUESTS` requests of farms in two places or
  more, PyVRP searches by parts (:class:`~.decompose.Decomposed`: farms grouped by
  area, each part alone on 60 % of the budget, then the whole from their union), on
  :func:`~.decompose.part_count` parts on the first core (3 at 200 orders, 2 at 300,
  3 at 400) and one part more, with the next seed and :data:`SECOND_HISTORY`, on the
  second. Measured at 20 s on the five collectives of 200-400 orders, two searches
  side by side (``benchmarks/results/2026-12-03-decompose.md``), this race beat the
  race of PyVRP alone it replaces on all five (vaduz-p20-o200 1,407.51 against
  1,469.55 EUR, ajaccio-p20-o200 1,702.64 against 1,729.77, ajaccio-p30-o300 3,036.58
  against 3,158.72, bastia-p30-o300 2,686.18 against 2,981.59, ajaccio-p40-o400
  3,993.13 against 4,229.34), though single searches vary by up to 25 % between
  seeds. The part counts follow those runs (no orders-per-part rule fitted all three
  sizes), so they are fitted to this family; at 126 orders (10 chilled orders with no
  refrigerated van in their part) by parts was worse, hence the threshold. The two
  cores race neighbouring counts;
- above :data:`LCCI_MAX_SIZE` (requests x vehicles), LCCI is left out and PyVRP runs
  alone, on the whole budget (beside it the second PyVRP search above; from
  :data:`~.pyvrp_solver.LEAN_MIN_REQUESTS` requests both search without PyVRP's
  slowest operator, RelocateShipment, which took 5/6 of their time): LCCI's
  first solution took 0.3 s at 126 orders and
  15 vans, 1.1 s at 200 orders and 22 vans, and was not done after 60 s at 300 orders
  and 35 vans (104 orders still out); PyVRP at 3/4 of 20 s left 2 of 400 orders
  unserved on ajaccio-p40-o400 where it served all at 20 s (9,756 vs 5,417 EUR);
- without PyVRP (several windows per visit), OR-Tools from the separate plan and
  from scratch with local cheapest insertion (LCI): on the bundled Ajaccio LCI
  reached 667.11 EUR at 20 s (the best known) where LCCI reached 720.39, and LCI's
  first solution stays fast at 400 orders (8.9 s, where LCCI's never came).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .chain import Chain
from .decompose import DECOMPOSE_MIN_REQUESTS, Decomposed, areas, part_count
from .pyvrp_solver import SHORT_HISTORY_MIN_REQUESTS, PyVrpSolver

if TYPE_CHECKING:
    from ..problem import RoutingProblem
    from .base import SolveParams, Solver

__all__ = [
    "CHAIN_SHARE",
    "LCCI_MAX_SIZE",
    "SECOND_HISTORY",
    "SMALL_REQUESTS",
    "Entry",
    "other_seed",
    "portfolio",
    "split_budget",
]

CHAIN_SHARE = 0.75
"""Share of its search's budget PyVRP gets before OR-Tools continues from its plan
(:class:`~.chain.Chain`). Measured at 20 s on seven collectives
(``benchmarks/results/2026-12-02-chain.md``): 3/4 was never worse than 1/2 and beat
PyVRP alone on three (scenario-melun 125.60 vs 134.28 EUR)."""

SMALL_REQUESTS = 100
"""Up to this many requests the first core runs the chain and the second the warm
start (below :data:`~.pyvrp_solver.SHORT_HISTORY_MIN_REQUESTS` requests) or the chain
with another seed; above it the first core runs PyVRP alone and the second PyVRP with
another seed and :data:`SECOND_HISTORY` (see the module notes)."""

LCCI_MAX_SIZE = 8_000
"""Largest requests x vehicles for which LCCI is in the portfolio (after the PyVRP
searches, so it runs on one core only, in turn); above it the portfolio is the PyVRP
searches alone. Measured: 200 x 27 = 5,400 (LCCI's first solution in about 1 s),
300 x 35 = 10,500 (none after 60 s)."""

SECOND_HISTORY = 30
"""Late-acceptance history of the second PyVRP search above :data:`SMALL_REQUESTS`
(the first uses :data:`~.pyvrp_solver.LATE_ACCEPTANCE_HISTORY`). PyVRP makes fewer
iterations the larger the problem, and a shorter history suits fewer iterations: at
20 s, history 30 beat 50 on four of the five collectives of 200-400 orders
(bastia-p30-o300 3,022.79 against 3,406.11 EUR, ajaccio-p40-o400 4,569.69 against
4,889.77) and lost on both of 126 and on both of 80
(``benchmarks/results/2026-12-03-pyvrp-history.md``). Racing one of each covers both
sizes."""

Entry = tuple[str, "Solver", "SolveParams"]
"""One search: label, backend, parameters."""


def other_seed(solver: Solver, params: SolveParams) -> Entry:
    """The same search with the next seed, labelled ``"<backend> seed <n>"``."""
    seed = params.seed + 1
    return (f"{solver.name} seed {seed}", solver, replace(params, seed=seed))


def _greedier_pyvrp(params: SolveParams) -> Entry:
    """PyVRP with the next seed and :data:`SECOND_HISTORY`, labelled ``"pyvrp seed
    <n> history <h>"``."""
    seed = params.seed + 1
    label = f"pyvrp seed {seed} history {SECOND_HISTORY}"
    return (label, PyVrpSolver(SECOND_HISTORY), replace(params, seed=seed))


def _by_parts(entries: list[Entry], parts: int) -> list[Entry]:
    """The PyVRP ``entries`` searching by parts, the first on ``parts`` parts and each
    next one on one more, labelled ``"pyvrp by <n> parts..."``."""
    return [
        (
            f"pyvrp by {parts + i} parts{label.removeprefix('pyvrp')}",
            Decomposed(solver, parts=parts + i),
            p,
        )
        for i, (label, solver, p) in enumerate(entries)
    ]


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
    size = len(problem.requests) * len(problem.vehicles)
    large = size > LCCI_MAX_SIZE
    lcci: list[Entry] = []
    lci: list[Entry] = []
    warm: list[Entry] = []
    if ortools is not None:
        if not large:
            # With OR-Tools' large-neighbourhood operators (measured from LCCI only;
            # see the module notes).
            cost = replace(
                single,
                first_solution="local_cheapest_cost_insertion",
                large_neighbourhoods=True,
            )
            lcci = [("ortools lcci", ortools, cost)]
        # From scratch with the scenario's insertion (LCI by default).
        fs = params.first_solution
        if fs == "local_cheapest_cost_insertion":
            fs = "local_cheapest_insertion"
        insertion = replace(single, first_solution=fs)
        lci = [(f"ortools {fs}", ortools, insertion)]
        if has_start:
            start = replace(insertion, initial=params.initial)
            warm = [("ortools from start", ortools, start)]
    if pyvrp is None:
        # Several windows per visit: the warm start, then LCI (on Ajaccio LCI beat
        # LCCI by 53 EUR at 20 s), LCCI last.
        return warm + lci + lcci
    # Above SMALL_REQUESTS requests: PyVRP alone on the whole budget (OR-Tools'
    # share of the chain rarely improved its plan there), and beside it, when a
    # core is free, PyVRP with another seed and a shorter history (SECOND_HISTORY;
    # it beat LCCI on every collective of 126-200 orders; see the module notes).
    second = [_greedier_pyvrp(single)] if params.parallel_searches >= 2 else []
    alone: list[Entry] = [("pyvrp", pyvrp, single), *second]
    if len(problem.requests) >= DECOMPOSE_MIN_REQUESTS and areas(problem) >= 2:
        # The same searches by parts (see the module notes): the second core with
        # one more part, so both part counts that won are raced.
        alone = _by_parts(alone, part_count(len(problem.requests)))
    if large:
        # LCCI would not finish its first solution and PyVRP needs all its budget.
        return alone
    if len(problem.requests) <= SMALL_REQUESTS:
        first: Solver = pyvrp if ortools is None else Chain(pyvrp, ortools, CHAIN_SHARE)
        scratch_pyvrp: list[Entry] = [(first.name, first, single)]
        if (
            len(problem.requests) >= SHORT_HISTORY_MIN_REQUESTS
            and params.parallel_searches >= 2
        ):
            # 50-100 orders: the chain again with another seed beside it (the warm
            # start never beat the chain there; see the module notes).
            return [*scratch_pyvrp, other_seed(first, single), *warm, *lcci, *lci]
        if params.parallel_searches >= 2 and first is not pyvrp:
            # Below 50 orders: PyVRP alone on the whole budget beside the chain (it
            # beat the warm start on all three collectives; see the module notes).
            return [*scratch_pyvrp, ("pyvrp", pyvrp, single), *warm, *lcci, *lci]
        return scratch_pyvrp + warm + lcci + lci
    return [*alone, *lcci, *warm, *lci]


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
