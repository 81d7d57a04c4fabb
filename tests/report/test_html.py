"""report.html: one self-contained page with every part of the report, the map
and figures embedded, printable route sheets."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import pytest

from logistics.constants import VERSION
from logistics.report import write_report
from logistics.report.html import render_html
from logistics.report.sheets import route_sheets

MAP_HTML = (
    '<!DOCTYPE html><html><head><script>var q = "a & b";</script></head>'
    "<body><div id='map'>Route 1 &lt;pooled&gt;</div></body></html>"
)


@pytest.fixture(scope="module")
def png() -> bytes:
    """A small real PNG drawn with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1.5), dpi=40)
    fig.add_subplot().bar(["separate", "pooled"], [64.2, 63.2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class _Page(HTMLParser):
    """Collect tags with their attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag) -> None:  # type: ignore[no-untyped-def]
        self._in_style = False

    def handle_data(self, data) -> None:  # type: ignore[no-untyped-def]
        (self.styles if self._in_style else self.text).append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_page_is_self_contained(two_trips, png) -> None:
    """No stylesheet, script, font or image is fetched from anywhere: every src and
    href stays inside the page (anchors or data: URIs), the CSS imports nothing."""
    page = _parse(render_html(two_trips, map_html=MAP_HTML, figures={"a.png": png}))
    for _tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "data:")), (key, value)
    assert not page.all("link")
    assert not page.all("script")  # the outer page needs none; the map has its own
    css = "".join(page.styles)
    assert "@import" not in css
    assert "url(" not in css


def test_map_and_figures_are_embedded_unchanged(two_trips, png) -> None:
    """The iframe's srcdoc is the map page itself (quotes, ampersands and tags
    survive the escaping); each figure's data: URI decodes to its PNG bytes."""
    figures = {"routes.png": png, "costs.png": png[:-1] + b"\x00"}
    page = _parse(render_html(two_trips, map_html=MAP_HTML, figures=figures))
    (iframe,) = page.all("iframe")
    assert iframe["srcdoc"] == MAP_HTML
    images = page.all("img")
    assert [i["alt"] for i in images] == ["costs.png", "routes.png"]
    for image in images:
        src = image["src"]
        assert src is not None
        assert src.startswith("data:image/png;base64,")
        decoded = base64.b64decode(src.removeprefix("data:image/png;base64,"))
        assert decoded == figures[str(image["alt"])]


def test_without_map_or_figures_the_page_says_so(two_trips) -> None:
    """No map and no figures: no iframe, no image, and a note for each."""
    page = _parse(render_html(two_trips))
    assert not page.all("iframe")
    assert not page.all("img")
    text = " ".join(page.text)
    assert "No map was made" in text
    assert "No figures were made" in text


def test_page_holds_every_part_of_the_report(two_trips) -> None:
    """Scenario summary, comparison figures, producers by name, who drives, the
    network source, solver settings and the tool version are all on the page."""
    page = _parse(render_html(two_trips))
    text = " ".join(" ".join(page.text).split())
    scenario = two_trips.scenario
    assert scenario.name in text
    assert f"{len(scenario.orders)} (" in text  # orders, with the chilled count
    pooled = two_trips["pooled"].account
    assert f"{pooled.cost_eur:,.2f}" in text
    assert f"{two_trips.savings['pooled'].cost_pct:.1f} %" in text
    for name in ("Ferme des Balzanes", "Ferme du Balzac"):
        assert name in text
    assert "Who drives, separate → pooled" in text
    assert two_trips.network.source in text
    assert f"time_limit_s {scenario.solver.time_limit_s}" in text
    assert f"logistics {VERSION}" in text
    sections = {a.get("id") for a in page.all("section")}
    assert {"summary", "comparison", "producers", "map", "figures", "sheets"} <= (
        sections
    )


def test_route_sheets_one_section_per_vehicle_every_order_twice(two_trips) -> None:
    """One printable sheet per vehicle and strategy (each starts a printed page);
    every served order is listed where it is loaded and where it is unloaded; the
    address given for a shop is shown."""
    text = render_html(two_trips)
    page = _parse(text)
    sheets = [a for a in page.all("section") if a.get("class") == "sheet"]
    expected = [
        (name, s.vehicle)
        for name in two_trips.strategies
        for s in route_sheets(two_trips.scenario, two_trips[name].solution)
    ]
    assert [(a["data-strategy"], a["data-vehicle"]) for a in sheets] == expected
    sheets_part = text[text.index('<section id="sheets">') : text.index('id="method"')]
    words = " ".join(_parse(sheets_part).text).split()
    for name in two_trips.strategies:
        for route in two_trips[name].solution.routes:
            for order in route.orders:
                assert words.count(order) >= 2
    served = sum(
        len(r.orders)
        for n in two_trips.strategies
        for r in two_trips[n].solution.routes
    )
    order_ids = {o.id for o in two_trips.scenario.orders}
    assert sum(words.count(o) for o in order_ids) == 2 * served
    assert "12 rue Saint-Aspais, 77000 Melun" in " ".join(page.text)
    css = "".join(page.styles)
    assert "@media print" in css
    assert "section.sheet { break-before: page;" in css


def test_same_comparison_gives_the_same_page(two_trips, png) -> None:
    """The page holds no clock time or timing: rendering twice gives the same text."""
    first = render_html(two_trips, map_html=MAP_HTML, figures={"a.png": png})
    assert render_html(two_trips, map_html=MAP_HTML, figures={"a.png": png}) == first


def test_write_report_writes_map_and_figures_in_the_same_set(
    tmp_path, two_trips, png
) -> None:
    """With a map and figures, map.html and the PNGs are written beside report.html
    (byte for byte); a figure name that would overwrite a report file is refused
    before anything is written."""
    out = tmp_path / "out"
    written = write_report(
        two_trips, out, map_html=MAP_HTML, figures={"routes.png": png}
    )
    assert {p.name for p in written} == {
        "report.json",
        "routes.csv",
        "stops.csv",
        "route_sheets.csv",
        "report.html",
        "map.html",
        "routes.png",
    }
    assert (out / "map.html").read_text(encoding="utf-8") == MAP_HTML
    assert (out / "routes.png").read_bytes() == png
    with pytest.raises(ValueError, match=r"'report\.json' clashes"):
        write_report(two_trips, tmp_path / "other", figures={"report.json": png})
    assert not (tmp_path / "other").exists()
