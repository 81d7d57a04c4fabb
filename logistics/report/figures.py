"""Figures for slides and papers (matplotlib, PNG): routes, totals, producer savings.

* ``routes.png``: one panel per strategy, the routes in their trip colours (the map's)
  over the grey road network, along the roads driven (straight lines, and a title
  saying so, without a road network);
* ``totals.png``: km, hours, EUR and kg CO2e of each strategy, with the change
  against the baseline;
* ``producer_savings_<strategy>.png`` for each strategy but the baseline: what each
  producer saves in EUR and kg CO2e, one bar per allocation column (the ISO 14083
  split today; rows with more ``*_saving_eur`` / ``*_saving_kg`` columns, such as
  another allocation method, get one more bar each).

Figures are drawn on matplotlib's Agg canvas without pyplot (no global state, no
display needed); the same comparison gives the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from ..paths import RoadPaths, comparison_paths, route_trips
from .colours import trip_colours

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..comparison import Comparison

__all__ = ["render_figures", "savings_by_producer_png"]

DPI: Final = 110
"""Default resolution of the figures, in pixels per inch."""
_ROAD_GREY: Final = "#c8c8c8"
_FARM_COLOUR: Final = "#1b5e20"
_POINT_COLOUR: Final = "#263238"
_MARGIN: Final = 0.08
"""Share of the sites' extent added on each side of a route panel."""

ISO_LABELS: Final = {
    "cost_saving_eur": "ISO 14083 (mass x shortest distance)",
    "co2e_saving_kg": "ISO 14083 (mass x shortest distance)",
}
"""Legend labels of the columns :meth:`Comparison.producer_savings` gives."""


def render_figures(
    comparison: Comparison,
    paths: RoadPaths | None = None,
    *,
    producer_rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    dpi: int = DPI,
) -> dict[str, bytes]:
    """Draw the report's figures as PNG files.

    Parameters
    ----------
    comparison
        The checked comparison; its ``travel`` data gives the road network drawn
        in grey (none without it).
    paths
        The line of every leg driven (:func:`~logistics.paths.comparison_paths`,
        computed when omitted).
    producer_rows
        Per strategy, rows to plot instead of
        :meth:`~logistics.comparison.Comparison.producer_savings`: the same keys plus
        any other ``<method>_saving_eur`` / ``<method>_saving_kg`` columns (one bar
        each).
    dpi
        Pixels per inch (the figures are 10 to 15 inches wide).

    Returns
    -------
    dict of str to bytes
        File name -> PNG bytes: ``routes.png``, ``totals.png`` and
        ``producer_savings_<strategy>.png`` for each strategy but the baseline.
    """
    if paths is None:
        paths = comparison_paths(comparison)
    figures = {
        "routes.png": _png(_routes_figure(comparison, paths), dpi),
        "totals.png": _png(_totals_figure(comparison), dpi),
    }
    for name in comparison.savings:
        rows = (producer_rows or {}).get(name) or comparison.producer_savings(name)
        figures[f"producer_savings_{name}.png"] = savings_by_producer_png(
            rows,
            title=(
                f"{comparison.scenario.name}: what each producer saves with {name} "
                f"(vs {comparison.baseline})"
            ),
            dpi=dpi,
        )
    return figures


def _new_figure(width_in: float, height_in: float) -> Figure:
    """A figure on the Agg canvas, outside pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), layout="tight")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    # No "Software" entry (it names the matplotlib version): bytes depend on the
    # drawing only.
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


# -- routes ---------------------------------------------------------------------


def _routes_figure(comparison: Comparison, paths: RoadPaths) -> Figure:
    """One panel per strategy: grey roads, coloured trips, farms and points."""
    names = list(comparison.results)
    figure = _new_figure(5.2 * len(names), 5.6)
    # Equal-aspect panels fill the height: keep the top for the title.
    figure.set_layout_engine("tight", rect=(0, 0, 1, 0.95))
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    box = _extent(comparison, paths)
    roads = _road_lines(comparison, box)
    for ax, name in zip(axes, names, strict=True):
        _route_panel(ax, comparison, name, paths, box, roads)
    note = (
        "routes along the roads driven"
        if paths.along_roads
        else "STRAIGHT LINES between sites: no road network (geodesic estimate)"
    )
    figure.suptitle(f"{comparison.scenario.name}: {note}", fontsize=11)
    return figure


def _extent(
    comparison: Comparison, paths: RoadPaths
) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the sites and the lines driven, with a margin."""
    coords = list(comparison.scenario.site_coordinates().values())
    lats = [c[0] for c in coords] + [
        float(v) for lat, _ in paths.legs.values() for v in (lat.min(), lat.max())
    ]
    lons = [c[1] for c in coords] + [
        float(v) for _, lon in paths.legs.values() for v in (lon.min(), lon.max())
    ]
    d_lat = max(max(lats) - min(lats), 0.005) * _MARGIN
    d_lon = max(max(lons) - min(lons), 0.005) * _MARGIN
    return min(lons) - d_lon, min(lats) - d_lat, max(lons) + d_lon, max(lats) + d_lat


def _road_lines(
    comparison: Comparison, box: tuple[float, float, float, float]
) -> list[list[tuple[float, float]]]:
    """The roads in the box as (lon, lat) lines, or none without a road network."""
    road = comparison.travel.road if comparison.travel is not None else None
    if road is None:
        return []
    return [
        list(zip(lon.tolist(), lat.tolist(), strict=True))
        for lat, lon in road.edges_within(*box)
    ]


def _route_panel(
    ax: Axes,
    comparison: Comparison,
    name: str,
    paths: RoadPaths,
    box: tuple[float, float, float, float],
    roads: list[list[tuple[float, float]]],
) -> None:
    from matplotlib.collections import LineCollection

    solution = comparison[name].solution
    account = comparison[name].account
    if roads:
        ax.add_collection(LineCollection(roads, colors=_ROAD_GREY, linewidths=0.5))
    colours = trip_colours(solution)
    for route in solution.routes:
        for number, trip in enumerate(route_trips(route), start=1):
            lat, lon = paths.line([s.site for s in trip])
            ax.plot(
                lon,
                lat,
                color=colours[route.vehicle, number],
                linewidth=1.8,
                solid_capstyle="round",
            )
    scenario = comparison.scenario
    points = scenario.delivery_points
    ax.scatter(
        [d.lon for d in points],
        [d.lat for d in points],
        s=16,
        c="white",
        edgecolors=_POINT_COLOUR,
        linewidths=0.8,
        zorder=3,
        label="delivery point",
    )
    ax.scatter(
        [p.lon for p in scenario.producers],
        [p.lat for p in scenario.producers],
        s=42,
        c=_FARM_COLOUR,
        marker="s",
        edgecolors="white",
        linewidths=0.6,
        zorder=4,
        label="farm",
    )
    west, south, east, north = box
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    # Equal distances on both axes at this latitude.
    ax.set_aspect(1.0 / math.cos(math.radians((south + north) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f"{name}: {account.vehicles_used} vehicle(s), {account.trips} trip(s)\n"
        f"{account.distance_km:,.1f} km, {account.cost_eur:,.0f} EUR, "
        f"{account.co2e_kg:,.1f} kg CO2e",
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.text(
        0.01,
        0.01,
        "Roads: © OpenStreetMap contributors" if roads else "",
        transform=ax.transAxes,
        fontsize=6,
        color="#555555",
    )


# -- totals ---------------------------------------------------------------------

_TOTALS: Final = (
    ("distance_km", "km driven", "{:,.1f}"),
    ("duration_h", "hours (paid)", "{:,.1f}"),
    ("cost_eur", "cost, EUR", "{:,.0f}"),
    ("co2e_kg", "kg CO2e (well-to-wheel)", "{:,.1f}"),
)


def _totals_figure(comparison: Comparison) -> Figure:
    """Four bar charts: km, hours, EUR, kg CO2e by strategy, with % vs baseline."""
    names = list(comparison.results)
    figure = _new_figure(10.0, 3.4)
    axes = figure.subplots(1, len(_TOTALS))
    base = comparison[comparison.baseline].account
    for ax, (field, label, fmt) in zip(axes, _TOTALS, strict=True):
        values = [getattr(comparison[n].account, field) for n in names]
        colours = ["#9e9e9e" if n == comparison.baseline else "#1f77b4" for n in names]
        bars = ax.bar(names, values, color=colours)
        reference = getattr(base, field)
        for bar, name, value in zip(bars, names, values, strict=True):
            text = fmt.format(value)
            if name != comparison.baseline and reference:
                text += f"\n({100.0 * (value - reference) / reference:+.1f} %)"
            ax.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, value),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
        ax.set_title(label, fontsize=10)
        ax.set_ylim(0, max([*values, 1e-9]) * 1.3)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    figure.suptitle(
        f"{comparison.scenario.name}: totals by strategy "
        f"(change against {comparison.baseline})",
        fontsize=11,
    )
    return figure


# -- savings by producer -----------------------------------------------------------


def savings_by_producer_png(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str = "",
    labels: Mapping[str, str] | None = None,
    dpi: int = DPI,
) -> bytes:
    """Draw what each producer saves, one bar per allocation column, as a PNG.

    Parameters
    ----------
    rows
        One mapping per producer with a ``producer`` key and saving columns: every
        key ending in ``_saving_eur`` is a bar in the EUR panel, every key ending
        in ``_saving_kg`` a bar in the kg CO2e panel (e.g. the rows of
        :meth:`~logistics.comparison.Comparison.producer_savings`, with
        ``cost_saving_eur`` and ``co2e_saving_kg``, plus any other method's).
    title
        Figure title.
    labels
        Legend label by column; by default :data:`ISO_LABELS`, else the column
        name without its unit.
    dpi
        Pixels per inch.

    Returns
    -------
    bytes
        The PNG file.
    """
    names = {**ISO_LABELS, **(labels or {})}
    producers = [str(r["producer"]) for r in rows]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    panels = [
        ("EUR saved", [k for k in keys if k.endswith("_saving_eur")]),
        ("kg CO2e saved", [k for k in keys if k.endswith("_saving_kg")]),
    ]
    panels = [(unit, cols) for unit, cols in panels if cols]
    bars = max(len(producers), 1) * max((len(c) for _, c in panels), default=1)
    figure = _new_figure(10.0, max(2.6, 1.2 + 0.32 * bars))
    axes = figure.subplots(1, max(len(panels), 1), squeeze=False)[0]
    for ax, (unit, columns) in zip(axes, panels, strict=False):
        height = 0.8 / len(columns)
        for i, column in enumerate(columns):
            values = [float(r.get(column) or 0.0) for r in rows]
            offsets = [
                p + (i - (len(columns) - 1) / 2) * height for p in range(len(rows))
            ]
            label = names.get(column) or column.rsplit("_saving_", 1)[0].replace(
                "_", " "
            )
            ax.barh(offsets, values, height=height, label=label)
        ax.set_yticks(range(len(producers)), producers, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel(unit + " (negative: pays more)", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.legend(fontsize=7, loc="best")
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        figure.suptitle(title, fontsize=11)
    return _png(figure, dpi)
