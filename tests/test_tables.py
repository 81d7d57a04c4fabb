"""Scenario tables as spreadsheets save them: encodings, delimiters, workbooks."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

from logistics.exceptions import ScenarioError
from logistics.scenario import DeliveryPoint, load_scenario, parse_scenario
from logistics.tables import read_table

from .conftest import tiny_raw

POINT_HEADER = ["id", "name", "kind", "lat", "lon", "time_windows", "stop_min"]
ORDER_HEADER = ["id", "producer", "delivery_point", "kg", "crates", "temperature"]


def _point_rows(decimal: str = ".") -> list[list[str]]:
    """The tiny scenario's delivery points as spreadsheet cells, with accents."""
    rows = []
    for d in tiny_raw()["delivery_points"]:
        windows = [w if isinstance(w, str) else "-".join(w) for w in d["time_windows"]]
        rows.append(
            [
                d["id"],
                f"Épicerie « {d['id']} », Rue Saint-Aspais",
                d["kind"],
                str(d["lat"]).replace(".", decimal),
                str(d["lon"]).replace(".", decimal),
                ";".join(windows),
                "7.5".replace(".", decimal),
            ]
        )
    return rows


def _order_rows(decimal: str = ".") -> list[list[str]]:
    return [
        [
            o["id"],
            o["producer"],
            o["delivery_point"],
            f"{o['kg']}.25".replace(".", decimal),
            str(o.get("crates", 0)),
            o.get("temperature", "ambient"),
        ]
        for o in tiny_raw()["orders"]
    ]


def _write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str, delimiter: str
) -> None:
    """Write a table with the csv module, as a spreadsheet program would."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _scenario_with(tmp_path: Path, **tables: str) -> Path:
    raw = tiny_raw()
    raw.update(tables)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _expected_points() -> list[dict[str, Any]]:
    """The tiny scenario's points as the tables above describe them."""
    points = parse_scenario(tiny_raw()).delivery_points
    return [
        {
            **p.model_dump(),
            "name": f"Épicerie « {p.id} », Rue Saint-Aspais",
            "stop_min": 7.5,
        }
        for p in points
    ]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "decimal"),
    [
        ("utf-8", ",", "."),
        ("utf-8-sig", ",", "."),  # Excel "CSV UTF-8"
        ("utf-8-sig", ";", ","),
        ("cp1252", ";", ","),  # Excel "CSV" on a French Windows
        ("utf-16", "\t", ","),  # Excel "Unicode text"
        ("utf-16", ",", "."),
    ],
)
def test_csv_in_each_encoding_and_delimiter_reads_the_same(
    tmp_path: Path, encoding: str, delimiter: str, decimal: str
) -> None:
    """Every encoding and delimiter Excel writes gives the same validated tables."""
    _write_csv(
        tmp_path / "points.csv", POINT_HEADER, _point_rows(decimal), encoding, delimiter
    )
    _write_csv(
        tmp_path / "orders.csv", ORDER_HEADER, _order_rows(decimal), encoding, delimiter
    )
    scenario = load_scenario(
        _scenario_with(tmp_path, delivery_points="points.csv", orders="orders.csv")
    )
    assert [p.model_dump() for p in scenario.delivery_points] == _expected_points()
    assert [o.kg for o in scenario.orders] == [
        o["kg"] + 0.25 for o in tiny_raw()["orders"]
    ]
    assert scenario.delivery_points[1].time_windows[1].start == 14 * 3600


def test_cp1252_file_is_read_with_a_note(tmp_path: Path) -> None:
    """A Windows-1252 file is not refused; a note says how it was read."""
    _write_csv(tmp_path / "points.csv", POINT_HEADER, _point_rows(","), "cp1252", ";")
    table = read_table(
        tmp_path / "points.csv", table="delivery_points", model=DeliveryPoint
    )
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.rows[0]["name"].startswith("Épicerie «")
    assert any("read as cp1252" in n for n in table.notes)


def test_decimal_comma_in_a_comma_file_is_refused_not_misread(tmp_path: Path) -> None:
    """'1,5' quoted in a comma-separated file is refused, never read as 1 or 15."""
    rows = _order_rows()
    rows[0][3] = "1,5"
    _write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows, "utf-8", ",")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.csv'} (comma-separated) row 2, column 'kg' "
        "(orders[0].kg, id 'o1'): value '1,5': Input should be a valid number, unable "
        "to parse string as a number"
    ]


def test_row_with_too_many_cells_is_refused(
    tmp_path: Path,
) -> None:
    """An unquoted decimal comma splits a cell: the row is refused, not truncated."""
    text = "id,producer,delivery_point,kg,crates,temperature\r\n"
    text += "o1,p1,d1,12,5,2,ambient\r\n"  # kg 12,5 unquoted: one cell too many
    for o in tiny_raw()["orders"][1:]:
        text += f"{o['id']},{o['producer']},{o['delivery_point']},{o['kg']},0,\r\n"
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems[0] == (
        f"{tmp_path / 'orders.csv'} (comma-separated) row 2: 7 cells but the header "
        "has 6 columns (comma-separated); extra value(s) ['ambient'] would be lost. "
        "Quote a cell that contains the delimiter, or add a header for the extra column"
    )


def test_trailing_empty_cells_are_accepted(tmp_path: Path) -> None:
    """Excel's trailing delimiters (empty extra cells) lose nothing and pass."""
    text = ";".join(ORDER_HEADER) + "\n"
    text += "".join(";".join(r) + ";;\n" for r in _order_rows(","))
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    scenario = load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert scenario.orders[0].kg == 30.25


def test_extra_columns_are_kept_as_metadata_with_one_note(tmp_path: Path) -> None:
    """Phone and e-mail columns become each site's metadata, with one note in all."""
    header = [*POINT_HEADER, "Phone", "e-mail"]
    rows = [[*r, f"01 64 00 00 0{i}", ""] for i, r in enumerate(_point_rows())]
    _write_csv(tmp_path / "points.csv", header, rows, "utf-8", ",")
    scenario = load_scenario(_scenario_with(tmp_path, delivery_points="points.csv"))
    assert scenario.delivery_points[2].metadata == {"Phone": "01 64 00 00 02"}
    assert len(scenario.notes) == 1
    assert (
        "'Phone', 'e-mail' kept as each delivery point's metadata" in scenario.notes[0]
    )


def test_misnamed_column_gives_one_header_message(tmp_path: Path) -> None:
    """A misnamed column is one message suggesting the right name, not one per row."""
    header = ["id", "producer", "delivery point", "Kgs", "crates", "temperature"]
    _write_csv(tmp_path / "orders.csv", header, _order_rows(), "utf-8", ",")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.csv'} (comma-separated): column 'Kgs' is not a column "
        "of orders; did you mean 'kg'? (rename the header cell)"
    ]


def test_missing_column_gives_one_header_message(tmp_path: Path) -> None:
    """A required column absent from the header is one message listing the columns."""
    header = [c for c in POINT_HEADER if c != "kind"]
    rows = [[c for j, c in enumerate(r) if j != 2] for r in _point_rows()]
    _write_csv(tmp_path / "points.csv", header, rows, "utf-8", ",")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, delivery_points="points.csv"))
    assert len(err.value.problems) == 1
    assert "column 'kind' is missing; every row of delivery_points needs it" in str(
        err.value
    )


def test_cross_reference_error_points_at_the_csv_row(tmp_path: Path) -> None:
    """An order naming an unknown producer is reported at its CSV row and column."""
    rows = _order_rows()
    rows[2][1] = "p9"
    _write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows, "utf-8", ";")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.csv'} (semicolon-separated) row 4, column 'producer' "
        "(orders[2].producer, id 'o3'): 'p9' is not a known producer id"
    ]


def _producer_csv(tmp_path: Path, header: list[str], cells: list[list[str]]) -> Path:
    rows = [
        [p["id"], str(p["lat"]), str(p["lon"]), *extra]
        for p, extra in zip(tiny_raw()["producers"], cells, strict=True)
    ]
    _write_csv(
        tmp_path / "farms.csv", ["id", "lat", "lon", *header], rows, "utf-8", ","
    )
    return _scenario_with(tmp_path, producers="farms.csv")


def test_vehicles_as_plain_columns(tmp_path: Path) -> None:
    """vehicle_type and vehicle_count columns give each farm its fleet."""
    path = _producer_csv(
        tmp_path,
        ["vehicle_type", "vehicle_count"],
        [["van", "2"], ["van", ""], ["reefer", "1"]],
    )
    scenario = load_scenario(path)
    assert [(e.type, e.count) for p in scenario.producers for e in p.vehicles] == [
        ("van", 2),
        ("van", 1),
        ("reefer", 1),
    ]


def test_vehicles_cell_in_plain_words(tmp_path: Path) -> None:
    """A vehicles cell may say 'van', 'van x2, reefer' or '2x van' (or JSON)."""
    path = _producer_csv(
        tmp_path,
        ["vehicles"],
        [["van x2, reefer"], ["2x van"], ['[{"type": "reefer", "max_trips": 3}]']],
    )
    fleets = [
        [(e.type, e.count, e.max_trips) for e in p.vehicles]
        for p in load_scenario(path).producers
    ]
    assert fleets == [
        [("van", 2, 2), ("reefer", 1, 2)],
        [("van", 2, 2)],
        [("reefer", 1, 3)],
    ]


def test_bad_vehicles_cell_is_one_clear_message(tmp_path: Path) -> None:
    """Broken JSON in a vehicles cell names the row and column, no traceback."""
    path = _producer_csv(
        tmp_path, ["vehicles"], [["van"], ['[{"type": van}]'], ["van"]]
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems[0].startswith(
        f"{tmp_path / 'farms.csv'} (comma-separated) row 3, column 'vehicles': value "
        "'[{\"type\": van}]' is not valid JSON"
    )


def test_vehicle_types_as_a_table(tmp_path: Path) -> None:
    """Vehicle types may be a CSV table too, with yes/no and oui/non booleans."""
    header = ["id", "capacity_kg", "capacity_crates", "refrigerated", "fixed_cost_eur"]
    rows = [["van", "800", "40", "no", "20"], ["reefer", "800,5", "40", "oui", "25"]]
    _write_csv(tmp_path / "types.csv", header, rows, "utf-8-sig", ";")
    scenario = load_scenario(_scenario_with(tmp_path, vehicle_types="types.csv"))
    assert [(t.id, t.capacity_kg, t.refrigerated) for t in scenario.vehicle_types] == [
        ("van", 800.0, False),
        ("reefer", 800.5, True),
    ]


def test_xlsx_workbook_written_by_openpyxl(tmp_path: Path) -> None:
    """An .xlsx with one sheet per table, numbers and time cells, reads like the CSV."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "delivery_points"
    sheet.append(POINT_HEADER)
    for row in _point_rows():
        sheet.append([*row[:3], float(row[3]), float(row[4]), row[5], 7.5])
    orders = book.create_sheet("orders")
    orders.append(ORDER_HEADER)
    for row in _order_rows():
        orders.append([*row[:3], float(row[3]), int(row[4]), row[5]])
    farms = book.create_sheet("producers")
    farms.append(["id", "lat", "lon", "gate opens", "vehicle_type"])
    farms.append(["p0", 48.52, 2.62, dt.time(6, 0), "van"])  # an extra time column
    farms.append(["p1", 48.50, 2.60, None, "van"])
    farms.append(["p2", 48.56, 2.70, None, "reefer"])
    book.save(tmp_path / "collective.xlsx")
    scenario = load_scenario(
        _scenario_with(
            tmp_path,
            delivery_points="collective.xlsx",
            orders="collective.xlsx",
            producers="collective.xlsx",
        )
    )
    assert [p.model_dump() for p in scenario.delivery_points] == _expected_points()
    assert [o.crates for o in scenario.orders] == [
        o.get("crates", 0) for o in tiny_raw()["orders"]
    ]
    assert scenario.producers[0].metadata == {"gate opens": "06:00"}


def test_xlsx_error_names_sheet_row_and_column(tmp_path: Path) -> None:
    """A bad cell in a workbook is reported with its sheet, row and column."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "orders"
    sheet.append(ORDER_HEADER)
    for row in _order_rows():
        sheet.append(row)
    sheet["D5"] = -3
    book.save(tmp_path / "orders.xlsx")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.xlsx"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.xlsx'} (sheet 'orders') row 5, column 'kg' "
        "(orders[3].kg, id 'o4'): value '-3': Input should be greater than 0"
    ]


def test_ods_workbook(tmp_path: Path) -> None:
    """An OpenDocument sheet (LibreOffice) reads like the CSV."""
    frame = pd.DataFrame(_order_rows(), columns=ORDER_HEADER)
    frame["kg"] = frame["kg"].astype(float)
    frame.to_excel(tmp_path / "orders.ods", engine="odf", index=False)
    scenario = load_scenario(_scenario_with(tmp_path, orders="orders.ods"))
    assert [o.kg for o in scenario.orders] == [
        o["kg"] + 0.25 for o in tiny_raw()["orders"]
    ]


def test_unreadable_workbook_is_one_message(tmp_path: Path) -> None:
    """A damaged .xlsx gives one message naming it, not a traceback."""
    (tmp_path / "orders.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ScenarioError, match=r"orders: cannot read .*orders\.xlsx"):
        load_scenario(_scenario_with(tmp_path, orders="orders.xlsx"))


def test_duplicate_column_is_one_header_message(tmp_path: Path) -> None:
    """Two 'kg' columns would let the second win silently: one message instead."""
    header = [*ORDER_HEADER, "KG"]
    rows = [[*r, "1"] for r in _order_rows()]
    _write_csv(tmp_path / "orders.csv", header, rows, "utf-8", ",")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.csv'} (comma-separated): column 'KG' appears twice; "
        "keep one"
    ]


def test_empty_table_is_one_message(tmp_path: Path) -> None:
    """A file without even a header row is one message, not one per column."""
    (tmp_path / "orders.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario_with(tmp_path, orders="orders.csv"))
    assert err.value.problems == [
        f"{tmp_path / 'orders.csv'} (comma-separated): the table is empty (no header "
        "row)"
    ]


def test_yes_no_words_only_in_boolean_columns(tmp_path: Path) -> None:
    """'Non' as a name stays a name; 'non' in refrigerated means false."""
    header = ["id", "name", "capacity_kg", "refrigerated"]
    rows = [["van", "Non", "800", "non"], ["reefer", "Oui", "800", "OUI"]]
    _write_csv(tmp_path / "types.csv", header, rows, "utf-8", ",")
    scenario = load_scenario(_scenario_with(tmp_path, vehicle_types="types.csv"))
    assert [(t.name, t.refrigerated) for t in scenario.vehicle_types] == [
        ("Non", False),
        ("Oui", True),
    ]


def test_old_xls_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """An .xls (Excel 97) is not read as text: one message says to save as .xlsx."""
    (tmp_path / "orders.xls").write_bytes(b"\xd0\xcf\x11\xe0 binary")
    with pytest.raises(ScenarioError, match=r"save the sheet as \.xlsx, \.ods or CSV"):
        load_scenario(_scenario_with(tmp_path, orders="orders.xls"))
