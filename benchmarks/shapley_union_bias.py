"""Do union warm starts bias sampled Shapley? A constructed game with search noise.

Not a test. Sampled Shapley (:func:`logistics.allocation.shapley_sampled`) is
unbiased for any *fixed* cost function: the raw estimates add up to c(N) in
expectation. Coalition values from a heuristic with union starts are not fixed in
that sense: S + {i} of a sampled pair is started from the union of S's and {i}'s
plans (S is solved first, one level down), while S itself rarely has its own parts
solved. So c(S + {i}) gets the union's protection against a bad search and c(S) does
not, and every sampled marginal cost c(S + {i}) - c(S) comes out low.

This script reproduces that on a game built to look like a pooled collective (25
producers, each with a stand-alone cost; pooling saves up to 20 %) whose "solver"
overshoots the true cost by |N(0, sigma)| (the search noise), with and without the
union bound c(S + {i}) <= c(S) + c({i}) applied from the coalitions already valued,
as :func:`logistics.coalitions.coalition_values` does. It prints, per seed, the raw
sum of the estimates against c(N) in units of the sum's standard error.

    python -m benchmarks.shapley_union_bias [--seeds 5] [--noise 0.08]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Collection

import numpy as np

from logistics.allocation import shapley_sampled

Coalition = frozenset[str]


def _game(n: int) -> tuple[list[str], Callable[[Coalition], float]]:
    """Players and the true cost: the members' stand-alone costs (a fixed part,
    distance to a town, a part per kg), less a saving growing to 20 %."""
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 30, size=(n, 2))
    kg = rng.uniform(50, 300, size=n)
    alone = 40 + 2.4 * np.linalg.norm(xy - 15, axis=1) + 0.1 * kg
    players = [f"p{i:02d}" for i in range(n)]
    index = {p: i for i, p in enumerate(players)}

    def cost(s: Coalition) -> float:
        if not s:
            return 0.0
        ids = [index[p] for p in s]
        return float(alone[ids].sum()) * (1 - 0.2 * (1 - 1 / len(ids)))

    return players, cost


def _oracle(
    cost: Callable[[Coalition], float], noise: float, unions: bool, seed: int
) -> tuple[Callable[[Collection[Coalition]], dict[Coalition, float]], dict]:
    """A noisy 'solver' valuing coalitions by increasing size, with or without the
    union bound from the coalitions already valued."""
    rng = np.random.default_rng(seed)
    values: dict[Coalition, float] = {}

    def oracle(coalitions: Collection[Coalition]) -> dict[Coalition, float]:
        todo = sorted((c for c in set(coalitions) if c and c not in values), key=len)
        for c in sorted(todo, key=lambda c: (len(c), sorted(c))):
            v = cost(c) * (1 + abs(rng.normal(0, noise)))
            if unions and len(c) > 1:
                for p in sorted(c):
                    rest, alone = c - {p}, frozenset({p})
                    if rest in values and alone in values:
                        v = min(v, values[rest] + values[alone])
            values[c] = v
        return {c: values[c] for c in coalitions if c}

    return oracle, values


def main() -> None:
    """Print the raw sum's gap to c(N), with and without union starts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=25)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--noise", type=float, default=0.08)
    parser.add_argument("--max-samples", type=int, default=2350)
    args = parser.parse_args()
    players, cost = _game(args.players)
    everyone = frozenset(players)
    print("| union starts | seed | raw sum | c(N) | gap | gap / SE of the sum |")
    print("|---|---|---|---|---|---|")
    for unions in (True, False):
        for seed in range(1, args.seeds + 1):
            oracle, values = _oracle(cost, args.noise, unions, seed)
            oracle([*(frozenset({p}) for p in players), everyone])
            est = shapley_sampled(
                players, oracle, seed=seed, first_round=4, max_samples=args.max_samples
            )
            total = sum(est.values.values())
            grand = values[everyone]
            se = math.sqrt(sum(x * x for x in est.std_error.values()))
            print(
                f"| {'on' if unions else 'off'} | {seed} | {total:.1f} | "
                f"{grand:.1f} | {(total - grand) / grand:+.1%} | "
                f"{(total - grand) / se:+.1f} |"
            )


if __name__ == "__main__":
    main()
