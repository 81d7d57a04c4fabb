"""Coverage of the sampled Shapley value's standard errors (issue #10).

On the constructed 8-player game of ``tests/test_allocation.py`` (and a 14-player
one; exact Shapley known), run :func:`logistics.allocation.shapley_sampled` with 200
seeds per setting and print how often |estimate - exact| <= 1.96 standard errors,
and the median number of samples. Pure arithmetic (a few minutes on one core).
Figures in ``benchmarks/README.md`` (allocation).

    python -m benchmarks.shapley_coverage
"""

from __future__ import annotations

import statistics
from typing import Any

from logistics.allocation import shapley_exact, shapley_sampled
from tests.test_allocation import _vehicle_game

SETTINGS: list[dict[str, Any]] = [
    {"first_round": 2, "max_samples": 128, "tolerance": 0.0},
    {"first_round": 2, "max_samples": 384, "tolerance": 0.0},
    {"max_samples": 512, "tolerance": 0.0},
    {"max_samples": 1920, "tolerance": 0.0},
    {"tolerance": 1.0},
    {"tolerance": 0.5},
    # Bands of sizes (``strata``): fewer strata, a smaller first round.
    {"strata": 3, "first_round": 4, "max_samples": 112, "tolerance": 0.0},
    {"strata": 3, "max_samples": 512, "tolerance": 0.0},
    {"players": 14, "first_round": 4, "max_samples": 700, "tolerance": 0.0},
    {"players": 14, "strata": 4, "first_round": 4, "max_samples": 252},
    {"players": 14, "strata": 4, "first_round": 4, "max_samples": 700},
]


def coverage(options: dict[str, Any], seeds: int = 200) -> tuple[float, float]:
    """Share of player-seeds covered by 1.96 standard errors; median samples
    (``options["players"]`` players, 8 by default; the rest go to the sampler)."""
    options = dict(options)
    players, cost = _vehicle_game(options.pop("players", 8), 12345)
    exact = shapley_exact(players, cost)
    covered = total = 0
    used = []
    for seed in range(seeds):
        est = shapley_sampled(
            players, lambda cs: {c: cost[c] for c in cs}, seed=seed, **options
        )
        used.append(est.samples)
        for p in players:
            total += 1
            covered += abs(est.values[p] - exact[p]) <= 1.96 * est.std_error[p]
    return covered / total, statistics.median(used)


def main() -> None:
    """Print one line per setting."""
    for options in SETTINGS:
        share, samples = coverage(options)
        print(f"{options}: coverage {100 * share:.1f} %, median {samples:g} samples")


if __name__ == "__main__":
    main()
