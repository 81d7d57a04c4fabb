"""Solver output in problem terms: routes as visit sequences, with their schedule.

A :class:`Plan` is what a backend returns for a :class:`~logistics.problem.RoutingProblem`.
Its schedule and objective are recomputed here from the problem alone, never taken from
the solver, so that every backend is measured the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

    ``arrival[k]``, ``start[k]`` and ``departure[k]`` refer to the k-th visit;
    ``depart`` is when the vehicle leaves its start, ``finish`` when it reaches its end.
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
    n = len(visits)
    arrival = np.zeros(n, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    departure = np.zeros(n, dtype=np.int64)
    here, t, ok = v.start, depart, True
    for k, idx in enumerate(visits):
        visit = problem.visits[idx]
        t += int(problem.duration[here, visit.location])
        arrival[k] = t
        begin = service_start(t, visit.windows)
        if begin is None:
            ok, begin = False, t
        start[k] = begin
        t = begin + visit.service
        departure[k] = t
        here = visit.location
    finish = t + int(problem.duration[here, v.end])
    ok = ok and finish <= v.shift[1]
    return Schedule(depart, arrival, start, departure, finish, ok)


def schedule_route(
    problem: RoutingProblem, vehicle: int, visits: Sequence[int]
) -> Schedule:
    """Compute the schedule of a route, leaving as late as useful.

    The vehicle first leaves at the start of its shift; the departure is then delayed by
    the largest amount that removes waiting without making any visit late, which is the
    duration-minimising departure for single windows (and a good one for several).
    """
    v = problem.vehicles[vehicle]
    early = _forward(problem, vehicle, visits, v.shift[0])
    if not visits or not early.feasible:
        if not visits:
            return Schedule(
                v.shift[0],
                early.arrival,
                early.start,
                early.departure,
                v.shift[0],
                True,
            )
        return early
    waits = early.start - early.arrival
    cumulative_wait = np.cumsum(waits)
    # Delaying departure by d moves visit k by max(0, d - wait before and at k);
    # it must stay within the window it was scheduled in.
    slack = []
    for k, idx in enumerate(visits):
        window_end = next(
            hi for lo, hi in problem.visits[idx].windows if early.start[k] <= hi
        )
        prior_wait = int(cumulative_wait[k])
        slack.append(prior_wait + window_end - int(early.start[k]))
    delay = int(min(min(slack), int(cumulative_wait[-1])))
    delay = max(0, min(delay, v.shift[1] - v.shift[0]))
    late = _forward(problem, vehicle, visits, v.shift[0] + delay)
    return late if late.feasible else early


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
