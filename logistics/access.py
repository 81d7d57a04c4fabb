"""Access rules per zone: which vehicles may stop in a zone, and when.

A town centre may be open to deliveries only in the morning (Bordeaux hyper-centre
06:00-11:00, Lyon Presqu'ile 06:00-13:00, domain.md §5.4) and closed to vehicles
above a gross weight. An :class:`~logistics.scenario.AccessRule` names a zone (a
circle or a polygon) and these limits; every strategy honours them when its routing
problems are built (:meth:`~logistics.context.PlanningContext.problem`): a stop in a
zone may only be made by a vehicle light enough, and only inside the zone's opening
windows. The checker verifies them on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import AccessRule, Scenario, VehicleType

__all__ = [
    "forbids",
    "in_zone",
    "intersect_windows",
    "rules_at",
]

_EARTH_RADIUS_M = 6_371_008.8


def in_zone(rule: AccessRule, lat: float, lon: float) -> bool:
    """Whether the point (degrees) lies in the rule's zone (circle or polygon)."""
    if rule.circle is not None:
        c = rule.circle
        return _haversine_m(c.lat, c.lon, lat, lon) <= c.radius_m
    return _in_polygon(rule.polygon or [], lat, lon)


def rules_at(scenario: Scenario, site: str) -> tuple[AccessRule, ...]:
    """The access rules whose zone holds site ``site``."""
    lat, lon = scenario.site_coordinates()[site]
    return tuple(r for r in scenario.access_rules if in_zone(r, lat, lon))


def forbids(rule: AccessRule, vehicle_type: VehicleType) -> bool:
    """Whether ``rule`` bars vehicles of ``vehicle_type`` from its zone."""
    limit = rule.max_gross_weight_kg
    weight = vehicle_type.gross_weight_kg
    return limit is not None and weight is not None and weight > limit


def intersect_windows(
    windows: Sequence[tuple[int, int]], opening: Sequence[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """The parts of ``windows`` inside ``opening`` (both sorted, disjoint)."""
    parts = [
        (max(a, c), min(b, d))
        for a, b in windows
        for c, d in opening
        if max(a, c) <= min(b, d)
    ]
    return tuple(sorted(parts))


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _in_polygon(vertices: Sequence[Sequence[float]], lat: float, lon: float) -> bool:
    """Ray casting on (lat, lon) vertices; a town-sized zone is flat enough."""
    inside = False
    n = len(vertices)
    for i in range(n):
        (a_lat, a_lon), (b_lat, b_lon) = vertices[i], vertices[(i + 1) % n]
        if (a_lat > lat) != (b_lat > lat):
            cross = a_lon + (lat - a_lat) * (b_lon - a_lon) / (b_lat - a_lat)
            if lon < cross:
                inside = not inside
    return inside
