"""Coalition values c(S): pricing, subadditivity by construction, executors."""

from __future__ import annotations

import itertools

import pytest

from logistics import build_context, build_travel, load_scenario
from logistics.allocation import shapley_exact
from logistics.checker import assert_feasible
from logistics.coalitions import (
    CoalitionBudget,
    coalition_values,
    monotonicity_violations,
    price_solution,
    solve_game,
)
from logistics.constants import COST_SCALE
from logistics.executors import dask_executor, local_executor
from logistics.factors import outsourcing_tariff
from logistics.game_repair import repair_values
from logistics.solution import Solution, Unserved
from logistics.strategies import get_strategy

from .conftest import ROOT

TINY_BUDGET = CoalitionBudget(
    solutions_base=3, solutions_per_producer=0.5, time_base_s=20.0
)
"""Searches stop on their solution count; the time cap is a generous safety net, so
that a loaded machine never reaches it (the results must not depend on the clock)."""


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


def test_a_coalition_without_a_plan_in_its_cap_outsources_its_orders(
    three_farms_context,
):
    """When a coalition's search stops at its time cap before any plan (a loaded
    machine, a large coalition: it happened to a 40-farm game's single farm), the
    coalition outsources every order at the carrier tariff, says why, and the plan
    passes the checker. (A search on this small instance always finds a plan, so the
    fallback is built directly.)"""
    from logistics.coalitions import _outsource_all
    from logistics.solvers import SolveParams

    context = three_farms_context
    members = frozenset({"p0", "p1"})
    fleet = get_strategy("pooled").fleet(context, ["p0", "p1"])
    problem = context.problem(["p0", "p1"], fleet)
    tariff = outsourcing_tariff()
    params = SolveParams(time_limit_s=6.0)
    value = _outsource_all(context, tariff, members, problem, params)
    orders = context.orders_of(["p0", "p1"])
    assert value.kept == "outsourced"
    assert value.solution.routes == ()
    assert sorted(value.outsourced) == sorted(o.id for o in orders)
    assert value.cost_eur == pytest.approx(sum(tariff.cost_eur(o.kg) for o in orders))
    assert all("time cap of 6 s" in u.reason for u in value.solution.unserved)
    assert_feasible(
        context.scenario, context, value.solution, fleet=fleet, producers=["p0", "p1"]
    )


@pytest.fixture(scope="module")
def melun_context():  # type: ignore[no-untyped-def]
    """Planning context of Melun's 5 farms (no plan store: every search runs)."""
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    travel = build_travel(scenario, scenario_dir=scenario.source_dir)
    return build_context(scenario, travel.matrix)


def _subadditivity_violations(cost):
    """Pairs of disjoint coalitions A, B with c(A + B) > c(A) + c(B) + 1 cent."""
    return [
        (a, b)
        for a, b in itertools.combinations([s for s in cost if s], 2)
        if not a & b and (a | b) in cost and cost[a | b] > cost[a] + cost[b] + 0.01
    ]


def test_melun_coalitions_are_subadditive_monotone_and_checked(melun_context):
    """Over all 31 coalitions of Melun's 5 farms, after solve_game's repair, c is
    subadditive over every pair of disjoint coalitions and monotone, despite the
    tiny search budget, and every kept plan passes the checker."""
    context = melun_context
    scenario = context.scenario
    with local_executor(2) as pool:
        game = solve_game(context, budget=TINY_BUDGET, executor=pool)
    assert game.complete
    assert game.solves == 31
    assert game.repair is not None
    assert game.repair.fixed_point
    cost = game.cost()
    assert _subadditivity_violations(cost) == []
    assert monotonicity_violations(cost) == []
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


def test_repair_derives_a_checked_plan_where_a_weak_search_broke_monotonicity(
    melun_context,
):
    """S = everyone but i is given a deliberately weak plan (no routes: every order
    left to the carrier), so that c(S) > c(S + i). The downward repair replaces it
    by the plan of S + i with i's orders taken out, re-scheduled and checked
    against S's fleet, which costs at most c(S + i)."""
    context = melun_context
    players = context.producer_ids
    everyone = frozenset(players)
    grand = coalition_values(context, [everyone], budget=TINY_BUDGET)[everyone]
    # i: a producer whose vehicles carry only its own orders in the grand plan (a
    # route on i's van with others' orders could not be kept without i's van).
    owner = {r.vehicle: r.owner for r in grand.solution.routes}
    mine = {p: {o.id for o in context.orders_of([p])} for p in players}
    i = next(
        p
        for p in players
        if all(
            set(r.orders) <= mine[p]
            for r in grand.solution.routes
            if owner[r.vehicle] == p
        )
    )
    weak = everyone - {i}
    nothing = Solution(
        strategy="pooled",
        routes=(),
        unserved=tuple(
            Unserved(o.id, o.producer, "left to the carrier")
            for o in context.orders_of(sorted(weak))
        ),
        objective=0.0,
        backend="none",
        wall_time_s=0.0,
    )
    known = {
        everyone: grand,
        weak: price_solution(context, outsourcing_tariff(), weak, nothing, "search"),
    }
    values = coalition_values(context, _all(players), budget=TINY_BUDGET, known=known)
    cost = {s: v.cost_eur for s, v in values.items()}
    assert cost[weak] > cost[everyone]
    assert (weak, everyone) in [(s, t) for s, t, _ in monotonicity_violations(cost)]

    repaired, report = repair_values(context, values, upward=False)
    fixed = repaired[weak]
    assert fixed.kept == f"derived from S + {i}"
    assert report.derived >= 1
    assert fixed.cost_eur <= cost[everyone] + 1e-6
    members = [p for p in players if p in weak]
    assert_feasible(
        context.scenario,
        context,
        fixed.solution,
        fleet=get_strategy("pooled").fleet(context, members),
        producers=members,
    )
    served = {o for r in fixed.solution.routes for o in r.orders}
    assert not served & mine[i]
    assert served | set(fixed.outsourced) == set().union(*(mine[p] for p in weak))

    assert report.fixed_point
    assert monotonicity_violations({s: v.cost_eur for s, v in repaired.items()}) == []

    final, report = repair_values(context, values)
    final_cost = {s: v.cost_eur for s, v in final.items()}
    assert report.fixed_point
    assert monotonicity_violations(final_cost) == []
    assert _subadditivity_violations(final_cost) == []
    assert all(final_cost[s] <= cost[s] + 1e-9 for s in cost if s)


def test_repair_moves_a_route_left_on_the_removed_producers_van(melun_context):
    """When i's own van carries other members' orders in the plan of S + i, that
    plan without i's orders is not a plan of S (S has no such van): the repair
    moves the route to a vehicle of S the plan leaves unused, and keeps it only if
    the checker accepts it. With moves off, the pair is left and counted."""
    context = melun_context
    players = context.producer_ids
    solved = coalition_values(context, _all(players), budget=TINY_BUDGET)
    mine = {p: {o.id for o in context.orders_of([p])} for p in players}
    pooled = get_strategy("pooled")

    def movable(t, i):
        routes = solved[t].solution.routes
        used = {r.vehicle for r in routes}
        carries = any(r.owner == i and not set(r.orders) <= mine[i] for r in routes)
        free = [v for v in pooled.fleet(context, sorted(t - {i})) if v.id not in used]
        return carries and bool(free)

    # The first such pair (T, i) in a fixed order: largest T first.
    t, i = next(
        (t, i)
        for t in sorted(solved, key=lambda c: (-len(c), sorted(c)))
        for i in sorted(t)
        if len(t) > 1 and movable(t, i)
    )
    weak = t - {i}
    nothing = Solution(
        strategy="pooled",
        routes=(),
        unserved=tuple(
            Unserved(o.id, o.producer, "left to the carrier")
            for o in context.orders_of(sorted(weak))
        ),
        objective=0.0,
        backend="none",
        wall_time_s=0.0,
    )
    tariff = outsourcing_tariff()
    values = {t: solved[t], weak: price_solution(context, tariff, weak, nothing, "x")}
    assert values[weak].cost_eur > values[t].cost_eur

    kept, report = repair_values(context, values, upward=False, move_routes=False)
    assert kept[weak].cost_eur == values[weak].cost_eur
    assert report.not_derivable == 1

    moved, report = repair_values(context, values, upward=False)
    fixed = moved[weak]
    assert fixed.kept.startswith(f"derived from S + {i} (")
    assert report.derived == 1
    assert report.not_derivable == 0
    assert fixed.cost_eur < values[weak].cost_eur
    members = [p for p in players if p in weak]
    fleet = pooled.fleet(context, members)
    assert_feasible(
        context.scenario, context, fixed.solution, fleet=fleet, producers=members
    )
    own = {v.id for v in pooled.fleet(context, [i])}
    assert not {r.vehicle for r in fixed.solution.routes} & own


def test_union_starts_lower_values_so_sampled_games_go_without():
    """A union start is only ever open to the larger coalition of a sampled pair
    (S + {i} sees the plans of S and {i}); it lowers that coalition's value, and so
    every sampled marginal cost. On six Ajaccio farms' pairs, searched to their
    first solution from the union of the two farms' plans, every pair costs at most
    the two alone (subadditive by construction) and several cost less than searched
    without that start, which sampled games use (``unions=False``)."""
    scenario = load_scenario(ROOT / "scenarios" / "ajaccio.yaml")
    travel = build_travel(scenario, scenario_dir=scenario.source_dir)
    context = build_context(scenario, travel.matrix)
    players = context.producer_ids[:6]
    singles = coalition_values(context, [{p} for p in players], budget=TINY_BUDGET)
    first_only = CoalitionBudget(
        solutions_base=1, solutions_per_producer=0.0, time_base_s=20.0
    )
    pairs = [frozenset(c) for c in itertools.combinations(players, 2)]
    started = coalition_values(context, pairs, budget=first_only, known=singles)
    alone = coalition_values(
        context, pairs, budget=first_only, known=singles, unions=False
    )
    for s in pairs:
        bound = sum(singles[frozenset({p})].cost_eur for p in s)
        assert started[s].cost_eur <= bound + 1e-6
        assert not alone[s].kept.startswith("union")
    lower = [s for s in pairs if started[s].cost_eur < alone[s].cost_eur - 0.01]
    assert len(lower) >= 2


def test_coalition_iteration_limit_grows_with_the_square_of_the_requests():
    """PyVRP's iteration limit is 0.008 r^2 (at least 1) for r requests; OR-Tools
    keeps its solution limit by producers; each backend reads its own."""
    budget = CoalitionBudget()
    assert [budget.iteration_limit(r) for r in (0, 47, 100, 400)] == [1, 17, 80, 1280]
    assert budget.limit("pyvrp", 12, 90) == 64
    assert CoalitionBudget(iterations_base=10).iteration_limit(100) == 90
    assert budget.limit("ortools", 12, 90) == budget.solution_limit(12) == 6
    with pytest.raises(ValueError, match="iterations_per_request_sq"):
        CoalitionBudget(iterations_per_request_sq=-1.0)


def test_coalitions_are_searched_by_pyvrp_where_it_applies(melun_context):
    """Melun's coalitions (one window per visit) go to PyVRP unless the scenario
    forces OR-Tools; Ajaccio's (several windows per visit) to OR-Tools. A value's
    plan names the searches that found it (PyVRP, or OR-Tools from PyVRP's plan)."""
    pytest.importorskip("pyvrp")
    from logistics.coalitions import coalition_backend

    context = melun_context
    members = context.producer_ids[:2]
    problem = context.problem(members, get_strategy("pooled").fleet(context, members))
    assert coalition_backend("auto", problem) == "pyvrp"
    assert coalition_backend("ortools", problem) == "ortools"
    value = coalition_values(context, [members], budget=TINY_BUDGET)
    assert "pyvrp" in value[frozenset(members)].solution.backend
    ajaccio = load_scenario(ROOT / "scenarios" / "ajaccio.yaml")
    travel = build_travel(ajaccio, scenario_dir=ajaccio.source_dir)
    other = build_context(ajaccio, travel.matrix)
    two = other.producer_ids[:2]
    several = other.problem(two, get_strategy("pooled").fleet(other, two))
    assert coalition_backend("auto", several) == "ortools"


def test_pyvrp_coalition_values_do_not_depend_on_the_time_cap(melun_context):
    """A PyVRP coalition search stops at its iteration limit, so the same coalitions
    searched again under a three times longer time cap give the same values to the
    cent (the values are the same on a loaded machine and on any executor)."""
    pytest.importorskip("pyvrp")
    coalitions = _all(melun_context.producer_ids[:3])
    first = coalition_values(melun_context, coalitions, budget=TINY_BUDGET)
    longer = CoalitionBudget(
        solutions_base=3, solutions_per_producer=0.5, time_base_s=60.0
    )
    second = coalition_values(melun_context, coalitions, budget=longer)
    assert {s: v.cost_eur for s, v in first.items()} == {
        s: v.cost_eur for s, v in second.items()
    }
    assert all("pyvrp" in v.solution.backend for v in second.values())


def test_a_long_paid_wait_in_pyvrps_plan_goes_to_or_tools_which_pauses_at_base():
    """One van that may make two trips, unpaid while parked at its base; a morning
    and an evening delivery. PyVRP counts the time parked between trips as paid, so
    its plan is one trip that waits for the evening window; that wait sends the plan
    to OR-Tools, which returns to base between the two (unpaid) and costs less. The
    coalition search keeps OR-Tools' plan and says it started from PyVRP's."""
    pytest.importorskip("pyvrp")
    from dataclasses import replace

    from logistics.coalitions import _search, _waits_paid
    from logistics.plan import evaluate
    from logistics.solvers import SolveParams, solve

    from .conftest import grid_problem

    base = grid_problem(
        [(0, 0), (30, 0), (0, 30)],
        [1, 1],
        capacity=10,
        n_vehicles=1,
        windows=[(0, 1_000), (20_000, 21_000)],
    )
    van = replace(base.vehicles[0], max_trips=2, duration_cost=10, distance_cost=1)
    problem = replace(base, vehicles=(van,))
    params = SolveParams(time_limit_s=20.0, seed=1, solution_limit=50)
    alone = solve(problem, params, backend="pyvrp")
    assert _waits_paid(problem, alone)
    kept = _search(problem, params, "pyvrp", CoalitionBudget(), 1)
    assert evaluate(problem, kept) < evaluate(problem, alone)
    assert kept.backend.endswith("from pyvrp")
    assert kept.routes[0].breaks  # two trips
    assert not _waits_paid(problem, kept)
