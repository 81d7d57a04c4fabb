"""Who pays what: a fair split of the pooled cost among the producers (issue #10).

:func:`fair_split` runs the strategies (separate, pooled; plans cached), computes the
coalition values c(S) (:mod:`logistics.coalitions`; the pooled plan of everyone and
each producer's separate plan are candidates for c(N) and c({i})), splits c(N) and
the pooled CO2e with the method asked for (:mod:`logistics.allocation`), checks the
split's stability, finds the cheapest grouping of the producers, and settles who
pays whom (:mod:`logistics.settlement`). :func:`allocate` returns the table as a
pandas DataFrame.

``strategy="hub"`` splits the hub strategy's cost instead (issue #13): c(S) is the
cost of S's whole chain through the hub (both legs, hub handling; the rule is in
:mod:`logistics.coalitions`), the hub strategy's own plan is a candidate for c(N)
and, restricted to each smaller coalition's orders, the start of its searches,
c({i}) is the producer going through the hub alone, the ISO column is the ISO
14083 split of the hub plan, and the hub's handling is borne by the collective in
the settlement (the hub and its vans belong to no producer).

Exact or sampled: every coalition is solved when there are at most
:data:`MAX_EXACT` producers (2^14 - 1 = 16,383 solves), else the Shapley value is
sampled, the core is checked on the sampled coalitions and the partition is the
greedy heuristic; the nucleolus and EPM need every coalition and are refused beyond.
An exact game's values are repaired before the split
(:func:`~logistics.game_repair.repair_values`: monotone and subadditive where derived,
checked plans allow); a sampled game's are not (the sampled Shapley value reads them
as they come).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import allocation as alloc
from .coalitions import (
    CoalitionBudget,
    CoalitionGame,
    CoalitionValue,
    coalition_values,
    everyone_reference,
    game_of,
    monotonicity_violations,
)
from .exceptions import AllocationError
from .game_repair import repair_values
from .settlement import Transfer, settle

if TYPE_CHECKING:
    import pandas as pd

    from .comparison import Comparison
    from .context import PlanningContext
    from .scenario import Scenario
    from .travel import TravelData

__all__ = [
    "BANDED_FROM",
    "COLLECTIVE",
    "MAX_EXACT",
    "METHODS",
    "SAMPLED_STRATA",
    "SPLIT_STRATEGIES",
    "FairSplit",
    "ProducerShare",
    "allocate",
    "check_split_strategy",
    "default_strata",
    "fair_split",
    "plan_candidates",
    "split_table",
]

Method = Literal[
    "shapley",
    "nucleolus",
    "epm",
    "proportional-kg",
    "proportional-tkm",
    "proportional-standalone",
]
METHODS: tuple[str, ...] = (
    "shapley",
    "nucleolus",
    "epm",
    "proportional-kg",
    "proportional-tkm",
    "proportional-standalone",
)
"""Cost-split methods by name (``--method``)."""

SPLIT_STRATEGIES: tuple[str, ...] = ("pooled", "hub")
"""Strategies whose cost can be split (``--strategy``); ``separate`` has nothing
to split (each producer pays its own routes)."""

MAX_EXACT = 14
"""Most producers for which every coalition is solved (exact Shapley, nucleolus,
EPM, core and partition)."""

BANDED_FROM = 26
"""Fewest producers for which sampled Shapley groups coalition sizes into
:data:`SAMPLED_STRATA` bands by default (:func:`default_strata`)."""

SAMPLED_STRATA = 4
"""Strata per producer of a sampled Shapley value from :data:`BANDED_FROM`
producers (bands of coalition sizes, :func:`~logistics.allocation.size_bands`)."""


def default_strata(producers: int) -> int | None:
    """Strata per producer of sampled Shapley for ``producers`` producers: one per
    coalition size (``None``) below :data:`BANDED_FROM`, else
    :data:`SAMPLED_STRATA` bands.

    The first round draws at least 4 samples per stratum and coalition solves grow
    with size: one stratum per size costs 4 n (n - 2) + 2 n marginal costs, 6,160 at
    40 producers (about 6 h of coalition solves on 2 cores,
    ``benchmarks/results/2026-12-03-coalitions-p40-timing.md``); 4 bands cost 720
    (59.3 min, ``benchmarks/results/2026-12-03-allocation-sampled40.md``). Bands
    stay unbiased; their standard errors covered the exact value a little less often
    on a constructed 14-player game (1.96 standard errors: 89-90 % with 4 bands,
    94.6 % with one stratum per size; ``benchmarks/README.md``, allocation).
    The 25-producer benchmark, measured with one stratum per size, keeps it.
    """
    return None if producers < BANDED_FROM else SAMPLED_STRATA


COLLECTIVE = "(collective)"
"""Settlement party owning the pool vehicles that no producer owns."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ProducerShare:
    """One producer's row of the split (euros and kg CO2e).

    ``std_error_eur`` is the sampled Shapley value's standard error (0 when exact),
    ``spread_eur`` the standard deviation of the share over replicate seeds (0 with
    one replicate), ``bears_eur`` the route and carrier costs the producer paid on
    the day (its vehicles' routes, its outsourced orders), ``balance_eur`` what it
    owes the others (share - bears; negative: it is owed).
    """

    producer: str
    orders: int
    kg: float
    tonne_km: float
    standalone_cost_eur: float
    cost_eur: float
    standalone_co2e_kg: float
    co2e_kg: float
    iso_cost_eur: float
    iso_co2e_kg: float
    std_error_eur: float
    spread_eur: float
    bears_eur: float

    @property
    def saving_eur(self) -> float:
        """Stand-alone cost minus allocated cost."""
        return self.standalone_cost_eur - self.cost_eur

    @property
    def saving_pct(self) -> float:
        """Saving in % of the stand-alone cost (NaN when that is 0)."""
        return _pct(self.saving_eur, self.standalone_cost_eur)

    @property
    def co2e_saving_kg(self) -> float:
        """Stand-alone CO2e minus allocated CO2e."""
        return self.standalone_co2e_kg - self.co2e_kg

    @property
    def co2e_saving_pct(self) -> float:
        """CO2e saving in % of the stand-alone CO2e."""
        return _pct(self.co2e_saving_kg, self.standalone_co2e_kg)

    @property
    def pays_more_than_alone(self) -> bool:
        """True when the split asks more than the producer's stand-alone cost."""
        return self.cost_eur > self.standalone_cost_eur + 0.005

    @property
    def balance_eur(self) -> float:
        """What the producer owes the others after the day (negative: is owed)."""
        return self.cost_eur - self.bears_eur


@dataclass(frozen=True)
class FairSplit:
    """A cost split of the pooled plan, its stability and its settlement.

    Attributes
    ----------
    method
        The method (:data:`METHODS`).
    strategy
        The strategy whose cost is split (:data:`SPLIT_STRATEGIES`).
    exact
        True when every coalition was solved.
    grand_cost_eur, grand_co2e_kg
        c(N): the kept plan of all producers, outsourced orders included.
    shares
        One row per producer, in scenario order.
    core_violations
        Coalitions asked to pay more than on their own (exact: all; sampled: those
        sampled), with the excess in euros, largest first.
    least_core_eur
        The least-core value t (exact games only; t >= 0 when the core is not
        empty, NaN when sampled).
    monotonicity_violations
        Pairs S, S + {i} where the larger coalition costs less (heuristic noise).
    partition, partition_cost_eur, partition_exact
        The grouping of producers of least total cost, its cost, and whether the
        exact programme found it (else the greedy heuristic).
    better_alone
        Producers alone in that grouping.
    costs_collective
        Producers whose membership costs the collective more than they cost alone:
        c(N) - c(N - {i}) > c({i}) (exact games).
    transfers, collective_bears_eur
        The settlement, and the route cost borne by pool vehicles nobody owns.
    game
        The coalition values.
    replicates
        Seeds the game was solved with (the first is the scenario's).
    notes
        Plain sentences about the run (budget, time-bound solves, relaxations).
    """

    method: str
    strategy: str
    exact: bool
    grand_cost_eur: float
    grand_co2e_kg: float
    shares: tuple[ProducerShare, ...]
    core_violations: tuple[tuple[frozenset[str], float], ...]
    least_core_eur: float
    monotonicity_violations: int
    partition: tuple[frozenset[str], ...]
    partition_cost_eur: float
    partition_exact: bool
    better_alone: tuple[str, ...]
    costs_collective: tuple[str, ...]
    transfers: tuple[Transfer, ...]
    collective_bears_eur: float
    game: CoalitionGame
    replicates: tuple[int, ...]
    notes: tuple[str, ...]
    wall_time_s: float

    def table(self) -> pd.DataFrame:
        """The per-producer table as a DataFrame (see :func:`split_table`)."""
        return split_table(self)


def fair_split(
    scenario: Scenario,
    *,
    method: str = "shapley",
    strategy: str = "pooled",
    travel: TravelData | None = None,
    comparison: Comparison | None = None,
    osm_dirs: Sequence[str | Path] = (),
    executor: Executor | None = None,
    budget: CoalitionBudget | None = None,
    replicates: int = 1,
    max_exact: int = MAX_EXACT,
    tolerance_eur: float = 0.5,
    max_samples: int = 20_000,
    strata: int | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> FairSplit:
    """Split the pooled cost of ``scenario`` among its producers.

    Parameters
    ----------
    scenario
        The validated scenario.
    method
        One of :data:`METHODS`.
    strategy
        The strategy whose cost is split, one of :data:`SPLIT_STRATEGIES`
        (``"hub"`` needs a hub with delivery vans).
    travel
        Precomputed travel data (built when omitted).
    comparison
        A comparison with the strategies needed already run (``separate`` and
        ``pooled``; ``hub`` for the hub split), run when omitted, plans cached.
    osm_dirs
        Further folders to look for the OSM file in.
    executor
        Runs the coalition solves (default: a local process pool).
    budget
        Search budget per coalition.
    replicates
        Solve the game this many times, replicate r with the scenario's seed + r
        and r more solutions per coalition search (OR-Tools ignores the seed), and
        report the standard deviation of each share; the split is the first's.
    max_exact
        Most producers for an exact game (every coalition solved).
    tolerance_eur
        Standard error at which sampled Shapley stops (the stopping rule; the
        CO2e estimate stops at a tenth of it, in kg).
    max_samples
        Most marginal costs sampled (each needs c(S) and c(S + i)) when the
        standard errors stay above ``tolerance_eur``.
    strata
        Strata per producer of sampled Shapley (bands of coalition sizes,
        :func:`~logistics.allocation.size_bands`); ``None``: :func:`default_strata`.
    progress
        Called with (coalitions done, coalitions to do).
    use_cache
        Reuse networks, matrices and plans stored on disk.

    Raises
    ------
    AllocationError
        For an unknown method or strategy, the hub split of a scenario without a
        hub, or the nucleolus / EPM on more than ``max_exact``
        producers.
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        msg = f"method must be one of {', '.join(METHODS)}; got {method!r}"
        raise AllocationError(msg)
    if replicates < 1:
        msg = f"replicates must be >= 1; got {replicates!r}"
        raise AllocationError(msg)
    if max_exact < 1 or max_samples < 1 or not tolerance_eur >= 0:
        msg = (
            "max_exact and max_samples must be >= 1 and tolerance_eur >= 0; got "
            f"{max_exact!r}, {max_samples!r} and {tolerance_eur!r}"
        )
        raise AllocationError(msg)
    if strata is None:
        strata = default_strata(len(scenario.producers))
    if strata is not None and strata < 1:
        msg = f"strata must be >= 1; got {strata!r}"
        raise AllocationError(msg)
    check_split_strategy(scenario, strategy)
    exact = len(scenario.producers) <= max_exact
    if not exact and method in ("nucleolus", "epm"):
        msg = (
            f"the {method} needs every coalition's cost: {len(scenario.producers)} "
            f"producers is more than {max_exact} (2^{len(scenario.producers)} - 1 "
            "solves); use shapley (sampled) or a proportional method"
        )
        raise AllocationError(msg)
    context, comparison = _prepare(
        scenario, travel, comparison, osm_dirs, executor, use_cache, strategy
    )
    from .executors import local_executor

    own = executor is None
    pool = local_executor() if own else executor
    try:
        runs = []
        base = budget or CoalitionBudget()
        for r in range(replicates):
            seeded = _with_seed(context, scenario.solver.seed + r)
            # PyVRP's searches take the seed; OR-Tools ignores it, so a replicate
            # also searches r solutions longer, which perturbs every OR-Tools
            # coalition plan as a seed would.
            longer = replace(base, solutions_base=base.solutions_base + r)
            runs.append(
                _one_split(
                    seeded,
                    comparison,
                    method,
                    exact,
                    pool,
                    longer,
                    (tolerance_eur, max_samples, strata),
                    progress if r == 0 else None,
                    strategy,
                )
            )
    finally:
        if own and pool is not None:
            pool.shutdown()
    first = runs[0]
    if replicates > 1:
        shares = tuple(
            replace(
                s,
                spread_eur=statistics.pstdev([run.shares[k].cost_eur for run in runs]),
            )
            for k, s in enumerate(first.shares)
        )
        first = replace(first, shares=shares)
    seeds = tuple(scenario.solver.seed + r for r in range(replicates))
    return replace(first, replicates=seeds, wall_time_s=time.perf_counter() - t0)


def allocate(scenario: Scenario | str | Path, **options: Any) -> pd.DataFrame:
    """Split the pooled (or hub) cost among the producers and return the table.

    ``scenario`` is a :class:`~logistics.scenario.Scenario` or a path to a scenario
    file; ``options`` are those of :func:`fair_split` (``method="shapley"``,
    ``strategy="hub"`` ...). The columns are those of :func:`split_table`;
    ``df.attrs`` holds the method, the strategy, c(N) and whether the game was
    exact.
    """
    from .scenario import Scenario as _Scenario
    from .scenario import load_scenario

    if not isinstance(scenario, _Scenario):
        scenario = load_scenario(scenario)
    return fair_split(scenario, **options).table()


def split_table(split: FairSplit) -> pd.DataFrame:
    """One row per producer: ``producer``, ``orders``, ``kg``, ``tonne_km``,
    ``standalone_cost_eur``, ``cost_eur``, ``saving_eur``, ``saving_pct``,
    ``standalone_co2e_kg``, ``co2e_kg``, ``co2e_saving_kg``, ``co2e_saving_pct``,
    ``iso_cost_eur``, ``iso_co2e_kg`` (ISO 14083 split of the strategy's plan),
    ``std_error_eur``, ``spread_eur``, ``pays_more_than_alone``, ``bears_eur``,
    ``balance_eur`` (euros, kg, tonne-km, %)."""
    import pandas as pd

    df = pd.DataFrame([share_row(s) for s in split.shares])
    df.attrs.update(
        method=split.method,
        strategy=split.strategy,
        exact=split.exact,
        grand_cost_eur=split.grand_cost_eur,
        grand_co2e_kg=split.grand_co2e_kg,
    )
    return df


def share_row(s: ProducerShare) -> dict[str, Any]:
    """The table row of one producer (the columns of :func:`split_table`)."""
    return {
        "producer": s.producer,
        "orders": s.orders,
        "kg": s.kg,
        "tonne_km": s.tonne_km,
        "standalone_cost_eur": s.standalone_cost_eur,
        "cost_eur": s.cost_eur,
        "saving_eur": s.saving_eur,
        "saving_pct": s.saving_pct,
        "standalone_co2e_kg": s.standalone_co2e_kg,
        "co2e_kg": s.co2e_kg,
        "co2e_saving_kg": s.co2e_saving_kg,
        "co2e_saving_pct": s.co2e_saving_pct,
        "iso_cost_eur": s.iso_cost_eur,
        "iso_co2e_kg": s.iso_co2e_kg,
        "std_error_eur": s.std_error_eur,
        "spread_eur": s.spread_eur,
        "pays_more_than_alone": s.pays_more_than_alone,
        "bears_eur": s.bears_eur,
        "balance_eur": s.balance_eur,
    }


# -- internals --------------------------------------------------------------------


def _pct(part: float, whole: float) -> float:
    return 100 * part / whole if whole else math.nan


def check_split_strategy(scenario: Scenario, strategy: str) -> None:
    """Refuse a strategy that cannot be split, or the hub split without a hub."""
    if strategy not in SPLIT_STRATEGIES:
        msg = f"strategy must be one of {', '.join(SPLIT_STRATEGIES)}; got {strategy!r}"
        raise AllocationError(msg)
    if strategy == "hub" and scenario.platform_hub is None:
        msg = (
            f"strategy hub: scenario {scenario.name!r} has no hub with delivery "
            "vans (a 'hubs' entry with 'vehicles'), so there is no hub cost to "
            "split; add one (scenarios/README.md, hubs) or split the pooled cost"
        )
        raise AllocationError(msg)


def _needed(strategy: str) -> set[str]:
    """Strategies whose plans the split of ``strategy`` uses."""
    return {"separate", "pooled"} if strategy == "pooled" else {strategy}


def _prepare(
    scenario: Scenario,
    travel: TravelData | None,
    comparison: Comparison | None,
    osm_dirs: Sequence[str | Path],
    executor: Executor | None,
    use_cache: bool,
    strategy: str = "pooled",
) -> tuple[PlanningContext, Comparison]:
    """Travel data, the plans the split uses (separate and pooled, or the hub's),
    and the planning context."""
    from .comparison import compare
    from .context import build_context
    from .plan_store import PlanStore
    from .travel import build_travel

    if travel is None:
        travel = build_travel(
            scenario,
            scenario_dir=scenario.source_dir,
            osm_dirs=osm_dirs,
            use_cache=use_cache,
        )
    if comparison is None or not _needed(strategy) <= set(comparison.results):
        comparison = compare(
            scenario,
            travel=travel,
            strategies=tuple(sorted(_needed(strategy), key=_STRATEGY_ORDER.index)),
            executor=executor,
            use_cache=use_cache,
        )
    context = build_context(
        scenario,
        travel.matrix,
        plan_store=PlanStore.default() if use_cache else None,
    )
    return context, comparison


def _with_seed(context: PlanningContext, seed: int) -> PlanningContext:
    """The context with another solver seed (a replicate)."""
    if seed == context.scenario.solver.seed:
        return context
    solver = context.scenario.solver.model_copy(update={"seed": seed})
    scenario = context.scenario.model_copy(update={"solver": solver})
    return replace(context, scenario=scenario)


_STRATEGY_ORDER = ("separate", "pooled", "hub")


def plan_candidates(
    context: PlanningContext, comparison: Comparison, strategy: str = "pooled"
) -> dict[frozenset[str], list[tuple[str, Any]]]:
    """The pooled plan of everyone and each producer's part of the separate plan
    (hub: the hub strategy's plan of everyone)."""
    from .solution import Solution

    everyone = frozenset(context.producer_ids)
    if strategy != "pooled":
        return {everyone: [(f"{strategy} plan", comparison[strategy].solution)]}
    found: dict[frozenset[str], list[tuple[str, Any]]] = {
        everyone: [("pooled plan", comparison["pooled"].solution)]
    }
    separate = comparison["separate"].solution
    for p in context.producer_ids:
        part = Solution(
            strategy="pooled",
            routes=tuple(r for r in separate.routes if r.owner == p),
            unserved=tuple(u for u in separate.unserved if u.producer == p),
            objective=0.0,
            backend=separate.backend,
            wall_time_s=0.0,
        )
        mine = {o.id for o in context.orders_of([p])}
        if all(o in mine for r in part.routes for o in r.orders):
            found.setdefault(frozenset({p}), []).append(("separate plan", part))
    return found


def _one_split(
    context: PlanningContext,
    comparison: Comparison,
    method: str,
    exact: bool,
    executor: Executor | None,
    budget: CoalitionBudget | None,
    stopping: tuple[float, int, int | None],
    progress: Progress | None,
    strategy: str = "pooled",
) -> FairSplit:
    """The split with one seed; ``stopping`` is sampled Shapley's (tolerance in
    EUR, most samples, strata per producer)."""
    tolerance_eur, max_samples, strata = stopping
    players = context.producer_ids
    candidates = plan_candidates(context, comparison, strategy)
    values: dict[frozenset[str], CoalitionValue] = {}
    reference: list[tuple[str, Any]] = []  # everyone's plan, once valued

    def oracle(
        coalitions: Collection[frozenset[str]], unions: bool = True
    ) -> dict[frozenset[str], float]:
        new = coalition_values(
            context,
            coalitions,
            budget=budget,
            known=values,
            executor=executor,
            progress=progress,
            candidates=candidates,
            strategy=strategy,
            unions=unions,
            reference=reference[0] if reference else None,
        )
        values.update(new)
        return {c: values[c].cost_eur for c in coalitions if c}

    def sampling_oracle(
        coalitions: Collection[frozenset[str]],
    ) -> dict[frozenset[str], float]:
        # No union starts while sampling: only S + {i} of a sampled pair would get
        # one (from S), which lowers every sampled marginal cost. Measured on
        # melun-p25-o150: the raw estimates added up to 1,811.18 EUR for c(N) =
        # 2,264.70 EUR (-20 %, over 25 standard errors) with union starts, and
        # 2,571.36 for 2,577.53 EUR (0.7 standard errors) without
        # (benchmarks/results/2026-12-03-allocation-sampled-nounion.md).
        return oracle(coalitions, unions=False)

    t0 = time.perf_counter()
    notes: list[str] = []
    if strategy == "hub":
        notes.append(
            "hub split: every coalition sends its goods through the hub and uses "
            "its delivery vans; alone means a producer going through the hub on "
            "its own; the hub's handling is borne by the collective"
        )
    singles = [frozenset({p}) for p in players]
    everyone = frozenset(players)
    # Everyone first: its cheapest plan (the pooled run's, or better), restricted
    # to each coalition, is a candidate and start of every other coalition.
    oracle([everyone])
    if strategy == "pooled":
        reference.append(everyone_reference(values[everyone]))
    if exact:
        every = [
            frozenset(p for k, p in enumerate(players) if mask >> k & 1)
            for mask in range(1, 2 ** len(players))
        ]
        oracle(every)
        if strategy == "pooled":
            repaired, repair = repair_values(context, values)
            values.update(repaired)
        else:
            # Derived plans are pooled plans; a hub game is reported as solved.
            repair = None
    else:
        repair = None
        sampling_oracle([*singles, everyone])
    std_error = dict.fromkeys(players, 0.0)
    cost_game = {c: v.cost_eur for c, v in values.items()}
    co2e_game = {c: v.co2e_kg for c, v in values.items()}
    shares, co2e_shares = _shares(
        method, players, context, cost_game, co2e_game, exact, notes
    )
    if method == "shapley" and not exact:
        seed = context.scenario.solver.seed

        def co2e_oracle(
            coalitions: Collection[frozenset[str]],
        ) -> dict[frozenset[str], float]:
            sampling_oracle(coalitions)
            return {c: values[c].co2e_kg for c in coalitions if c}

        sampled = alloc.shapley_sampled(
            players,
            sampling_oracle,
            seed=seed,
            tolerance=tolerance_eur,
            max_samples=max_samples,
            strata=strata,
        )
        sampled_co2e = alloc.shapley_sampled(
            players,
            co2e_oracle,
            seed=seed,
            tolerance=tolerance_eur / 10,
            max_samples=max_samples,
            strata=strata,
        )
        raw_sum = sum(sampled.values.values())
        shares = _rescaled(sampled.values, values[everyone].cost_eur)
        co2e_shares = _rescaled(sampled_co2e.values, values[everyone].co2e_kg)
        std_error = dict(sampled.std_error)
        notes.append(
            f"Shapley sampled (stratified, seed {seed}, "
            + (
                "one stratum per coalition size"
                if strata is None
                else f"{strata} bands of coalition sizes"
            )
            + "), stopping rule: every "
            f"standard error at most {tolerance_eur:.2f} EUR, or {max_samples:,} "
            f"marginal costs: {_outcome(sampled, 'EUR')}; CO2e (at most "
            f"{tolerance_eur / 10:.3f} kg): {_outcome(sampled_co2e, 'kg')}"
            + f"; the raw estimates add up to {raw_sum:.2f} EUR for c(N) = "
            f"{values[everyone].cost_eur:.2f} EUR (a gap far beyond the standard "
            "errors means too few samples per stratum), shifted equally to add up"
        )
    partition = None
    if not exact:  # the stated heuristic, solving the unions it tries
        partition = alloc.greedy_partition(players, oracle)
    game = game_of(players, values, time.perf_counter() - t0, repair=repair)
    return _assemble(
        context,
        comparison,
        method,
        exact,
        game,
        (shares, co2e_shares, std_error),
        partition,
        notes,
        strategy,
    )


def _outcome(sampled: alloc.SampledShapley, unit: str) -> str:
    """``"converged after 1,234 marginal costs, largest standard error 0.41 EUR"``
    (or that the sample budget stopped it)."""
    how = "converged" if sampled.converged else "sample budget reached first"
    return (
        f"{how} after {sampled.samples:,} marginal costs, largest standard error "
        f"{max(sampled.std_error.values()):.3g} {unit}"
    )


def _rescaled(shares: Mapping[str, float], total: float) -> dict[str, float]:
    """Shift sampled shares equally so that they add up to ``total`` (efficiency;
    the shift is within the sampling error when the estimate is good)."""
    gap = (total - sum(shares.values())) / len(shares)
    return {p: x + gap for p, x in shares.items()}


def _weights(context: PlanningContext) -> tuple[dict[str, float], dict[str, float]]:
    """kg and tonne-km (kg x shortest road distance) of each producer's orders."""
    kg = dict.fromkeys(context.producer_ids, 0.0)
    tkm = dict.fromkeys(context.producer_ids, 0.0)
    for o in context.scenario.orders:
        d_m = context.distance_m[
            context.site_index(o.producer), context.site_index(o.delivery_point)
        ]
        kg[o.producer] += o.kg
        tkm[o.producer] += o.kg * float(d_m) / 1e6
    return kg, tkm


def _shares(
    method: str,
    players: Sequence[str],
    context: PlanningContext,
    cost: Mapping[frozenset[str], float],
    co2e: Mapping[frozenset[str], float],
    exact: bool,
    notes: list[str],
) -> tuple[dict[str, float], dict[str, float]]:
    """Cost and CO2e shares by the method (for sampled Shapley, a placeholder that
    the caller replaces: the stand-alone-proportional split)."""
    everyone = frozenset(players)
    kg, tkm = _weights(context)
    alone_cost = {p: cost[frozenset({p})] for p in players}
    alone_co2e = {p: co2e[frozenset({p})] for p in players}
    if method == "proportional-kg":
        return (
            alloc.proportional(players, kg, cost[everyone]),
            alloc.proportional(players, kg, co2e[everyone]),
        )
    if method == "proportional-tkm":
        return (
            alloc.proportional(players, tkm, cost[everyone]),
            alloc.proportional(players, tkm, co2e[everyone]),
        )
    if method == "proportional-standalone" or not exact:
        return (
            alloc.proportional(players, alone_cost, cost[everyone]),
            alloc.proportional(players, alone_co2e, co2e[everyone]),
        )
    if method == "shapley":
        return alloc.shapley_exact(players, cost), alloc.shapley_exact(players, co2e)
    if method == "nucleolus":
        return alloc.nucleolus(players, cost), alloc.nucleolus(players, co2e)
    result, result_co2e = alloc.epm(players, cost), alloc.epm(players, co2e)
    if result.relaxed_eur > 0:
        notes.append(
            "the core is empty: EPM kept every coalition within "
            f"{result.relaxed_eur:.2f} EUR of its own cost (least core)"
        )
    return dict(result.values), dict(result_co2e.values)


def _borne(
    context: PlanningContext, grand: CoalitionValue
) -> tuple[dict[str, float], float]:
    """Route and carrier costs each producer paid on the day, and the collective's
    (its vehicles' routes and, with a hub, the hub's handling)."""
    from .accounting import account
    from .factors import outsourcing_tariff

    borne = dict.fromkeys(context.producer_ids, 0.0)
    collective = 0.0
    acc = account(context.scenario, grand.solution, context)
    if acc.hub is not None:
        collective += acc.hub.handling_cost_eur
    owners = {r.vehicle: r.owner for r in grand.solution.routes}
    for r in acc.routes:
        owner = owners.get(r.vehicle, "")
        if owner in borne:
            borne[owner] += r.cost_eur
        else:
            collective += r.cost_eur
    tariff = outsourcing_tariff()
    orders = {o.id: o for o in context.scenario.orders}
    for oid in grand.outsourced:
        borne[orders[oid].producer] += tariff.cost_eur(orders[oid].kg)
    return borne, collective


def _iso(
    comparison: Comparison, strategy: str = "pooled"
) -> dict[str, tuple[float, float]]:
    """ISO 14083 split (cost, CO2e) of the strategy's plan by producer."""
    return {
        p.producer: (p.cost_eur, p.co2e_kg)
        for p in comparison[strategy].account.producers
    }


def _assemble(
    context: PlanningContext,
    comparison: Comparison,
    method: str,
    exact: bool,
    game: CoalitionGame,
    split: tuple[Mapping[str, float], Mapping[str, float], Mapping[str, float]],
    partition: tuple[tuple[frozenset[str], ...], float] | None,
    notes: list[str],
    strategy: str = "pooled",
) -> FairSplit:
    """Stability, partition, settlement and the table rows."""
    shares, co2e_shares, std_error = split
    players = game.producers
    everyone = frozenset(players)
    values = game.values
    cost = game.cost()
    grand = values[everyone]
    kg, tkm = _weights(context)
    iso = _iso(comparison, strategy)
    borne, collective = _borne(context, grand)
    counts = {p: len(context.orders_of([p])) for p in players}
    rows = tuple(
        ProducerShare(
            producer=p,
            orders=counts[p],
            kg=kg[p],
            tonne_km=tkm[p],
            standalone_cost_eur=values[frozenset({p})].cost_eur,
            cost_eur=shares[p],
            standalone_co2e_kg=values[frozenset({p})].co2e_kg,
            co2e_kg=co2e_shares[p],
            iso_cost_eur=iso.get(p, (0.0, 0.0))[0],
            iso_co2e_kg=iso.get(p, (0.0, 0.0))[1],
            std_error_eur=std_error.get(p, 0.0),
            spread_eur=0.0,
            bears_eur=borne[p],
        )
        for p in players
    )
    complete = game.complete  # a sampled game may have met every coalition
    if complete:
        groups, part_cost = alloc.best_partition(players, cost)
        least = alloc.least_core_epsilon(players, cost)
        leave = tuple(
            p
            for p in players
            if len(players) > 1
            and cost[everyone] - cost[everyone - {p}] > cost[frozenset({p})] + 0.005
        )
    else:
        groups, part_cost = partition or ((everyone,), cost[everyone])
        least, leave = math.nan, ()
    balances = {r.producer: r.balance_eur for r in rows}
    if collective:
        balances[COLLECTIVE] = -collective
    budget_notes = [
        f"{game.solves} coalition plans searched, {len(values)} coalitions valued"
        + (f"; {game.time_bound} stopped at their time cap" if game.time_bound else "")
    ]
    fixed = game.repair
    if fixed is not None and (fixed.derived or fixed.unions or fixed.not_derivable):
        budget_notes.append(
            f"{fixed.derived + fixed.unions} coalition values replaced by cheaper "
            f"derived plans, each checked: {fixed.derived} from a larger "
            f"coalition's plan without one producer's orders (monotonicity), "
            f"{fixed.unions} from the union of two parts' plans (subadditivity)"
            + (
                f"; {fixed.not_derivable} pair(s) S, S+i with c(S) > c(S+i) left "
                "(no checked plan of S derives from S+i's)"
                if fixed.not_derivable
                else ""
            )
        )
    return FairSplit(
        method=method,
        strategy=strategy,
        exact=exact,
        grand_cost_eur=grand.cost_eur,
        grand_co2e_kg=grand.co2e_kg,
        shares=rows,
        core_violations=tuple(alloc.core_violations(shares, cost)),
        least_core_eur=least,
        monotonicity_violations=len(monotonicity_violations(cost)),
        partition=groups,
        partition_cost_eur=part_cost,
        partition_exact=complete,
        better_alone=tuple(p for g in groups if len(g) == 1 for p in g),
        costs_collective=leave,
        transfers=settle(balances),
        collective_bears_eur=collective,
        game=game,
        replicates=(context.scenario.solver.seed,),
        notes=tuple(budget_notes + notes),
        wall_time_s=game.wall_time_s,
    )
