"""Ajaccio under every split method, from one exact game (issue #10 note).

Runs :func:`logistics.split.fair_split` once (Shapley; the coalition plans come from
the plan store when ``logistics allocate scenarios/ajaccio.yaml`` ran before), then
applies every other method to the same coalition values, and writes
``benchmarks/results/<today>-allocation-ajaccio.md``.

    python -m benchmarks.allocation_ajaccio
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from logistics import load_scenario
from logistics.allocation import (
    core_violations,
    epm,
    nucleolus,
    proportional,
)
from logistics.split import fair_split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    """Compute the splits and write the note's table."""
    t0 = time.perf_counter()
    split = fair_split(load_scenario(ROOT / "scenarios" / "ajaccio.yaml"))
    wall = time.perf_counter() - t0
    players = split.game.producers
    cost = split.game.cost()
    grand = split.grand_cost_eur
    alone = {s.producer: s.standalone_cost_eur for s in split.shares}
    methods = {
        "shapley": {s.producer: s.cost_eur for s in split.shares},
        "nucleolus": nucleolus(players, cost),
        "epm": dict(epm(players, cost).values),
        "prop. kg": proportional(
            players, {s.producer: s.kg for s in split.shares}, grand
        ),
        "prop. tkm": proportional(
            players, {s.producer: s.tonne_km for s in split.shares}, grand
        ),
        "prop. alone": proportional(players, alone, grand),
        "ISO 14083": {s.producer: s.iso_cost_eur for s in split.shares},
    }
    lines = [
        "# Ajaccio: who pays what (issue #10)",
        "",
        f"`python -m benchmarks.allocation_ajaccio`, {len(players)} producers, "
        f"{len(split.game.values)} coalitions valued ({split.game.solves} searched in "
        f"this run, {split.game.time_bound} time-capped), {wall:.0f} s.",
        f"c(N) = {grand:.2f} EUR (cheapest plan of everyone kept); sum of stand-alone "
        f"costs {sum(alone.values()):.2f} EUR. EUR per producer; * = pays more than "
        "alone.",
        "",
        "| producer | alone | " + " | ".join(methods) + " |",
        "|---|---|" + "---|" * len(methods),
    ]
    for p in players:
        cells = [
            f"{m[p]:.2f}{'*' if m[p] > alone[p] + 0.005 else ''}"
            for m in methods.values()
        ]
        lines.append(f"| {p} | {alone[p]:.2f} | " + " | ".join(cells) + " |")
    lines.append(
        "| total | "
        + f"{sum(alone.values()):.2f} | "
        + " | ".join(f"{sum(m.values()):.2f}" for m in methods.values())
        + " |"
    )
    lines += ["", "Core violations (coalitions paying more than on their own):", ""]
    for name, shares in methods.items():
        found = core_violations(shares, cost)
        worst = (
            f"; largest {'+'.join(sorted(found[0][0]))} +{found[0][1]:.2f} EUR"
            if found
            else ""
        )
        lines.append(f"- {name}: {len(found)}{worst}")
    groups = " | ".join("+".join(p for p in players if p in g) for g in split.partition)
    lines += [
        "",
        f"Least-core value: {split.least_core_eur:.2f} EUR "
        f"({'core not empty' if split.least_core_eur >= 0 else 'core empty'}).",
        f"Cheapest grouping: {groups} = {split.partition_cost_eur:.2f} EUR.",
        f"Better off alone: {', '.join(split.better_alone) or 'nobody'}.",
        "Membership costs the collective more than alone (c(N) - c(N - i) > c(i)): "
        f"{', '.join(split.costs_collective) or 'nobody'}.",
        f"Monotonicity violations: {split.monotonicity_violations}.",
        "",
        "Settlement (Shapley):",
        "",
        *[
            f"- {t.payer} pays {t.payee} {t.amount_eur:.2f} EUR"
            for t in split.transfers
        ],
        "",
        *[f"- {n}" for n in split.notes],
    ]
    out = RESULTS / f"{dt.date.today().isoformat()}-allocation-ajaccio.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
