"""Fair-split methods on constructed games (no routing)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from logistics.allocation import (
    _draw,
    best_partition,
    core_violations,
    epm,
    greedy_partition,
    least_core_epsilon,
    nucleolus,
    proportional,
    shapley_exact,
    shapley_sampled,
    size_bands,
)
from logistics.exceptions import AllocationError


def _game(players, fn):
    return {
        frozenset(c): fn(frozenset(c))
        for k in range(1, len(players) + 1)
        for c in itertools.combinations(players, k)
    }


def _airport(costs):
    """Airport game: a coalition pays for the longest runway its members need."""
    return _game(list(costs), lambda s: max(costs[p] for p in s))


@st.composite
def random_games(draw):
    n = draw(st.integers(min_value=1, max_value=5))
    players = [f"p{k}" for k in range(n)]
    values = draw(
        st.lists(
            st.floats(min_value=0.0, max_value=1000.0, allow_nan=False),
            min_size=2**n - 1,
            max_size=2**n - 1,
        )
    )
    coalitions = [
        frozenset(c)
        for k in range(1, n + 1)
        for c in itertools.combinations(players, k)
    ]
    return players, dict(zip(coalitions, values, strict=True))


_NEAR_ZERO_ALONE = (
    ["p0", "p1", "p2"],
    {
        frozenset({"p0"}): 179.0,
        frozenset({"p1"}): 625.1424473071011,
        frozenset({"p2"}): 1e-06,
        frozenset({"p0", "p1"}): 0.0,
        frozenset({"p0", "p2"}): 2.0,
        frozenset({"p1", "p2"}): 0.0,
        frozenset({"p0", "p1", "p2"}): 2.0,
    },
)
"""Found by hypothesis in CI: an empty core and a stand-alone cost of 1e-6 EUR made
the EPM LP infeasible when its least-core slack (1e-9) was below HiGHS' tolerance."""


@settings(max_examples=40, deadline=None)
@given(random_games())
@example(_NEAR_ZERO_ALONE)
def test_every_method_is_efficient(case):
    """Shares add up to the grand coalition's cost whatever the game."""
    players, game = case
    grand = game[frozenset(players)]
    alone = {p: game[frozenset({p})] for p in players}
    for shares in (
        shapley_exact(players, game),
        nucleolus(players, game),
        epm(players, game).values,
        proportional(players, alone, grand),
    ):
        assert sum(shares.values()) == pytest.approx(grand, abs=1e-6 * max(1, grand))


def test_shapley_symmetry_null_player_and_additivity():
    """Symmetric players pay alike, a null player pays nothing, games add up."""
    players = ["a", "b", "c", "d"]
    costs = {"a": 3.0, "b": 3.0, "c": 5.0, "d": 0.0}
    # d adds nothing to any coalition; a and b are interchangeable.
    v = _game(players, lambda s: max(costs[p] for p in s) + 0.5 * len(s - {"d"}))
    w = _game(players, lambda s: math.sqrt(sum(1 + costs[p] for p in s)))
    phi_v, phi_w = shapley_exact(players, v), shapley_exact(players, w)
    assert phi_v["a"] == pytest.approx(phi_v["b"])
    assert phi_v["d"] == pytest.approx(0.0)
    assert phi_v["c"] > phi_v["a"]
    summed = {s: v[s] + w[s] for s in v}
    phi_sum = shapley_exact(players, summed)
    for p in players:
        assert phi_sum[p] == pytest.approx(phi_v[p] + phi_w[p])


def test_shapley_of_the_airport_game_is_the_runway_sharing_rule():
    """Littlechild & Owen: each runway segment is shared by those who need it."""
    phi = shapley_exact(["a", "b", "c"], _airport({"a": 1, "b": 2, "c": 3}))
    assert phi == pytest.approx(
        {"a": 1 / 3, "b": 1 / 3 + 1 / 2, "c": 1 / 3 + 1 / 2 + 1}
    )


def test_nucleolus_lies_in_the_core_of_the_airport_game():
    """The airport game has a non-empty core; its nucleolus is (0.5, 0.75, 1.75)."""
    game = _airport({"a": 1, "b": 2, "c": 3})
    nu = nucleolus(["a", "b", "c"], game)
    assert nu == pytest.approx({"a": 0.5, "b": 0.75, "c": 1.75}, abs=1e-7)
    assert core_violations(nu, game, tolerance=1e-9) == []
    assert least_core_epsilon(["a", "b", "c"], game) == pytest.approx(0.5)


def test_nucleolus_of_a_larger_core_game_is_in_the_core():
    """A random airport game with 7 players: the nucleolus violates no coalition."""
    rng = random.Random(3)
    costs = {f"p{k}": rng.uniform(1, 10) for k in range(7)}
    game = _airport(costs)
    nu = nucleolus(list(costs), game)
    assert core_violations(nu, game, tolerance=1e-7) == []


def test_core_violations_found_when_the_core_is_empty():
    """Three players each pair saving everything: no split satisfies all pairs."""
    players = ["a", "b", "c"]
    game = _game(players, lambda s: {1: 1.0, 2: 1.0, 3: 2.0}[len(s)])
    assert least_core_epsilon(players, game) < 0
    shares = shapley_exact(players, game)
    violations = core_violations(shares, game)
    assert {len(s) for s, _ in violations} == {2}
    result = epm(players, game)
    assert result.relaxed_eur == pytest.approx(1 / 3)


def test_epm_equalises_relative_savings_inside_the_core():
    """With a large core, EPM gives every player the same percentage saving."""
    players = ["a", "b", "c"]
    alone = {"a": 10.0, "b": 20.0, "c": 40.0}
    game = _game(
        players,
        lambda s: (
            0.8 * sum(alone[p] for p in s) if len(s) > 1 else alone[next(iter(s))]
        ),
    )
    game[frozenset(players)] = 0.6 * 70
    result = epm(players, game)
    ratios = [result.values[p] / alone[p] for p in players]
    assert max(ratios) - min(ratios) == pytest.approx(0.0, abs=1e-7)
    assert result.spread == pytest.approx(0.0, abs=1e-7)
    assert core_violations(result.values, game, tolerance=1e-7) == []


def _cheap_game(n, seed):
    rng = random.Random(seed)
    players = [f"p{k}" for k in range(n)]
    runway = {p: rng.uniform(5, 30) for p in players}
    load = {p: rng.uniform(1, 20) for p in players}
    return players, _game(
        players,
        lambda s: max(runway[p] for p in s) + 4 * math.sqrt(sum(load[p] for p in s)),
    )


def test_sampled_shapley_agrees_with_exact_within_its_error_on_8_players():
    """Stratified sampling lands within 4 standard errors of the exact value."""
    players, game = _cheap_game(8, seed=11)
    exact = shapley_exact(players, game)
    calls = []

    def oracle(coalitions):
        calls.append(len(coalitions))
        return {c: game[c] for c in coalitions if c}

    est = shapley_sampled(players, oracle, seed=5, tolerance=0.05)
    assert est.converged
    assert max(est.std_error.values()) <= 0.05
    for p in players:
        assert abs(est.values[p] - exact[p]) <= 4 * est.std_error[p] + 1e-9
    assert sum(est.values.values()) == pytest.approx(game[frozenset(players)], rel=0.02)
    assert len(calls) >= 2  # the stopping rule needed more than the first round


def test_sampled_shapley_is_reproducible_and_stops_at_its_budget():
    """The same seed draws the same coalitions; max_samples bounds the work."""
    players, game = _cheap_game(6, seed=2)

    def oracle(coalitions):
        return {c: game[c] for c in coalitions if c}

    a = shapley_sampled(players, oracle, seed=9, tolerance=1e-6, max_samples=300)
    b = shapley_sampled(players, oracle, seed=9, tolerance=1e-6, max_samples=300)
    assert a == b
    assert not a.converged
    assert a.samples <= 300


def test_size_bands_cover_every_size_once():
    """Bands split the sizes 1 to n - 2 into consecutive runs; 0 and n - 1 alone."""
    for n in range(1, 12):
        for strata in (None, 1, 2, 3, 50):
            bands = size_bands(n, strata)
            assert [k for band in bands for k in band] == list(range(n))
            assert bands[0] == (0,)
            if n > 1:
                assert bands[-1] == (n - 1,)
            inner = bands[1:-1]
            open_sizes = max(0, n - 2)
            assert len(inner) == (
                open_sizes if strata is None else min(strata, open_sizes)
            )
            widths = [len(b) for b in inner]
            assert not widths or max(widths) - min(widths) <= 1
    with pytest.raises(AllocationError, match="strata"):
        size_bands(5, 0)


def test_banded_sampled_shapley_agrees_with_exact_on_14_players():
    """With 4 bands of sizes the first round is 2.7 times smaller on 14 players, a
    band draws coalitions of its sizes only (each of them), and the estimate still
    lands within 4 standard errors of the exact value."""
    players, game = _cheap_game(14, seed=3)
    exact = shapley_exact(players, game)
    bands = size_bands(14, 4)
    draws = _draw(players, bands, {(0, 2): 200}, np.random.default_rng(0))
    assert {len(s) for _, s, _ in draws} == set(bands[2])
    assert all(players[0] not in s and si == s | {players[0]} for _, s, si in draws)

    def oracle(coalitions):
        return {c: game[c] for c in coalitions if c}

    first = shapley_sampled(
        players, oracle, seed=4, first_round=4, max_samples=1, strata=4
    )
    size_strata = shapley_sampled(players, oracle, max_samples=1, first_round=4)
    assert first.samples == 4 * 14 * 4 + 2 * 14  # 4 bands + sizes 0 and 13
    assert size_strata.samples == 4 * 14 * 12 + 2 * 14
    banded = shapley_sampled(players, oracle, seed=4, tolerance=0.1, strata=4)
    assert banded.converged
    for p in players:
        assert abs(banded.values[p] - exact[p]) <= 4 * banded.std_error[p] + 1e-9
    assert sum(banded.values.values()) == pytest.approx(
        game[frozenset(players)], rel=0.02
    )


def _partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for k in range(len(part)):
            yield [*part[:k], part[k] | {first}, *part[k + 1 :]]
        yield [*part, frozenset({first})]


def test_best_partition_matches_brute_force_on_6_players():
    """The subset programme finds the cheapest of all 203 partitions of 6 players."""
    rng = random.Random(7)
    players = [f"p{k}" for k in range(6)]
    game = _game(players, lambda s: rng.uniform(1, 10) * len(s) ** 0.8)
    groups, total = best_partition(players, game)
    brute = min(sum(game[g] for g in part) for part in _partitions(players))
    assert total == pytest.approx(brute)
    assert sum(game[g] for g in groups) == pytest.approx(total)
    assert sorted(p for g in groups for p in g) == sorted(players)


def test_greedy_partition_is_a_partition_no_worse_than_everyone_alone():
    """The heuristic returns disjoint groups costing at most the stand-alone sum."""
    rng = random.Random(8)
    players = [f"p{k}" for k in range(6)]
    game = _game(players, lambda s: rng.uniform(1, 10) * len(s) ** 0.8)
    groups, total = greedy_partition(players, lambda cs: {c: game[c] for c in cs})
    assert sorted(p for g in groups for p in g) == sorted(players)
    assert total <= sum(game[frozenset({p})] for p in players) + 1e-9
    exact = best_partition(players, game)[1]
    assert total >= exact - 1e-9


def test_missing_value_and_bad_weight_are_clear_errors():
    """An incomplete game or a negative weight raise AllocationError naming it."""
    with pytest.raises(AllocationError, match=r"no value for coalition \['a', 'b'\]"):
        shapley_exact(["a", "b"], {frozenset("a"): 1.0, frozenset("b"): 1.0})
    with pytest.raises(AllocationError, match="weight of 'b' must be"):
        proportional(["a", "b"], {"a": 1.0, "b": -2.0}, 10.0)


def _vehicle_game(n: int, seed: int) -> tuple[list[str], dict[frozenset[str], float]]:
    """A random subadditive cost game shaped like a delivery collective: a fixed cost
    per 600 kg vehicle needed (a step: marginal costs take few values), the
    farthest member's distance, and a concave cost of the total load."""
    rng = random.Random(seed)
    players = [f"p{k}" for k in range(n)]
    kg = [rng.uniform(20, 400) for _ in players]
    km = [rng.uniform(5, 60) for _ in players]
    load = [rng.lognormvariate(3, 1) for _ in players]
    cost: dict[frozenset[str], float] = {frozenset(): 0.0}
    for size in range(1, n + 1):
        for members in itertools.combinations(range(n), size):
            cost[frozenset(players[k] for k in members)] = (
                25 * math.ceil(sum(kg[k] for k in members) / 600)
                + max(km[k] for k in members)
                + 3 * math.sqrt(sum(load[k] for k in members))
            )
    return players, cost


@pytest.mark.parametrize(
    ("options", "least"),
    [
        # A first round of 2 per stratum asked for (raised to 4), then 6 n^2 in
        # all: 36 % before the corrections, 91 % after.
        ({"first_round": 2, "max_samples": 384, "tolerance": 0.0}, 0.90),
        # The default first round (8 per stratum), then 8 n^2 in all: 89 % -> 93 %.
        ({"max_samples": 512, "tolerance": 0.0}, 0.90),
        # The stopping rule at 1 unit: 87 % -> 92 %.
        ({"tolerance": 1.0}, 0.90),
        # Sizes grouped into 3 bands, 8 n^2 in all: 91 % (93 % with one stratum
        # per size, above).
        ({"strata": 3, "max_samples": 512, "tolerance": 0.0}, 0.88),
    ],
)
def test_sampled_shapley_standard_errors_cover_the_exact_value(options, least):
    """Over 200 seeds on an 8-player game with known exact Shapley value, the exact
    share lies within 1.96 reported standard errors about 95 % of the time."""
    players, cost = _vehicle_game(8, 12345)
    exact = shapley_exact(players, cost)

    def oracle(coalitions):
        return {c: cost[c] for c in coalitions}

    covered = total = 0
    for seed in range(200):
        est = shapley_sampled(players, oracle, seed=seed, **options)
        for p in players:
            total += 1
            covered += abs(est.values[p] - exact[p]) <= 1.96 * est.std_error[p]
    assert covered / total >= least
