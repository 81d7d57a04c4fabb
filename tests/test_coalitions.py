"""Coalition values c(S): pricing, subadditivity by construction, executors."""

from __future__ import annotations

import itertools

import pytest

from logistics import build_context, build_travel, load_scenario
from logistics.allocation import shapley_exact
from logistics.checker import assert_feasible
from logistics.coalitions import CoalitionBudget, coalition_values, solve_game
from logistics.constants import COST_SCALE
from logistics.executors import dask_executor, local_executor
from logistics.factors import outsourcing_tariff
from logistics.strategies import get_strategy

from .conftest import ROOT

TINY_BUDGET = CoalitionBudget(
    solutions_base=3, solutions_per_producer=0.5, time_base_s=1.0
)


def _all(producers):
    return [
        frozenset(c)
        for k in range(1, len(producers) + 1)
        for c in itertools.combinations(producers, k)
    ]


def test_unserved_order_is_priced_at_the_carrier_tariff(three_farms_context):
    """p0 alone has no reefer for its chilled order: the carrier's price, not the
    solver's penalty, enters c({p0}); with p2's reefer the order is served."""
    values = coalition_values(
        three_farms_context, [{"p0"}, {"p0", "p2"}], budget=TINY_BUDGET
    )
    alone = values[frozenset({"p0"})]
    tariff = outsourcing_tariff()
    assert alone.outsourced == ("o4",)
    assert alone.outsourced_cost_eur == pytest.approx(tariff.cost_eur(20.0))
    assert alone.cost_eur == pytest.approx(alone.route_cost_eur + 16.67 + 0.10 * 20)
    assert alone.cost_eur < three_farms_context.unserved_penalty / COST_SCALE
    assert alone.outsourced_co2e_kg > 0
    assert values[frozenset({"p0", "p2"})].outsourced == ()


def test_melun_coalitions_are_subadditive_and_checked():
    """Over all 31 coalitions of Melun's 5 farms, c(S) <= c(S - i) + c(i) for every
    i, despite the tiny search budget, and every kept plan passes the checker."""
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    travel = build_travel(scenario, scenario_dir=scenario.source_dir)
    context = build_context(scenario, travel.matrix)
    with local_executor(2) as pool:
        game = solve_game(context, budget=TINY_BUDGET, executor=pool)
    assert game.complete
    assert game.solves == 31
    cost = game.cost()
    for s in cost:
        for i in s:
            if len(s) > 1:
                assert cost[s] <= cost[s - {i}] + cost[frozenset({i})] + 1e-6
    everyone = frozenset(context.producer_ids)
    assert cost[everyone] < sum(cost[frozenset({p})] for p in everyone)
    pooled = get_strategy("pooled")
    for s, value in game.values.items():
        members = sorted(s)
        assert_feasible(
            scenario,
            context,
            value.solution,
            fleet=pooled.fleet(context, members),
            producers=members,
        )


def test_dask_cluster_gives_the_same_allocation_as_the_process_pool(
    three_farms_context,
):
    """Same seed, same values and Shapley split on a 2-worker Dask LocalCluster as on
    the local process pool (the solution limit makes each search deterministic)."""
    coalitions = _all(three_farms_context.producer_ids)
    with local_executor(2) as pool:
        by_pool = coalition_values(
            three_farms_context, coalitions, budget=TINY_BUDGET, executor=pool
        )
    with dask_executor(workers=2) as dask:
        by_dask = coalition_values(
            three_farms_context, coalitions, budget=TINY_BUDGET, executor=dask
        )
    cost_pool = {s: v.cost_eur for s, v in by_pool.items()}
    cost_dask = {s: v.cost_eur for s, v in by_dask.items()}
    assert cost_pool == cost_dask
    assert all(not v.time_bound for v in by_dask.values())
    players = three_farms_context.producer_ids
    assert shapley_exact(players, cost_pool) == shapley_exact(players, cost_dask)
