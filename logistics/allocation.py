"""Fair splits of a cooperative cost game, independent of routing.

A *game* maps each coalition (a frozenset of players) to its cost c(S), with
c(empty) = 0. An *allocation* says what each player pays; it is *efficient* when the
shares add up to c(N) of the grand coalition N, and in the *core* when no coalition
S pays more than it would on its own (x(S) <= c(S)). Methods (domain.md section 3):

- :func:`proportional`: c(N) in proportion to weights (kg, tonne-km, stand-alone
  cost).
- :func:`shapley_exact`: average marginal cost over all join orders (2^n values).
- :func:`shapley_sampled`: stratified permutation sampling (Castro, Gomez, Tejada
  2009; strata by position and optimal allocation, Castro et al. 2017) with a
  standard error per player and a stopping rule on it, for games too large to
  enumerate; the coalition values are asked for in batches.
- :func:`nucleolus`: lexicographically maximises the smallest savings c(S) - x(S)
  (a sequence of LPs, HiGHS through :func:`scipy.optimize.linprog`); in the core when
  the core is non-empty.
- :func:`epm`: Equal Profit Method (Frisk et al. 2010), an LP making the relative
  savings x_i / c({i}) as equal as possible within the core (the least core when the
  core is empty).

Stability: :func:`core_violations`, :func:`least_core_epsilon`. Which players should
pool: :func:`best_partition` (exact dynamic programme over subsets) and
:func:`greedy_partition` (a stated heuristic beyond).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .exceptions import AllocationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Game",
    "SampledShapley",
    "best_partition",
    "core_violations",
    "epm",
    "greedy_partition",
    "least_core_epsilon",
    "nucleolus",
    "proportional",
    "shapley_exact",
    "shapley_sampled",
    "size_bands",
]

Game = Mapping[frozenset[str], float]
"""c(S) by coalition; the empty coalition may be absent (it is worth 0)."""

ValueOracle = Callable[[Collection[frozenset[str]]], Mapping[frozenset[str], float]]
"""Returns c(S) for a batch of coalitions (e.g. by solving their routing problems)."""

_TOL = 1e-7


def _value(game: Game, coalition: frozenset[str]) -> float:
    if not coalition:
        return 0.0
    try:
        return float(game[coalition])
    except KeyError:
        msg = f"the game has no value for coalition {sorted(coalition)}"
        raise AllocationError(msg) from None


def _masks(players: Sequence[str], game: Game) -> NDArray[np.float64]:
    """c as an array indexed by bit mask (bit k = players[k]); every coalition
    must have a value."""
    n = len(players)
    if n > 24:
        msg = f"an exact method needs 2^n coalition values; n = {n} is too many"
        raise AllocationError(msg)
    values = np.zeros(2**n)
    for mask in range(1, 2**n):
        members = frozenset(p for k, p in enumerate(players) if mask >> k & 1)
        values[mask] = _value(game, members)
    return values


def _check_players(players: Sequence[str]) -> None:
    if not players or len(set(players)) != len(players):
        msg = f"players must be distinct and at least one; got {list(players)!r}"
        raise AllocationError(msg)


# -- proportional ----------------------------------------------------------------------


def proportional(
    players: Sequence[str], weights: Mapping[str, float], total: float
) -> dict[str, float]:
    """Split ``total`` in proportion to non-negative ``weights``.

    Equal shares when every weight is zero.

    Raises
    ------
    AllocationError
        When a weight is missing, negative or not finite.
    """
    _check_players(players)
    for p in players:
        w = weights.get(p)
        if w is None or not math.isfinite(w) or w < 0:
            msg = f"weight of {p!r} must be a finite number >= 0; got {w!r}"
            raise AllocationError(msg)
    s = sum(weights[p] for p in players)
    if s <= 0:
        return {p: total / len(players) for p in players}
    return {p: total * (weights[p] / s) for p in players}  # ratio first: denormals


# -- Shapley ---------------------------------------------------------------------------


def shapley_exact(players: Sequence[str], game: Game) -> dict[str, float]:
    """Shapley value: each player's marginal cost averaged over all join orders.

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! (c(S + i) - c(S)).
    Needs every coalition's value (2^n - 1).
    """
    _check_players(players)
    n = len(players)
    v = _masks(players, game)
    masks = np.arange(2**n)
    sizes = np.array([bin(m).count("1") for m in range(2**n)])
    weight = np.array(
        [
            math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            for s in range(n)
        ]
    )
    phi = {}
    for k, p in enumerate(players):
        bit = 1 << k
        without = masks[(masks & bit) == 0]
        phi[p] = float(np.sum(weight[sizes[without]] * (v[without | bit] - v[without])))
    return phi


@dataclass(frozen=True)
class SampledShapley:
    """A sampled Shapley value.

    Attributes
    ----------
    values
        Estimated share by player.
    std_error
        Standard error of each estimate.
    samples
        Marginal contributions sampled (each needs c(S) and c(S + i)).
    converged
        True when every standard error is within the tolerance.
    """

    values: Mapping[str, float]
    std_error: Mapping[str, float]
    samples: int
    converged: bool


def shapley_sampled(
    players: Sequence[str],
    value_of: ValueOracle,
    *,
    seed: int = 1,
    tolerance: float = 0.5,
    first_round: int = 8,
    batch: int | None = None,
    max_samples: int = 20_000,
    strata: int | None = None,
) -> SampledShapley:
    """Estimate the Shapley value by stratified sampling, until precise enough.

    Stratum (i, k): player i joining a random coalition of k of the others, drawn
    uniformly; phi_i is the mean over k of the strata means, so its variance is
    sum_k s2_ik / m_ik / n^2. The first round draws ``first_round`` samples per
    stratum (one for k = 0 and k = n - 1, which hold a single coalition); each later
    round draws ``batch`` more, given to the strata in proportion to their standard
    deviation (optimal allocation, Castro et al. 2017) plus the mean deviation (a
    defensive share, so that no stratum is starved), until every standard error is
    at most ``tolerance`` (the stopping rule) or ``max_samples`` is reached. A
    stratum's variance is at least a share of the player's pooled variance that
    shrinks as the stratum's samples grow (:func:`_estimate`), so that a few
    agreeing samples do not claim a variance of 0. Measured on a constructed
    8-player game over 200 seeds, 1.96 standard errors cover the exact value 88-95 %
    of the time from 2 to 30 samples per stratum (43-91 % before these two
    corrections; ``benchmarks/README.md``, allocation).

    With ``strata``, the sizes 1 to n - 2 are grouped into that many bands of
    consecutive sizes (:func:`size_bands`): a sample of band B draws its size
    uniformly in B, so the band's mean estimates the mean of its sizes' strata and
    weighs |B| / n (still unbiased; the band's sample variance includes the spread
    between its sizes, so its standard error stays honest).

    Parameters
    ----------
    players
        The players.
    value_of
        Returns c(S) for a batch of coalitions.
    seed
        Seed of the sampler (the same seed draws the same coalitions).
    tolerance
        Largest standard error accepted, in the game's unit.
    first_round
        Samples per stratum in the first round (fewer when ``max_samples`` is
        smaller than that round, but never fewer than :data:`MIN_FIRST_ROUND`,
        even beyond ``max_samples``). Small numbers underestimate the variance of
        some strata: with 2, the estimate of a constructed 8-player game was 13
        standard errors off (before the corrections of :func:`_estimate` and
        :func:`_allocate`); after them, 1.96 standard errors covered the exact
        value 85 % of the time with 2 per stratum, 89 % with 3, 91 % with 4 and
        93 % with 8.
    batch
        Samples per later round (default 2 n^2 / 2 = n^2).
    max_samples
        Budget of marginal contributions.
    strata
        Strata per player for the coalitions of 1 to n - 2 others (bands of sizes,
        see :func:`size_bands`); ``None`` (default) gives each size its own. The
        first round draws ``first_round`` samples per stratum, so fewer strata make
        it smaller for many players: at 40 players and 4 per stratum, 6,160
        marginal costs with one stratum per size, 720 with 4 bands.
    """
    _check_players(players)
    n = len(players)
    rng = np.random.default_rng(seed)
    batch = batch or n * n
    bands = size_bands(n, strata)
    samples: dict[tuple[int, int], list[float]] = {
        (i, b): [] for i in range(n) for b in range(len(bands))
    }
    single = _single_bands(bands, n)
    # The first round fits within max_samples (at least MIN_FIRST_ROUND per open
    # stratum).
    open_strata = max(1, n * (len(bands) - len(single)))
    per = max(
        MIN_FIRST_ROUND,
        min(first_round, (max_samples - len(single) * n) // open_strata),
    )
    todo = {key: (1 if key[1] in single else per) for key in samples}
    total = 0
    while True:
        draws = _draw(players, bands, todo, rng)
        values = value_of({c for _, s, si in draws for c in (s, si)})
        for key, s, si in draws:
            samples[key].append(_value(values, si) - _value(values, s))
        total += len(draws)
        est, se, sd = _estimate(players, bands, samples)
        if max(se.values()) <= tolerance or total >= max_samples:
            break
        todo = _allocate(sd, bands, min(batch, max_samples - total), n)
    return SampledShapley(est, se, total, max(se.values()) <= tolerance)


def size_bands(n: int, strata: int | None = None) -> list[tuple[int, ...]]:
    """Sizes of the coalition of others, by stratum, for ``n`` players.

    Size 0 and (with two players or more) size n - 1 hold a single coalition each
    and keep a stratum of their own; the sizes 1 to n - 2 are split into ``strata``
    bands of consecutive sizes of near-equal width (``None``: one band per size).

    Examples
    --------
    >>> size_bands(6)
    [(0,), (1,), (2,), (3,), (4,), (5,)]
    >>> size_bands(6, 2)
    [(0,), (1, 2), (3, 4), (5,)]
    """
    if strata is not None and strata < 1:
        msg = f"strata must be at least 1; got {strata!r}"
        raise AllocationError(msg)
    if n == 1:
        return [(0,)]
    inner = list(range(1, n - 1))
    if not inner:
        return [(0,), (n - 1,)]
    parts = len(inner) if strata is None else min(strata, len(inner))
    middle = [tuple(int(k) for k in b) for b in np.array_split(inner, parts)]
    return [(0,), *middle, (n - 1,)]


def _single_bands(bands: Sequence[tuple[int, ...]], n: int) -> set[int]:
    """Bands that hold a single coalition (sizes 0 and n - 1)."""
    return {b for b, sizes in enumerate(bands) if sizes in ((0,), (n - 1,))}


def _draw(
    players: Sequence[str],
    bands: Sequence[tuple[int, ...]],
    todo: Mapping[tuple[int, int], int],
    rng: np.random.Generator,
) -> list[tuple[tuple[int, int], frozenset[str], frozenset[str]]]:
    """Random coalitions of each stratum: (stratum, S, S + i), in a fixed order (a
    band of several sizes draws the size first, uniformly)."""
    n = len(players)
    out = []
    for (i, b), m in sorted(todo.items()):
        others = [j for j in range(n) if j != i]
        sizes = bands[b]
        for _ in range(m):
            k = sizes[0] if len(sizes) == 1 else int(rng.choice(sizes))
            chosen = rng.choice(len(others), size=k, replace=False)
            s = frozenset(players[others[c]] for c in chosen)
            out.append(((i, b), s, s | {players[i]}))
    return out


MIN_FIRST_ROUND = 4
"""Fewest samples per stratum (of several coalitions) in the first round."""

PRIOR_SAMPLES = 8
"""Weight, in samples, of a player's pooled within-stratum variance in each of its
strata's variance (see :func:`_estimate`)."""


def _estimate(
    players: Sequence[str],
    bands: Sequence[tuple[int, ...]],
    samples: Mapping[tuple[int, int], list[float]],
) -> tuple[dict[str, float], dict[str, float], dict[tuple[int, int], float]]:
    """Estimates, standard errors and strata standard deviations.

    A stratum's variance is its unbiased sample variance s2_ik, but at least
    ``s2_i * m0 / (m_ik + m0)``, where s2_i is player i's variance pooled over its
    strata of several coalitions and m0 = :data:`PRIOR_SAMPLES`: a stratum's own
    variance is trusted alone only once it has many samples. Without this floor, a
    stratum whose few samples happen to agree (marginal costs take few values:
    a vehicle more or not) claims a variance near 0, gets no more samples, and the
    standard error is optimistic (coverage of 1.96 standard errors 43 % instead of
    95 % on a constructed 8-player game; ``benchmarks/README.md``, allocation).
    """
    n = len(players)
    single = _single_bands(bands, n)
    est, se = {}, {}
    sd = {}
    for i, p in enumerate(players):
        s2 = {
            b: float(np.var(xs, ddof=1)) if len(xs) > 1 else 0.0
            for b in range(len(bands))
            if len(xs := samples[(i, b)]) > 0
        }
        # Strata k = 0 and n - 1 hold a single coalition: no variance to estimate.
        open_ = [b for b in range(len(bands)) if b not in single]
        dof = sum(len(samples[(i, b)]) - 1 for b in open_ if len(samples[(i, b)]) > 1)
        pooled = (
            sum((len(samples[(i, b)]) - 1) * s2[b] for b in open_ if s2.get(b)) / dof
            if dof > 0
            else 0.0
        )
        mean, var = 0.0, 0.0
        for b, sizes in enumerate(bands):
            xs = samples[(i, b)]
            weight = len(sizes) / n
            mean += float(np.mean(xs)) * weight
            v = s2[b]
            if b not in single:
                v = max(v, pooled * PRIOR_SAMPLES / (len(xs) + PRIOR_SAMPLES))
            sd[(i, b)] = math.sqrt(v)
            var += v / len(xs) * weight**2
        est[p], se[p] = mean, math.sqrt(var)
    return est, se, sd


def _allocate(
    sd: Mapping[tuple[int, int], float],
    bands: Sequence[tuple[int, ...]],
    budget: int,
    n: int,
) -> dict[tuple[int, int], int]:
    """Next round's samples per stratum, in proportion to the strata's standard
    deviations (times their bands' widths) plus their mean (strata with one
    coalition, k = 0 or n - 1, need no more). The added mean is a defensive share:
    every stratum keeps getting samples even when its estimated deviation is small,
    so that a stratum whose first samples missed its rare large marginal costs is
    not starved (with allocation by deviation alone, coverage fell as samples
    grew)."""
    single = _single_bands(bands, n)
    open_sd = {
        key: s * len(bands[key[1]]) for key, s in sd.items() if key[1] not in single
    }
    floor = sum(open_sd.values()) / len(open_sd) if open_sd else 0.0
    open_strata = {key: s + floor for key, s in open_sd.items()}
    weight = sum(open_strata.values())
    if weight <= 0 or budget <= 0:
        return {}
    todo = {key: math.floor(budget * s / weight) for key, s in open_strata.items()}
    # Hand what rounding left to the most variable strata, in a fixed order.
    left = budget - sum(todo.values())
    for key in sorted(open_strata, key=lambda k: (-open_strata[k], k))[:left]:
        todo[key] += 1
    return {key: m for key, m in todo.items() if m > 0}


# -- LP methods ------------------------------------------------------------------------


def _coalition_rows(
    players: Sequence[str], game: Game
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Indicator rows and values of every proper coalition, and c(N)."""
    v = _masks(players, game)
    n = len(players)
    masks = np.arange(1, 2**n - 1)
    rows = ((masks[:, None] >> np.arange(n)) & 1).astype(float)
    return rows, v[masks], float(v[-1])


def _linprog(**kwargs: object) -> object:
    from scipy.optimize import linprog

    res = linprog(method="highs", **kwargs)
    return res


def least_core_epsilon(players: Sequence[str], game: Game) -> float:
    """Largest t such that some efficient x has x(S) <= c(S) - t for every proper S.

    t >= 0 means the core is non-empty (t is the smallest saving every coalition can
    be guaranteed); t < 0 means it is empty, and -t is what the coalitions must be
    conceded.
    """
    _check_players(players)
    if len(players) == 1:
        return 0.0
    rows, values, grand = _coalition_rows(players, game)
    _, t = _nucleolus_step(rows, values, grand, [], [])
    return t


def _nucleolus_step(
    rows: NDArray[np.float64],
    values: NDArray[np.float64],
    grand: float,
    fixed_rows: list[NDArray[np.float64]],
    fixed_values: list[float],
) -> tuple[object, float]:
    """Maximise t subject to x(S) + t <= c(S) on ``rows`` and the fixed equalities."""
    n = rows.shape[1]
    a_ub = np.hstack([rows, np.ones((len(rows), 1))])
    a_eq = np.vstack(
        [np.append(np.ones(n), 0.0), *[np.append(r, 0.0) for r in fixed_rows]]
    )
    b_eq = np.array([grand, *fixed_values])
    objective = np.zeros(n + 1)
    objective[-1] = -1.0
    res = _linprog(
        c=objective,
        A_ub=a_ub,
        b_ub=values,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(None, None)] * (n + 1),
    )
    if not getattr(res, "success", False):
        msg = f"the nucleolus LP failed: {getattr(res, 'message', '?')}"
        raise AllocationError(msg)
    return res, float(res.x[-1])  # type: ignore[attr-defined]


def nucleolus(players: Sequence[str], game: Game) -> dict[str, float]:
    """The nucleolus of a cost game (a sequence of LPs).

    Each LP maximises the smallest saving t = c(S) - x(S) over the coalitions not yet
    fixed; the coalitions with a positive dual are tight at every optimum, so their
    saving is fixed at t and they leave the LP (with those whose indicator is a
    combination of fixed ones). It ends when the fixed equalities determine x.
    """
    _check_players(players)
    n = len(players)
    if n == 1:
        return {players[0]: _value(game, frozenset(players))}
    rows, values, grand = _coalition_rows(players, game)
    fixed_rows: list[NDArray[np.float64]] = []
    fixed_values: list[float] = []
    free = np.ones(len(rows), dtype=bool)
    for _ in range(len(rows) + 1):
        res, t = _nucleolus_step(
            rows[free], values[free], grand, fixed_rows, fixed_values
        )
        x = np.asarray(res.x[:n])  # type: ignore[attr-defined]
        duals = -np.asarray(res.ineqlin.marginals)  # type: ignore[attr-defined]
        idx = np.flatnonzero(free)
        tight = idx[duals > _TOL * max(1.0, abs(grand))]
        if len(tight) == 0:  # degenerate: fix the tightest coalition
            slack = values[free] - rows[free] @ x - t
            tight = idx[[int(np.argmin(slack))]]
        for j in tight:
            fixed_rows.append(rows[j])
            fixed_values.append(float(values[j] - t))
        basis = np.vstack([np.ones(n), *fixed_rows])
        rank = np.linalg.matrix_rank(basis)
        if rank >= n:
            return {p: float(x[k]) for k, p in enumerate(players)}
        free[tight] = False
        # Coalitions whose indicator is a combination of fixed ones are determined.
        for j in np.flatnonzero(free):
            if np.linalg.matrix_rank(np.vstack([basis, rows[j]])) == rank:
                free[j] = False
        if not free.any():
            return {p: float(x[k]) for k, p in enumerate(players)}
    msg = "the nucleolus sequence did not end (numerical trouble)"
    raise AllocationError(msg)


@dataclass(frozen=True)
class EpmResult:
    """Shares of the Equal Profit Method.

    Attributes
    ----------
    values
        Share by player.
    spread
        Largest difference between two players' relative savings (0 = equal).
    relaxed_eur
        0 when the core is non-empty; otherwise what every coalition constraint was
        relaxed by (the least core).
    """

    values: Mapping[str, float]
    spread: float
    relaxed_eur: float


def epm(players: Sequence[str], game: Game) -> EpmResult:
    """Equal Profit Method: the core allocation whose relative savings differ least.

    min f subject to f >= x_i / c({i}) - x_j / c({j}) for all i != j, x(S) <= c(S)
    for every proper S (relaxed to the least core when the core is empty) and
    x(N) = c(N). Players with c({i}) near 0 (below 1e-6 of the largest stand-alone
    cost) take no part in the ratio constraints.
    """
    _check_players(players)
    n = len(players)
    if n == 1:
        return EpmResult({players[0]: _value(game, frozenset(players))}, 0.0, 0.0)
    rows, values, grand = _coalition_rows(players, game)
    t = least_core_epsilon(players, game)
    # The least core's epsilon comes from an LP solved to HiGHS' feasibility
    # tolerance (1e-7), so the relaxation carries that much slack: with 1e-9 a
    # 3-player game with c({i}) = 1e-6 EUR was declared infeasible.
    relax = max(0.0, -t) + _TOL * max(1.0, abs(grand))
    alone = [_value(game, frozenset({p})) for p in players]
    tiny = 1e-6 * max(1.0, *map(abs, alone))  # too small to divide by
    ratio_rows = []
    for i, j in itertools.permutations(range(n), 2):
        if alone[i] > tiny and alone[j] > tiny:
            row = np.zeros(n + 1)
            row[i], row[j], row[-1] = 1 / alone[i], -1 / alone[j], -1.0
            ratio_rows.append(row)
    a_ub = np.vstack([np.hstack([rows, np.zeros((len(rows), 1))]), *ratio_rows])
    b_ub = np.concatenate([values + relax, np.zeros(len(ratio_rows))])
    objective = np.zeros(n + 1)
    objective[-1] = 1.0
    res = _linprog(
        c=objective,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=np.append(np.ones(n), 0.0)[None, :],
        b_eq=[grand],
        bounds=[(None, None)] * n + [(0, None)],
    )
    if not getattr(res, "success", False):
        msg = f"the EPM LP failed: {getattr(res, 'message', '?')}"
        raise AllocationError(msg)
    x = res.x  # type: ignore[attr-defined]
    return EpmResult(
        {p: float(x[k]) for k, p in enumerate(players)},
        float(x[-1]),
        max(0.0, -t),
    )


# -- stability -------------------------------------------------------------------------


def core_violations(
    shares: Mapping[str, float],
    game: Game,
    *,
    tolerance: float = 0.01,
) -> list[tuple[frozenset[str], float]]:
    """Coalitions of ``game`` asked to pay more than on their own: (S, x(S) - c(S)).

    Checks every coalition the game has a value for (all of them for an exact game, a
    sample otherwise), the grand coalition excluded; largest excess first.
    """
    everyone = frozenset(shares)
    found = []
    for s, c in game.items():
        if not s or s == everyone or not s <= everyone:
            continue
        excess = sum(shares[p] for p in s) - c
        if excess > tolerance:
            found.append((s, excess))
    return sorted(found, key=lambda item: (-item[1], sorted(item[0])))


# -- partitions ------------------------------------------------------------------------


def best_partition(
    players: Sequence[str], game: Game
) -> tuple[tuple[frozenset[str], ...], float]:
    """The partition of the players into groups of least total cost (exact).

    Dynamic programme over subsets: f(S) = min over groups G of S containing S's
    first player of c(G) + f(S - G), 3^n steps (n = 12: 0.5 million; n = 14: 4.8
    million).

    Returns
    -------
    tuple
        The groups (largest first) and their total cost.
    """
    _check_players(players)
    n = len(players)
    if n > 16:
        msg = f"the exact partition programme is for n <= 16 players; got {n}"
        raise AllocationError(msg)
    v = _masks(players, game).tolist()
    full = 2**n - 1
    best = [0.0] * (full + 1)
    choice = [0] * (full + 1)
    for mask in range(1, full + 1):
        low = mask & -mask
        rest = mask ^ low
        top, pick = math.inf, mask
        sub = rest
        while True:  # every subset of the rest, with the lowest player added
            group = sub | low
            cost = v[group] + best[mask ^ group]
            if cost < top - 1e-9:
                top, pick = cost, group
            if sub == 0:
                break
            sub = (sub - 1) & rest
        best[mask], choice[mask] = top, pick
    groups = []
    mask = full
    while mask:
        g = choice[mask]
        groups.append(frozenset(p for k, p in enumerate(players) if g >> k & 1))
        mask ^= g
    return _sorted_groups(players, groups), best[full]


def greedy_partition(
    players: Sequence[str], value_of: ValueOracle, *, tolerance: float = 0.01
) -> tuple[tuple[frozenset[str], ...], float]:
    """A heuristic partition for many players: merge the pair of groups that saves
    most, while a merge saves more than ``tolerance``.

    Starts from every player alone; each step asks ``value_of`` for the unions not
    yet known (n (n - 1) / 2 at the first step, then one per remaining group).
    Returns the groups and their total cost, like :func:`best_partition`.
    """
    _check_players(players)
    groups = [frozenset({p}) for p in players]
    known = dict(value_of(groups))
    while len(groups) > 1:
        pairs = list(itertools.combinations(range(len(groups)), 2))
        unions = [groups[a] | groups[b] for a, b in pairs]
        missing = [u for u in unions if u not in known]
        if missing:
            known.update(value_of(missing))
        saving, a, b = max(
            (
                (known[groups[a]] + known[groups[b]] - known[u], a, b)
                for (a, b), u in zip(pairs, unions, strict=True)
            ),
            key=lambda item: (item[0], -item[1], -item[2]),
        )
        if saving <= tolerance:
            break
        merged = groups[a] | groups[b]
        groups = [g for k, g in enumerate(groups) if k not in (a, b)] + [merged]
    total = sum(known[g] for g in groups)
    return _sorted_groups(players, groups), total


def _sorted_groups(
    players: Sequence[str], groups: Sequence[frozenset[str]]
) -> tuple[frozenset[str], ...]:
    """Largest group first, then by the first player's position."""
    position = {p: k for k, p in enumerate(players)}
    return tuple(sorted(groups, key=lambda g: (-len(g), min(position[p] for p in g))))
