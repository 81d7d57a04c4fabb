"""One colour per vehicle and trip, shared by the map and the figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..paths import route_trips

if TYPE_CHECKING:
    from ..solution import Solution

__all__ = ["ROUTE_COLOURS", "trip_colours"]

ROUTE_COLOURS: Final = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#ad494a",
    "#637939",
    "#e6550d",
    "#7b4173",
    "#3182bd",
    "#31a354",
    "#843c39",
    "#de9ed6",
    "#6baed6",
    "#8c6d31",
)
"""Distinct colours (Tableau 10 first, then darker and lighter ones), in the order
trips get them; a plan with more trips than colours starts again."""


def trip_colours(solution: Solution) -> dict[tuple[str, int], str]:
    """Give each trip of a solution its colour, in route order.

    Parameters
    ----------
    solution
        A strategy's solution.

    Returns
    -------
    dict of (vehicle, trip number) to str
        A ``#rrggbb`` colour per trip; trips are numbered from 1.
    """
    keys = [
        (route.vehicle, number)
        for route in solution.routes
        for number in range(1, len(route_trips(route)) + 1)
    ]
    return {key: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, key in enumerate(keys)}
