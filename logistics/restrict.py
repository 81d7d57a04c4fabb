"""A larger coalition's plan restricted to a smaller one: a candidate plan for c(S).

The coalition searches of :mod:`logistics.coalitions` are short, and at 40 producers
their values differ from one coalition to the next by more than the marginal costs
that sampled Shapley averages. The best plan known for all producers (the pooled
strategy's, with its full budget) holds information that every coalition can use:
keep S's orders on its routes, in the same order, and drop the rest.

:func:`restricted_plan` does that on S's routing problem:

- each route of the source keeps its trips' visits of S's orders, in order (a trip
  left empty is dropped);
- a route on a vehicle of S's fleet stays on it;
- the trips of a route whose vehicle S does not have (another producer's van) are
  placed, earliest first, on a vehicle of S's fleet: an unused one (same type first,
  then fleet order), else as an extra trip of a used one, between its trips by the
  time the trip started in the source; the first placement the route check accepts
  (capacity, vehicle allowed, trips, windows, shift, duration) is kept;
- a trip no vehicle of S takes whole (a chilled order and no refrigerated van free,
  a smaller van) is split into one trip per order, each placed the same way; an
  order no vehicle takes is left unserved (then priced at the outsourcing tariff, a
  real option).

The result is a feasible plan of S's problem, never cheaper than it is (the caller
prices it and keeps it only when it is the cheapest candidate). It depends only on
the source and S, not on which coalitions were valued before, so every coalition is
treated alike and sampled marginal costs c(S + i) - c(S) keep no bias from the role
a coalition plays in a sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .checker import check_route
from .plan import Plan, RoutePlan

if TYPE_CHECKING:
    from .problem import RoutingProblem
    from .solution import Route, Solution

__all__ = ["restricted_plan"]


@dataclass(frozen=True)
class _Trip:
    """A trip's visits (indices in the target problem) and when it started."""

    start_s: float
    visits: tuple[int, ...]


def restricted_plan(problem: RoutingProblem, source: Solution) -> Plan | None:
    """Return ``source``'s routes restricted to ``problem``'s requests.

    Parameters
    ----------
    problem
        The smaller coalition's routing problem (its requests are a subset of the
        orders ``source`` plans; its vehicles may differ).
    source
        A checked plan of a larger coalition (pooled, no hub legs).

    Returns
    -------
    Plan or None
        A plan that the route check accepts for every route, with the orders no
        vehicle could take listed unserved; None when ``source`` has hub legs or
        plans none of ``problem``'s requests.
    """
    trips_by_route = [_trips(problem, route) for route in source.routes]
    if any(t is None for t in trips_by_route):
        return None  # legs through a hub: not a pooled plan
    vehicle_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    kept: dict[int, list[_Trip]] = {}
    orphans: list[_Trip] = []
    for route, trips in zip(source.routes, trips_by_route, strict=True):
        trips = [t for t in trips or () if t.visits]
        k = vehicle_index.get(route.vehicle)
        if not trips:
            continue
        if k is not None and not check_route(problem, _route(k, trips)):
            kept[k] = trips
        else:
            orphans.extend(trips)
    if not kept and not orphans:
        return None
    for trip in sorted(orphans, key=lambda t: (t.start_s, t.visits)):
        if not _place(problem, kept, trip):
            # No vehicle takes the whole trip (a chilled order, a smaller van):
            # each order as a trip of its own; what none takes stays unserved.
            for alone in _by_request(problem, trip):
                _place(problem, kept, alone)
    served = {
        problem.visits[v].request
        for trips in kept.values()
        for t in trips
        for v in t.visits
    }
    unserved = set(range(len(problem.requests))) - served
    routes = tuple(_route(k, kept[k]) for k in sorted(kept))
    return Plan(routes, tuple(sorted(unserved)), "restricted")


def _trips(problem: RoutingProblem, route: Route) -> list[_Trip] | None:
    """The route's trips with only ``problem``'s visits (None for hub legs)."""
    trips: list[_Trip] = []
    visits: list[int] = []
    start_s = route.stops[0].departure_s if route.stops else 0.0
    for stop in route.stops:
        if stop.type in ("drop", "load"):
            return None
        if stop.type == "base":
            trips.append(_Trip(start_s, tuple(visits)))
            visits, start_s = [], stop.departure_s
            continue
        if stop.order is None or not problem.has_request(stop.order):
            continue
        req = problem.requests[problem.request_index(stop.order)]
        visit = req.pickup if stop.type == "pickup" else req.delivery
        if visit is not None:
            visits.append(visit)
    trips.append(_Trip(start_s, tuple(visits)))
    return trips


def _by_request(problem: RoutingProblem, trip: _Trip) -> list[_Trip]:
    """The trip split into one trip per request (its visits in the trip's order)."""
    visits: dict[int, list[int]] = {}
    for v in trip.visits:
        visits.setdefault(problem.visits[v].request, []).append(v)
    return [_Trip(trip.start_s, tuple(vs)) for vs in visits.values()]


def _route(vehicle: int, trips: list[_Trip]) -> RoutePlan:
    """One vehicle's day from its trips, in order."""
    visits: list[int] = []
    breaks: list[int] = []
    for trip in trips:
        if visits:
            breaks.append(len(visits))
        visits.extend(trip.visits)
    return RoutePlan(vehicle, tuple(visits), tuple(breaks))


def _place(problem: RoutingProblem, kept: dict[int, list[_Trip]], trip: _Trip) -> bool:
    """Put ``trip`` on the first vehicle that takes it (see the module docstring);
    False when none does."""
    types = {problem.vehicles[k].type for k in kept}
    free = [k for k in range(len(problem.vehicles)) if k not in kept]
    # Same type as the vehicles already used first: the source's choice of van.
    free.sort(key=lambda k: problem.vehicles[k].type not in types)
    for k in free:
        if not check_route(problem, _route(k, [trip])):
            kept[k] = [trip]
            return True
    for k in sorted(kept):
        trips = sorted([*kept[k], trip], key=lambda t: t.start_s)
        if not check_route(problem, _route(k, trips)):
            kept[k] = trips
            return True
    return False
