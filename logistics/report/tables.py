"""Terminal tables: both strategies side by side, and the savings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from ..compare import Comparison

__all__ = [
    "comparison_rows",
    "comparison_table",
    "indicator_rows",
    "producer_table",
    "summary_text",
]

_ROWS = (
    ("Distance (km)", "distance_km", "{:,.1f}"),
    ("Vehicle hours (h)", "duration_h", "{:,.2f}"),
    ("Cost (EUR)", "cost_eur", "{:,.2f}"),
    ("Emissions (kg CO2e)", "co2e_kg", "{:,.1f}"),
    ("Vehicles used", "vehicles_used", "{:d}"),
    ("Orders served", "orders_served", "{:d}"),
    ("Orders unserved", "orders_unserved", "{:d}"),
)


def comparison_rows(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """Return (indicator, separate, pooled, saving) rows as formatted strings."""
    sep, poo = comparison.separate.account, comparison.pooled.account
    savings = comparison.savings
    rows = []
    for label, key, fmt in _ROWS:
        a, b = getattr(sep, key), getattr(poo, key)
        saving = ""
        if key in ("distance_km", "duration_h", "cost_eur", "co2e_kg"):
            pct = savings[key.rsplit("_", 1)[0] + "_pct"]
            saving = f"{fmt.format(a - b)} ({pct:.1f} %)"
        elif key == "vehicles_used":
            saving = f"{a - b:d}"
        rows.append((label, fmt.format(a), fmt.format(b), saving))
    return rows


_INDICATORS = (
    ("Tonne-km carried", "tonne_km", "{:,.1f}"),
    ("Load factor", "load_factor", "{:.1%}"),
    ("Empty running (share of km)", "empty_running_share", "{:.1%}"),
    ("g CO2e per kg delivered", "co2e_g_per_kg", "{:,.1f}"),
    ("EUR per kg delivered", "cost_eur_per_kg", "{:,.3f}"),
)


def indicator_rows(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """Return (indicator, separate, pooled, change) rows for efficiency indicators."""
    sep, poo = comparison.separate.account, comparison.pooled.account
    rows = []
    for label, key, fmt in _INDICATORS:
        a, b = getattr(sep, key), getattr(poo, key)
        change = fmt.format(b - a)
        rows.append(
            (
                label,
                fmt.format(a),
                fmt.format(b),
                change if change.startswith("-") else "+" + change,
            )
        )
    return rows


def producer_table(comparison: Comparison) -> Table:
    """Return a rich table of each producer's allocated cost and CO2e.

    The allocation follows the ISO 14083 rule.
    """
    from rich.table import Table

    table = Table(
        title="Per producer (route cost and CO2e split by kg x shortest distance)"
    )
    for name in (
        "Producer",
        "Orders sep/pool",
        "Cost sep",
        "Cost pooled",
        "Saved EUR",
        "CO2e sep kg",
        "CO2e pooled kg",
        "Saved kg",
    ):
        table.add_column(name, justify="left" if name == "Producer" else "right")
    for row in comparison.producer_savings():
        table.add_row(
            row["producer"],
            f"{row['orders_separate']}/{row['orders_pooled']}",
            f"{row['cost_separate_eur']:.2f}",
            f"{row['cost_pooled_eur']:.2f}",
            f"{row['cost_saving_eur']:.2f}",
            f"{row['co2e_separate_kg']:.2f}",
            f"{row['co2e_pooled_kg']:.2f}",
            f"{row['co2e_saving_kg']:.2f}",
        )
    return table


def _objective_label(comparison: Comparison) -> str:
    solver = comparison.scenario.solver
    if solver.objective == "cost_carbon":
        return f"cost + {solver.carbon_price_eur_per_t:g} EUR/t CO2e"
    return solver.objective


def comparison_table(comparison: Comparison) -> Table:
    """Return a rich table of both strategies and what pooling saves."""
    from rich.table import Table

    net = comparison.network
    table = Table(
        title=f"{comparison.scenario.name}: separate vs pooled deliveries",
        caption=f"Network: {net.source}"
        + (f" ({net.nodes:,} nodes, {net.edges:,} edges)" if net.nodes else "")
        + f". Objective: {_objective_label(comparison)}.",
    )
    table.add_column("Indicator")
    table.add_column("Separate", justify="right")
    table.add_column("Pooled", justify="right")
    table.add_column("Saved by pooling (Δ)", justify="right", style="bold green")
    for row in comparison_rows(comparison):
        table.add_row(*row)
    table.add_section()
    for row in indicator_rows(comparison):
        table.add_row(*row)
    return table


def summary_text(comparison: Comparison) -> str:
    """Return a plain-text version of the comparison table."""
    rows = [
        ("Indicator", "Separate", "Pooled", "Saved by pooling"),
        *comparison_rows(comparison),
        *indicator_rows(comparison),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{comparison.scenario.name} - network: {comparison.network.source}"]
    for r in rows:
        lines.append(
            "  ".join(
                [
                    r[0].ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)),
                ]
            )
        )
    return "\n".join(lines)
