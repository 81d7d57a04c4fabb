"""Terminal tables show producers by name, wrapped but never cut, at 80 columns."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from logistics.report.tables import driving_table, producer_table


def _render(table: object, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


@pytest.mark.parametrize("make", [producer_table, driving_table])
@pytest.mark.parametrize("width", [80, 60])
def test_producer_names_are_whole_and_nothing_is_cut(two_trips, make, width) -> None:
    """Every word of both similar farm names is printed (wrapped, not 'Ferme d…'),
    no cell is cut with an ellipsis, and no line is wider than the terminal."""
    text = _render(make(two_trips, "pooled"), width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    words = text.split()
    for word in ("Ferme", "des", "Balzanes", "du", "Balzac", "p0"):
        assert word in words


def test_driving_table_shows_hours_before_and_after(two_trips) -> None:
    """Each producer's hours out appear as 'baseline → pooled' from driving_rows."""
    from logistics.report.driving import driving_rows

    text = _render(driving_table(two_trips, "pooled"), 120)
    for row in driving_rows(two_trips, "pooled"):
        a, b = row["baseline"]["duration_h"], row["strategy"]["duration_h"]
        assert f"{a:.2f} → {b:.2f}" in text
