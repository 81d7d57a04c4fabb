"""``logistics init DIR``: a template scenario to fill in, as CSV files and a workbook.

The template is a small collective near Melun (3 farms, 6 delivery points, 10 orders,
illustrative placements) that loads and runs as written, so a user can replace its
rows with their own and keep a working file at every step. It is written twice, with
the same content: ``scenario.yaml`` naming four CSV files (UTF-8 with a byte-order
mark, so that Excel shows accents right), and ``scenario_xlsx.yaml`` naming one
workbook ``collective.xlsx`` with a sheet per table.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ._cache import atomic_write_bytes, atomic_write_text
from .exceptions import LogisticsError

__all__ = ["TEMPLATE_TABLES", "write_template"]

TEMPLATE_TABLES: dict[str, list[list[object]]] = {
    "vehicle_types": [
        [
            "id",
            "name",
            "capacity_kg",
            "capacity_crates",
            "refrigerated",
            "fixed_cost_eur",
            "cost_per_km_eur",
            "driver_cost_per_h_eur",
            "emission_class",
        ],
        ["small_van", "Small diesel van", 700, 40, "no", 12, 0.40, 13.5, "small_van"],
        [
            "van_3t5",
            "3.5 t diesel van",
            1000,
            100,
            "no",
            15,
            0.40,
            13.5,
            "van_3t5_diesel",
        ],
        [
            "small_reefer",
            "Small refrigerated van",
            600,
            35,
            "yes",
            16,
            0.60,
            13.5,
            "small_van",
        ],
    ],
    "producers": [
        [
            "id",
            "name",
            "address",
            "lat",
            "lon",
            "available",
            "vehicle_type",
            "vehicle_count",
            "phone",
        ],
        [
            "p_voisenon",
            "Market garden",
            "Voisenon (77950)",
            48.5689,
            2.6652,
            "05:30-12:00",
            "van_3t5",
            1,
            "01 00 00 00 01",
        ],
        [
            "p_rubelles",
            "Meat and poultry farm",
            "Rubelles (77950)",
            48.5599,
            2.6765,
            "05:30-12:00",
            "small_reefer",
            1,
            "01 00 00 00 02",
        ],
        [
            "p_livry",
            "Orchard",
            "Livry-sur-Seine (77000)",
            48.5096,
            2.6798,
            "05:30-12:00",
            "small_van",
            1,
            "01 00 00 00 03",
        ],
    ],
    "delivery_points": [
        ["id", "name", "kind", "address", "lat", "lon", "time_windows", "stop_min"],
        [
            "sh_saint_aspais",
            "Grocery",
            "shop",
            "Rue Saint-Aspais, 77000 Melun",
            48.53863,
            2.65951,
            "07:00-11:00",
            8,
        ],
        [
            "sh_carnot",
            "Cheese shop",
            "shop",
            "Rue Carnot, 77000 Melun",
            48.53962,
            2.65905,
            "06:30-10:00",
            8,
        ],
        [
            "re_quai_pasteur",
            "Restaurant",
            "restaurant",
            "Quai Pasteur, 77000 Melun",
            48.53811,
            2.65719,
            "08:00-11:00",
            6,
        ],
        [
            "ca_lycee",
            "Lycée canteen",
            "canteen",
            "Rue Jacques Amyot, 77000 Melun",
            48.53846,
            2.65818,
            "07:00-09:30",
            12,
        ],
        [
            "mk_gaillardon",
            "Morning market",
            "market",
            "Rue de Gaillardon, 77000 Melun",
            48.53672,
            2.66400,
            "05:30-08:00",
            10,
        ],
        [
            "dp_relay",
            "Relay point in a café",
            "drop_point",
            "Place des Trois Horloges, 77000 Melun",
            48.54974,
            2.65710,
            "09:00-12:00",
            5,
        ],
    ],
    "orders": [
        ["id", "producer", "delivery_point", "kg", "crates", "temperature"],
        ["voi-01", "p_voisenon", "mk_gaillardon", 40, 4, "ambient"],
        ["voi-02", "p_voisenon", "ca_lycee", 35, 4, "ambient"],
        ["voi-03", "p_voisenon", "sh_saint_aspais", 20, 2, "ambient"],
        ["voi-04", "p_voisenon", "re_quai_pasteur", 12.5, 2, "ambient"],
        ["rub-01", "p_rubelles", "sh_carnot", 30, 3, "chilled"],
        ["rub-02", "p_rubelles", "re_quai_pasteur", 10, 1, "chilled"],
        ["rub-03", "p_rubelles", "dp_relay", 8, 1, "chilled"],
        ["liv-01", "p_livry", "mk_gaillardon", 30, 3, "ambient"],
        ["liv-02", "p_livry", "ca_lycee", 25, 3, "ambient"],
        ["liv-03", "p_livry", "dp_relay", 12, 2, "ambient"],
    ],
}
"""Header and rows of each template table (numbers as numbers, for the workbook)."""

_SETTINGS = """\
max_route_duration_h: 8

# Road distances: the template uses the labelled geodesic estimate (straight line x
# detour factor) so that it runs anywhere. For real figures name an OpenStreetMap
# extract of your region instead, e.g.
#   network: {{source: osm_file, osm_file: ile-de-france-latest.osm.pbf}}
# (a .osm.pbf is clipped to your sites; files from download.geofabrik.de), or
#   network: {{source: download}}
network:
  source: geodesic

solver:
  time_limit_s: {time_limit_s:g}
  separate_time_limit_s: {separate_s:g}
"""

_YAML = """\
# Template scenario written by `logistics init` (see README.md next to it).
name: {name}
description: Three farms near Melun deliver ten morning orders (illustrative data).

vehicle_types: {vehicle_types}
producers: {producers}
delivery_points: {delivery_points}
orders: {orders}

"""

_README = """\
# Your collective's scenario

Written by `logistics init`. Two equivalent versions of the same small collective
(3 farms, 6 delivery points, 10 orders near Melun; illustrative, not real businesses):

- `scenario.yaml` + `vehicle_types.csv`, `producers.csv`, `delivery_points.csv`,
  `orders.csv` — CSV tables (UTF-8; `,` or `;` separated, decimal commas with `;`);
- `scenario_xlsx.yaml` + `collective.xlsx` — one workbook, one sheet per table.

Check and run:

    logistics validate scenario.yaml
    logistics run scenario_xlsx.yaml --out results/

Then replace the rows by your own, keeping the header row:

- **producers**: the farms; `vehicle_type` and `vehicle_count` are the farm's own
  vehicles (or a `vehicles` column such as `van_3t5 x2, small_reefer`).
- **delivery_points**: `kind` is shop, restaurant, canteen, market or drop_point;
  `time_windows` like `07:00-11:00` (several: `07:00-09:00;14:00-16:00`).
- **orders**: who delivers what to whom, kg, crates, `ambient` or `chilled`.
- A site may give an `address` and leave `lat`/`lon` empty: it is geocoded with the
  Base Adresse Nationale (cached; `logistics geocode scenario.yaml` writes a copy with
  the coordinates).
- Extra columns (phone, contact, notes...) are kept with each row.
- The `network:` section in the YAML says where road distances come from.

Every field is documented in the project's `scenarios/README.md`.
"""


def write_template(
    folder: Path, *, time_limit_s: float = 5.0, separate_s: float = 1.0
) -> list[Path]:
    """Write the template scenario set into ``folder``.

    Parameters
    ----------
    folder
        Created if needed; must not already hold a template file.
    time_limit_s, separate_s
        Solver budgets written into the scenarios (pooled, per producer separate).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    LogisticsError
        If a file of the template already exists there (nothing is overwritten).
    """
    folder = Path(folder)
    names = [f"{t}.csv" for t in TEMPLATE_TABLES]
    names += ["collective.xlsx", "scenario.yaml", "scenario_xlsx.yaml", "README.md"]
    existing = [n for n in names if (folder / n).exists()]
    if existing:
        msg = (
            f"{folder}: {', '.join(existing)} already exist(s); init never overwrites "
            "files, choose an empty folder"
        )
        raise LogisticsError(msg)
    workbook = _xlsx_bytes()  # first: without openpyxl, nothing is written
    written = []
    for table, rows in TEMPLATE_TABLES.items():
        written.append(folder / f"{table}.csv")
        atomic_write_bytes(written[-1], _csv_bytes(rows))
    written.append(folder / "collective.xlsx")
    atomic_write_bytes(written[-1], workbook)
    settings = _SETTINGS.format(time_limit_s=time_limit_s, separate_s=separate_s)
    for name, files in (
        ("scenario.yaml", {t: f"{t}.csv" for t in TEMPLATE_TABLES}),
        ("scenario_xlsx.yaml", dict.fromkeys(TEMPLATE_TABLES, "collective.xlsx")),
    ):
        written.append(folder / name)
        text = _YAML.format(name="my_collective", **files) + settings
        atomic_write_text(written[-1], text)
    written.append(folder / "README.md")
    atomic_write_text(written[-1], _README)
    return written


def _csv_bytes(rows: list[list[object]]) -> bytes:
    """CSV text in UTF-8 with a BOM (what Excel's "CSV UTF-8" writes)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_bytes() -> bytes:
    """One workbook, one sheet per table."""
    try:
        import openpyxl
    except ImportError as exc:
        msg = (
            "writing collective.xlsx needs openpyxl: `pip install 'logistics[sheets]'`"
        )
        raise LogisticsError(msg) from exc
    book = openpyxl.Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for table, rows in TEMPLATE_TABLES.items():
        sheet = book.create_sheet(table)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
