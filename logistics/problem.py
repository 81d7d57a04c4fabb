"""The routing model: a solver-neutral, integer description of one routing problem.

A :class:`RoutingProblem` is what every solver backend reads and what the problem-level
feasibility checker verifies. It knows nothing of producers or YAML: scenarios
(:func:`build_problem`) and public benchmark instances are both turned into it.

Model
-----
- *Locations* index an integer distance matrix (metres, or the instance's unit) and an
  integer duration matrix (seconds, or the instance's unit).
- *Requests* are orders. A request is either a **shipment** (a pickup visit, then a
  delivery visit on the same vehicle) or a **depot delivery** (one delivery visit,
  loaded at the vehicle's start). A problem holds one kind only.
- *Visits* are the stops to make: location, service time, one or more time windows.
- *Vehicles* each have a start and an end location, a shift window, a maximum route
  duration, a capacity per dimension and integer cost coefficients (fixed, per distance
  unit, per duration unit). Route duration counts waiting time.
- Every request is optional with a penalty, so a plan always exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from .constants import COST_SCALE, UNSERVED_PENALTY_EUR
from .exceptions import UnknownIdError

__all__ = ["Request", "RoutingProblem", "Vehicle", "Visit"]

Window = tuple[int, int]


@dataclass(frozen=True)
class Visit:
    """A stop to make: pickup or delivery of one request.

    Parameters
    ----------
    location
        Index into the problem's matrices.
    request
        Index of the request this visit belongs to.
    kind
        ``"pickup"`` or ``"delivery"``.
    service
        Service duration (matrix time unit).
    windows
        Sorted, disjoint ``(start, end)`` windows in which service must *start*.
    """

    location: int
    request: int
    kind: Literal["pickup", "delivery"]
    service: int
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class Request:
    """An order: one or two visits and a demand per capacity dimension.

    Parameters
    ----------
    id
        Order id, as reported.
    pickup
        Visit index of the pickup, or ``None`` for a depot delivery.
    delivery
        Visit index of the delivery.
    demand
        Amount per dimension (integer units, e.g. grams and crates).
    allowed_vehicles
        Vehicle indices that may serve it; ``None`` means all.
    penalty
        Objective cost of leaving it unserved.
    group
        Free label (the producer id for scenarios).
    """

    id: str
    pickup: int | None
    delivery: int
    demand: tuple[int, ...]
    allowed_vehicles: tuple[int, ...] | None = None
    penalty: int = round(UNSERVED_PENALTY_EUR * COST_SCALE)
    group: str = ""


@dataclass(frozen=True)
class Vehicle:
    """One vehicle: where it is based, when it works, what it holds and costs.

    Cost coefficients are integers in the problem's cost unit (micro-euros for
    scenarios): ``fixed_cost`` per vehicle used, ``distance_cost`` per distance unit,
    ``duration_cost`` per duration unit of paid time.

    A vehicle may leave its base (``start``) up to ``max_trips`` times, returning
    there between trips; the last trip ends at ``end``. Paid time is the time out on
    trips (travel, service, waiting at customers); time parked at the base between
    trips is paid only with ``paid_at_base`` (a hired driver paid for the shift).
    ``max_duration`` bounds the paid time; every trip lies within ``shift``.
    """

    id: str
    start: int
    end: int
    capacity: tuple[int, ...]
    shift: Window
    max_duration: int
    fixed_cost: int = 0
    distance_cost: int = 1
    duration_cost: int = 0
    type: str = ""
    owner: str = ""
    refrigerated: bool = False
    max_trips: int = 1
    paid_at_base: bool = False


@dataclass(frozen=True)
class RoutingProblem:
    """A complete routing problem (see module docstring).

    Parameters
    ----------
    distance
        Integer matrix, locations x locations.
    duration
        Integer matrix, locations x locations.
    visits, requests, vehicles
        The model's elements; cross-references are checked on creation.
    dimensions
        Names of the capacity dimensions, e.g. ``("g", "crates")``.
    location_ids
        A label per location (site ids for scenarios; two locations may share a
        label, e.g. a farm and the base of the vans kept there).
    location_setup
        Fixed time paid on arriving at each location from another one (parking,
        paperwork: the fixed part of a stop), or empty for none. Consecutive visits
        at one location pay it once; :attr:`transit` adds it to the travel times.
    """

    distance: np.ndarray
    duration: np.ndarray
    visits: tuple[Visit, ...]
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    dimensions: tuple[str, ...] = ("load",)
    location_ids: tuple[str, ...] = ()
    name: str = ""
    location_setup: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for attr in ("distance", "duration"):
            # A read-only view: the problem never changes, and callers' arrays stay
            # theirs (no copy).
            view = np.asarray(getattr(self, attr)).view()
            view.flags.writeable = False
            object.__setattr__(self, attr, view)
        n = self.distance.shape[0]
        if self.location_setup and len(self.location_setup) != n:
            msg = (
                f"location_setup must have one entry per location ({n}); "
                f"got {len(self.location_setup)}"
            )
            raise ValueError(msg)
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            msg = (
                "distance and duration must be square and equal; "
                f"got {self.distance.shape} and {self.duration.shape}"
            )
            raise ValueError(msg)
        if not np.issubdtype(self.distance.dtype, np.integer) or not np.issubdtype(
            self.duration.dtype, np.integer
        ):
            msg = "distance and duration matrices must hold integers"
            raise ValueError(msg)
        kinds = {r.pickup is None for r in self.requests}
        if len(kinds) > 1:
            msg = "a problem holds either shipments or depot deliveries, not both"
            raise ValueError(msg)
        n_dims = len(self.dimensions)
        for r_idx, r in enumerate(self.requests):
            if len(r.demand) != n_dims:
                msg = f"request {r.id!r} has {len(r.demand)} demands; expected {n_dims}"
                raise ValueError(msg)
            for v_idx in (r.pickup, r.delivery):
                if v_idx is not None and self.visits[v_idx].request != r_idx:
                    msg = f"visit {v_idx} does not point back to request {r.id!r}"
                    raise ValueError(msg)
        for v in self.vehicles:
            if len(v.capacity) != n_dims or not (0 <= v.start < n and 0 <= v.end < n):
                msg = f"vehicle {v.id!r} has a bad capacity or start/end location"
                raise ValueError(msg)

    @cached_property
    def transit(self) -> np.ndarray:
        """Time from the start of leaving one location to being ready at another:
        travel plus the arrival location's setup (none between visits at one
        location). Read-only; equal to :attr:`duration` without setups."""
        if not any(self.location_setup):
            return self.duration
        setup = np.asarray(self.location_setup, dtype=np.int64)
        transit = self.duration + setup[None, :]
        np.fill_diagonal(transit, 0)
        transit.flags.writeable = False
        return transit

    @cached_property
    def _request_positions(self) -> dict[str, int]:
        """Request index by id, derived once per instance (never an init field, so
        ``dataclasses.replace`` gives the new problem its own)."""
        return {r.id: i for i, r in enumerate(self.requests)}

    @property
    def has_shipments(self) -> bool:
        """Whether requests are pickup-and-delivery shipments."""
        return bool(self.requests) and self.requests[0].pickup is not None

    @property
    def has_multiple_windows(self) -> bool:
        """Whether any visit has more than one time window."""
        return any(len(v.windows) > 1 for v in self.visits)

    @property
    def has_multiple_trips(self) -> bool:
        """Whether some vehicle may leave its base more than once."""
        return any(v.max_trips > 1 for v in self.vehicles)

    @property
    def has_allowed_vehicles(self) -> bool:
        """Whether some request is restricted to a subset of the vehicles."""
        return any(r.allowed_vehicles is not None for r in self.requests)

    def has_request(self, request_id: str) -> bool:
        """Whether a request has id ``request_id``."""
        return request_id in self._request_positions

    def request_index(self, request_id: str) -> int:
        """Return the index of the request with id ``request_id``.

        Raises
        ------
        UnknownIdError
            If no request has that id.
        """
        try:
            return self._request_positions[request_id]
        except KeyError:
            msg = (
                f"request id {request_id!r} is not in problem {self.name!r} "
                f"({len(self.requests)} requests)"
            )
            raise UnknownIdError(msg) from None

    def route_distance(
        self, vehicle: int, visits: Sequence[int], breaks: Sequence[int] = ()
    ) -> int:
        """Return the distance of a route visiting ``visits`` in order, returning to
        base before the positions in ``breaks``."""
        locs = self.route_locations(vehicle, visits, breaks)
        return int(self.distance[locs[:-1], locs[1:]].sum())

    def route_locations(
        self, vehicle: int, visits: Sequence[int], breaks: Sequence[int] = ()
    ) -> np.ndarray:
        """Return the location sequence of a route: start, visits (with the base
        between trips), end."""
        v = self.vehicles[vehicle]
        locs = [v.start]
        returns = set(breaks)
        for pos, i in enumerate(visits):
            if pos in returns:
                locs.append(v.start)
            locs.append(self.visits[i].location)
        locs.append(v.end)
        return np.array(locs, dtype=np.int64)
