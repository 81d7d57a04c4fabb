"""Solver output in problem terms: routes as visit sequences, with their schedule.

A :class:`Plan` is what a backend returns for a
:class:`~logistics.problem.RoutingProblem`. Its schedule and objective are recomputed
here from the problem alone, never taken from the solver, so that every backend is
measured the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    """One vehicle's route: the visit indices in the order they are made."""

    vehicle: int
    visits: tuple[int, ...]


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

    @property
    def duration(self) -> int:
        """Route duration, waiting included."""
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
    problem: RoutingProblem, vehicle: int, visits: Sequence[int], depart: int
) -> Schedule:
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
    finish = t + int(transit[here, v.end])
    ok = ok and finish <= v.shift[1]
    return Schedule(depart, arrival, start, departure, finish, ok)


def schedule_route(
    problem: RoutingProblem, vehicle: int, visits: Sequence[int]
) -> Schedule:
    """Compute the shortest-duration schedule of a route (waiting counts as duration).

    For a fixed departure ``t``, starting every visit as early as possible gives the
    earliest finish ``f(t)``; the route lasts ``f(t) - t``. Between breakpoints that
    difference is constant (no waiting) or falls as ``t`` grows (waiting shrinks), so
    the minimum lies at a departure where some visit, with no waiting before it,
    arrives exactly at a window bound: ``t = bound - offset``, ``offset`` being the
    travel and service time before that visit. All such departures (and the shift
    start) are tried; this is exact with several windows per visit, where the earliest
    window is not always the right one. Ties go to the earliest departure.
    """
    v = problem.vehicles[vehicle]
    early = _forward(problem, vehicle, visits, v.shift[0])
    if not visits:
        return Schedule(
            v.shift[0], early.arrival, early.start, early.departure, v.shift[0], True
        )
    if not early.feasible:
        return early  # leaving as early as possible is the best chance of feasibility
    candidates = {v.shift[0]}
    here, offset = v.start, 0
    for idx in visits:
        visit = problem.visits[idx]
        offset += int(problem.transit[here, visit.location])
        for lo, hi in visit.windows:
            candidates.update(
                t for t in (lo - offset, hi - offset) if v.shift[0] < t <= v.shift[1]
            )
        offset += visit.service
        here = visit.location
    best = early
    for depart in sorted(candidates):
        sched = _forward(problem, vehicle, visits, depart)
        if sched.feasible and sched.duration < best.duration:
            best = sched
    return best


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
    duration cost x route duration, plus the penalty of each unserved request.
    """
    total = 0
    for route in plan.routes:
        v = problem.vehicles[route.vehicle]
        sched = schedule_route(problem, route.vehicle, route.visits)
        dist = problem.route_distance(route.vehicle, route.visits)
        total += (
            v.fixed_cost + v.distance_cost * dist + v.duration_cost * sched.duration
        )
    total += sum(problem.requests[r].penalty for r in plan.unserved)
    return int(total)
