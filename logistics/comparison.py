"""Strategies side by side: the checked result of each, and what each saves.

:func:`compare` builds the travel data and the planning context once, runs each
requested strategy (the baseline first, its solution offered to the others as a start),
accounts every checked solution and returns a :class:`Comparison`: a mapping of
strategy results plus the baseline they are measured against, with typed
:class:`Savings`. Reports read a comparison; a comparison never renders itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .accounting import StrategyAccount, account
from .context import PlanningContext, build_context
from .exceptions import UnknownIdError
from .executors import local_executor, usable_cores
from .plan_store import PlanStore
from .strategies import get_strategy, run_strategy

if TYPE_CHECKING:
    from .scenario import Scenario
    from .solution import Solution
    from .travel import NetworkInfo, TravelData

__all__ = [
    "Comparison",
    "Savings",
    "StrategyResult",
    "compare",
    "default_strategies",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

DEFAULT_STRATEGIES = ("separate", "pooled")
"""What ``logistics run`` compares unless told otherwise (plus ``hub`` when the
scenario has a hub with vans: :func:`default_strategies`)."""


def default_strategies(scenario: Scenario) -> tuple[str, ...]:
    """The strategies compared by default: separate, pooled, and hub when the
    scenario has a hub with delivery vans."""
    hub = ("hub",) if scenario.platform_hub is not None else ()
    return DEFAULT_STRATEGIES + hub


@dataclass(frozen=True)
class StrategyResult:
    """A strategy's checked solution and its accounts."""

    strategy: str
    solution: Solution
    account: StrategyAccount


@dataclass(frozen=True)
class Savings:
    """What a strategy saves against the baseline (positive: less than baseline).

    Absolute differences are baseline minus strategy; percentages are of the
    baseline. The CO2e saving is split into the part from fewer km (at the baseline's
    kg CO2e per km) and the part from a lower kg CO2e per km (load factor, vehicle
    mix) on the strategy's km; both are ``None`` when either drives no km.
    """

    strategy: str
    baseline: str
    distance_km: float
    distance_pct: float
    duration_h: float
    duration_pct: float
    cost_eur: float
    cost_pct: float
    co2e_kg: float
    co2e_pct: float
    vehicles_used: int
    co2e_from_fewer_km_kg: float | None
    co2e_from_intensity_kg: float | None

    def as_dict(self) -> dict[str, Any]:
        """The figures as a plain mapping (for report.json)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _savings(
    name: str, base: StrategyAccount, other: StrategyAccount, baseline: str
) -> Savings:
    def pct(a: float, b: float) -> float:
        return 100.0 * (a - b) / a if a else 0.0

    fewer_km = intensity = None
    if base.distance_km > 0 and other.distance_km > 0:
        base_rate = base.co2e_kg / base.distance_km
        other_rate = other.co2e_kg / other.distance_km
        fewer_km = (base.distance_km - other.distance_km) * base_rate
        intensity = other.distance_km * (base_rate - other_rate)
    return Savings(
        strategy=name,
        baseline=baseline,
        distance_km=base.distance_km - other.distance_km,
        distance_pct=pct(base.distance_km, other.distance_km),
        duration_h=base.duration_h - other.duration_h,
        duration_pct=pct(base.duration_h, other.duration_h),
        cost_eur=base.cost_eur - other.cost_eur,
        cost_pct=pct(base.cost_eur, other.cost_eur),
        co2e_kg=base.co2e_kg - other.co2e_kg,
        co2e_pct=pct(base.co2e_kg, other.co2e_kg),
        vehicles_used=base.vehicles_used - other.vehicles_used,
        co2e_from_fewer_km_kg=fewer_km,
        co2e_from_intensity_kg=intensity,
    )


@dataclass(frozen=True)
class Comparison:
    """Checked results of several strategies and the baseline they are measured by.

    Parameters
    ----------
    scenario
        The scenario compared.
    network
        Where the travel data came from.
    results
        Results by strategy name, in the order they were run.
    baseline
        Name of the strategy the savings are measured against.
    wall_time_s
        Time taken by :func:`compare`.
    travel
        The travel data the strategies were solved on (maps draw the roads and
        paths from it), or ``None``.
    """

    scenario: Scenario
    network: NetworkInfo
    results: Mapping[str, StrategyResult]
    baseline: str
    wall_time_s: float
    travel: TravelData | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", MappingProxyType(dict(self.results)))
        if self.baseline not in self.results:
            msg = f"baseline {self.baseline!r} is not among {list(self.results)}"
            raise UnknownIdError(msg)

    def __getitem__(self, strategy: str) -> StrategyResult:
        try:
            return self.results[strategy]
        except KeyError:
            msg = f"no result for strategy {strategy!r}; have {list(self.results)}"
            raise UnknownIdError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    @property
    def strategies(self) -> tuple[str, ...]:
        """Strategy names, baseline first."""
        return tuple(self.results)

    @property
    def savings(self) -> Mapping[str, Savings]:
        """What each non-baseline strategy saves against the baseline."""
        base = self.results[self.baseline].account
        return MappingProxyType(
            {
                name: _savings(name, base, result.account, self.baseline)
                for name, result in self.results.items()
                if name != self.baseline
            }
        )

    def producer_savings(self, strategy: str) -> list[dict[str, Any]]:
        """Per producer: allocated cost and CO2e, baseline vs ``strategy`` (ISO 14083).

        Keys: ``producer``, ``orders_<baseline>``, ``orders_<strategy>`` and, for
        cost (EUR) and CO2e (kg), the baseline value, the strategy's, and the saving.
        """
        base = {p.producer: p for p in self.results[self.baseline].account.producers}
        other = {p.producer: p for p in self[strategy].account.producers}
        rows = []
        for pid, a in base.items():
            b = other[pid]
            rows.append(
                {
                    "producer": pid,
                    "orders_baseline": a.orders_served,
                    "orders": b.orders_served,
                    "cost_baseline_eur": a.cost_eur,
                    "cost_eur": b.cost_eur,
                    "cost_saving_eur": a.cost_eur - b.cost_eur,
                    "co2e_baseline_kg": a.co2e_kg,
                    "co2e_kg": b.co2e_kg,
                    "co2e_saving_kg": a.co2e_kg - b.co2e_kg,
                }
            )
        return rows


def compare(
    scenario: Scenario,
    *,
    travel: TravelData | None = None,
    strategies: Sequence[str] | None = None,
    baseline: str | None = None,
    scenario_dir: str | Path | None = None,
    osm_dirs: Sequence[str | Path] = (),
    allow_geodesic: bool = False,
    executor: Executor | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Comparison:
    """Run the strategies on a scenario and compare them.

    Parameters
    ----------
    scenario
        The validated scenario (from :func:`~logistics.scenario.load_scenario`).
    travel
        Precomputed travel data (matrix and network description); built when omitted.
    strategies
        Registered strategy names to run (see :data:`logistics.strategies.STRATEGIES`);
        ``None``: :func:`default_strategies`.
    baseline
        The strategy savings are measured against: ``separate`` when it runs, else
        the first of ``strategies``.
    scenario_dir
        Folder of the scenario file, where its OSM file is looked for first (defaults
        to the folder ``load_scenario`` read it from).
    osm_dirs
        Further folders to look for OSM files in.
    allow_geodesic
        Use the labelled geodesic estimate when the road source fails (see
        :func:`~logistics.travel.build_travel`); off by default.
    executor
        Runs independent solves (e.g. one per producer) in parallel. By default a
        local process pool of ``scenario.solver.workers`` (else every usable core)
        processes, shut down at the end; pass any
        :class:`concurrent.futures.Executor`, e.g. a Dask client's, to use another.
    progress
        Called with a short message at each step.
    use_cache
        Reuse networks, matrices and plans stored on disk for identical inputs.

    Returns
    -------
    Comparison
        Each strategy's checked solution, its accounts, and the savings.
    """
    from .travel import build_travel

    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    names = list(dict.fromkeys(strategies or default_strategies(scenario)))
    chosen = [get_strategy(n) for n in names]  # unknown names fail before any work
    base = baseline or ("separate" if "separate" in names else names[0])
    if base not in names:
        msg = f"baseline {base!r} is not among the strategies run {names}"
        raise UnknownIdError(msg)
    if travel is None:
        folder = Path(scenario_dir) if scenario_dir is not None else scenario.source_dir
        travel = build_travel(
            scenario,
            scenario_dir=folder,
            osm_dirs=osm_dirs,
            use_cache=use_cache,
            allow_geodesic=allow_geodesic,
            progress=progress,
        )
    workers = min(scenario.solver.workers or usable_cores(), usable_cores())
    context = build_context(
        scenario,
        travel.matrix,
        plan_store=PlanStore.default() if use_cache else None,
        parallel_searches=workers,
    )
    own_pool = executor is None and workers > 1
    pool = local_executor(workers) if own_pool else executor
    try:
        results = _run_all(context, chosen, base, travel, pool, say)
    finally:
        if own_pool and pool is not None:
            pool.shutdown()
    ordered = {base: results[base], **{n: results[n] for n in names if n != base}}
    return Comparison(
        scenario=scenario,
        network=travel.network,
        results=ordered,
        baseline=base,
        wall_time_s=time.perf_counter() - t0,
        travel=travel,
    )


def _run_all(
    context: PlanningContext,
    chosen: Sequence[Any],
    base: str,
    travel: TravelData,
    executor: Executor | None,
    say: Progress,
) -> dict[str, StrategyResult]:
    """Run the baseline, then every other strategy started from its solution."""
    order = sorted(chosen, key=lambda s: s.name != base)
    results: dict[str, StrategyResult] = {}
    start = None
    for strategy in order:
        say(f"{strategy.name}: {strategy.description}")
        solution = run_strategy(strategy, context, start=start, executor=executor)
        if strategy.name == base:
            start = solution
        results[strategy.name] = StrategyResult(
            strategy.name,
            solution,
            account(context.scenario, solution, travel.matrix),
        )
    return results
