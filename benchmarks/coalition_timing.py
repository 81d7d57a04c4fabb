"""Time coalition solves of the 40-producer collective (#10, sampled Shapley at 40).

Usage::

    python -m benchmarks.coalition_timing

Values random coalitions of ajaccio-p40-o400 at sizes 1-40 (two each, seed 0), each
searched from scratch (no plan store) at the default coalition budget, one at a time on
one core; prints the wall time of each and the peak memory. Used to project what a
sampled Shapley value of 40 producers costs (see the 2026-12-03 results note).
"""

import random
import resource
import time

from logistics import build_context, build_travel, load_scenario
from logistics.coalitions import CoalitionBudget, coalition_values

from .make_collectives import HERE, OSM_DIR


def main() -> None:
    """Time the coalition solves and print one line each."""
    sc = load_scenario(HERE / "ajaccio-p40-o400.yaml")
    travel = build_travel(sc, scenario_dir=sc.source_dir, osm_dirs=[OSM_DIR])
    ctx = build_context(sc, travel.matrix)  # no plan store: every coalition searched
    players = list(ctx.producer_ids)
    rng = random.Random(0)
    budget = CoalitionBudget()
    for size in (1, 5, 10, 15, 20, 25, 30, 35, 39, 40):
        for _rep in range(2 if size < 40 else 1):
            c = frozenset(rng.sample(players, size))
            t0 = time.perf_counter()
            v = coalition_values(ctx, [c], budget=budget)[c]
            wall = time.perf_counter() - t0
            print(
                f"size {size:2d}: {wall:6.2f} s  c={v.cost_eur:9.2f} EUR  "
                f"outsourced={len(v.outsourced)}  capped={v.time_bound}",
                flush=True,
            )
    print("peak MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
