"""``report.html``: the whole comparison in one self-contained file.

:func:`render_html` fills the Jinja2 template ``templates/report.html.j2`` (package
data): scenario summary, the strategies side by side, the per-producer tables (cost
and CO2e, who drives), unserved orders, the interactive map, the figures, the
printable route sheets, the network source, the solver settings and the tool
version. Everything is inline (CSS in the page, figures as base64 ``data:`` URIs,
the map as an ``<iframe srcdoc>``): the file opens without network access and can
be sent by e-mail. The page holds no date or timing, so a rerun with the same
scenario and seed gives the same file.
"""

from __future__ import annotations

import base64
import platform
from typing import TYPE_CHECKING, Any

from ..constants import VERSION
from ..scenario import format_time_of_day
from .driving import driving_rows
from .sheets import route_sheets
from .tables import comparison_headers, comparison_rows, indicator_rows

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..comparison import Comparison

__all__ = ["render_html"]

_TEMPLATE = "report.html.j2"


def render_html(
    comparison: Comparison,
    *,
    map_html: str | None = None,
    figures: Mapping[str, bytes] | None = None,
    allocation: Sequence[Mapping[str, Any]] | None = None,
    allocation_method: str = "shapley",
    allocation_strategy: str = "pooled",
    more_allocations: Sequence[tuple[str, str, Sequence[Mapping[str, Any]]]] = (),
) -> str:
    """Return the text of ``report.html`` for a comparison.

    Parameters
    ----------
    comparison
        A checked comparison.
    map_html
        The interactive map's own HTML page (``map.html``), embedded as an
        ``<iframe srcdoc>``; ``None`` leaves a note that no map was made.
    figures
        PNG images by file name (e.g. ``"costs.png"``), embedded as ``data:``
        URIs in name order, each captioned with its name.
    allocation, allocation_method
        The fair split's rows by producer (``allocation.csv``'s columns, see
        :mod:`logistics.report.allocation`) and its method, shown as "Who pays
        what"; ``None`` leaves the section out.
    allocation_strategy
        The strategy whose cost ``allocation`` splits (``"pooled"``).
    more_allocations
        Splits of other strategies (strategy, method, rows), e.g. the hub's, each
        shown as its own "Who pays what" table.

    Returns
    -------
    str
        A complete HTML5 document.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("logistics.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["hhmm"] = format_time_of_day
    return env.get_template(_TEMPLATE).render(
        **_context(comparison, map_html, figures or {}),
        allocations=[
            *(
                [(allocation_strategy, allocation_method, list(allocation))]
                if allocation
                else []
            ),
            *((n, m, list(rows)) for n, m, rows in more_allocations if rows),
        ],
    )


def _context(
    comparison: Comparison, map_html: str | None, figures: Mapping[str, bytes]
) -> dict[str, Any]:
    """Everything the template shows, computed here so the template only lays out."""
    scenario = comparison.scenario
    return {
        "scenario": scenario,
        "summary": _summary(comparison),
        "headers": comparison_headers(comparison),
        "n_strategies": len(comparison.strategies),
        "rows": comparison_rows(comparison),
        "indicators": indicator_rows(comparison),
        "baseline": comparison.baseline,
        "savings": comparison.savings,
        "producers": {p.id: p.name or p.id for p in scenario.producers},
        "producer_savings": {
            name: comparison.producer_savings(name) for name in comparison.savings
        },
        "driving": {
            name: driving_rows(comparison, name) for name in comparison.savings
        },
        "unserved": {
            name: result.solution.unserved
            for name, result in comparison.results.items()
            if result.solution.unserved
        },
        "map_html": map_html,
        "figures": [
            (name, base64.b64encode(figures[name]).decode("ascii"))
            for name in sorted(figures)
        ],
        "sheets": {
            name: route_sheets(scenario, result.solution)
            for name, result in comparison.results.items()
        },
        "network": comparison.network,
        "max_snap_m": max(comparison.network.snap_distance_m.values(), default=0.0),
        "solver": scenario.solver.model_dump(),
        "backends": {
            name: result.solution.backend for name, result in comparison.results.items()
        },
        "version": VERSION,
        "python": platform.python_version(),
    }


def _summary(comparison: Comparison) -> list[tuple[str, str]]:
    """The scenario in a few labelled figures."""
    s = comparison.scenario
    kg = sum(o.kg for o in s.orders)
    chilled = sum(o.temperature == "chilled" for o in s.orders)
    vans = sum(e.count for p in s.producers for e in p.vehicles)
    pool = sum(v.count for v in s.pooled_fleet.vehicles)
    return [
        ("Producers (farms)", f"{len(s.producers)}"),
        ("Delivery points", f"{len(s.delivery_points)}"),
        ("Orders", f"{len(s.orders)} ({chilled} chilled)"),
        ("Goods", f"{kg:,.0f} kg, {sum(o.crates for o in s.orders)} crates"),
        ("Producers' own vehicles", f"{vans}"),
        ("Extra vehicles of the pooled fleet", f"{pool}"),
        ("Maximum working time per vehicle", f"{s.max_route_duration_h:g} h"),
    ]
