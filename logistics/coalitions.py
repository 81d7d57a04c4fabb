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
  subadditive with respect to single producers by construction. For a complete game,
  :func:`solve_game` then repairs the values with derived plans
  (:mod:`logistics.game_repair`): a larger coalition's plan without one producer's
  orders where c is not monotone, the union of two parts' plans where it is not
  subadditive for any split, each checked; :func:`monotonicity_violations` counts
  what is left.
- **Small, size-scaled, reproducible budget.** Each solve stops after a number of
  improving solutions that grows with the coalition's size
  (:class:`CoalitionBudget`); the time limit is only a safety cap. A solution limit,
  unlike a time limit, makes the search deterministic, so the same seed gives the
  same values on any executor and under any machine load. Solves that hit the cap
  are counted (:attr:`CoalitionValue.time_bound`).
- **Each coalition once, cached, checked.** Coalitions are deduplicated, plans are
  kept in the plan store (a rerun solves nothing), and every kept plan passes the
  independent checker against S's fleet before its value is used.

Solves run on any :class:`concurrent.futures.Executor` (a local process pool, a Dask
client's executor), in chunks of coalitions so that the context is sent once per
chunk.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from .accounting import account
from .checker import assert_feasible
from .exceptions import SolverError
from .factors import OutsourcingTariff, outsourcing_tariff
from .plan_store import plan_key
from .solution import Solution, merge_solutions, to_solution
from .solvers import SolveParams, solve
from .strategies import get_strategy, plan_from_solution

if TYPE_CHECKING:
    from .context import PlanningContext
    from .game_repair import GameRepair

__all__ = [
    "CoalitionBudget",
    "CoalitionGame",
    "CoalitionValue",
    "coalition_values",
    "monotonicity_violations",
    "price_solution",
    "solve_game",
]

logger = logging.getLogger(__name__)

Coalition = frozenset[str]
Progress = Callable[[int, int], None]
"""Called with (coalitions done, coalitions to do) as solves come back."""

STRATEGY = "pooled"
"""The strategy whose fleet and plan define c(S)."""


@dataclass(frozen=True)
class CoalitionBudget:
    """Search budget of one coalition solve, scaled to the coalition's size.

    A coalition of k producers stops after ``solutions_base + solutions_per_producer
    * k`` (rounded down) improving solutions, or at the safety cap of ``time_base_s +
    time_per_producer_s * k`` seconds, whichever comes first. How the defaults were
    chosen (exact Shapley for 12 producers, 4,095 solves, within 10 minutes on 2
    cores) is in ``benchmarks/README.md`` (allocation).

    Parameters
    ----------
    solutions_base, solutions_per_producer
        Solution limit (OR-Tools: improving solutions; PyVRP: iterations), the
        reproducible stopping rule.
    time_base_s, time_per_producer_s
        Time cap, a safety net only: a solve stopped by it may differ between runs,
        and its plan seeds the larger coalitions' starts, so the difference
        spreads. With a cap of 1 + 0.2 k s, 11 of 255 solves hit it on a machine
        loaded 6 times over its 2 cores and the process pool and Dask runs of the
        same 8-producer game differed (c(N) 659.83 vs 760.48 EUR); the cap is
        therefore generous (the solution limit normally stops a search in well
        under a second).
    """

    solutions_base: int = 3
    solutions_per_producer: float = 0.25
    time_base_s: float = 5.0
    time_per_producer_s: float = 1.0

    def __post_init__(self) -> None:
        for name in ("solutions_base", "solutions_per_producer"):
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
        """Solution limit of a coalition of ``size`` producers (at least 1)."""
        return max(
            1, math.floor(self.solutions_base + self.solutions_per_producer * size)
        )


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
    values: dict[Coalition, CoalitionValue] = dict(known or {})
    wanted = {frozenset(c) for c in coalitions} - set(values) - {frozenset()}
    context.orders_of([p for c in wanted for p in c])  # unknown ids fail here
    total, done = len(wanted), 0
    for size in sorted({len(c) for c in wanted}):
        level = sorted((c for c in wanted if len(c) == size), key=_order(context))
        given = candidates or {}
        specs = [(c, _starts(values, c, given.get(c, ()))) for c in level]
        for chunk_values in _run_level(context, budget, specs, executor, chunk_size):
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
    repair: bool = True,
) -> CoalitionGame:
    """Compute c(S) for every non-empty coalition of the scenario's producers.

    2^n - 1 solves for n producers (4,095 for 12): see :class:`CoalitionBudget`.
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
    values = coalition_values(
        context, coalitions, budget=budget, executor=executor, progress=progress
    )
    fixed = None
    if repair:
        from .game_repair import repair_values

        values, fixed = repair_values(context, values)
    return game_of(producers, values, time.perf_counter() - t0, repair=fixed)


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
) -> Iterable[list[CoalitionValue]]:
    """Yield the values of one level's coalitions, chunk by chunk as they finish."""
    if not specs:
        return
    if executor is None:
        for spec in specs:
            yield _solve_chunk((context, budget, [spec]))
        return
    size = chunk_size or max(1, math.ceil(len(specs) / (4 * _workers(executor))))
    chunks = [specs[k : k + size] for k in range(0, len(specs), size)]
    futures = [executor.submit(_solve_chunk, (context, budget, c)) for c in chunks]
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


def _solve_chunk(
    job: tuple[PlanningContext, CoalitionBudget, list[Spec]],
) -> list[CoalitionValue]:
    """Solve, check and price a chunk of coalitions (a module-level function, so
    that executors can pickle it)."""
    context, budget, specs = job
    tariff = outsourcing_tariff()
    return [
        _solve_one(context, budget, tariff, members, starts)
        for members, starts in specs
    ]


def _solve_one(
    context: PlanningContext,
    budget: CoalitionBudget,
    tariff: OutsourcingTariff,
    members: Coalition,
    starts: tuple[tuple[str, Solution], ...],
) -> CoalitionValue:
    """Search S's plan from its cheapest candidate, keep the cheapest plan of all,
    check it."""
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
    usable.sort(key=lambda item: item[1].cost_eur)
    priced = [value for _, value in usable]
    initial = usable[0][0] if usable else None
    size = len(ordered)
    s = context.scenario.solver
    params = SolveParams(
        time_limit_s=budget.time_limit_s(size),
        seed=s.seed,
        solution_limit=budget.solution_limit(size),
        first_solution=s.first_solution,
        initial=initial,
    )
    # The search runs to a solution limit (reproducible); PyVRP only when asked for.
    backend = "pyvrp" if s.backend == "pyvrp" else "ortools"
    store = context.plan_store
    key = plan_key(problem, params, backend)
    plan = store.load(key) if store is not None else None
    wall, capped = 0.0, False
    if plan is None:
        t0 = time.perf_counter()
        try:
            plan = solve(problem, params, backend=backend)
        except SolverError:
            if not priced:
                raise
            # No plan within the time cap (a loaded machine): keep the best
            # candidate, which the checker sees below, and count it time-bound.
            logger.warning("%s: no plan within the cap; kept %s", name, priced[0].kept)
            capped = True
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
