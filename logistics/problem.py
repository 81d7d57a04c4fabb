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

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from .constants import COST_SCALE, MASS_SCALE, UNSERVED_PENALTY_EUR

if TYPE_CHECKING:
    from .matrix import TravelMatrix
    from .scenario import Scenario

__all__ = [
    "Request",
    "RoutingProblem",
    "Vehicle",
    "Visit",
    "build_problem",
    "scenario_vehicles",
]

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
    ``duration_cost`` per duration unit of route duration (waiting included).
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
        A label per location (site ids for scenarios).
    """

    distance: np.ndarray
    duration: np.ndarray
    visits: tuple[Visit, ...]
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    dimensions: tuple[str, ...] = ("load",)
    location_ids: tuple[str, ...] = ()
    name: str = ""
    _by_id: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = self.distance.shape[0]
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
        self._by_id.update({r.id: i for i, r in enumerate(self.requests)})

    @property
    def has_shipments(self) -> bool:
        """Whether requests are pickup-and-delivery shipments."""
        return bool(self.requests) and self.requests[0].pickup is not None

    @property
    def has_multiple_windows(self) -> bool:
        """Whether any visit has more than one time window."""
        return any(len(v.windows) > 1 for v in self.visits)

    @property
    def has_allowed_vehicles(self) -> bool:
        """Whether some request is restricted to a subset of the vehicles."""
        return any(r.allowed_vehicles is not None for r in self.requests)

    def request_index(self, request_id: str) -> int:
        """Return the index of the request with id ``request_id``."""
        return self._by_id[request_id]

    def route_distance(self, vehicle: int, visits: Sequence[int]) -> int:
        """Return the distance of a route visiting ``visits`` in order."""
        locs = self.route_locations(vehicle, visits)
        return int(self.distance[locs[:-1], locs[1:]].sum())

    def route_locations(self, vehicle: int, visits: Sequence[int]) -> np.ndarray:
        """Return the location sequence start, visits..., end of a route."""
        v = self.vehicles[vehicle]
        return np.array(
            [v.start, *(self.visits[i].location for i in visits), v.end], dtype=np.int64
        )


# -- scenario -> problem ---------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioVehicle:
    """One physical vehicle of a scenario, with a stable id."""

    id: str
    type: str
    owner: str
    start: str
    end: str


def scenario_vehicles(
    scenario: Scenario, *, pooled: bool
) -> tuple[ScenarioVehicle, ...]:
    """List the vehicles of a strategy, with stable ids.

    A producer's own vehicles are named ``<producer>-<type>-<k>`` and are based at the
    farm; extra pooled vehicles are named ``pool-<type>-<k>``. The same producer vehicle
    has the same id in the separate and the pooled strategy, which lets the pooled
    search start from the separate plan.
    """
    vehicles: list[ScenarioVehicle] = []
    if not pooled or scenario.pooled_fleet.include_producer_vehicles:
        for p in scenario.producers:
            k = 0
            for entry in p.vehicles:
                for _ in range(entry.count):
                    k += 1
                    vid = f"{p.id}-{entry.type}-{k}"
                    vehicles.append(ScenarioVehicle(vid, entry.type, p.id, p.id, p.id))
    if pooled:
        k = 0
        for extra in scenario.pooled_fleet.vehicles:
            for _ in range(extra.count):
                k += 1
                vid = f"pool-{extra.type}-{k}"
                end = extra.end or extra.start
                vehicles.append(ScenarioVehicle(vid, extra.type, "", extra.start, end))
    return tuple(vehicles)


def _objective_coefficients(scenario: Scenario, type_id: str) -> tuple[int, int, int]:
    """Integer (fixed, per metre, per second) costs of a vehicle type for the objective.

    ``cost``: fixed + running cost per km (at half load, see
    :func:`~logistics.accounting.running_cost_per_km_eur`) + driver time;
    ``cost_carbon``: the same plus the carbon price x kg CO2e per km at half load;
    ``distance`` and ``time``: metres or seconds only.
    """
    from .accounting import co2e_per_km_kg, factor_table, running_cost_per_km_eur

    settings = scenario.solver
    if settings.objective == "distance":
        return 0, 1, 0
    if settings.objective == "time":
        return 0, 0, 1
    vt = scenario.vehicle_type(type_id)
    table = factor_table(scenario)
    per_km = running_cost_per_km_eur(vt, table)
    if settings.objective == "cost_carbon":
        per_km += co2e_per_km_kg(vt, table) * settings.carbon_price_eur_per_t / 1000.0
    fixed = round(vt.fixed_cost_eur * COST_SCALE)
    per_m = round(per_km * COST_SCALE / 1000.0)
    per_s = round(vt.driver_cost_per_h_eur * COST_SCALE / 3600.0)
    return fixed, per_m, per_s


def build_problem(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    pooled: bool,
    producers: Collection[str] | None = None,
) -> RoutingProblem:
    """Build the routing problem of a strategy for some or all producers.

    Parameters
    ----------
    scenario
        The validated scenario.
    matrix
        Travel distances and times between all the scenario's sites.
    pooled
        ``False``: only the producers' own vehicles (use it with one producer for the
        separate strategy). ``True``: the pooled fleet.
    producers
        Keep only these producers' orders and own vehicles (all when ``None``). This is
        the cheap rebuild used for coalitions.

    Returns
    -------
    RoutingProblem
        Shipments from each farm to each delivery point, with capacities in grams and
        crates, time windows in seconds after midnight, costs in micro-euros.
    """
    keep = (
        set(producers) if producers is not None else {p.id for p in scenario.producers}
    )
    vehicles = [
        v
        for v in scenario_vehicles(scenario, pooled=pooled)
        if v.owner in keep or (pooled and v.owner == "")
    ]
    duration = np.rint(matrix.duration_s).astype(np.int64)
    distance = np.rint(matrix.distance_m).astype(np.int64)
    day_end = 48 * 3600
    problem_vehicles = []
    for sv in vehicles:
        vt = scenario.vehicle_type(sv.type)
        fixed, per_m, per_s = _objective_coefficients(scenario, sv.type)
        problem_vehicles.append(
            Vehicle(
                id=sv.id,
                start=matrix.index(sv.start),
                end=matrix.index(sv.end),
                capacity=(round(vt.capacity_kg * MASS_SCALE), vt.capacity_crates),
                shift=(0, day_end),
                max_duration=scenario.max_route_duration_s,
                fixed_cost=fixed,
                distance_cost=per_m,
                duration_cost=per_s,
                type=sv.type,
                owner=sv.owner,
                refrigerated=vt.refrigerated,
            )
        )
    reefers = tuple(i for i, v in enumerate(problem_vehicles) if v.refrigerated)
    points = {d.id: d for d in scenario.delivery_points}
    producer_by_id = {p.id: p for p in scenario.producers}
    visits: list[Visit] = []
    requests: list[Request] = []
    for order in scenario.orders:
        if order.producer not in keep:
            continue
        farm = producer_by_id[order.producer]
        point = points[order.delivery_point]
        r_idx = len(requests)
        visits.append(
            Visit(
                location=matrix.index(farm.id),
                request=r_idx,
                kind="pickup",
                service=round(farm.loading_min * 60),
                windows=((farm.available.start, farm.available.end),),
            )
        )
        visits.append(
            Visit(
                location=matrix.index(point.id),
                request=r_idx,
                kind="delivery",
                service=round(point.service_min * 60),
                windows=tuple(sorted((w.start, w.end) for w in point.time_windows)),
            )
        )
        requests.append(
            Request(
                id=order.id,
                pickup=len(visits) - 2,
                delivery=len(visits) - 1,
                demand=(math.ceil(order.kg * MASS_SCALE), order.crates),
                allowed_vehicles=reefers if order.temperature == "chilled" else None,
                group=order.producer,
            )
        )
    return RoutingProblem(
        distance=distance,
        duration=duration,
        visits=tuple(visits),
        requests=tuple(requests),
        vehicles=tuple(problem_vehicles),
        dimensions=("g", "crates"),
        location_ids=matrix.site_ids,
        name=scenario.name,
    )
