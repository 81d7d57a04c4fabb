"""Tables of single-search benchmark rows (one JSON object per line).

Shared by ``bench_portfolio_entries``, ``bench_ortools_variants`` and
``bench_pyvrp_variants``: instances down, one column per search, each cell the cost
in EUR with its unserved orders and a mark when the checker refused the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def read_rows(paths: Sequence[str | Path]) -> list[Row]:
    """Every JSON line of ``paths``, in order."""
    return [
        json.loads(line) for f in paths for line in Path(f).read_text().splitlines()
    ]


def cost_table(
    rows: Sequence[Row],
    column: str,
    columns: Sequence[str],
    extra: Callable[[Row], str] | None = None,
) -> list[str]:
    """Markdown table: instances down, ``columns`` (values of ``row[column]``) across.

    A cell is ``cost`` (EUR, 2 decimals), `` (n out)`` when orders are unserved,
    ``extra(row)``, and `` REFUSED`` when the plan failed the checker; empty when the
    instance has no row for that column.
    """
    names = list(dict.fromkeys(str(r["instance"]) for r in rows))
    cell = {(str(r["instance"]), str(r[column])): r for r in rows}
    lines = [
        "| instance | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name in names:
        out = []
        for c in columns:
            r = cell.get((name, c))
            if r is None:
                out.append("")
                continue
            text = f"{float(r['cost']):,.2f}"
            if r["unserved"]:
                text += f" ({r['unserved']} out)"
            if extra is not None:
                text += extra(r)
            out.append(text if r["ok"] else text + " REFUSED")
        lines.append(f"| {name} | " + " | ".join(out) + " |")
    return lines


def write_table(
    out: str | Path, inputs: Sequence[str], table: Callable[[list[Row]], list[str]]
) -> None:
    """Write ``table`` of the rows of ``inputs`` to ``out`` (the ``--markdown``
    command of each benchmark)."""
    Path(out).write_text("\n".join(table(read_rows(inputs))) + "\n")
