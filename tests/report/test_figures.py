"""Figures: routes over the roads, totals, savings by producer; PNG, deterministic."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
from matplotlib.image import imread

from logistics.comparison import Comparison
from logistics.report.colours import trip_colours
from logistics.report.figures import render_figures, savings_by_producer_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _pixels(png: bytes) -> np.ndarray:
    return np.round(imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(int)


def _has_colour(pixels: np.ndarray, colour: str) -> int:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int((np.abs(pixels - rgb).max(axis=-1) <= 2).sum())


def _light_grey(pixels: np.ndarray) -> int:
    grey = (pixels[..., 0] == pixels[..., 1]) & (pixels[..., 1] == pixels[..., 2])
    light = (pixels[..., 0] >= 190) & (pixels[..., 0] <= 235)
    return int((grey & light).sum())


def test_figures_are_pngs_named_after_their_content(
    centre_comparison: Comparison,
) -> None:
    """Routes, totals and one producer-savings figure per non-baseline strategy."""
    figures = render_figures(centre_comparison)
    assert sorted(figures) == [
        "producer_savings_pooled.png",
        "routes.png",
        "totals.png",
    ]
    for png in figures.values():
        assert png.startswith(PNG_SIGNATURE)
        height, width, _ = imread(io.BytesIO(png), format="png").shape
        assert width > 600
        assert height > 250


def test_same_comparison_gives_the_same_bytes(centre_comparison: Comparison) -> None:
    """Figures are deterministic (no timestamps, no version strings)."""
    assert render_figures(centre_comparison) == render_figures(centre_comparison)


def test_route_figure_draws_every_trip_in_its_colour_over_grey_roads(
    centre_comparison: Comparison,
) -> None:
    """Each trip's colour is on the picture, and so is the grey of the roads."""
    pixels = _pixels(render_figures(centre_comparison)["routes.png"])
    for result in centre_comparison.results.values():
        for colour in trip_colours(result.solution).values():
            assert _has_colour(pixels, colour) > 50
    # Without its travel data the same comparison is drawn with straight lines and
    # no roads: the roads are the light grey the picture with them has in excess.
    roadless = _pixels(
        render_figures(dataclasses.replace(centre_comparison, travel=None))[
            "routes.png"
        ]
    )
    assert _light_grey(pixels) > _light_grey(roadless) + 10_000


def test_savings_figure_takes_more_allocation_columns(
    centre_comparison: Comparison,
) -> None:
    """A column ending in _saving_eur adds bars: the picture changes."""
    rows = centre_comparison.producer_savings("pooled")
    plain = savings_by_producer_png(rows, title="ISO only")
    more = [{**row, "shapley_saving_eur": 1.0 + i} for i, row in enumerate(rows)]
    wider = savings_by_producer_png(more, title="ISO only")
    assert plain != wider
    assert wider == savings_by_producer_png(more, title="ISO only")
    figures = render_figures(centre_comparison, producer_rows={"pooled": more})
    assert figures["producer_savings_pooled.png"] == savings_by_producer_png(
        more,
        title=(
            f"{centre_comparison.scenario.name}: what each producer saves with "
            "pooled (vs separate)"
        ),
    )


def test_geodesic_routes_are_straight_and_titled_so(three_farms) -> None:  # type: ignore[no-untyped-def]
    """Without a road network the figure still draws every trip, with no roads."""
    from logistics.comparison import compare

    result = compare(three_farms, use_cache=False)
    pixels = _pixels(render_figures(result)["routes.png"])
    for strategy in result.results.values():
        for colour in trip_colours(strategy.solution).values():
            assert _has_colour(pixels, colour) > 20
