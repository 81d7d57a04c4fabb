"""``report.json``, ``routes.csv`` and ``stops.csv``, written atomically.

``report.json`` keys
--------------------
``scenario``; ``network`` {``source``, ``kind``, ``nodes``, ``edges``,
``fallback_reason``, ``max_snap_distance_m``, ``snap_distance_m`` (per site)};
``solver`` (the settings used); ``baseline`` (the strategy savings are measured
against, normally ``separate``); ``strategies.<name>`` for each strategy run
(``separate``, ``pooled``, ...), each with ``description``, ``distance_km``,
``duration_h``, ``cost_eur``, ``co2e_kg``, ``vehicles_used``, ``trips``,
``orders_served``,
``orders_unserved`` (list of {``order``, ``producer``, ``reason``}), ``objective``,
``backend`` and ``routes`` (list of {``vehicle``, ``vehicle_type``, ``owner``,
``trips``, ``distance_km``, ``duration_h`` (paid time), ``cost_eur``, ``co2e_kg``,
``stops``: list of {``site``, ``type`` (``start``, ``pickup``, ``delivery``, ``base``
for a return to base between two trips, ``end``), ``order``, ``arrival_s``,
``start_s``, ``departure_s``, ``load_kg``, ``load_crates``, ``trip`` (from 1)}});
``savings.<name>`` for each strategy but the baseline, with ``distance_km``,
``distance_pct``, ``duration_h``, ``duration_pct``, ``cost_eur``, ``cost_pct``,
``co2e_kg``, ``co2e_pct``, ``vehicles_used``, ``co2e_from_fewer_km_kg``,
``co2e_from_intensity_kg`` (null when undefined), and ``strategy`` and ``baseline``.

Added by the emissions accounting (docs/emissions.md): ``strategies.<name>.indicators``
(``tonne_km``, ``load_factor``, ``empty_running_share``, ``co2e_g_per_kg_delivered``,
``cost_eur_per_kg_delivered``, ``delivered_kg``), ``strategies.<name>.producers``
(ISO 14083 allocation per producer: ``cost_eur``, ``co2e_kg``, ``delivered_kg``,
``tonne_km_sfd``, g CO2e and EUR per kg delivered) and ``producer_savings.<name>``
(per producer: ``orders_baseline``, ``orders``, ``cost_baseline_eur``, ``cost_eur``,
``cost_saving_eur``, ``co2e_baseline_kg``, ``co2e_kg``, ``co2e_saving_kg``).

Added by the fair split (``logistics allocate``, and ``logistics run`` for small
collectives): ``allocation``, documented in :mod:`logistics.report.allocation`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..comparison import Comparison, StrategyResult

__all__ = ["comparison_dict", "write_report"]


def _num(value: float, digits: int) -> float | None:
    """Round for JSON; NaN (an undefined ratio) becomes null."""
    return None if math.isnan(value) else round(value, digits)


def _strategy_dict(result: StrategyResult) -> dict[str, Any]:
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


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """Return the JSON-ready content of ``report.json``."""
    net = comparison.network
    return {
        "scenario": comparison.scenario.name,
        "network": {
            "source": net.source,
            "kind": net.kind,
            "nodes": net.nodes,
            "edges": net.edges,
            "fallback_reason": net.fallback_reason or None,
            "max_snap_distance_m": max(net.snap_distance_m.values(), default=0.0),
            "snap_distance_m": dict(net.snap_distance_m),
        },
        "solver": {
            "objective": comparison.scenario.solver.objective,
            "carbon_price_eur_per_t": comparison.scenario.solver.carbon_price_eur_per_t,
            "time_limit_s": comparison.scenario.solver.time_limit_s,
            "separate_time_limit_s": comparison.scenario.solver.separate_time_limit_s,
            "backend": comparison.scenario.solver.backend,
        },
        "baseline": comparison.baseline,
        "strategies": {
            name: _strategy_dict(result) for name, result in comparison.results.items()
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


def _rounded(value: Any) -> Any:
    """Round floats to 3 decimals for JSON; other values as they are."""
    return round(value, 3) if isinstance(value, float) else value


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_report(comparison: Comparison, out_dir: str | Path) -> list[Path]:
    """Write ``report.json``, ``routes.csv`` and ``stops.csv`` into ``out_dir``.

    Every file is first written in full to a hidden temporary file in ``out_dir``,
    then all are renamed into place, so a reader never sees a half-written file.
    An error or interrupt while the temporary files are written removes them and
    leaves ``out_dir`` as it was; the renames take microseconds (the command line
    holds Ctrl-C back until they are done, so it writes the three files or none).

    Parameters
    ----------
    comparison
        A checked comparison.
    out_dir
        Output folder (created if needed).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = comparison_dict(comparison)
    route_cols = [
        "strategy",
        "vehicle",
        "vehicle_type",
        "owner",
        "trips",
        "distance_km",
        "duration_h",
        "cost_eur",
        "co2e_kg",
        "stops",
    ]
    stop_cols = [
        "strategy",
        "vehicle",
        "seq",
        "trip",
        "site",
        "type",
        "order",
        "arrival_s",
        "start_s",
        "departure_s",
        "load_kg",
        "load_crates",
    ]
    route_rows, stop_rows = [], []
    for name, strategy in data["strategies"].items():
        for route in strategy["routes"]:
            route_rows.append(
                {
                    "strategy": name,
                    **{k: route[k] for k in route_cols[1:-1]},
                    "stops": len(route["stops"]),
                }
            )
            for seq, stop in enumerate(route["stops"]):
                stop_rows.append(
                    {"strategy": name, "vehicle": route["vehicle"], "seq": seq, **stop}
                )
    files = {
        "report.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        "routes.csv": _csv_text(route_rows, route_cols),
        "stops.csv": _csv_text(stop_rows, stop_cols),
    }
    return _write_all(out, files)


def _write_all(out: Path, files: dict[str, str]) -> list[Path]:
    """Write every file to a temporary sibling, then rename them all (see
    :func:`write_report`); return the final paths."""
    temps: list[tuple[Path, Path]] = []
    try:
        for name, text in files.items():
            fd, tmp_name = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            temps.append((Path(tmp_name), out / name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        # Only now touch the visible files: a failure above leaves the old set.
        for tmp, final in temps:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [final for _, final in temps]
