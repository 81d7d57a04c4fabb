"""Scenario tables from spreadsheets as people have them: CSV, .xlsx and .ods.

A scenario's bulk tables (producers, delivery points, orders, vehicle types, hubs) may
be files that the YAML names. This module turns one such file into a list of row
mappings the pydantic models then validate, and does the spreadsheet-specific work
that the models cannot:

- CSV in UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), UTF-16 (Excel's
  "Unicode text") or Windows-1252 (Excel's plain "CSV" on a French Windows), separated
  by ``,``, ``;`` or a tab, detected from the header line and named in messages;
  decimal commas (``12,5``) in number columns of ``;`` and tab files;
- .xlsx (openpyxl) and .ods (odfpy) through pandas: the sheet named after the table, or
  the first sheet; time cells become ``HH:MM``;
- columns: names compared without case and with spaces as underscores; a misnamed
  column gets one header message suggesting the closest known name; a missing
  required column one message; other extra columns (phone, e-mail, notes...) are kept
  as the row's ``metadata`` (one note for the whole table);
- a row with more cells than the header has columns is refused (a value would
  otherwise be lost silently);
- a producer's vehicles as plain columns ``vehicle_type`` and ``vehicle_count``, or a
  ``vehicles`` cell such as ``van_3t5`` / ``van_3t5 x2, reefer`` (JSON still works).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import json
import math
import re
import types
import typing
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

if typing.TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["SPREADSHEET_SUFFIXES", "Table", "read_table"]

SPREADSHEET_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".ods")
"""File endings read as tables (.txt/.tsv as delimited text like .csv)."""

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_DECIMAL_COMMA = re.compile(
    r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*,\d+$|^[+-]?\d+,\d+$"
)
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)")
_WINDOW_SEPARATORS = re.compile(r"\s*[;|,]\s*")
_VEHICLE_TOKEN = re.compile(
    r"^(?:(?P<n1>\d+)\s*[x\u00d7*]\s*(?P<t1>[A-Za-z0-9_.\-]+)"
    r"|(?P<t2>[A-Za-z0-9_.\-]+?)(?:(?:\s+[x\u00d7]\s*|\s*[*:]\s*)(?P<n2>\d+))?)$"
)
_VEHICLE_COLUMNS = {
    "vehicle_type": "type",
    "vehicle_count": "count",
    "vehicle_max_trips": "max_trips",
}
_LIST_FIELDS = {"time_windows"}
_BOOLEAN_WORDS = {"non": "false", "faux": "false", "oui": "true", "vrai": "true"}
_MAX_SUGGESTION_CUTOFF = 0.75


@dataclass(frozen=True)
class Table:
    """One scenario table read from a file, with where each row came from.

    Attributes
    ----------
    name
        Scenario table (``orders``, ``producers``...).
    path
        The file.
    sheet
        Sheet name for a workbook, ``None`` for CSV.
    rows
        One mapping per data row: known columns by field name, empty cells dropped,
        unknown columns under ``metadata`` (for tables that keep it).
    row_numbers
        Spreadsheet row of each entry of ``rows`` (the header is row 1).
    delimiter, encoding
        How a CSV file was read (``None`` for workbooks).
    problems
        Header and row problems found while reading, one message each.
    notes
        Things worth telling the user that are not errors (kept extra columns, an
        encoding guessed as Windows-1252).
    flagged_columns
        Fields already reported at the header level: their per-row errors are
        redundant and left out.
    """

    name: str
    path: Path
    sheet: str | None
    rows: list[dict[str, Any]]
    row_numbers: list[int]
    delimiter: str | None = None
    encoding: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flagged_columns: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """The file (and sheet) as named in messages, with how a CSV was read."""
        if self.sheet is not None:
            return f"{self.path} (sheet {self.sheet!r})"
        if self.delimiter is not None:
            return f"{self.path} ({_DELIMITERS[self.delimiter]}-separated)"
        return str(self.path)

    def where(self, index: int) -> str:
        """Name the file and spreadsheet row of ``rows[index]``."""
        row = (
            self.row_numbers[index] if 0 <= index < len(self.row_numbers) else index + 2
        )
        return f"{self.label} row {row}"


@dataclass
class _Columns:
    """How a header maps to the model's fields."""

    fields: list[str | None]
    """Field name of each header cell, ``None`` for a blank header cell."""
    extra: list[str]
    problems: list[str]
    flagged: set[str]
    booleans: set[str] = field(default_factory=set)


def read_table(path: Path, *, table: str, model: type[BaseModel]) -> Table:
    """Read a scenario table from a CSV, .xlsx or .ods file.

    Parameters
    ----------
    path
        The file; its ending chooses the reader.
    table
        Name of the scenario table (used in messages and to pick a workbook's sheet).
    model
        Pydantic model of one row: its fields are the known columns.

    Returns
    -------
    Table
        The rows as mappings for the model, with problems and notes found.

    Raises
    ------
    OSError
        If the file cannot be read at all.
    """
    suffix = path.suffix.lower()
    if suffix in {".xls", ".numbers"}:
        msg = f"the {suffix} format is not read; save the sheet as .xlsx, .ods or CSV"
        raise OSError(msg)
    if suffix in {".xlsx", ".xlsm", ".ods"}:
        sheet, header, body, numbers = _read_workbook(path, table)
        delimiter = encoding = None
        notes: list[str] = []
    else:
        sheet = None
        text, encoding, notes = _decode(path.read_bytes(), path)
        delimiter = _detect_delimiter(text)
        header, body, numbers = _split_csv(text, delimiter)
    base = Table(table, path, sheet, [], [], delimiter, encoding, [], notes)
    columns = _map_header(header, model, base)
    columns.booleans = _boolean_fields(model)
    rows: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    problems = list(columns.problems)
    numeric = _numeric_fields(model)
    keeps_metadata = "metadata" in model.model_fields
    for cells, number in zip(body, numbers, strict=True):
        if not any(c.strip() for c in cells):
            continue  # a blank line between rows
        where = f"{base.label} row {number}"
        row, row_problems = _row(cells, columns, where, numeric, delimiter)
        problems += row_problems
        if not keeps_metadata:
            row.pop("metadata", None)
        rows.append(row)
        row_numbers.append(number)
    if columns.extra and keeps_metadata:
        notes.append(
            f"{base.label}: extra column(s) {', '.join(map(repr, columns.extra))} kept "
            f"as each {table[:-1].replace('_', ' ')}'s metadata"
        )
    return Table(
        table,
        path,
        sheet,
        rows,
        row_numbers,
        delimiter,
        encoding,
        problems,
        notes,
        frozenset(columns.flagged),
    )


# -- decoding --------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode a text table: BOMs first, UTF-16 by its zero bytes, then UTF-8, cp1252.

    Excel writes "CSV UTF-8" with a BOM, "Unicode text" as UTF-16 with a BOM, and
    plain "CSV" in the Windows code page (cp1252 in France), which is not valid UTF-8
    as soon as an accent appears.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16", []
    head = data[:200]
    if head and head.count(0) * 3 >= len(head):  # UTF-16 without a BOM
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return data.decode(encoding), encoding, []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; latin-1 decodes anything.
    encoding = "cp1252"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"
        text = data.decode(encoding)
    note = (
        f"{path}: not UTF-8; read as {encoding} (Windows Western European). Save as "
        "'CSV UTF-8' if accents look wrong"
    )
    return text, encoding, [note]


def _detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the header line into the most cells.

    The header is the one line whose cells are plain names, so counting there is
    reliable where :class:`csv.Sniffer` guesses from data full of commas and colons.
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, char: str) -> int:
    quoted = False
    count = 0
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _split_csv(
    text: str, delimiter: str
) -> tuple[list[str], list[list[str]], list[int]]:
    """Split CSV text into header, rows and the line number where each row starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    body: list[list[str]] = []
    numbers: list[int] = []
    start = 1
    for cells in reader:
        if not header:
            if any(c.strip() for c in cells):
                header = cells
        else:
            body.append(cells)
            numbers.append(start)
        start = reader.line_num + 1
    return header, body, numbers


# -- workbooks ------------------------------------------------------------------------


def _read_workbook(
    path: Path, table: str
) -> tuple[str, list[str], list[list[str]], list[int]]:
    """Read the sheet named ``table`` (or the first) as text cells."""
    import pandas as pd

    engine = "odf" if path.suffix.lower() == ".ods" else "openpyxl"
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, dtype=object, engine=engine
        )
    except ImportError as exc:
        msg = f"reading {path.name} needs {engine}: `pip install {engine}` ({exc})"
        raise OSError(msg) from exc
    except (ValueError, KeyError, zipfile.BadZipFile, ExpatError) as exc:
        # A damaged workbook: not a zip, a missing part or broken XML inside.
        msg = f"not a readable {path.suffix} workbook ({exc})"
        raise OSError(msg) from exc
    if not sheets:
        msg = "the workbook has no sheet"
        raise OSError(msg)
    by_name = {str(n).strip().lower(): n for n in sheets}
    name = by_name.get(table, next(iter(sheets)))
    frame = sheets[name]
    grid = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    # Header: the first non-empty row; spreadsheet rows are 1-based.
    first = next((i for i, r in enumerate(grid) if any(r)), len(grid))
    header = grid[first] if first < len(grid) else []
    body = grid[first + 1 :]
    numbers = list(range(first + 2, first + 2 + len(body)))
    return str(name), header, body, numbers


def _cell_text(value: Any) -> str:
    """Render a workbook cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%H:%M") if value.time() != dt.time(0) else str(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- header --------------------------------------------------------------------------


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _map_header(header: list[str], model: type[BaseModel], base: Table) -> _Columns:
    """Map header cells to fields; one message per misnamed or missing column."""
    if not any(h.strip() for h in header):
        message = f"{base.label}: the table is empty (no header row)"
        return _Columns([], [], [message], set())
    known = [n for n in model.model_fields if n != "metadata"]
    known_all = known + (list(_VEHICLE_COLUMNS) if "vehicles" in known else [])
    fields: list[str | None] = []
    extra: list[str] = []
    problems: list[str] = []
    flagged: set[str] = set()
    present = {_normalise(h) for h in header}
    seen: set[str] = set()
    for cell in header:
        name = _normalise(cell)
        if name in seen and name in known_all:
            problems.append(
                f"{base.label}: column {cell.strip()!r} appears twice; keep one"
            )
            flagged.add(name)
            fields.append(None)
            continue
        seen.add(name)
        if not name:
            fields.append(None)
        elif name in known_all:
            fields.append(name)
        else:
            missing = [k for k in known_all if k not in present]
            close = difflib.get_close_matches(
                name, missing, n=1, cutoff=_MAX_SUGGESTION_CUTOFF
            )
            if close:
                problems.append(
                    f"{base.label}: column {cell.strip()!r} is not a column of "
                    f"{base.name}; did you mean {close[0]!r}? (rename the header cell)"
                )
                flagged.add(close[0])
                fields.append(None)
            else:
                extra.append(cell.strip())
                fields.append(f"metadata:{cell.strip()}")
    required = [
        n
        for n, info in model.model_fields.items()
        if info.is_required() and n not in present and n not in flagged
    ]
    if "vehicles" in required and "vehicle_type" in present:
        required.remove("vehicles")
    if "address" in present:  # sites located by address: lat/lon are geocoded
        required = [n for n in required if n not in {"lat", "lon"}]
    for name in required:
        problems.append(
            f"{base.label}: column {name!r} is missing; every row of {base.name} "
            f"needs it (columns found: {', '.join(h.strip() for h in header if h)})"
        )
        flagged.add(name)
    return _Columns(fields, extra, problems, flagged)


def _boolean_fields(model: type[BaseModel]) -> set[str]:
    """Fields typed ``bool`` (where oui/non are read as yes/no)."""
    return {n for n, info in model.model_fields.items() if info.annotation is bool}


def _numeric_fields(model: type[BaseModel]) -> set[str]:
    """Fields whose type is a number (where a decimal comma may appear)."""
    numeric = set()
    for name, info in model.model_fields.items():
        args = typing.get_args(info.annotation)
        members = args if isinstance(info.annotation, types.UnionType) else ()
        candidates = {info.annotation, *members}
        if candidates & {int, float} and str not in candidates:
            numeric.add(name)
    return numeric | {"vehicle_count", "vehicle_max_trips"}


# -- rows ------------------------------------------------------------------------------


def _row(
    cells: list[str],
    columns: _Columns,
    where: str,
    numeric: set[str],
    delimiter: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """Turn one row's cells into a field mapping (empty cells dropped)."""
    problems: list[str] = []
    width = len(columns.fields)
    overflow = [c for c in cells[width:] if c.strip()]
    if overflow:
        how = f" ({_DELIMITERS[delimiter]}-separated)" if delimiter else ""
        problems.append(
            f"{where}: {width + len(overflow)} cells but the header has {width} "
            f"columns{how}; extra value(s) {overflow!r} would be lost. Quote a cell "
            "that contains the delimiter, or add a header for the extra column"
        )
    row: dict[str, Any] = {}
    metadata: dict[str, str] = {}
    vehicle: dict[str, str] = {}
    for name, raw in zip(columns.fields, cells, strict=False):
        value = raw.strip()
        if name is None or not value:
            continue
        if name.startswith("metadata:"):
            metadata[name.removeprefix("metadata:")] = value
        elif name in _VEHICLE_COLUMNS:
            vehicle[_VEHICLE_COLUMNS[name]] = _number(value, delimiter)
        elif name in numeric:
            row[name] = _number(value, delimiter)
        elif name in _LIST_FIELDS:
            row[name] = [w for w in _WINDOW_SEPARATORS.split(value) if w]
        elif name == "vehicles":
            row[name] = _vehicles_cell(value, where, problems)
        elif name in columns.booleans:
            row[name] = _BOOLEAN_WORDS.get(value.lower(), value)
        else:
            row[name] = value
    if vehicle:
        if "vehicles" in row:
            problems.append(
                f"{where}: both a 'vehicles' cell and 'vehicle_type'/'vehicle_count' "
                "columns; use one or the other"
            )
        elif "type" not in vehicle:
            problems.append(
                f"{where}, column 'vehicle_type': empty but vehicle_count or "
                "vehicle_max_trips is given"
            )
        else:
            row["vehicles"] = [vehicle]
    if metadata:
        row["metadata"] = metadata
    return row, problems


def _number(value: str, delimiter: str | None) -> str:
    """Turn a decimal comma into a point where the file's delimiter allows it.

    Only in ``;``/tab files and workbooks: in a comma-separated file ``1,000`` is more
    likely a thousands separator, so it is left for validation to refuse rather than
    read as 1.0.
    """
    if delimiter != "," and _DECIMAL_COMMA.match(value):
        return _THOUSANDS_SPACE.sub("", value).replace(",", ".")
    return value


def _vehicles_cell(value: str, where: str, problems: list[str]) -> Any:
    """Parse ``van_3t5``, ``van_3t5 x2, reefer``, ``2x van`` or a JSON list."""
    if value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            problems.append(
                f"{where}, column 'vehicles': value {value!r} is not valid JSON "
                f"({exc.msg}); write e.g. 'van_3t5' or 'van_3t5 x2, small_van'"
            )
            return []
    entries = []
    for token in (t.strip() for t in re.split(r"[,;+|]", value)):
        if not token:
            continue
        match = _VEHICLE_TOKEN.match(token)
        if match is None:
            problems.append(
                f"{where}, column 'vehicles': {token!r} is not a vehicle type id with "
                "an optional count; write e.g. 'van_3t5' or 'van_3t5 x2, small_van'"
            )
            continue
        vtype = match["t1"] or match["t2"]
        count = match["n1"] or match["n2"] or "1"
        entries.append({"type": vtype, "count": int(count)})
    return entries
