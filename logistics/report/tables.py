"""Terminal tables: both strategies side by side, and the savings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from ..compare import Comparison

__all__ = ["comparison_rows", "comparison_table", "summary_text"]

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


def comparison_table(comparison: Comparison) -> Table:
    """Return a rich table of both strategies and what pooling saves."""
    from rich.table import Table

    net = comparison.network
    table = Table(
        title=f"{comparison.scenario.name}: separate vs pooled deliveries",
        caption=f"Network: {net.source}"
        + (f" ({net.nodes:,} nodes, {net.edges:,} edges)" if net.nodes else ""),
    )
    table.add_column("Indicator")
    table.add_column("Separate", justify="right")
    table.add_column("Pooled", justify="right")
    table.add_column("Saved by pooling", justify="right", style="bold green")
    for row in comparison_rows(comparison):
        table.add_row(*row)
    return table


def summary_text(comparison: Comparison) -> str:
    """Return a plain-text version of the comparison table."""
    rows = [("Indicator", "Separate", "Pooled", "Saved by pooling"),
            *comparison_rows(comparison)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{comparison.scenario.name} - network: {comparison.network.source}"]
    for r in rows:
        lines.append("  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]))
    return "\n".join(lines)
