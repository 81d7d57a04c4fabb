"""Solver output in problem terms: routes as visit sequences, with their schedule.

A :class:`Plan` is what a backend returns for a
:class:`~logistics.problem.RoutingProblem`. Its schedule and objective are recomputed
here from the problem alone, never taken from the solver, so that every backend is
measured the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from .problem import RoutingProblem

__all__ = [
    "Plan",
    "RoutePlan",
    "Schedule",
    "evaluate",
    "schedule_route",
    "service_start",
]


@dataclass(frozen=True)
class RoutePlan:
    """One vehicle's day: the visit indices in the order they are made.

    ``breaks`` are the positions in ``visits`` before which the vehicle returns to
    its base and leaves again (a new trip); empty for a single trip.
    """

    vehicle: int
    visits: tuple[int, ...]
    breaks: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        inner = all(0 < b < len(self.visits) for b in self.breaks)
        if not inner or list(self.breaks) != sorted(set(self.breaks)):
            msg = (
                f"breaks must be increasing positions inside the route (1 to "
                f"{len(self.visits) - 1}); got {self.breaks!r}"
            )
            raise ValueError(msg)

    def trips(self) -> tuple[tuple[int, ...], ...]:
        """The visits of each trip, in order."""
        bounds = (0, *self.breaks, len(self.visits))
        return tuple(self.visits[a:b] for a, b in itertools.pairwise(bounds))


@dataclass(frozen=True)
class Plan:
    """A solution of a routing problem.

    Parameters
    ----------
    routes
        Non-empty routes, at most one per vehicle.
    unserved
        Request indices left unserved.
    backend
        Name of the backend that produced it.
    wall_time_s
        Solver wall time.
    """

    routes: tuple[RoutePlan, ...]
    unserved: tuple[int, ...]
    backend: str = ""
    wall_time_s: float = 0.0

    def route_of(self, vehicle: int) -> RoutePlan | None:
        """Return the route of ``vehicle``, if it is used."""
        return next((r for r in self.routes if r.vehicle == vehicle), None)


@dataclass(frozen=True)
class Schedule:
    """Times along a route (matrix time unit).

    ``arrival[k]``, ``start[k]`` and ``departure[k]`` refer to the k-th visit:
    ``arrival`` is when the vehicle is ready there (travel and, on reaching a new
    location, its setup done), ``start`` when the visit's own service starts (inside a
    window), ``departure`` when it ends; ``depart`` is when the vehicle leaves its
    start, ``finish`` when it reaches its end.
    ``feasible`` is False when some visit cannot start within one of its windows.
    """

    depart: int
    arrival: np.ndarray
    start: np.ndarray
    departure: np.ndarray
    finish: int
    feasible: bool
    returns: tuple[tuple[int, int], ...] = ()
    """For each return to base between trips: (back at base, leaving again)."""
    paid: int | None = None
    """Paid time: the trips' durations (waiting at customers included), plus the
    time parked at base for vehicles paid for the whole shift; ``None`` means the
    whole span."""

    @property
    def duration(self) -> int:
        """Paid time of the day (see :attr:`paid`)."""
        return self.finish - self.depart if self.paid is None else self.paid

    @property
    def span(self) -> int:
        """From leaving the base first to coming back last."""
        return self.finish - self.depart


def service_start(arrival: int, windows: Sequence[tuple[int, int]]) -> int | None:
    """Return the earliest service start at or after ``arrival`` inside a window.

    Returns ``None`` when every window has closed.
    """
    for lo, hi in windows:
        if arrival <= hi:
            return max(arrival, lo)
    return None


def _forward(
    problem: RoutingProblem,
    vehicle: int,
    visits: Sequence[int],
    depart: int,
    end: int | None = None,
) -> Schedule:
    """One trip from the vehicle's start, every visit as early as its windows allow,
    to ``end`` (the vehicle's end by default)."""
    v = problem.vehicles[vehicle]
    transit = problem.transit
    n = len(visits)
    arrival = np.zeros(n, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    departure = np.zeros(n, dtype=np.int64)
    here, t, ok = v.start, depart, True
    for k, idx in enumerate(visits):
        visit = problem.visits[idx]
        t += int(transit[here, visit.location])
        arrival[k] = t
        begin = service_start(t, visit.windows)
        if begin is None:
            ok, begin = False, t
        start[k] = begin
        t = begin + visit.service
        departure[k] = t
        here = visit.location
    finish = t + int(transit[here, v.end if end is None else end])
    ok = ok and finish <= v.shift[1]
    return Schedule(depart, arrival, start, departure, finish, ok)


def _departures(
    problem: RoutingProblem, vehicle: int, visits: Sequence[int], earliest: int
) -> list[int]:
    """Departures at which a trip's shortest duration can be reached.

    For a fixed departure ``t``, starting every visit as early as possible gives the
    earliest finish ``f(t)``; the trip lasts ``f(t) - t``. Between breakpoints that
    difference is constant (no waiting) or falls as ``t`` grows (waiting shrinks), so
    the minimum lies at a departure where some visit, with no waiting before it,
    arrives exactly at a window bound: ``t = bound - offset``, ``offset`` being the
    travel and service time before that visit, or at the earliest departure.
    """
    v = problem.vehicles[vehicle]
    candidates = {earliest}
    here, offset = v.start, 0
    for idx in visits:
        visit = problem.visits[idx]
        offset += int(problem.transit[here, visit.location])
        for lo, hi in visit.windows:
            candidates.update(
                t for t in (lo - offset, hi - offset) if earliest < t <= v.shift[1]
            )
        offset += visit.service
        here = visit.location
    return sorted(candidates)


def _in_turn(
    problem: RoutingProblem,
    vehicle: int,
    trips: Sequence[Sequence[int]],
    earliest: int,
) -> list[Schedule]:
    """Trips each leaving as soon as the one before is back (the first at
    ``earliest``); the last of ``trips`` ends the day at the vehicle's end."""
    v = problem.vehicles[vehicle]
    parts = []
    for i, trip in enumerate(trips):
        end = v.end if i == len(trips) - 1 else v.start
        sched = _forward(problem, vehicle, trip, earliest, end)
        parts.append(sched)
        earliest = sched.finish
    return parts


def _best_trip(
    problem: RoutingProblem,
    vehicle: int,
    trip: Sequence[int],
    earliest: int,
    end: int,
    rest: Sequence[Sequence[int]],
) -> Schedule | None:
    """The shortest schedule of one trip leaving at or after ``earliest`` that still
    lets the remaining trips fit; ties go to the earliest departure."""
    best = None
    for depart in _departures(problem, vehicle, trip, earliest):
        sched = _forward(problem, vehicle, trip, depart, end)
        if not sched.feasible or (best is not None and sched.span >= best.span):
            continue
        if all(p.feasible for p in _in_turn(problem, vehicle, rest, sched.finish)):
            best = sched
    return best


def schedule_route(
    problem: RoutingProblem,
    vehicle: int,
    visits: Sequence[int],
    breaks: Sequence[int] = (),
) -> Schedule:
    """Compute the schedule of a vehicle's day with the least paid time.

    Trip by trip, each trip gets its shortest-duration departure (exact with
    several windows per visit, see :func:`_departures`) among those at or after the
    previous trip's return that leave the later trips feasible. Paid time is the sum
    of the trips' durations (waiting at customers counts), plus the time parked at
    base between trips when the vehicle is paid for its shift. When no schedule
    fits, the one leaving as early as possible is returned with ``feasible`` False.

    Parameters
    ----------
    problem
        The routing problem.
    vehicle
        Vehicle index.
    visits
        Visit indices in order.
    breaks
        Positions in ``visits`` before which the vehicle returns to its base.
    """
    v = problem.vehicles[vehicle]
    plan = RoutePlan(vehicle, tuple(visits), tuple(breaks))
    trips = plan.trips() if visits else ((),)
    parts: list[Schedule] = []
    earliest = v.shift[0]
    for i, trip in enumerate(trips):
        last = i == len(trips) - 1
        best = _best_trip(
            problem, vehicle, trip, earliest, v.end if last else v.start, trips[i + 1 :]
        )
        if best is None:
            return _earliest(problem, vehicle, trips)
        parts.append(best)
        earliest = best.finish
    if not visits:
        depart = v.shift[0]
        return Schedule(
            depart, parts[0].arrival, parts[0].start, parts[0].departure, depart, True
        )
    return _joined(parts, paid_at_base=v.paid_at_base)


def _earliest(
    problem: RoutingProblem, vehicle: int, trips: Sequence[Sequence[int]]
) -> Schedule:
    """Every trip as early as possible: the best chance of feasibility."""
    v = problem.vehicles[vehicle]
    parts = _in_turn(problem, vehicle, trips, v.shift[0])
    return replace(_joined(parts, paid_at_base=v.paid_at_base), feasible=False)


def _joined(parts: Sequence[Schedule], *, paid_at_base: bool) -> Schedule:
    """One day's schedule from its trips' schedules."""
    returns = tuple((a.finish, b.depart) for a, b in itertools.pairwise(parts))
    span = parts[-1].finish - parts[0].depart
    paid = span if paid_at_base else sum(p.span for p in parts)
    return Schedule(
        depart=parts[0].depart,
        arrival=np.concatenate([p.arrival for p in parts]),
        start=np.concatenate([p.start for p in parts]),
        departure=np.concatenate([p.departure for p in parts]),
        finish=parts[-1].finish,
        feasible=all(p.feasible for p in parts),
        returns=returns,
        paid=paid,
    )


@dataclass(frozen=True)
class SoloObstacle:
    """Why one vehicle cannot serve one request on a route of its own.

    ``kind`` is ``"capacity"``, ``"windows"`` (a visit cannot start in any window;
    ``schedule`` tells when the vehicle would arrive) or ``"duration"`` (the round trip
    exceeds the vehicle's maximum route duration).
    """

    kind: Literal["capacity", "windows", "duration"]
    schedule: Schedule | None


def solo_obstacle(
    problem: RoutingProblem, r_idx: int, vehicle: int
) -> SoloObstacle | None:
    """Test request ``r_idx`` alone on ``vehicle``; None when that route is feasible."""
    req = problem.requests[r_idx]
    v = problem.vehicles[vehicle]
    if any(d > c for d, c in zip(req.demand, v.capacity, strict=True)):
        return SoloObstacle("capacity", None)
    alone = (req.delivery,) if req.pickup is None else (req.pickup, req.delivery)
    sched = schedule_route(problem, vehicle, alone)
    if not sched.feasible:
        return SoloObstacle("windows", sched)
    if sched.duration > v.max_duration:
        return SoloObstacle("duration", sched)
    return None


def allowed_vehicles(problem: RoutingProblem, r_idx: int) -> tuple[int, ...]:
    """Indices of the vehicles that may serve request ``r_idx``."""
    allowed = problem.requests[r_idx].allowed_vehicles
    return tuple(range(len(problem.vehicles))) if allowed is None else allowed


def evaluate(problem: RoutingProblem, plan: Plan) -> int:
    """Return the objective of a plan, recomputed from the problem.

    Objective = sum over used vehicles of fixed cost + distance cost x distance +
    duration cost x paid time, plus the penalty of each unserved request.
    """
    total = 0
    for route in plan.routes:
        v = problem.vehicles[route.vehicle]
        sched = schedule_route(problem, route.vehicle, route.visits, route.breaks)
        dist = problem.route_distance(route.vehicle, route.visits, route.breaks)
        total += (
            v.fixed_cost + v.distance_cost * dist + v.duration_cost * sched.duration
        )
    total += sum(problem.requests[r].penalty for r in plan.unserved)
    return int(total)
