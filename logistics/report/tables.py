"""Terminal tables: the strategies side by side, and what each saves."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from ..comparison import Comparison

__all__ = [
    "comparison_headers",
    "comparison_rows",
    "comparison_table",
    "driving_table",
    "hub_lines",
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
    ("Trips", "trips", "{:d}"),
    ("Orders served", "orders_served", "{:d}"),
    ("Orders unserved", "orders_unserved", "{:d}"),
)


def comparison_rows(comparison: Comparison) -> list[tuple[str, ...]]:
    """Return rows (indicator, one value per strategy, one saving per non-baseline).

    Values are formatted strings; strategies in :attr:`Comparison.strategies` order.
    """
    savings = comparison.savings
    rows = []
    for label, key, fmt in _ROWS:
        values = [
            fmt.format(getattr(comparison[n].account, key))
            for n in comparison.strategies
        ]
        saved = []
        for saving in savings.values():
            if key in ("distance_km", "duration_h", "cost_eur", "co2e_kg"):
                pct = getattr(saving, key.rsplit("_", 1)[0] + "_pct")
                saved.append(f"{fmt.format(getattr(saving, key))} ({pct:.1f} %)")
            elif key == "vehicles_used":
                saved.append(f"{saving.vehicles_used:d}")
            else:
                saved.append("")
        rows.append((_in_currency(label, comparison), *values, *saved))
    return rows


def _in_currency(label: str, comparison: Comparison) -> str:
    """Label money with the scenario's currency (EUR unless its profile says)."""
    return label.replace("EUR", comparison.scenario.costs.currency)


_INDICATORS = (
    ("Tonne-km carried", "tonne_km", "{:,.1f}"),
    ("Load factor", "load_factor", "{:.1%}"),
    ("Empty running (share of km)", "empty_running_share", "{:.1%}"),
    ("g CO2e per kg delivered", "co2e_g_per_kg", "{:,.1f}"),
    ("EUR per kg delivered", "cost_eur_per_kg", "{:,.3f}"),
)


def indicator_rows(comparison: Comparison) -> list[tuple[str, ...]]:
    """Return rows (indicator, one value per strategy, one change per non-baseline)."""
    base = comparison[comparison.baseline].account
    rows = []
    for label, key, fmt in _INDICATORS:
        values = [
            fmt.format(getattr(comparison[n].account, key))
            for n in comparison.strategies
        ]
        changes = []
        for name in comparison.savings:
            change = fmt.format(
                getattr(comparison[name].account, key) - getattr(base, key)
            )
            changes.append(change if change.startswith("-") else "+" + change)
        rows.append((_in_currency(label, comparison), *values, *changes))
    return rows


def comparison_headers(comparison: Comparison) -> list[str]:
    """Return the column titles: indicator, each strategy, each saving."""
    return [
        "Indicator",
        *(n.capitalize() for n in comparison.strategies),
        *(f"Saved by {n} (Δ)" for n in comparison.savings),
    ]


def _producer_names(comparison: Comparison) -> dict[str, str]:
    return {p.id: p.name or p.id for p in comparison.scenario.producers}


def _name_column(table: Table) -> None:
    """A first column of names that wraps (never cut to ``f_balz…``)."""
    table.add_column("Producer", overflow="fold", min_width=12)


def _number_columns(table: Table, names: list[str]) -> None:
    for name in names:
        table.add_column(name, justify="right", overflow="fold")


def _change(before: float, after: float, fmt: str) -> str:
    """``before → after`` in one cell: two strategies fit an 80-column terminal."""
    return f"{fmt.format(before)} → {fmt.format(after)}"


def producer_table(comparison: Comparison, strategy: str) -> Table:
    """Return a rich table of each producer's allocated cost and CO2e.

    Baseline against ``strategy``; the allocation follows the ISO 14083 rule.
    Producers are shown by name (their id when they have none), wrapped rather than
    cut when the terminal is narrow.
    """
    from rich.table import Table

    base = comparison.baseline
    names = _producer_names(comparison)
    table = Table(
        title=(
            f"Per producer, {base} → {strategy} (route cost and CO2e split by kg x "
            "shortest distance)"
        )
    )
    _name_column(table)
    _number_columns(
        table,
        [
            "Orders",
            _in_currency("Cost EUR", comparison),
            _in_currency("Saved EUR", comparison),
            "CO2e kg",
            "Saved kg",
        ],
    )
    for row in comparison.producer_savings(strategy):
        table.add_row(
            names[row["producer"]],
            f"{row['orders_baseline']} → {row['orders']}",
            _change(row["cost_baseline_eur"], row["cost_eur"], "{:.2f}"),
            f"{row['cost_saving_eur']:.2f}",
            _change(row["co2e_baseline_kg"], row["co2e_kg"], "{:.2f}"),
            f"{row['co2e_saving_kg']:.2f}",
        )
    return table


def driving_table(comparison: Comparison, strategy: str) -> Table:
    """Return a rich table of each producer's hours and km at the wheel.

    What the producer's own vehicles do under the baseline and under ``strategy``
    (:func:`~logistics.report.driving.driving_rows`): paid hours out, of which
    driving, km, and the other producers' orders they deliver.
    """
    from rich.table import Table

    from .driving import driving_rows

    base = comparison.baseline
    table = Table(
        title=f"Who drives, {base} → {strategy} (each producer's own vehicles)",
        caption="Hours out: paid time (driving, stops, waiting); driving: at the "
        f"wheel. Others' orders: other producers' orders its vehicles deliver "
        f"({strategy}).",
    )
    _name_column(table)
    _number_columns(table, ["Hours out", "Driving h", "km", "Others' orders"])
    for row in driving_rows(comparison, strategy):
        a, b = row["baseline"], row["strategy"]
        table.add_row(
            row["name"],
            _change(a["duration_h"], b["duration_h"], "{:.2f}"),
            _change(a["driving_h"], b["driving_h"], "{:.2f}"),
            _change(a["distance_km"], b["distance_km"], "{:.1f}"),
            f"{b['orders_for_others']}",
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
        title=f"{comparison.scenario.name}: {' vs '.join(comparison.strategies)} "
        "deliveries"
        + (
            " [bold red](GEODESIC ESTIMATE, not road distances)[/]"
            if net.kind == "geodesic"
            else ""
        ),
        caption=f"Network: {net.source}"
        + (f" ({net.nodes:,} nodes, {net.edges:,} edges)" if net.nodes else "")
        + f". Objective: {_objective_label(comparison)}.",
    )
    headers = comparison_headers(comparison)
    n_values = len(comparison.strategies)
    for i, header in enumerate(headers):
        if i == 0:
            table.add_column(header)
        elif i <= n_values:
            table.add_column(header, justify="right")
        else:
            table.add_column(header, justify="right", style="bold green")
    for row in comparison_rows(comparison):
        table.add_row(*row)
    table.add_section()
    for row in indicator_rows(comparison):
        table.add_row(*row)
    return table


def hub_lines(comparison: Comparison) -> list[str]:
    """Return what the hub adds and how its plan was made, one line each (empty
    without a hub strategy result).

    What the hub adds: handling cost, the hub's own CO2e, the first leg's km (the
    producers' or collection vans' trips to the hub); and the time-linked second
    leg against the optimistic bound (every order ready at the hub at opening).
    """
    lines = []
    for name in comparison.strategies:
        result = comparison[name]
        acc, ops = result.account.hub, result.solution.hub
        if acc is None or ops is None:
            continue
        first = "own vehicles" if ops.first_leg == "own" else "collection vans"
        lines += [
            f"{name}: hub {acc.hub}, {acc.orders_handled} orders, "
            f"{acc.handled_kg:,.0f} kg handled ({acc.cold_room_kg:,.0f} kg in the "
            "cold room)",
            f"  adds: handling {acc.handling_cost_eur:,.2f} EUR, hub operations "
            f"{acc.co2e_kg:,.2f} kg CO2e, first leg ({first}) "
            f"{acc.first_leg_km:,.1f} km / {acc.first_leg_co2e_kg:,.1f} kg CO2e; "
            f"second leg {acc.second_leg_km:,.1f} km / "
            f"{acc.second_leg_co2e_kg:,.1f} kg CO2e",
            f"  legs linked in time ({ops.rounds} round(s)): second leg "
            f"{ops.second_leg_cost:,.2f} for {ops.second_leg_orders_served} orders; "
            f"optimistic bound (all ready at opening) {ops.bound_second_leg_cost:,.2f}"
            f" for {ops.bound_orders_served} orders ({ops.bound_gap_pct:+.1f} %); "
            f"peak stock {ops.peak_kg:,.0f} kg / {ops.peak_crates} crates",
        ]
    return lines


def summary_text(comparison: Comparison) -> str:
    """Return a plain-text version of the comparison table."""
    rows = [
        tuple(comparison_headers(comparison)),
        *comparison_rows(comparison),
        *indicator_rows(comparison),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
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
    lines += hub_lines(comparison)
    return "\n".join(lines)
