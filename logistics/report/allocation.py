"""Who pays what, reported: the split table, ``allocation.csv``, ``settlement.csv``
and the ``allocation`` section of ``report.json``.

Splits of several strategies
----------------------------
The pooled split (the default) goes to ``allocation.csv``, ``settlement.csv`` and
``report.json``'s ``allocation`` section, as before. A split of another strategy
(``--strategy hub``) goes to ``allocation_hub.csv``, ``settlement_hub.csv``, and
never to ``allocation``. Every split written is also under ``report.json``'s
``allocations`` object keyed by strategy (``allocations.pooled``,
``allocations.hub``), so both can appear in one report; writing one keeps the
other's.

``report.json`` ``allocation`` keys
-----------------------------------
``strategy`` (whose cost is split: ``pooled`` or ``hub``); ``method``; ``exact``
(every coalition solved); ``grand_cost_eur`` and
``grand_co2e_kg`` (c(N), outsourced orders included); ``producers`` (one object per
producer with the columns of ``allocation.csv``); ``core_violations`` (list of
{``coalition``, ``excess_eur``}: coalitions asked to pay more than on their own;
for a sampled game, among the coalitions sampled); ``least_core_eur`` (null when
sampled); ``monotonicity_violations`` (count); ``best_partition`` {``groups``,
``cost_eur``, ``exact``}; ``better_alone`` (producers alone in that partition);
``costs_collective`` (producers whose membership costs more than they cost alone);
``settlement`` (list of {``payer``, ``payee``, ``amount_eur``}) and
``collective_bears_eur``; ``coalitions`` {``valued``, ``searched``,
``time_bound``, ``repaired``, ``outsourcing_tariff``}, where ``repaired`` (null for a
sampled game, whose values are not repaired) is {``derived``, ``unions``,
``rounds``, ``fixed_point``, ``not_derivable``, ``rejected``}: values replaced by a
larger coalition's plan without one producer / by the union of two parts' plans
(:mod:`logistics.game_repair`); ``replicate_seeds``; ``notes``; ``wall_time_s``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import _csv_text, write_files

if TYPE_CHECKING:
    from rich.table import Table

    from ..split import FairSplit

__all__ = [
    "allocation_dict",
    "allocation_file_names",
    "allocation_table",
    "write_allocation",
]

_COLUMNS = [
    "producer",
    "orders",
    "kg",
    "tonne_km",
    "standalone_cost_eur",
    "cost_eur",
    "saving_eur",
    "saving_pct",
    "standalone_co2e_kg",
    "co2e_kg",
    "co2e_saving_kg",
    "co2e_saving_pct",
    "iso_cost_eur",
    "iso_co2e_kg",
    "std_error_eur",
    "spread_eur",
    "pays_more_than_alone",
    "bears_eur",
    "balance_eur",
]


def _num(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value


def _producer_rows(split: FairSplit) -> list[dict[str, Any]]:
    from ..split import share_row

    return [{k: _num(v) for k, v in share_row(s).items()} for s in split.shares]


def _members(split: FairSplit, group: frozenset[str]) -> list[str]:
    return [p for p in split.game.producers if p in group]


def allocation_dict(split: FairSplit) -> dict[str, Any]:
    """Return the JSON-ready ``allocation`` section (keys in the module docstring)."""
    from ..factors import outsourcing_tariff

    tariff = outsourcing_tariff()
    return {
        "strategy": split.strategy,
        "method": split.method,
        "exact": split.exact,
        "grand_cost_eur": _num(split.grand_cost_eur),
        "grand_co2e_kg": _num(split.grand_co2e_kg),
        "producers": _producer_rows(split),
        "core_violations": [
            {"coalition": _members(split, s), "excess_eur": _num(e)}
            for s, e in split.core_violations
        ],
        "least_core_eur": _num(split.least_core_eur),
        "monotonicity_violations": split.monotonicity_violations,
        "best_partition": {
            "groups": [_members(split, g) for g in split.partition],
            "cost_eur": _num(split.partition_cost_eur),
            "exact": split.partition_exact,
        },
        "better_alone": list(split.better_alone),
        "costs_collective": list(split.costs_collective),
        "settlement": [
            {"payer": t.payer, "payee": t.payee, "amount_eur": _num(t.amount_eur)}
            for t in split.transfers
        ],
        "collective_bears_eur": _num(split.collective_bears_eur),
        "coalitions": {
            "valued": len(split.game.values),
            "searched": split.game.solves,
            "time_bound": split.game.time_bound,
            "repaired": _repaired(split),
            "outsourcing_tariff": {
                "per_order_eur": tariff.per_order_eur,
                "per_kg_eur": tariff.per_kg_eur,
                "co2e_kg_per_tonne_km": tariff.co2e_kg_per_tonne_km,
                "source": tariff.source,
            },
        },
        "replicate_seeds": list(split.replicates),
        "notes": list(split.notes),
        "wall_time_s": round(split.wall_time_s, 2),
    }


def _repaired(split: FairSplit) -> dict[str, Any] | None:
    """What the repair of the coalition values changed (None when not run)."""
    r = split.game.repair
    if r is None:
        return None
    return {
        "derived": r.derived,
        "unions": r.unions,
        "rounds": r.rounds,
        "fixed_point": r.fixed_point,
        "not_derivable": r.not_derivable,
        "rejected": r.rejected,
    }


def allocation_table(split: FairSplit) -> Table:
    """The split by producer as a terminal table (euros, kg CO2e)."""
    from rich.table import Table

    sampled = not split.exact and split.method == "shapley"
    table = Table(
        title=f"Who pays what: {split.method} split of the {split.strategy} cost, "
        f"{split.grand_cost_eur:,.2f} EUR ({'exact' if split.exact else 'sampled'})",
        caption=(
            "Amounts in EUR; ISO: the ISO 14083 split (kg x shortest distance); "
            "owes: its share less the route costs its vehicles bore"
        ),
    )
    # Before -> after in one cell and folding columns: 80 terminal columns show every
    # figure whole (never "25.…").
    table.add_column("Producer", overflow="fold", min_width=10)
    names = ["Alone → pays", "Saves (%)"]
    if sampled:
        names.append("±")
    # (the ISO split of CO2e is in the per-producer table above)
    names += ["ISO", "kg CO2e alone → split", "Owes"]
    for name in names:
        table.add_column(name, justify="right", overflow="fold")
    for s in split.shares:
        flag = " [red](pays more than alone)[/red]" if s.pays_more_than_alone else ""
        row = [
            s.producer + flag,
            f"{s.standalone_cost_eur:,.2f} → {s.cost_eur:,.2f}",
            f"{s.saving_eur:,.2f} ({s.saving_pct:.1f} %)",
        ]
        if sampled:
            row.append(f"{s.std_error_eur:.2f}")
        row += [
            f"{s.iso_cost_eur:,.2f}",
            f"{s.standalone_co2e_kg:,.1f} → {s.co2e_kg:,.1f}",
            f"{s.balance_eur:,.2f}",
        ]
        table.add_row(*row)
    return table


def stability_lines(split: FairSplit) -> list[str]:
    """Plain sentences on the split's stability, grouping and settlement."""
    lines = []
    over = [s.producer for s in split.shares if s.pays_more_than_alone]
    lines.append(
        "Everyone pays less than alone."
        if not over
        else f"Pays more than alone: {', '.join(over)}."
    )
    where = "every coalition" if split.exact else "the coalitions sampled"
    if split.core_violations:
        worst = ", ".join(
            f"{'+'.join(_members(split, s))} (+{e:.2f} EUR)"
            for s, e in split.core_violations[:3]
        )
        lines.append(
            f"{len(split.core_violations)} coalitions would pay less on their own "
            f"(checked {where}); largest: {worst}."
        )
    else:
        lines.append(f"In the core: no group would pay less on its own ({where}).")
    if split.exact and not math.isnan(split.least_core_eur):
        lines.append(
            "The core is "
            + ("not empty" if split.least_core_eur >= -0.005 else "empty")
            + f" (least-core value {split.least_core_eur:.2f} EUR)."
        )
    groups = " | ".join("+".join(_members(split, g)) for g in split.partition)
    lines.append(
        f"Cheapest grouping ({'exact' if split.partition_exact else 'greedy'}): "
        f"{groups} = {split.partition_cost_eur:,.2f} EUR against "
        f"{split.grand_cost_eur:,.2f} EUR all together."
    )
    if split.better_alone:
        lines.append(f"Better off alone: {', '.join(split.better_alone)}.")
    if split.costs_collective:
        lines.append(
            "Their membership costs the collective more than they cost alone: "
            f"{', '.join(split.costs_collective)}."
        )
    if split.monotonicity_violations:
        lines.append(
            f"{split.monotonicity_violations} pairs S, S+i where the larger "
            "coalition's plan costs less (search noise at the coalition budget)."
        )
    for t in split.transfers:
        lines.append(f"Settlement: {t.payer} pays {t.payee} {t.amount_eur:,.2f} EUR.")
    lines += list(split.notes)
    return lines


def allocation_file_names(strategy: str) -> tuple[str, str]:
    """The split table and settlement file names of a strategy's split
    (``allocation.csv``, ``settlement.csv`` for pooled; ``allocation_hub.csv``,
    ``settlement_hub.csv`` for hub)."""
    if strategy == "pooled":
        return "allocation.csv", "settlement.csv"
    return f"allocation_{strategy}.csv", f"settlement_{strategy}.csv"


def allocation_files(split: FairSplit, report_json: str | None) -> dict[str, str]:
    """Render the split's table and settlement CSVs (:func:`allocation_file_names`)
    and ``report.json`` with the split added to ``report_json`` (the text of an
    existing report, or ``None``): under ``allocations.<strategy>``, and as
    ``allocation`` for the pooled split."""
    report: dict[str, Any] = {}
    if report_json is not None:
        try:
            loaded = json.loads(report_json)
            report = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            report = {}
    section = allocation_dict(split)
    if split.strategy == "pooled":
        report["allocation"] = section
    every = report.get("allocations")
    report["allocations"] = {
        **(every if isinstance(every, dict) else {}),
        split.strategy: section,
    }
    table_name, settlement_name = allocation_file_names(split.strategy)
    settlement = [
        {"payer": t.payer, "payee": t.payee, "amount_eur": round(t.amount_eur, 2)}
        for t in split.transfers
    ]
    return {
        table_name: _csv_text(_producer_rows(split), _COLUMNS),
        settlement_name: _csv_text(settlement, ["payer", "payee", "amount_eur"]),
        "report.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
    }


def write_allocation(split: FairSplit, out_dir: str | Path) -> list[Path]:
    """Write ``allocation.csv``, ``settlement.csv`` (``allocation_hub.csv``,
    ``settlement_hub.csv`` for the hub split) and ``report.json`` in ``out_dir``.

    An existing ``report.json`` (from ``logistics run``) keeps its content and gets
    (or replaces) the split's sections (see the module docstring); the three files
    are written all or none (:func:`~logistics.report.files.write_files`).
    """
    out = Path(out_dir)
    existing = out / "report.json"
    try:
        text = existing.read_text(encoding="utf-8") if existing.exists() else None
    except OSError:
        text = None
    return write_files(out, allocation_files(split, text))
