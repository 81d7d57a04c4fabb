"""``report.json``, ``routes.csv``, ``stops.csv``, ``route_sheets.csv``,
``report.html``, ``map.html`` (:func:`~logistics.report.map.render_map`) and the PNG
figures (:func:`~logistics.report.figures.render_figures`), written all or none
(see :func:`write_report`; the CSV columns are listed in :data:`ROUTE_COLUMNS`,
:data:`STOP_COLUMNS` and :data:`~logistics.report.sheets.SHEET_COLUMNS`).

``report.json`` keys
--------------------
``scenario``; ``provenance`` {``tool``, ``version``, ``python``, ``created_utc``,
``scenario_file``, ``scenario_sha256`` (over the scenario file and its tables),
``input_files`` ({name: sha256}), ``seed``, ``network_source``, ``network_kind``,
``osm_file``, ``osm_sha256``} (see :func:`logistics.provenance.provenance_dict`);
``costs`` {``country``, ``currency`` (of every amount of money in the report: keys
ending in ``_eur`` hold amounts in this currency), ``diesel_per_l``, ``petrol_per_l``,
``electricity_per_kwh``, ``driver_per_h``, ``source``, ``year``} (the country cost
profile, :mod:`logistics.country`); ``network`` {``source``, ``kind``, ``nodes``,
``edges``, ``fallback_reason``, ``max_snap_distance_m``, ``snap_distance_m`` (per
site)}; ``solver`` (the settings used); ``baseline`` (the strategy savings are measured
against, normally ``separate``); ``strategies.<name>`` for each strategy run
(``separate``, ``pooled``, ...), each with ``description``, ``distance_km``,
``duration_h``, ``cost_eur``, ``co2e_kg``, ``vehicles_used``, ``trips``,
``orders_served``,
``orders_unserved`` (list of {``order``, ``producer``, ``reason``}), ``objective``,
``backend`` and ``routes`` (list of {``vehicle``, ``vehicle_type``, ``owner``,
``trips``, ``distance_km``, ``duration_h`` (paid time), ``cost_eur``, ``co2e_kg``,
``stops``: list of {``site``, ``type`` (``start``, ``pickup``, ``delivery``, ``drop``
and ``load`` for unloading at and loading out of a hub, ``base`` for a return to base
between two trips, ``end``), ``order``, ``arrival_s``, ``start_s``, ``departure_s``,
``load_kg``, ``load_crates``, ``trip`` (from 1)}});
``savings.<name>`` for each strategy but the baseline, with ``distance_km``,
``distance_pct``, ``duration_h``, ``duration_pct``, ``cost_eur``, ``cost_pct``,
``co2e_kg``, ``co2e_pct``, ``vehicles_used``, ``co2e_from_fewer_km_kg``,
``co2e_from_intensity_kg`` (null when undefined), and ``strategy`` and ``baseline``.
``sites`` (issue #12): one entry per producer, delivery point and hub with ``id``,
``role`` (``producer``, ``delivery_point``, ``hub``), ``name``, ``lat``, ``lon``,
``address`` (null if none), ``metadata`` (extra spreadsheet columns such as a phone)
and ``geocoded`` (null, or {``provider``, ``score``, ``label``} when the coordinates
came from the address).

Added by the emissions accounting (docs/emissions.md): ``strategies.<name>.indicators``
(``tonne_km``, ``load_factor``, ``empty_running_share``, ``co2e_g_per_kg_delivered``,
``cost_eur_per_kg_delivered``, ``delivered_kg``), ``strategies.<name>.producers``
(ISO 14083 allocation per producer: ``cost_eur``, ``co2e_kg``, ``delivered_kg``,
``tonne_km_sfd``, g CO2e and EUR per kg delivered) and ``producer_savings.<name>``
(per producer: ``orders_baseline``, ``orders``, ``cost_baseline_eur``, ``cost_eur``,
``cost_saving_eur``, ``co2e_baseline_kg``, ``co2e_kg``, ``co2e_saving_kg``).

Who drives (:mod:`logistics.report.driving`): ``strategies.<name>.producer_driving``,
one entry per producer (then one with ``producer`` null for the collective's own
vehicles, when used) with ``producer``, ``name``, ``vehicles``, ``trips``,
``duration_h`` (paid time out), ``driving_h`` (at the wheel), ``distance_km``,
``orders_carried`` and ``orders_for_others`` (other producers' orders its vehicles
deliver).

Added by the hub strategy: ``strategies.hub.hub`` (what the hub adds and how the plan
was made): ``hub``, ``first_leg`` (``own`` or ``collection``), ``orders_handled``,
``handled_kg``, ``cold_room_kg``, ``handling_cost_eur``, ``co2e_kg`` (hub operations),
``first_leg_km``, ``second_leg_km``, ``first_leg_co2e_kg``, ``second_leg_co2e_kg``,
``rounds``, ``first_leg_cost``, ``second_leg_cost``, ``second_leg_orders_served``,
``bound_second_leg_cost``, ``bound_orders_served``, ``bound_gap_pct`` (linked second
leg vs the optimistic bound), ``peak_kg``, ``peak_crates`` and ``orders`` (per order:
``order``, ``producer``, ``kg``, ``crates``, ``chilled``, ``dropped_s``, ``ready_s``,
``loaded_s``, ``cold_room``). The strategy's ``cost_eur`` and ``co2e_kg`` include the
hub's handling cost and operations.

Added by the fair split (``logistics allocate``, and ``logistics run`` for small
collectives): ``allocation`` (the pooled split) and ``allocations`` (every split
written, keyed by strategy: ``pooled``, ``hub``), documented in
:mod:`logistics.report.allocation`.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._cache import temp_sibling
from ..exceptions import OutputError
from ..scenario import format_time_of_day
from .driving import producer_driving
from .sheets import SHEET_COLUMNS, driving_s, route_sheets, sheet_rows, sites

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..comparison import Comparison, StrategyResult
    from ..scenario import Scenario
    from ..split import FairSplit

__all__ = [
    "ROUTE_COLUMNS",
    "STOP_COLUMNS",
    "check_writable",
    "comparison_dict",
    "report_files",
    "write_files",
    "write_report",
]


def _num(value: float, digits: int) -> float | None:
    """Round for JSON; NaN (an undefined ratio) becomes null."""
    return None if math.isnan(value) else round(value, digits)


def _strategy_dict(scenario: Scenario, result: StrategyResult) -> dict[str, Any]:
    from ..strategies import get_strategy

    sol, acc = result.solution, result.account
    by_vehicle = {r.vehicle: r for r in acc.routes}
    return {
        "description": get_strategy(result.strategy).description,
        "distance_km": round(acc.distance_km, 3),
        "duration_h": round(acc.duration_h, 3),
        "cost_eur": round(acc.cost_eur, 2),
        "co2e_kg": round(acc.co2e_kg, 3),
        "vehicles_used": acc.vehicles_used,
        "trips": acc.trips,
        "orders_served": acc.orders_served,
        "orders_unserved": [asdict(u) for u in sol.unserved],
        "objective": round(sol.objective, 4),
        "backend": sol.backend,
        "solve_time_s": round(sol.wall_time_s, 2),
        "indicators": {k: _num(v, 4) for k, v in acc.indicators().items()},
        "producers": [
            {
                "producer": p.producer,
                "orders_served": p.orders_served,
                "delivered_kg": _num(p.delivered_kg, 3),
                "cost_eur": _num(p.cost_eur, 2),
                "co2e_kg": _num(p.co2e_kg, 3),
                "tonne_km_sfd": _num(p.tonne_km_sfd, 3),
                "co2e_g_per_kg_delivered": _num(p.co2e_g_per_kg, 2),
                "cost_eur_per_kg_delivered": _num(p.cost_eur_per_kg, 4),
            }
            for p in acc.producers
        ],
        "producer_driving": [
            d.as_dict() for d in producer_driving(scenario, result.solution)
        ],
        **_hub_dict(result),
        "routes": [
            {
                "vehicle": r.vehicle,
                "vehicle_type": r.vehicle_type,
                "owner": r.owner,
                "trips": r.trips,
                "distance_km": round(r.distance_km, 3),
                "duration_h": round(r.duration_h, 3),
                "cost_eur": round(by_vehicle[r.vehicle].cost_eur, 2),
                "co2e_kg": round(by_vehicle[r.vehicle].co2e_kg, 3),
                "tonne_km": round(by_vehicle[r.vehicle].tonne_km, 4),
                "emission_method": by_vehicle[r.vehicle].method,
                "stops": [asdict(s) for s in r.stops],
            }
            for r in sol.routes
        ],
    }


def _hub_dict(result: StrategyResult) -> dict[str, Any]:
    """The ``hub`` section of a strategy that goes through a hub (else nothing)."""
    acc, ops = result.account.hub, result.solution.hub
    if acc is None or ops is None:
        return {}
    return {
        "hub": {
            "hub": acc.hub,
            "first_leg": ops.first_leg,
            "orders_handled": acc.orders_handled,
            "handled_kg": round(acc.handled_kg, 3),
            "cold_room_kg": round(acc.cold_room_kg, 3),
            "handling_cost_eur": round(acc.handling_cost_eur, 2),
            "co2e_kg": round(acc.co2e_kg, 3),
            "first_leg_km": round(acc.first_leg_km, 3),
            "second_leg_km": round(acc.second_leg_km, 3),
            "first_leg_co2e_kg": round(acc.first_leg_co2e_kg, 3),
            "second_leg_co2e_kg": round(acc.second_leg_co2e_kg, 3),
            "rounds": ops.rounds,
            "first_leg_cost": round(ops.first_leg_cost, 2),
            "second_leg_cost": round(ops.second_leg_cost, 2),
            "second_leg_orders_served": ops.second_leg_orders_served,
            "bound_second_leg_cost": round(ops.bound_second_leg_cost, 2),
            "bound_orders_served": ops.bound_orders_served,
            "bound_gap_pct": round(ops.bound_gap_pct, 2),
            "peak_kg": round(ops.peak_kg, 3),
            "peak_crates": ops.peak_crates,
            "orders": [asdict(o) for o in ops.orders],
        }
    }


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """Return the JSON-ready content of ``report.json``."""
    from ..provenance import provenance_dict

    net = comparison.network
    return {
        "scenario": comparison.scenario.name,
        "provenance": provenance_dict(comparison),
        "costs": _costs_dict(comparison),
        "network": {
            "source": net.source,
            "kind": net.kind,
            "nodes": net.nodes,
            "edges": net.edges,
            "fallback_reason": net.fallback_reason or None,
            "max_snap_distance_m": max(net.snap_distance_m.values(), default=0.0),
            "snap_distance_m": dict(net.snap_distance_m),
        },
        "sites": _sites(comparison.scenario),
        "solver": {
            "objective": comparison.scenario.solver.objective,
            "carbon_price_eur_per_t": comparison.scenario.solver.carbon_price_eur_per_t,
            "time_limit_s": comparison.scenario.solver.time_limit_s,
            "separate_time_limit_s": comparison.scenario.solver.separate_time_limit_s,
            "backend": comparison.scenario.solver.backend,
        },
        "baseline": comparison.baseline,
        "strategies": {
            name: _strategy_dict(comparison.scenario, result)
            for name, result in comparison.results.items()
        },
        "savings": {
            name: {k: _rounded(v) for k, v in saving.as_dict().items()}
            for name, saving in comparison.savings.items()
        },
        "producer_savings": {
            name: [
                {k: _rounded(v) for k, v in row.items()}
                for row in comparison.producer_savings(name)
            ]
            for name in comparison.savings
        },
        "wall_time_s": round(comparison.wall_time_s, 2),
    }


def _costs_dict(comparison: Comparison) -> dict[str, Any]:
    """The country cost profile in force: every amount of money is in ``currency``."""
    from ..country import country_profile

    profile = country_profile(comparison.scenario.costs.country)
    return {
        "country": profile.country,
        "currency": profile.currency,
        "diesel_per_l": profile.diesel_per_l,
        "petrol_per_l": profile.petrol_per_l,
        "electricity_per_kwh": profile.electricity_per_kwh,
        "driver_per_h": profile.driver_per_h,
        "source": profile.source,
        "year": profile.year,
    }


def _sites(scenario: Scenario) -> list[dict[str, Any]]:
    """Each site with its address and metadata, so reports can show them."""
    geocoded = scenario.geocoded
    rows = []
    for role, members in (
        ("producer", scenario.producers),
        ("delivery_point", scenario.delivery_points),
        ("hub", scenario.hubs),
    ):
        for site in members:
            match = geocoded.get(site.id)
            rows.append(
                {
                    "id": site.id,
                    "role": role,
                    "name": site.name,
                    "lat": site.lat,
                    "lon": site.lon,
                    "address": site.address,
                    "metadata": dict(site.metadata),
                    "geocoded": None
                    if match is None
                    else {
                        "provider": match.provider,
                        "score": match.score,
                        "label": match.label,
                    },
                }
            )
    return rows


def _rounded(value: Any) -> Any:
    """Round floats to 3 decimals for JSON; other values as they are."""
    return round(value, 3) if isinstance(value, float) else value


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


ROUTE_COLUMNS = [
    "strategy",
    "vehicle",
    "vehicle_type",
    "vehicle_name",
    "owner",
    "owner_name",
    "base",
    "base_name",
    "base_lat",
    "base_lon",
    "leaves",
    "back",
    "trips",
    "distance_km",
    "duration_h",
    "driving_h",
    "cost_eur",
    "co2e_kg",
    "stops",
    "orders",
]
"""Columns of ``routes.csv``: ``leaves`` and ``back`` are the first departure and
the last return (``HH:MM``); ``duration_h`` is paid time, ``driving_h`` the part
spent driving."""

STOP_COLUMNS = [
    "strategy",
    "vehicle",
    "seq",
    "trip",
    "site",
    "site_name",
    "address",
    "lat",
    "lon",
    "type",
    "order",
    "producer",
    "kg",
    "crates",
    "chilled",
    "arrival",
    "start",
    "departure",
    "arrival_s",
    "start_s",
    "departure_s",
    "load_kg",
    "load_crates",
]
"""Columns of ``stops.csv``: ``arrival``, ``start`` (of service) and ``departure``
as ``HH:MM``, the same in seconds after midnight in the ``_s`` columns; ``kg``,
``crates`` and ``chilled`` describe the stop's order, ``load_*`` what is on board
after it."""


def _route_rows(comparison: Comparison) -> list[dict[str, Any]]:
    places = sites(comparison.scenario)
    rows = []
    for name, result in comparison.results.items():
        costs = {r.vehicle: r for r in result.account.routes}
        for route in result.solution.routes:
            vt = comparison.scenario.vehicle_type(route.vehicle_type)
            base = places[route.stops[0].site]
            owner = places.get(route.owner)
            rows.append(
                {
                    "strategy": name,
                    "vehicle": route.vehicle,
                    "vehicle_type": route.vehicle_type,
                    "vehicle_name": vt.name or vt.id,
                    "owner": route.owner,
                    "owner_name": owner.label if owner else "the collective",
                    "base": base.id,
                    "base_name": base.label,
                    "base_lat": base.lat,
                    "base_lon": base.lon,
                    "leaves": format_time_of_day(route.stops[0].departure_s),
                    "back": format_time_of_day(route.stops[-1].arrival_s),
                    "trips": route.trips,
                    "distance_km": round(route.distance_km, 3),
                    "duration_h": round(route.duration_h, 3),
                    "driving_h": round(driving_s(route.stops) / 3600, 3),
                    "cost_eur": round(costs[route.vehicle].cost_eur, 2),
                    "co2e_kg": round(costs[route.vehicle].co2e_kg, 3),
                    "stops": len(route.stops),
                    "orders": len(route.orders),
                }
            )
    return rows


def _stop_rows(comparison: Comparison) -> list[dict[str, Any]]:
    places = sites(comparison.scenario)
    orders = {o.id: o for o in comparison.scenario.orders}
    rows = []
    for name, result in comparison.results.items():
        for route in result.solution.routes:
            for seq, stop in enumerate(route.stops):
                site = places[stop.site]
                order = orders.get(stop.order) if stop.order else None
                rows.append(
                    {
                        "strategy": name,
                        "vehicle": route.vehicle,
                        "seq": seq,
                        "trip": stop.trip,
                        "site": site.id,
                        "site_name": site.label,
                        "address": site.address or "",
                        "lat": site.lat,
                        "lon": site.lon,
                        "type": stop.type,
                        "order": stop.order or "",
                        "producer": order.producer if order else "",
                        "kg": order.kg if order else "",
                        "crates": order.crates if order else "",
                        "chilled": (
                            ("yes" if order.temperature == "chilled" else "no")
                            if order
                            else ""
                        ),
                        "arrival": format_time_of_day(stop.arrival_s),
                        "start": format_time_of_day(stop.start_s),
                        "departure": format_time_of_day(stop.departure_s),
                        "arrival_s": stop.arrival_s,
                        "start_s": stop.start_s,
                        "departure_s": stop.departure_s,
                        "load_kg": stop.load_kg,
                        "load_crates": stop.load_crates,
                    }
                )
    return rows


def _sheets_csv(comparison: Comparison) -> str:
    rows = [
        row
        for result in comparison.results.values()
        for row in sheet_rows(route_sheets(comparison.scenario, result.solution))
    ]
    return _csv_text(rows, SHEET_COLUMNS)


def report_files(
    comparison: Comparison,
    *,
    map_html: str | None = None,
    figures: Mapping[str, bytes] | None = None,
    draw: bool = True,
    split: FairSplit | None = None,
    more_splits: Sequence[FairSplit] = (),
) -> dict[str, str | bytes]:
    """Return the report files' contents by file name (see :func:`write_report`).

    With ``draw`` (the default), ``map.html`` and the PNG figures are drawn here
    (:func:`~logistics.report.map.render_map`,
    :func:`~logistics.report.figures.render_figures`, along the roads each leg
    drives) unless given; ``draw=False`` leaves out whatever is not given. A fair
    ``split`` (:func:`logistics.split.fair_split`) adds its table to
    ``report.html`` and its savings to the producer figure; ``more_splits``
    (e.g. the hub strategy's split) add their tables to ``report.html``.
    """
    from .html import render_html

    splits = [s for s in (split, *more_splits) if s is not None]
    split = next((s for s in splits if s.strategy == "pooled"), None)
    others = [
        (s.strategy, s.method, _allocation_rows(s)) for s in splits if s is not split
    ]
    if draw and (map_html is None or figures is None):
        from ..paths import comparison_paths
        from .figures import render_figures
        from .map import render_map

        paths = comparison_paths(comparison)
        if map_html is None:
            map_html = render_map(comparison, paths)
        if figures is None:
            figures = render_figures(
                comparison, paths, producer_rows=_split_rows(comparison, split)
            )
    data = comparison_dict(comparison)
    files: dict[str, str | bytes] = {
        "report.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        "routes.csv": _csv_text(_route_rows(comparison), ROUTE_COLUMNS),
        "stops.csv": _csv_text(_stop_rows(comparison), STOP_COLUMNS),
        "route_sheets.csv": _sheets_csv(comparison),
        "report.html": render_html(
            comparison,
            map_html=map_html,
            figures=figures,
            allocation=None if split is None else _allocation_rows(split),
            allocation_method="" if split is None else split.method,
            more_allocations=others,
        ),
    }
    if map_html is not None:
        files["map.html"] = map_html
    for name, png in sorted((figures or {}).items()):
        if name in files or "/" in name or name.startswith("."):
            msg = f"figure file name {name!r} clashes with a report file or a folder"
            raise ValueError(msg)
        files[name] = png
    return files


def _allocation_rows(split: FairSplit) -> list[dict[str, Any]]:
    from ..split import share_row

    return [share_row(share) for share in split.shares]


def _split_rows(
    comparison: Comparison, split: FairSplit | None
) -> dict[str, list[dict[str, Any]]] | None:
    """The pooled strategy's producer rows with the split's savings beside the ISO
    split's (one more bar per producer in the savings figure)."""
    if split is None or "pooled" not in comparison.savings:
        return None
    by_producer = {share.producer: share for share in split.shares}
    rows = []
    for row in comparison.producer_savings("pooled"):
        share = by_producer.get(row["producer"])
        extra = {}
        if share is not None:
            extra = {
                f"{split.method}_saving_eur": share.saving_eur,
                f"{split.method}_saving_kg": share.co2e_saving_kg,
            }
        rows.append({**row, **extra})
    return {"pooled": rows}


def write_report(
    comparison: Comparison,
    out_dir: str | Path,
    *,
    map_html: str | None = None,
    figures: Mapping[str, bytes] | None = None,
    draw: bool = True,
) -> list[Path]:
    """Write the report files into ``out_dir``, all or none.

    ``report.json``, ``routes.csv``, ``stops.csv``, ``route_sheets.csv`` and
    ``report.html``, ``map.html`` and each figure (drawn here unless given, or left
    out with ``draw=False``).
    Every file is first written in full to a hidden temporary file in ``out_dir``,
    then all are renamed into place, so a reader never sees a half-written file.
    An error or interrupt while the temporary files are written removes them and
    leaves ``out_dir`` as it was; the renames take microseconds (the command line
    holds Ctrl-C back until they are done, so it writes every file or none).

    Parameters
    ----------
    comparison
        A checked comparison.
    out_dir
        Output folder (created if needed).
    map_html
        The interactive map page: written as ``map.html`` and embedded in
        ``report.html``.
    figures
        PNG images by file name: written beside the report and embedded in
        ``report.html``.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputError
        When the files cannot be written (nothing was changed then).
    """
    files = report_files(comparison, map_html=map_html, figures=figures, draw=draw)
    return write_files(out_dir, files)


def check_writable(out_dir: str | Path, *, what: str = "output folder") -> Path:
    """Check that files can be created in ``out_dir``, creating nothing there.

    A temporary file is created and removed in ``out_dir`` or, when it does not
    exist yet, in its nearest existing parent (where it would be created): the only
    test that also holds for root, read-only mounts and ACLs.

    Parameters
    ----------
    out_dir
        The folder report files will be written to.
    what
        How messages name the folder (the command line says ``--out``).

    Returns
    -------
    Path
        ``out_dir`` as a path.

    Raises
    ------
    OutputError
        Naming the folder and why files cannot be written there.
    """
    out = Path(out_dir)
    probe = out
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        msg = (
            f"{what} {out}: {probe} is a file, not a folder; choose a folder "
            "(it is created if missing)"
        )
        raise OutputError(msg)
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".logistics-probe.")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        msg = (
            f"{what} {out}: cannot create files in {probe} "
            f"({exc.strerror or exc}); choose a folder you can write to"
        )
        raise OutputError(msg) from None
    return out


def write_files(out_dir: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write a set of files into ``out_dir``, all or none.

    Text is encoded as UTF-8. Every file is first written in full (and fsynced) to
    a hidden temporary sibling, created with the mode ``open()`` would give (0666
    less the umask); only then are all renamed into place.

    Parameters
    ----------
    out_dir
        Folder (created if needed).
    files
        File name -> content.

    Returns
    -------
    list of Path
        The files written, in the order given.

    Raises
    ------
    OutputError
        When the folder or a file cannot be written (e.g. disk full); then no file
        of the set was changed and no temporary file is left.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        return _write_all(out, files)
    except OutputError:
        raise
    except OSError as exc:
        msg = (
            f"cannot write the report files in {out} ({_reason(exc)}); "
            "nothing was written"
        )
        raise OutputError(msg) from None


def _reason(exc: OSError) -> str:
    """The system's reason, with the file it concerns when known."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


def _write_all(out: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write every file to a temporary sibling, then rename them all (see
    :func:`write_report`); return the final paths."""
    temps: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            fd, tmp = temp_sibling(out / name)
            temps.append((tmp, out / name))
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        # A folder in the way would fail its rename after others were done.
        for _, final in temps:
            if final.is_dir():
                raise IsADirectoryError(
                    errno.EISDIR, "a folder has its name", str(final)
                )
        # Only now touch the visible files: a failure above leaves the old set.
        for tmp, final in temps:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [final for _, final in temps]
