"""Lines to draw for the legs driven: along the roads, or straight when there are none.

A plan says which sites a vehicle visits in which order; the travel matrix says how
long each leg is. To *draw* a route, each leg needs the road path behind its figures:
the fastest path the matrix used (:func:`~logistics.matrix.road_path`, from the
shortest-path trees the matrix keeps for every site) through the bends of every road
(:meth:`~logistics.network.RoadNetwork.path_coordinates`). Only the legs some route
drives are traced, a few hundred at most, in milliseconds.

Without a road network (a geodesic estimate) a leg is the straight line between its
two sites, and :attr:`RoadPaths.along_roads` says so, for maps and figures to label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .comparison import Comparison
    from .solution import Route, Stop
    from .travel import TravelData

__all__ = ["RoadPaths", "comparison_paths", "driven_legs", "leg_paths", "route_trips"]

FloatArray = npt.NDArray[np.float64]
Line = tuple[FloatArray, FloatArray]
"""Latitudes and longitudes of a line, in degrees."""


@dataclass(frozen=True)
class RoadPaths:
    """The line of each leg driven, from one site to another.

    Parameters
    ----------
    legs
        ``(origin site, destination site) -> (lat, lon)``: the line starts at the
        origin site, follows the roads (when ``along_roads``) and ends at the
        destination site.
    along_roads
        ``True`` when the lines follow the road network, ``False`` when they are
        straight (no road network: geodesic estimate).
    description
        What the lines are, for a map's or figure's caption.
    """

    legs: Mapping[tuple[str, str], Line]
    along_roads: bool
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "legs", MappingProxyType(dict(self.legs)))

    def line(self, sites: Sequence[str]) -> Line:
        """Return the line through consecutive sites, leg after leg.

        Parameters
        ----------
        sites
            Site ids in driving order; repeated consecutive sites (several orders
            at one stop) add nothing.

        Returns
        -------
        lat, lon : numpy.ndarray of float64
            The legs' lines joined (each joint point once).

        Raises
        ------
        KeyError
            If a leg between two consecutive sites was not traced.
        """
        lats: list[FloatArray] = []
        lons: list[FloatArray] = []
        for origin, destination in pairwise(sites):
            if origin == destination:
                continue
            try:
                lat, lon = self.legs[origin, destination]
            except KeyError:
                msg = f"no line traced from site {origin!r} to site {destination!r}"
                raise KeyError(msg) from None
            skip = 1 if lats else 0  # the joint point is the previous leg's end
            lats.append(lat[skip:])
            lons.append(lon[skip:])
        if not lats:
            return np.empty(0), np.empty(0)
        return np.concatenate(lats), np.concatenate(lons)


def route_trips(route: Route) -> list[tuple[Stop, ...]]:
    """Split a route into its trips, each from leaving base to coming back.

    Parameters
    ----------
    route
        A route of a :class:`~logistics.solution.Solution`.

    Returns
    -------
    list of tuple of Stop
        One tuple per trip, in order: trip 1 from the start to its ``base`` stop
        (or the end), trip ``k`` from the ``base`` stop ending trip ``k - 1``.
    """
    trips: list[list[Stop]] = [[]]
    for stop in route.stops:
        if trips[-1] and trips[-1][-1].type == "base":  # a base stop ends its trip
            trips.append([trips[-1][-1]])
        trips[-1].append(stop)
    return [tuple(t) for t in trips]


def driven_legs(routes: Iterable[Route]) -> list[tuple[str, str]]:
    """Return every ``(origin, destination)`` pair of sites some route drives.

    Parameters
    ----------
    routes
        Routes of any strategies.

    Returns
    -------
    list of (str, str)
        Distinct pairs of different sites, sorted.
    """
    legs = {
        (a.site, b.site)
        for route in routes
        for a, b in pairwise(route.stops)
        if a.site != b.site
    }
    return sorted(legs)


def leg_paths(
    travel: TravelData,
    coordinates: Mapping[str, tuple[float, float]],
    legs: Iterable[tuple[str, str]],
) -> RoadPaths:
    """Trace the line of each leg along the fastest road path the matrix used.

    Parameters
    ----------
    travel
        Travel data from :func:`~logistics.travel.build_travel`; its ``road``
        network and the matrix's shortest-path trees give the paths.
    coordinates
        ``{site id: (lat, lon)}`` of every site of ``legs``.
    legs
        ``(origin, destination)`` site pairs to trace.

    Returns
    -------
    RoadPaths
        Along the roads when ``travel`` has its road network and a road matrix,
        otherwise straight lines between the sites.
    """
    from .matrix import road_path

    road, matrix = travel.road, travel.matrix
    traced: dict[tuple[str, str], Line] = {}
    along = road is not None and matrix.predecessors is not None
    for origin, destination in legs:
        (lat0, lon0), (lat1, lon1) = coordinates[origin], coordinates[destination]
        lat, lon = np.array([lat0]), np.array([lon0])
        if road is not None and along:
            nodes = road_path(road, matrix, origin, destination)
            lat, lon = road.path_coordinates(nodes)
            # From the site to its road node, along the roads, to the other site.
            lat = np.concatenate(([lat0], lat))
            lon = np.concatenate(([lon0], lon))
        traced[origin, destination] = (
            np.append(lat, lat1).astype(np.float64),
            np.append(lon, lon1).astype(np.float64),
        )
    if along:
        description = f"routes along the roads: {travel.network.source}"
    else:
        description = (
            f"straight lines between sites: no road network ({travel.network.source})"
        )
    return RoadPaths(traced, along_roads=along, description=description)


def comparison_paths(comparison: Comparison) -> RoadPaths:
    """Trace every leg driven by any strategy of a comparison.

    Parameters
    ----------
    comparison
        A comparison; its ``travel`` data gives the roads (without it, the lines
        are straight and the description says why).

    Returns
    -------
    RoadPaths
        The line of each leg some route of some strategy drives.
    """
    routes = [r for res in comparison.results.values() for r in res.solution.routes]
    legs = driven_legs(routes)
    coordinates = comparison.scenario.site_coordinates()
    if comparison.travel is None:
        straight = {
            (a, b): (
                np.array([coordinates[a][0], coordinates[b][0]]),
                np.array([coordinates[a][1], coordinates[b][1]]),
            )
            for a, b in legs
        }
        return RoadPaths(
            straight,
            along_roads=False,
            description="straight lines between sites: the road paths were not kept",
        )
    return leg_paths(comparison.travel, coordinates, legs)
