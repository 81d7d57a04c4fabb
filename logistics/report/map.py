"""``map.html``: every route on an interactive map, along the roads it drives.

One layer per strategy (a checkbox each; the first strategy after the baseline is
shown at first), one colour per vehicle and trip, a marker per site visited with a
popup (name, orders, arrival clock time, load on arrival), a legend, and the
OpenStreetMap attribution. Leaflet's script and style sheet are inlined from
``logistics/data/leaflet`` (BSD-2), so routes and markers draw with no network; only
the background tiles need one. Without a road network the lines are straight, and
the map says so.

The page is built with folium; folium's popups need jQuery from a CDN, so popups are
bound with Leaflet's own ``bindPopup`` instead, and folium's CDN links are dropped.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from ..paths import RoadPaths, comparison_paths, route_trips
from ..scenario import format_time_of_day
from .colours import trip_colours

if TYPE_CHECKING:
    import folium

    from ..comparison import Comparison
    from ..scenario import Scenario
    from ..solution import Route, Solution, Stop

__all__ = ["ROUTE_CLASS", "SITE_CLASS", "render_map"]

ROUTE_CLASS: Final = "logistics-route"
"""CSS class of every route line (one per vehicle and trip), e.g. to count them."""

SITE_CLASS: Final = "logistics-site"
"""CSS class of every site marker (one per site a strategy visits)."""

OSM_ATTRIBUTION: Final = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors"
)
_TILES: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_FARM_COLOUR: Final = "#1b5e20"
_POINT_COLOUR: Final = "#263238"


def render_map(comparison: Comparison, paths: RoadPaths | None = None) -> str:
    """Return the HTML text of a self-contained map of every strategy's routes.

    Parameters
    ----------
    comparison
        The checked comparison; its scenario names the sites.
    paths
        The line of every leg driven (:func:`~logistics.paths.comparison_paths`,
        computed when omitted).

    Returns
    -------
    str
        A complete HTML page. Route lines carry the class :data:`ROUTE_CLASS` and
        ``logistics-<strategy>``, site markers :data:`SITE_CLASS` and
        ``logistics-<strategy>``. The same comparison gives the same text.
    """
    import folium
    from branca.element import Figure

    if paths is None:
        paths = comparison_paths(comparison)
    scenario = comparison.scenario
    fmap = folium.Map(tiles=None, control_scale=True, zoom_start=12, zoom_snap=0.25)
    fmap.default_js = []  # Leaflet is inlined below; no jQuery, Bootstrap...
    fmap.default_css = []
    folium.TileLayer(
        tiles=_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19
    ).add_to(fmap)
    shown = _first_shown(comparison)
    for name, result in comparison.results.items():
        layer = folium.FeatureGroup(
            name=html.escape(_layer_label(name, result.solution)), show=name == shown
        )
        _add_routes(layer, name, result.solution, scenario, paths)
        _add_sites(layer, name, result.solution, scenario)
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    # Room for the layer control (top right) and the legend (bottom left).
    fmap.fit_bounds(
        _bounds(scenario, paths),
        padding_top_left=(20, 110),
        padding_bottom_right=(20, 80),
    )
    root = fmap.get_root()
    if not isinstance(root, Figure):  # pragma: no cover - folium maps sit in one
        msg = "folium map without a page"
        raise TypeError(msg)
    root.header.add_child(folium.Element(_leaflet_inline()), name="leaflet_inline")
    root.header.add_child(folium.Element(_STYLE), name="logistics_style")
    root.html.add_child(
        folium.Element(_legend_html(comparison, paths)), name="logistics_legend"
    )
    return _stable_ids(root, root.render())


def _bounds(scenario: Scenario, paths: RoadPaths) -> list[list[float]]:
    """South-west and north-east corners of the sites and of every line driven."""
    lats = [c[0] for c in scenario.site_coordinates().values()]
    lons = [c[1] for c in scenario.site_coordinates().values()]
    for lat, lon in paths.legs.values():
        lats += [float(lat.min()), float(lat.max())]
        lons += [float(lon.min()), float(lon.max())]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _first_shown(comparison: Comparison) -> str:
    """The strategy shown when the map opens: the first one after the baseline."""
    others = [n for n in comparison.results if n != comparison.baseline]
    return others[0] if others else comparison.baseline


def _layer_label(name: str, solution: Solution) -> str:
    trips = sum(r.trips for r in solution.routes)
    km = sum(r.distance_km for r in solution.routes)
    return f"{name}: {len(solution.routes)} vehicle(s), {trips} trip(s), {km:,.1f} km"


def _add_routes(
    layer: folium.FeatureGroup,
    strategy: str,
    solution: Solution,
    scenario: Scenario,
    paths: RoadPaths,
) -> None:
    """One line per vehicle and trip, in its colour, with a tooltip."""
    import folium

    colours = trip_colours(solution)
    for route in solution.routes:
        for number, trip in enumerate(route_trips(route), start=1):
            lat, lon = paths.line([s.site for s in trip])
            if lat.size == 0:  # a trip that never leaves its site: a dot there
                site_lat, site_lon = scenario.site_coordinates()[trip[0].site]
                lat, lon = np.array([site_lat] * 2), np.array([site_lon] * 2)
            label = (
                f"{strategy} · {_vehicle_label(route, scenario)} · trip {number}: "
                f"{format_time_of_day(trip[0].departure_s)}-"
                f"{format_time_of_day(trip[-1].arrival_s)}, "
                f"{sum(1 for s in trip if s.type == 'delivery')} deliveries"
            )
            folium.PolyLine(  # type: ignore[no-untyped-call]
                list(zip(lat.round(6).tolist(), lon.round(6).tolist(), strict=True)),
                color=colours[route.vehicle, number],
                weight=4,
                opacity=0.85,
                tooltip=html.escape(label),
                class_name=f"{ROUTE_CLASS} logistics-{strategy}",
            ).add_to(layer)


def _vehicle_label(route: Route, scenario: Scenario) -> str:
    owner = _site_name(scenario, route.owner) if route.owner else ""
    return f"{route.vehicle} ({owner})" if owner else route.vehicle


@dataclass(frozen=True)
class _Visit:
    """Consecutive stops of one vehicle at one site."""

    route: Route
    stops: tuple[Stop, ...]
    load_on_arrival_kg: float
    load_on_arrival_crates: int


def _visits(solution: Solution) -> dict[str, list[_Visit]]:
    """Group each route's consecutive stops at one site; note the load on arrival
    (the load after the stop before, nothing at the start)."""
    by_site: dict[str, list[_Visit]] = {}
    for route in solution.routes:
        kg, crates = 0.0, 0
        group: list[Stop] = []
        for stop in (*route.stops, None):
            if group and (stop is None or stop.site != group[0].site):
                by_site.setdefault(group[0].site, []).append(
                    _Visit(route, tuple(group), kg, crates)
                )
                kg, crates = group[-1].load_kg, group[-1].load_crates
                group = []
            if stop is not None:
                group.append(stop)
    return by_site


def _add_sites(
    layer: folium.FeatureGroup, strategy: str, solution: Solution, scenario: Scenario
) -> None:
    """One circle per site visited, farms larger and green, with a popup."""
    import folium

    coords = scenario.site_coordinates()
    farms = {p.id for p in scenario.producers}
    for site, visits in sorted(_visits(solution).items()):
        farm = site in farms
        marker = folium.CircleMarker(
            location=coords[site],
            radius=8 if farm else 6,
            color=_FARM_COLOUR if farm else _POINT_COLOUR,
            weight=2,
            fill=True,
            fill_color=_FARM_COLOUR if farm else "#ffffff",
            fill_opacity=0.95,
            tooltip=html.escape(_site_name(scenario, site)),
            class_name=f"{SITE_CLASS} logistics-{strategy}",
        )
        popup = _popup(_popup_html(strategy, site, visits, scenario))
        marker.add_child(popup)  # type: ignore[no-untyped-call]
        marker.add_to(layer)


def _site_name(scenario: Scenario, site: str) -> str:
    """The site's name, else its id."""
    names: dict[str, str] = {p.id: p.name for p in scenario.producers}
    names |= {d.id: d.name for d in scenario.delivery_points}
    names |= {h.id: h.name for h in scenario.hubs}
    return names.get(site) or site


def _site_kind(scenario: Scenario, site: str) -> str:
    if any(p.id == site for p in scenario.producers):
        return "farm"
    if any(h.id == site for h in scenario.hubs):
        return "hub"
    return next(
        (d.kind.replace("_", " ") for d in scenario.delivery_points if d.id == site),
        "site",
    )


def _popup_html(
    strategy: str, site: str, visits: list[_Visit], scenario: Scenario
) -> str:
    """Name, kind, then one row per visit: vehicle, time, load on arrival, orders."""
    rows = []
    kg_by_order = {o.id: o for o in scenario.orders}
    for visit in sorted(visits, key=lambda v: (v.stops[0].arrival_s, v.route.vehicle)):
        first, last = visit.stops[0], visit.stops[-1]
        kinds = {stop.type for stop in visit.stops}
        arrive, leave = (
            format_time_of_day(first.arrival_s),
            format_time_of_day(last.departure_s),
        )
        if "start" in kinds:
            when = f"leaves <b>{leave}</b>"
        elif "end" in kinds:
            when = f"back <b>{arrive}</b>"
        elif "base" in kinds:
            when = f"back <b>{arrive}</b>, leaves <b>{leave}</b>"
        else:
            when = f"arrives <b>{arrive}</b>"
        orders = [s.order for s in visit.stops if s.order]
        verb = {
            "pickup": "loads",
            "load": "loads",
            "delivery": "unloads",
            "drop": "unloads",
        }.get(next((s.type for s in visit.stops if s.order), ""), "")
        order_text = ", ".join(
            f"{o} ({kg_by_order[o].kg:g} kg"
            + (", chilled" if kg_by_order[o].temperature == "chilled" else "")
            + ")"
            for o in orders
            if o in kg_by_order
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(visit.route.vehicle)}, trip {first.trip}</td>"
            f"<td>{when}</td>"
            f"<td>{visit.load_on_arrival_kg:,.0f} kg, "
            f"{visit.load_on_arrival_crates} crates on arrival</td>"
            f"<td>{verb + ' ' + html.escape(order_text) if orders else ''}</td>"
            "</tr>"
        )
    return (
        f"<div class='logistics-popup'><b>{html.escape(_site_name(scenario, site))}"
        f"</b><br><span>{html.escape(site)} · {_site_kind(scenario, site)} · "
        f"{html.escape(strategy)}</span><table>{''.join(rows)}</table></div>"
    )


def _legend_html(comparison: Comparison, paths: RoadPaths) -> str:
    """A legend box: what the lines are, the site symbols, each trip's colour (a
    folded list per strategy, so that the box hides little of the map)."""
    scenario = comparison.scenario
    parts = [
        f"<div class='logistics-title'>{html.escape(scenario.name)}: "
        f"{' vs '.join(html.escape(n) for n in comparison.results)}</div>",
        "<div class='logistics-legend'>",
        f"<div class='logistics-note'>{html.escape(_lines_note(paths))}</div>",
        "<div><span class='logistics-dot' style='background:"
        f"{_FARM_COLOUR}'></span>farm &nbsp; <span class='logistics-dot' "
        f"style='background:#fff;border-color:{_POINT_COLOUR}'></span>"
        "delivery point</div>",
    ]
    for name, result in comparison.results.items():
        solution = result.solution
        colours = trip_colours(solution)
        unserved = (
            f", {len(solution.unserved)} order(s) unserved" if solution.unserved else ""
        )
        parts.append(
            f"<details><summary><b>"
            f"{html.escape(name)}</b>: {len(colours)} trip(s){unserved}</summary>"
        )
        for route in solution.routes:
            for number, trip in enumerate(route_trips(route), start=1):
                parts.append(
                    "<div><span class='logistics-swatch' style='background:"
                    f"{colours[route.vehicle, number]}'></span>"
                    f"{html.escape(route.vehicle)} · trip {number} · "
                    f"{format_time_of_day(trip[0].departure_s)}-"
                    f"{format_time_of_day(trip[-1].arrival_s)}</div>"
                )
        parts.append("</details>")
    parts.append("</div>")
    return "".join(parts)


def _lines_note(paths: RoadPaths) -> str:
    if paths.along_roads:
        return f"Lines follow the roads driven ({paths.description})."
    return f"Straight lines, not roads: {paths.description}."


@dataclass(frozen=True)
class _Assets:
    script: str
    style: str


@cache
def _leaflet_assets() -> _Assets:
    """Leaflet's script and style sheet, images as data URIs (read once)."""
    folder = resources.files("logistics") / "data" / "leaflet"
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    script = script.replace("//# sourceMappingURL=leaflet.js.map", "")
    style = (folder / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        data = (folder / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    style = re.sub(r"url\(images/([\w-]+\.png)\)", data_uri, style)
    return _Assets(script, style)


def _leaflet_inline() -> str:
    assets = _leaflet_assets()
    # "</" cannot appear inside a script element; Leaflet's source has none, but
    # escape it anyway so that a future version cannot close the element early.
    script = assets.script.replace("</", "<\\/")
    return f"<style>{assets.style}</style>\n<script>{script}</script>"


_STYLE: Final = """<style>
.logistics-title{position:fixed;top:10px;left:60px;z-index:1000;background:#fff;
 padding:4px 10px;border-radius:4px;font:bold 14px sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.4)}
.logistics-legend{position:fixed;bottom:64px;left:10px;z-index:1000;background:#fff;
 padding:6px 10px;border-radius:4px;font:12px sans-serif;max-height:40vh;
 max-width:320px;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.4)}
.logistics-legend summary{cursor:pointer;margin-top:4px}
.logistics-note{font-style:italic;margin-bottom:4px}
.logistics-swatch{display:inline-block;width:18px;height:4px;margin:0 6px 3px 0;
 vertical-align:middle}
.logistics-dot{display:inline-block;width:10px;height:10px;border-radius:50%;
 border:2px solid #1b5e20;margin-right:4px;vertical-align:middle}
.logistics-popup table{border-collapse:collapse;margin-top:4px}
.logistics-popup td{padding:1px 6px 1px 0;vertical-align:top;font-size:12px}
</style>"""


def _popup(content: str) -> Any:
    """A popup bound with Leaflet's own ``bindPopup`` (folium's needs jQuery)."""
    element = _popup_class()()
    # JSON is a JavaScript string literal; "</" is escaped against </script>.
    element.content = json.dumps(content).replace("</", "<\\/")
    return element


@cache
def _popup_class() -> type[Any]:
    """The popup element class, made on first use (branca comes with folium)."""
    from branca.element import MacroElement
    from jinja2 import Template

    return type(
        "LogisticsPopup",
        (MacroElement,),
        {
            "_template": Template(
                "{% macro script(this, kwargs) %}"
                "{{ this._parent.get_name() }}.bindPopup({{ this.content }}, "
                "{maxWidth: 520});"
                "{% endmacro %}"
            )
        },
    )


def _stable_ids(root: Any, text: str) -> str:
    """Replace folium's random element ids by their order in the page.

    folium names elements with ``uuid4`` hex strings; numbering them instead makes
    the same comparison give the same file.
    """
    ids: list[str] = []

    def walk(element: Any) -> None:
        ids.append(element._id)
        for child in element._children.values():
            walk(child)

    walk(root)
    for number, old in enumerate(dict.fromkeys(ids)):
        text = text.replace(old, f"{number:06d}")
    return text
