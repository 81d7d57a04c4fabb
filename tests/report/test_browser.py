"""The written pages in a real browser (headless Chromium, network blocked).

Each page of the output folder is opened offline; its route lines and site markers
are counted in the DOM against report.json, and screenshots are saved under the
test's tmp folder. ``map.html`` is always written; ``report.html`` is checked the
same way when the report writes one (it may frame or inline the map).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from logistics.comparison import Comparison
from logistics.report import write_report
from logistics.report.map import ROUTE_CLASS, SITE_CLASS

from .browser import Browser, Page, find_chromium

PAGES = ("map.html", "report.html")
"""Pages checked when present in the output folder (map.html must be)."""

# Every element of the page and of any frame it can read (a report may frame the map).
_DOCS = """(() => {
  const docs = [document];
  for (const frame of document.querySelectorAll('iframe')) {
    try { if (frame.contentDocument) docs.push(frame.contentDocument); } catch (e) {}
  }
  return docs;
})()"""


def _count(page: Page, selector: str) -> int:
    return int(
        page.evaluate(
            f"{_DOCS}.reduce((n, d) => n + d.querySelectorAll({selector!r}).length, 0)"
        )
    )


def _set_layers(page: Page, *, shown: bool) -> None:
    """Tick (or untick) every strategy's checkbox in the layer control."""
    page.evaluate(
        f"""{_DOCS}.forEach(d => d.querySelectorAll(
            '.leaflet-control-layers-overlays input[type=checkbox]').forEach(box => {{
              if (box.checked !== {str(shown).lower()}) box.click(); }}))"""
    )


def _expected(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per strategy, from report.json: (lines, markers) = (trips, sites visited)."""
    return {
        name: (
            sum(route["trips"] for route in strategy["routes"]),
            len({stop["site"] for r in strategy["routes"] for stop in r["stops"]}),
        )
        for name, strategy in report["strategies"].items()
    }


def _drawn(page: Page, name: str) -> tuple[int, int]:
    return (
        _count(page, f"path.{ROUTE_CLASS}.logistics-{name}"),
        _count(page, f"path.{SITE_CLASS}.logistics-{name}"),
    )


def _coloured_pixels(png: bytes) -> int:
    """Pixels of a strong colour (routes, farms), not greys of tiles or text."""
    import io

    from matplotlib.image import imread

    rgb = imread(io.BytesIO(png), format="png")[..., :3]
    return int(((rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.25).sum())


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Chromium for the module, or a skip that says why there is none."""
    binary, why = find_chromium()
    if binary is None:
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("chromium")
    started = Browser(binary, folder / "profile")
    yield started
    started.close()


@pytest.fixture(scope="module")
def written(
    centre_comparison: Comparison, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(centre_comparison, out)
    return out


def test_every_page_draws_each_route_and_site_offline(
    browser: Browser, written: Path, tmp_path: Path
) -> None:
    """With every layer ticked, each page has one line per vehicle and trip and one
    marker per site visited, as report.json lists them, with no network."""
    report = json.loads((written / "report.json").read_text(encoding="utf-8"))
    expected = _expected(report)
    pages = [name for name in PAGES if (written / name).is_file()]
    assert "map.html" in pages
    for name in pages:
        page = browser.open((written / name).as_uri())
        page.wait_until(f"{_DOCS}.some(d => d.querySelector('path.{ROUTE_CLASS}'))")
        _set_layers(page, shown=True)
        for strategy, (lines, markers) in expected.items():
            assert _drawn(page, strategy) == (lines, markers), (name, strategy)
        shot = page.screenshot(tmp_path / f"{name}.all-layers.png")
        assert _coloured_pixels(shot) > 1_000


def test_map_opens_on_pooled_and_toggles_layers(
    browser: Browser, written: Path, tmp_path: Path
) -> None:
    """The map opens on the strategy after the baseline; a checkbox shows or hides a
    strategy's lines and markers; hidden layers leave only the background."""
    report = json.loads((written / "report.json").read_text(encoding="utf-8"))
    expected = _expected(report)
    page = browser.open((written / "map.html").as_uri())
    page.wait_until(f"document.querySelector('path.{ROUTE_CLASS}')")
    assert _drawn(page, "pooled") == expected["pooled"]
    assert _drawn(page, "separate") == (0, 0)
    pooled_shot = page.screenshot(tmp_path / "map.pooled.png")
    labels = page.evaluate(
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".map(l => l.textContent.trim())"
    )
    assert [label.split(":")[0] for label in labels] == ["separate", "pooled"]
    _set_layers(page, shown=False)
    assert _drawn(page, "pooled") == (0, 0)
    empty_shot = page.screenshot(tmp_path / "map.no-layers.png")
    assert _coloured_pixels(pooled_shot) > _coloured_pixels(empty_shot) + 1_000
    page.evaluate(
        "document.querySelectorAll('.leaflet-control-layers-overlays input')[0].click()"
    )
    assert _drawn(page, "separate") == expected["separate"]
    page.screenshot(tmp_path / "map.separate.png")


def test_clicking_a_site_opens_its_popup(browser: Browser, written: Path) -> None:
    """A marker's popup opens on click, with the site's visits and clock times."""
    page = browser.open((written / "map.html").as_uri())
    page.wait_until(f"document.querySelector('path.{SITE_CLASS}')")
    page.evaluate(
        f"document.querySelector('path.{SITE_CLASS}').dispatchEvent("
        "new MouseEvent('click', {bubbles: true, clientX: 1, clientY: 1}))"
    )
    page.wait_until("document.querySelector('.leaflet-popup-content')")
    text = page.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    assert re.search(r"(arrives|leaves|back) \d\d:\d\d", text)
    assert "on arrival" in text
