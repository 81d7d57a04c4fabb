"""Coalition values c(S): the accounted cost and CO2e of the pooled plan of any subset.

A fair split of the pooled cost (:mod:`logistics.allocation`) needs the cost of every
coalition S of producers doing its own pooled routing, with the fleet the pooled
strategy gives S (members' own vehicles, plus the collective's shared vehicles open
to them). :func:`coalition_values` computes them:

- **Accounted like the pooled plan.** c(S) is :func:`~logistics.accounting.account`'s
  cost (fixed, per-km, driver time with the load actually on board) and CO2e of S's
  checked plan, plus, for each order S cannot serve, the carrier tariff of
  ``logistics/data/outsourcing.csv`` (per order + per kg; CO2e per tonne-km of the
  order's shortest road distance), never the solver's penalty.
- **By increasing size, warm-started.** Coalitions are solved level by level. Each S
  also gets, as a candidate, the union of the plans of S minus {i} and {i} (the
  cheapest such union whose vehicles do not clash), which the search starts from; the
  cheaper of the search's plan and that union is kept. Hence c(S) <= c(S - {i}) +
  c({i}) for every i whose plans were known, despite heuristic noise: the game is
  subadditive with respect to single producers by construction. Not for a sampled
  game (``unions=False``, as :func:`~logistics.split.fair_split` does beyond
  ``max_exact``): there only S + {i} of a sampled pair ever has its parts' plans, so
  the union would lower c(S + {i}) and not c(S), and every sampled marginal cost
  with it (``benchmarks/shapley_union_bias.py``). For a complete game,
  :func:`solve_game` then repairs the values with derived plans
  (:mod:`logistics.game_repair`): a larger coalition's plan without one producer's
  orders where c is not monotone, the union of two parts' plans where it is not
  subadditive for any split, each checked; :func:`monotonicity_violations` counts
  what is left.
- **Everyone's plan, restricted.** Given a ``reference`` (the kept plan of all
  producers, valued first: :func:`solve_game` and :func:`~logistics.split.fair_split`
  do so, with the pooled run's plan as a candidate), each S also gets that plan
  restricted to its orders (:func:`~logistics.restrict.restricted_plan`: the same
  routes without the others' stops, routes on vehicles S lacks moved to S's), checked
  and priced, as a candidate and start. At 40 producers the short searches valued 30
  random producers at 1.5-1.7 times the restricted pooled plan (5,242.38 and 5,725.85
  against 3,486.56 and 3,370.08 EUR on ajaccio-p40-o400), and their noise swamped the
  marginal costs that sampled Shapley averages; the restriction treats every
  coalition alike (it depends on S alone), so it adds no bias between the two sides
  of a sampled pair, unlike the unions below.
- **Small, size-scaled, reproducible budget.** Each solve is one PyVRP search
  stopped after a number of iterations that grows with the coalition's requests,
  then OR-Tools from its plan where a route waits long at its visits (the cheaper
  kept), or, where PyVRP does not apply (several time windows per visit, not installed,
  ``backend: ortools``), one OR-Tools search stopped after a number of improving
  solutions that grows with its producers (:class:`CoalitionBudget`); the time
  limit is only a safety cap. A PyVRP search that ends without a feasible plan is
  followed by OR-Tools. An iteration or solution limit, unlike a time limit, makes
  the search deterministic, so the same seed gives the same values on any executor
  and under any machine load. Solves that hit the cap are counted
  (:attr:`CoalitionValue.time_bound`).
- **Each coalition once, cached, checked.** Coalitions are deduplicated, plans are
  kept in the plan store (a rerun solves nothing), and every kept plan passes the
  independent checker against S's fleet before its value is used.

Solves run on any :class:`concurrent.futures.Executor` (a local process pool, a Dask
client's executor), in chunks of coalitions so that the context is sent once per
chunk.

Other strategies (``strategy="hub"``)
-------------------------------------
The strategy is a parameter (default ``"pooled"``, whose values are as described
above and unchanged). For a strategy that is not one routing problem (``hub``: two
legs linked in time), c(S) is the accounted cost and CO2e of the plan the
strategy's own :meth:`~logistics.strategies.Strategy.solve` makes for S, with the
fleet the strategy defines for S (hub: the members' own vans for the first leg
when ``first_leg: own``, else the hub's collection vans, and the hub's delivery
vans), its own costs included (hub handling per kg, in
:func:`~logistics.accounting.account`) and S's unserved orders at the carrier
tariff, as for pooled:

- **The hub rule.** Every coalition uses the hub and all its vans, as the whole
  collective does: the hub is the collective's shared platform, S does not build
  a smaller one. The hub's costs are per kg handled (no fixed hub cost in the
  scenario), so a coalition pays for the kg it sends through; a fixed cost, if one
  is added, would enter c(S) through the accounting and be shared by the split.
- **Budget.** The strategy runs on a copy of the context whose solver settings are
  the coalition's budget: every search of every leg stops at
  :meth:`CoalitionBudget.solution_limit` improving solutions (reproducible), capped
  at :meth:`CoalitionBudget.time_limit_s` (first-leg and second-leg searches alike;
  the hub's optimistic-bound search gets half), one search per solve (no race),
  OR-Tools unless the scenario asks for PyVRP. The legs' plans are cached in the
  plan store by :func:`~logistics.strategies.solve_problems`, so a rerun
  searches nothing.
- **Candidates and a start, no unions.** Given plans (e.g. the hub strategy's own run
  for everyone) are checked and kept when cheaper; the given plan of a larger coalition
  (that run, with the scenario's full budget) is handed to the strategy's ``solve`` as
  ``start``: the hub strategy starts each leg's search from its routes restricted to S's
  orders when they are feasible for S (see :mod:`logistics.strategies.hub`). Without it,
  the hub's searches at the coalition budget start from greedy trips, and c(N) searched
  that way was 550.23 EUR against 352.40 EUR for the run's plan on melun-p05-o30-hub:
  the smaller coalitions' values would carry much more search noise than c(N). Unions of
  the plans of S - {i} and {i} are not tried: both would use the hub's delivery vans and
  the hub's capacity, so a union is not a plan. The game is therefore not subadditive by
  construction; :func:`monotonicity_violations` and the split's core check report what
  the search noise does.
- **Checked.** Every kept plan passes :func:`~logistics.checker.assert_feasible`
  against S's fleet, which follows each order farm -> hub -> customer
  (:func:`~logistics.checker.check_hub_chain`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from .accounting import account
from .checker import assert_feasible, check_solution
from .exceptions import SolverError
from .factors import OutsourcingTariff, outsourcing_tariff
from .plan import Plan, evaluate, schedule_route
from .plan_store import PlanStore, plan_key
from .restrict import restricted_plan
from .solution import Solution, merge_solutions, to_solution
from .solvers import SolveParams, choose_backend, solve
from .strategies import get_strategy, plan_from_solution

if TYPE_CHECKING:
    from .context import PlanningContext
    from .fleet import FleetVehicle
    from .game_repair import GameRepair
    from .problem import RoutingProblem

__all__ = [
    "CoalitionBudget",
    "CoalitionGame",
    "CoalitionValue",
    "coalition_backend",
    "coalition_values",
    "everyone_reference",
    "monotonicity_violations",
    "price_solution",
    "solve_game",
]

logger = logging.getLogger(__name__)

Coalition = frozenset[str]
Progress = Callable[[int, int], None]
"""Called with (coalitions done, coalitions to do) as solves come back."""

STRATEGY = "pooled"
"""The default strategy whose fleet and plan define c(S)."""


@dataclass(frozen=True)
class CoalitionBudget:
    """Search budget of one coalition solve, scaled to the coalition's size.

    A coalition's pooled problem is searched by PyVRP when it is installed and
    supports the problem (one time window per visit; not when the scenario forces
    ``backend: ortools``), stopped after ``iterations_base +
    iterations_per_request_sq * r ** 2`` iterations for r requests (orders), then by
    OR-Tools from PyVRP's plan where it waits long (see ``_search``); else by
    OR-Tools alone. OR-Tools stops after
    ``solutions_base + solutions_per_producer * k`` improving solutions for k
    producers. Either limit is reproducible; the time cap of
    ``time_base_s + time_per_producer_s * k`` seconds is a safety net. How the
    defaults were chosen (measured coalition by coalition, then exact Shapley for 12
    producers within 10 minutes on 2 cores) is in ``benchmarks/README.md``
    (allocation).

    Parameters
    ----------
    solutions_base, solutions_per_producer
        OR-Tools' solution limit (improving solutions), by producers.
    iterations_base, iterations_per_request_sq
        PyVRP's iteration limit, by requests: a larger problem needs more
        iterations of PyVRP's iterated local search to reach the same quality
        (from scratch, at 400 requests: 1,000 iterations 6,477.72 EUR, 3,000
        5,002.57 EUR; at 47 requests 30 iterations already found what 300 did), and
        an iteration costs about the same at any size (2-7 ms here). The
        coefficient is the largest tried that keeps exact Shapley for 12 producers
        within 10 minutes on 2 cores (0.01 took 10.2 min).
    time_base_s, time_per_producer_s
        Time cap, a safety net only: a solve stopped by it may differ between runs,
        and its plan seeds the larger coalitions' starts, so the difference
        spreads. With a cap of 1 + 0.2 k s, 11 of 255 solves hit it on a machine
        loaded 6 times over its 2 cores and the process pool and Dask runs of the
        same 8-producer game differed (c(N) 659.83 vs 760.48 EUR); the cap is
        therefore generous (the limits normally stop a search well before it).
    """

    solutions_base: int = 3
    solutions_per_producer: float = 0.25
    iterations_base: int = 0
    iterations_per_request_sq: float = 0.008
    time_base_s: float = 5.0
    time_per_producer_s: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "solutions_base",
            "solutions_per_producer",
            "iterations_base",
            "iterations_per_request_sq",
        ):
            if getattr(self, name) < 0:
                msg = f"{name} must be >= 0; got {getattr(self, name)!r}."
                raise ValueError(msg)
        if self.time_base_s <= 0 or self.time_per_producer_s < 0:
            msg = (
                "time_base_s must be > 0 and time_per_producer_s >= 0; got "
                f"{self.time_base_s!r} and {self.time_per_producer_s!r}."
            )
            raise ValueError(msg)

    def time_limit_s(self, size: int) -> float:
        """Time cap of a coalition of ``size`` producers."""
        return self.time_base_s + self.time_per_producer_s * size

    def solution_limit(self, size: int) -> int:
        """OR-Tools' solution limit for ``size`` producers (at least 1)."""
        return max(
            1, math.floor(self.solutions_base + self.solutions_per_producer * size)
        )

    def iteration_limit(self, requests: int) -> int:
        """PyVRP's iteration limit for ``requests`` requests (at least 1)."""
        return max(
            1,
            math.floor(
                self.iterations_base + self.iterations_per_request_sq * requests**2
            ),
        )

    def limit(self, backend: str, size: int, requests: int) -> int:
        """The stopping limit of ``backend`` (``"pyvrp"``: iterations, else
        improving solutions) for a coalition of ``size`` producers and
        ``requests`` requests."""
        if backend == "pyvrp":
            return self.iteration_limit(requests)
        return self.solution_limit(size)


@dataclass(frozen=True)
class CoalitionValue:
    """The cost and CO2e of one coalition's kept, checked plan.

    Attributes
    ----------
    members
        The producers of the coalition.
    route_cost_eur, route_co2e_kg
        Accounted cost and CO2e of the routes driven.
    outsourced
        Order ids the coalition does not serve, priced at the carrier tariff.
    outsourced_cost_eur, outsourced_co2e_kg
        What those orders cost through the carrier.
    kept
        ``"search"`` when the search's plan was kept, ``"union without
        <producer>"`` (the plans of S minus that producer and of it alone), or
        after :func:`~logistics.game_repair.repair_values` ``"derived from S +
        <producer>"`` (the plan of S plus that producer, its orders taken out) or
        ``"union of <A> and <B>"`` (the plans of two parts of S).
    time_bound
        True when the search stopped at its time cap rather than its solution limit.
    wall_time_s
        Time of the solve (0 when the plan came from the plan store).
    solution
        The kept solution.
    """

    members: Coalition
    route_cost_eur: float
    route_co2e_kg: float
    outsourced: tuple[str, ...]
    outsourced_cost_eur: float
    outsourced_co2e_kg: float
    kept: str
    time_bound: bool
    wall_time_s: float
    solution: Solution

    @property
    def cost_eur(self) -> float:
        """c(S): routes plus outsourced orders, in euros."""
        return self.route_cost_eur + self.outsourced_cost_eur

    @property
    def co2e_kg(self) -> float:
        """CO2e of the routes plus the outsourced orders."""
        return self.route_co2e_kg + self.outsourced_co2e_kg


@dataclass(frozen=True)
class CoalitionGame:
    """Values of coalitions of a collective's producers.

    Attributes
    ----------
    producers
        The players, in scenario order.
    values
        :class:`CoalitionValue` by coalition (every non-empty one for an exact game,
        those sampled otherwise).
    solves
        Coalition plans searched in this run (plans read from the store excluded).
    wall_time_s
        Time taken to compute the values.
    repair
        What the repair of the values changed (None when not repaired).
    """

    producers: tuple[str, ...]
    values: Mapping[Coalition, CoalitionValue]
    solves: int = 0
    wall_time_s: float = 0.0
    repair: GameRepair | None = None

    @property
    def complete(self) -> bool:
        """True when every non-empty coalition has a value."""
        return bool(len(self.values) == 2 ** len(self.producers) - 1)

    def cost(self) -> dict[Coalition, float]:
        """c(S) in euros by coalition, the empty coalition included (0)."""
        return {frozenset(): 0.0, **{s: v.cost_eur for s, v in self.values.items()}}

    def co2e(self) -> dict[Coalition, float]:
        """CO2e in kg by coalition, the empty coalition included (0)."""
        return {frozenset(): 0.0, **{s: v.co2e_kg for s, v in self.values.items()}}

    @property
    def time_bound(self) -> int:
        """Coalitions whose search stopped at its time cap."""
        return sum(v.time_bound for v in self.values.values())


def coalition_values(
    context: PlanningContext,
    coalitions: Iterable[Collection[str]],
    *,
    budget: CoalitionBudget | None = None,
    known: Mapping[Coalition, CoalitionValue] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    candidates: Mapping[Coalition, Sequence[tuple[str, Solution]]] | None = None,
    strategy: str = STRATEGY,
    unions: bool = True,
    reference: tuple[str, Solution] | None = None,
) -> dict[Coalition, CoalitionValue]:
    """Compute c(S) for ``coalitions`` not already ``known``, by increasing size.

    Parameters
    ----------
    context
        The planning context (its plan store caches the plans).
    coalitions
        Sets of producer ids (duplicates are solved once).
    budget
        Search budget per coalition (:class:`CoalitionBudget` defaults).
    known
        Values computed before; they are reused and serve as warm starts.
    executor
        Runs the solves (``None``: in this process, one after another).
    progress
        Called with (done, total) as chunks of coalitions come back.
    chunk_size
        Coalitions per job (default: enough jobs to keep 4 per worker busy).
    candidates
        Plans known for some coalitions (label, solution), e.g. the pooled
        strategy's plan of everyone with its full budget and each producer's
        separate plan: each is checked, priced and kept when cheapest.
    strategy
        The registered strategy defining S's fleet and plan (``"pooled"``;
        ``"hub"``: see the module docstring).
    unions
        Start each S from the cheapest union of the plans of S - {i} and {i}
        (pooled only; the module notes). ``False`` for sampled games: there the
        union is only ever available to the larger coalition of a sampled pair
        (S + {i} sees S's plan, S rarely sees its own parts'), which lowers every
        sampled marginal cost (see :func:`~logistics.split.fair_split`).
    reference
        A labelled, checked plan of a larger coalition (the best plan of everyone):
        each S also gets it restricted to S's orders as a candidate and start
        (:func:`~logistics.restrict.restricted_plan`; pooled only).

    Returns
    -------
    dict
        ``known`` plus the new values, by coalition.

    Raises
    ------
    UnknownIdError
        When a coalition names a producer the scenario does not have.
    InfeasiblePlanError
        When the checker rejects a plan (a bug, never a user error).
    """
    budget = budget or CoalitionBudget()
    get_strategy(strategy)  # an unknown name fails here
    values: dict[Coalition, CoalitionValue] = dict(known or {})
    wanted = {frozenset(c) for c in coalitions} - set(values) - {frozenset()}
    context.orders_of([p for c in wanted for p in c])  # unknown ids fail here
    total, done = len(wanted), 0
    for size in sorted({len(c) for c in wanted}):
        level = sorted((c for c in wanted if len(c) == size), key=_order(context))
        given = candidates or {}
        specs = [
            (
                c,
                _starts(values if unions else {}, c, given.get(c, ()))
                if strategy == STRATEGY
                else _given_and_larger(given, c),
            )
            for c in level
        ]
        for chunk_values in _run_level(
            context,
            budget,
            specs,
            executor,
            chunk_size,
            strategy,
            reference if strategy == STRATEGY else None,
        ):
            for v in chunk_values:
                values[v.members] = v
            done += len(chunk_values)
            if progress is not None:
                progress(done, total)
    return values


def solve_game(
    context: PlanningContext,
    *,
    budget: CoalitionBudget | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    strategy: str = STRATEGY,
    repair: bool = True,
    candidates: Mapping[Coalition, Sequence[tuple[str, Solution]]] | None = None,
) -> CoalitionGame:
    """Compute c(S) for every non-empty coalition of the scenario's producers.

    2^n - 1 solves for n producers (4,095 for 12): see :class:`CoalitionBudget`.
    ``strategy`` defines c(S) (see :func:`coalition_values`). Everyone is valued
    first (``candidates`` given, e.g. the pooled run's plan); for pooled, its kept
    plan restricted to each other coalition is then a candidate and start of that
    coalition (``reference`` of :func:`coalition_values`).
    With ``repair``, the values are then made monotone and subadditive where
    derived, checked plans allow it (:func:`~logistics.game_repair.repair_values`,
    no further solve).
    """
    producers = context.producer_ids
    t0 = time.perf_counter()
    coalitions = [
        frozenset(p for k, p in enumerate(producers) if mask >> k & 1)
        for mask in range(1, 2 ** len(producers))
    ]

    def valued(
        wanted: list[Coalition],
        known: dict[Coalition, CoalitionValue] | None = None,
        reference: tuple[str, Solution] | None = None,
    ) -> dict[Coalition, CoalitionValue]:
        return coalition_values(
            context,
            wanted,
            budget=budget,
            known=known,
            executor=executor,
            progress=progress,
            candidates=candidates,
            strategy=strategy,
            reference=reference,
        )

    everyone = frozenset(producers)
    values = valued([everyone])
    values = valued(coalitions, values, everyone_reference(values[everyone]))
    fixed = None
    # The repair derives plans on the pooled problem of each coalition; a hub
    # coalition's plan has two legs sharing the hub's vans, so it is not repaired
    # (its violations are reported, see split.py).
    if repair and strategy == STRATEGY:
        from .game_repair import repair_values

        values, fixed = repair_values(context, values)
    return game_of(producers, values, time.perf_counter() - t0, repair=fixed)


def everyone_reference(grand: CoalitionValue) -> tuple[str, Solution]:
    """The ``reference`` of :func:`coalition_values` from everyone's value: its
    kept plan, labelled ``"everyone's plan (<what was kept>)"``."""
    return f"everyone's plan ({grand.kept})", grand.solution


def game_of(
    producers: Sequence[str],
    values: Mapping[Coalition, CoalitionValue],
    wall_time_s: float = 0.0,
    *,
    repair: GameRepair | None = None,
) -> CoalitionGame:
    """Wrap values into a :class:`CoalitionGame`, counting the solves run."""
    solves = sum(v.wall_time_s > 0 for v in values.values())
    return CoalitionGame(
        tuple(producers), MappingProxyType(dict(values)), solves, wall_time_s, repair
    )


def monotonicity_violations(
    cost: Mapping[Coalition, float], *, tolerance_eur: float = 0.01
) -> list[tuple[Coalition, Coalition, float]]:
    """Pairs S subset of T = S + {i} with c(S) > c(T) + tolerance: (S, T, excess).

    Adding a producer's orders should never make a coalition cheaper; a heuristic
    search can, when it found a better plan for the larger coalition.
    """
    found = []
    for t, c_t in cost.items():
        for i in t:
            s = t - {i}
            if s in cost and cost[s] > c_t + tolerance_eur:
                found.append((s, t, cost[s] - c_t))
    return found


# -- internals -------------------------------------------------------------------------


def _order(context: PlanningContext) -> Callable[[Coalition], tuple[int, ...]]:
    """Sort key: coalitions in a fixed order (scenario positions), whatever the
    set iteration order of this process (PYTHONHASHSEED)."""
    position = {p: k for k, p in enumerate(context.producer_ids)}
    return lambda c: tuple(sorted(position[p] for p in c))


def _starts(
    values: Mapping[Coalition, CoalitionValue],
    members: Coalition,
    given: Sequence[tuple[str, Solution]],
) -> tuple[tuple[str, Solution], ...]:
    """Candidate plans of S: the given ones, then the cheapest union."""
    union = _union_start(values, members)
    return (*given, *([] if union is None else [union]))


def _given_and_larger(
    given: Mapping[Coalition, Sequence[tuple[str, Solution]]], members: Coalition
) -> tuple[tuple[str, Solution], ...]:
    """Candidates of S, then the given plans of larger coalitions (starts)."""
    larger = [
        item
        for c in sorted(given, key=lambda c: (-len(c), sorted(c)))
        if members < c
        for item in given[c]
    ]
    return (*given.get(members, ()), *larger)


def _union_start(
    values: Mapping[Coalition, CoalitionValue], members: Coalition
) -> tuple[str, Solution] | None:
    """The cheapest union of the plans of S - {i} and {i} whose vehicles do not
    clash (a shared pool vehicle may be in both), labelled by the producer i."""
    if len(members) < 2:
        return None
    best: tuple[float, str, Solution] | None = None
    for i in sorted(members):
        rest, alone = values.get(members - {i}), values.get(frozenset({i}))
        if rest is None or alone is None:
            continue
        used = {r.vehicle for r in rest.solution.routes}
        if any(r.vehicle in used for r in alone.solution.routes):
            continue
        cost = rest.cost_eur + alone.cost_eur
        if best is None or cost < best[0] - 1e-9:
            union = merge_solutions(STRATEGY, [rest.solution, alone.solution])
            best = (cost, f"union without {i}", union)
    return None if best is None else (best[1], best[2])


Spec = tuple[Coalition, tuple[tuple[str, Solution], ...]]


def _run_level(
    context: PlanningContext,
    budget: CoalitionBudget,
    specs: list[Spec],
    executor: Executor | None,
    chunk_size: int | None,
    strategy: str = STRATEGY,
    reference: tuple[str, Solution] | None = None,
) -> Iterable[list[CoalitionValue]]:
    """Yield the values of one level's coalitions, chunk by chunk as they finish."""
    if not specs:
        return
    if executor is None:
        for spec in specs:
            yield _solve_chunk((context, budget, [spec], strategy, reference))
        return
    size = chunk_size or max(1, math.ceil(len(specs) / (4 * _workers(executor))))
    chunks = [specs[k : k + size] for k in range(0, len(specs), size)]
    futures = [
        executor.submit(_solve_chunk, (context, budget, c, strategy, reference))
        for c in chunks
    ]
    for future in as_completed(futures):
        yield future.result()


def _workers(executor: Executor) -> int:
    """Worker count of a process pool or of a Dask client's executor (else 2)."""
    count = getattr(executor, "_max_workers", None)
    if isinstance(count, int):
        return count
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, int(sum(client.nthreads().values())))
        except Exception:  # a client that cannot answer: a modest guess
            return 2
    return 2


Job = tuple[
    "PlanningContext", "CoalitionBudget", list[Spec], str, tuple[str, Solution] | None
]


def _solve_chunk(job: Job) -> list[CoalitionValue]:
    """Solve, check and price a chunk of coalitions (a module-level function, so
    that executors can pickle it)."""
    context, budget, specs, strategy, reference = job
    tariff = outsourcing_tariff()
    if strategy != STRATEGY:
        return [
            _solve_by_strategy(context, budget, tariff, members, starts, strategy)
            for members, starts in specs
        ]
    return [
        _solve_one(context, budget, tariff, members, starts, reference)
        for members, starts in specs
    ]


def _solve_one(
    context: PlanningContext,
    budget: CoalitionBudget,
    tariff: OutsourcingTariff,
    members: Coalition,
    starts: tuple[tuple[str, Solution], ...],
    reference: tuple[str, Solution] | None = None,
) -> CoalitionValue:
    """Search S's plan from its cheapest candidate (``reference`` restricted to S
    among them), keep the cheapest plan of all, check it."""
    strategy = get_strategy(STRATEGY)
    ordered = [p for p in context.producer_ids if p in members]
    fleet = strategy.fleet(context, ordered)
    name = f"{context.scenario.name} / " + "+".join(ordered)
    problem = context.problem(ordered, fleet, name=name)
    # Only candidates expressible in S's problem (their vehicles in S's fleet, e.g.
    # not a separate plan when the pooled fleet leaves the producers' vans out).
    usable = [
        (plan, price_solution(context, tariff, members, sol, label))
        for label, sol in starts
        if (plan := plan_from_solution(problem, sol)) is not None
    ]
    if reference is not None:
        usable += _restricted(context, tariff, ordered, problem, fleet, reference)
    usable.sort(key=lambda item: item[1].cost_eur)
    priced = [value for _, value in usable]
    initial = usable[0][0] if usable else None
    size = len(ordered)
    s = context.scenario.solver
    backend = coalition_backend(s.backend, problem)
    params = SolveParams(
        time_limit_s=budget.time_limit_s(size),
        seed=s.seed,
        solution_limit=budget.limit(backend, size, len(problem.requests)),
        first_solution=s.first_solution,
        initial=initial,
    )
    store = context.plan_store
    key = plan_key(problem, params, f"{backend} coalition")
    plan = store.load(key) if store is not None else None
    wall, capped = 0.0, False
    if plan is None:
        t0 = time.perf_counter()
        try:
            plan = _search(problem, params, backend, budget, size)
        except SolverError:
            # No plan within the time cap (a loaded machine, a large coalition):
            # keep the best candidate, else the coalition outsources every order
            # (a real option, priced at the carrier tariff below). Either way the
            # checker sees it and the value counts as time-bound.
            capped = True
            if not priced:
                priced = [_outsource_all(context, tariff, members, problem, params)]
            logger.warning("%s: no plan within the cap; kept %s", name, priced[0].kept)
        wall = time.perf_counter() - t0
        if store is not None and plan is not None:
            store.store(key, plan)
    found = priced[0] if priced else None
    if plan is not None:
        solution = to_solution(context.scenario, problem, plan, strategy=STRATEGY)
        searched = price_solution(context, tariff, members, solution, "search")
        if found is None or searched.cost_eur <= found.cost_eur + 1e-9:
            found = searched
    if found is None:  # unreachable: a failed search without candidates raised
        msg = f"no plan for {name!r}"
        raise SolverError(msg)
    assert_feasible(
        context.scenario, context, found.solution, fleet=fleet, producers=ordered
    )
    return replace(
        found,
        time_bound=capped or wall >= params.time_limit_s,
        wall_time_s=wall,
    )


def coalition_backend(choice: str, problem: RoutingProblem) -> str:
    """The backend of a coalition search: the scenario's ``choice`` when it forces
    one, else :func:`~logistics.solvers.choose_backend`'s (PyVRP when it is
    installed and supports ``problem``, else OR-Tools)."""
    return choice if choice != "auto" else choose_backend(problem).name


def _search(
    problem: RoutingProblem,
    params: SolveParams,
    backend: str,
    budget: CoalitionBudget,
    size: int,
) -> Plan:
    """One coalition search, reproducible (every step stops on a count).

    With PyVRP: PyVRP at its iteration limit; then, on problems of at most
    :data:`WAIT_PASS_MAX_REQUESTS` requests where a route of its plan waits long
    at its visits (:func:`_waits_paid`), OR-Tools from PyVRP's plan at its
    solution limit, the cheaper plan kept. PyVRP counts a vehicle's wait at its
    base between two trips as paid route time, so where the model does not pay it
    (``paid_at_base`` false) PyVRP keeps one long trip with paid waits where two
    trips with an unpaid pause cost less; OR-Tools models the pause and splits the
    trip (one farm of melun-p08-o60 alone: 151.44 EUR from PyVRP, 71.89 after
    OR-Tools, in 0.01 s). A PyVRP search that ends without a feasible plan (too few
    iterations for a large, tight problem) is followed by OR-Tools from the
    caller's start.
    """
    if backend != "pyvrp":
        return solve(problem, params, backend=backend)
    ortools = replace(params, solution_limit=budget.solution_limit(size))
    try:
        first = solve(problem, params, backend="pyvrp")
    except SolverError:
        logger.info("%s: PyVRP found no plan; OR-Tools searches", problem.name)
        return solve(problem, ortools, backend="ortools")
    if len(problem.requests) > WAIT_PASS_MAX_REQUESTS or not _waits_paid(
        problem, first
    ):
        return first
    second = solve(problem, replace(ortools, initial=first), backend="ortools")
    if evaluate(problem, second) < evaluate(problem, first):
        return replace(second, backend=f"{second.backend} from {first.backend}")
    return first


WAIT_SPLIT_S = 1_800
"""A PyVRP coalition plan is handed to OR-Tools when a route of a vehicle that may
make another trip, unpaid at its base, waits this long in all (seconds) at its
visits: a pause at base instead might cost less (see :func:`_search`)."""


WAIT_PASS_MAX_REQUESTS = 100
"""The OR-Tools pass runs on coalitions of at most this many requests. Above, it
costs much and gains little (ajaccio-p40-o400, 20 farms, 191 orders: 29.6 s for
-0.7 %; 30 farms, 290 orders: 47.4 s, beyond the 35 s time cap, for -0.3 %), while
up to 90 orders it took 0.1-1.9 s and removed most monotonicity violations
(``benchmarks/results/2026-12-03-allocation-pyvrp.md``)."""


def _waits_paid(problem: RoutingProblem, plan: Plan) -> bool:
    """Whether a route of ``plan`` waits :data:`WAIT_SPLIT_S` or more at its visits
    on a vehicle whose wait at its base between trips would not be paid."""
    for route in plan.routes:
        v = problem.vehicles[route.vehicle]
        if v.paid_at_base or len(route.breaks) + 1 >= v.max_trips:
            continue
        sched = schedule_route(problem, route.vehicle, route.visits, route.breaks)
        if int((sched.start - sched.arrival).sum()) >= WAIT_SPLIT_S:
            return True
    return False


def _restricted(
    context: PlanningContext,
    tariff: OutsourcingTariff,
    ordered: list[str],
    problem: RoutingProblem,
    fleet: Sequence[FleetVehicle],
    reference: tuple[str, Solution],
) -> list[tuple[Plan, CoalitionValue]]:
    """The reference plan restricted to S (``ordered``, its members in scenario
    order), priced, when the checker accepts it (else nothing: a restriction is
    only ever a candidate)."""
    label, source = reference
    plan = restricted_plan(problem, source)
    if plan is None:
        return []
    solution = to_solution(context.scenario, problem, plan, strategy=STRATEGY)
    errors = check_solution(
        context.scenario, context, solution, fleet=fleet, producers=ordered
    )
    if errors:
        logger.warning("%s restricted to %s rejected: %s", label, ordered, errors[:3])
        return []
    members = frozenset(ordered)
    priced = price_solution(context, tariff, members, solution, f"{label}, restricted")
    return [(plan, priced)]


def _outsource_all(
    context: PlanningContext,
    tariff: OutsourcingTariff,
    members: Coalition,
    problem: RoutingProblem,
    params: SolveParams,
) -> CoalitionValue:
    """S's value when its search found no plan: every order to the carrier."""
    plan = Plan((), tuple(range(len(problem.requests))), "outsourced")
    solution = to_solution(context.scenario, problem, plan, strategy=STRATEGY)
    reason = (
        f"no plan found within the coalition's time cap of {params.time_limit_s:g} s; "
        "outsourced to a carrier"
    )
    solution = replace(
        solution,
        unserved=tuple(replace(u, reason=reason) for u in solution.unserved),
    )
    return price_solution(context, tariff, members, solution, "outsourced")


@dataclass(frozen=True)
class _RecordingStore(PlanStore):
    """A plan store that remembers the wall times of the plans it was given (the
    searches run, as opposed to plans read back)."""

    searched: list[float] = field(default_factory=list, compare=False)

    def store(self, key: str, plan: Plan) -> None:
        self.searched.append(plan.wall_time_s)
        super().store(key, plan)


def _budgeted(
    context: PlanningContext, budget: CoalitionBudget, size: int
) -> PlanningContext:
    """The context with the coalition budget as its solver settings (every search
    of every leg: the solution limit, the time cap, one search, OR-Tools unless
    PyVRP is asked for) and a store recording the searches."""
    s = context.scenario.solver
    limit = budget.time_limit_s(size)
    solver = s.model_copy(
        update={
            "time_limit_s": limit,
            "separate_time_limit_s": limit,
            "solution_limit": budget.solution_limit(size),
            "backend": "pyvrp" if s.backend == "pyvrp" else "ortools",
        }
    )
    scenario = context.scenario.model_copy(update={"solver": solver})
    root = context.plan_store.root if context.plan_store is not None else None
    store = _RecordingStore(root) if root is not None else None
    return replace(context, scenario=scenario, plan_store=store, parallel_searches=1)


def _solve_by_strategy(
    context: PlanningContext,
    budget: CoalitionBudget,
    tariff: OutsourcingTariff,
    members: Coalition,
    starts: tuple[tuple[str, Solution], ...],
    name: str,
) -> CoalitionValue:
    """c(S) through the strategy's own solve at the coalition budget; the given
    candidates are checked and kept when cheaper (see the module docstring)."""
    strategy = get_strategy(name)
    ordered = [p for p in context.producer_ids if p in members]
    fleet = strategy.fleet(context, ordered)
    budgeted = _budgeted(context, budget, len(ordered))
    producer = {o.id: o.producer for o in context.scenario.orders}
    own, larger = [], []
    for label, candidate in starts:
        covers = {u.producer for u in candidate.unserved} | {
            producer[o] for r in candidate.routes for o in r.orders
        }
        if covers == members:
            own.append((label, candidate))
        elif members < covers:
            larger.append(candidate)
    t0 = time.perf_counter()
    solution = strategy.solve(budgeted, ordered, start=larger[0] if larger else None)
    wall = time.perf_counter() - t0
    found = price_solution(context, tariff, members, solution, "search")
    checked = [found]
    for label, candidate in own:
        priced = price_solution(context, tariff, members, candidate, label)
        if priced.cost_eur < found.cost_eur - 1e-9:
            found = priced
            checked.append(priced)
    for value in checked:
        assert_feasible(
            context.scenario, context, value.solution, fleet=fleet, producers=ordered
        )
    store = budgeted.plan_store
    searched = store.searched if isinstance(store, _RecordingStore) else None
    ran = searched is None or bool(searched)
    # A leg's search that ran at least half its cap (the bound search's cap) may
    # have been stopped by it rather than by the solution limit.
    cap = budget.time_limit_s(len(ordered)) / 2
    capped = (searched is None and wall >= cap) or any(w >= cap for w in searched or ())
    return replace(found, time_bound=capped, wall_time_s=wall if ran else 0.0)


def price_solution(
    context: PlanningContext,
    tariff: OutsourcingTariff,
    members: Coalition,
    solution: Solution,
    kept: str,
) -> CoalitionValue:
    """Account ``solution`` and price its unserved orders at the carrier tariff."""
    acc = account(context.scenario, solution, context)
    orders = {o.id: o for o in context.orders_of(members)}
    out = tuple(sorted(u.order for u in solution.unserved))
    cost = sum(tariff.cost_eur(orders[o].kg) for o in out)
    co2e = sum(
        tariff.co2e_kg(
            orders[o].kg, _sfd_km(context, orders[o].producer, orders[o].delivery_point)
        )
        for o in out
    )
    return CoalitionValue(
        members=members,
        route_cost_eur=acc.cost_eur,
        route_co2e_kg=acc.co2e_kg,
        outsourced=out,
        outsourced_cost_eur=cost,
        outsourced_co2e_kg=co2e,
        kept=kept,
        time_bound=False,
        wall_time_s=0.0,
        solution=solution,
    )


def _sfd_km(context: PlanningContext, producer: str, point: str) -> float:
    """Shortest road distance from a farm to a delivery point, in km."""
    return (
        float(
            context.distance_m[context.site_index(producer), context.site_index(point)]
        )
        / 1000
    )
