"""The physical vehicles of a scenario, with stable ids.

Strategies decide which of them a set of producers may use
(:meth:`logistics.strategies.Strategy.fleet`); the checker verifies routes against
that same list. Nothing here knows about solvers.

Ids: a producer's own vehicles are ``<producer>-<type>-<k>``, based at its farm; the
collective's extra vehicles are ``pool-<type>-<k>``, based where the scenario says. The
same producer vehicle keeps its id in every strategy, so a pooled search can start
from the separate plan.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Scenario, TimeWindow

__all__ = [
    "SHIFT_END_S",
    "FleetVehicle",
    "hub_vehicles",
    "pool_vehicles",
    "producer_vehicles",
]

SHIFT_END_S = 48 * 3600
"""Latest return of a vehicle without a shift (a day and the following night)."""


def _shift(*windows: TimeWindow | None) -> tuple[int, int]:
    """The first window given, as seconds, else the whole day and night."""
    for w in windows:
        if w is not None:
            return (w.start, w.end)
    return (0, SHIFT_END_S)


@dataclass(frozen=True)
class FleetVehicle:
    """One physical vehicle.

    Parameters
    ----------
    id
        Stable id (see the module docstring).
    type
        Vehicle type id of the scenario.
    owner
        Producer id that owns it, or ``""`` for the collective's shared vehicles.
    start, end
        Site ids where its day starts and ends (its base).
    serves
        Producers whose orders it may carry; empty means any producer of the run
        (the separate strategy restricts each vehicle to its owner).
    max_trips
        Times it may leave its base in the day (it returns to ``start`` between).
    shift_s
        ``(earliest departure, latest return)`` in seconds after midnight.
    max_working_s
        Paid working time of its day (all trips), in seconds.
    """

    id: str
    type: str
    owner: str
    start: str
    end: str
    serves: tuple[str, ...] = ()
    max_trips: int = 1
    shift_s: tuple[int, int] = (0, SHIFT_END_S)
    max_working_s: int = 10 * 3600


def producer_vehicles(scenario: Scenario, producer: str) -> tuple[FleetVehicle, ...]:
    """Return the vehicles producer ``producer`` owns, based at its farm."""
    p = scenario.producer(producer)
    working_h = p.max_working_h or scenario.max_route_duration_h
    vehicles = []
    k = 0
    for entry in p.vehicles:
        for _ in range(entry.count):
            k += 1
            vehicles.append(
                FleetVehicle(
                    f"{p.id}-{entry.type}-{k}",
                    entry.type,
                    p.id,
                    p.id,
                    p.id,
                    max_trips=entry.max_trips,
                    shift_s=_shift(entry.shift, p.shift),
                    max_working_s=round(working_h * 3600),
                )
            )
    return tuple(vehicles)


def pool_vehicles(
    scenario: Scenario, producers: Collection[str] | None = None
) -> tuple[FleetVehicle, ...]:
    """Return the pooled fleet's extra vehicles open to ``producers``.

    A pool vehicle with an ``owner`` (a producer lending it to the pool) is open to
    coalitions that include its owner; one without an owner belongs to the collective
    and is open to every coalition. ``None`` means all producers.
    """
    members = None if producers is None else set(producers)
    vehicles = []
    k = 0
    for extra in scenario.pooled_fleet.vehicles:
        for _ in range(extra.count):
            k += 1
            owner = extra.owner or ""
            if members is not None and owner and owner not in members:
                continue
            vehicles.append(
                FleetVehicle(
                    f"pool-{extra.type}-{k}",
                    extra.type,
                    owner,
                    extra.start,
                    extra.end or extra.start,
                    max_trips=extra.max_trips,
                    shift_s=_shift(extra.shift),
                    max_working_s=scenario.max_route_duration_s,
                )
            )
    return tuple(vehicles)


def hub_vehicles(
    scenario: Scenario, hub_id: str, *, leg: str = "delivery"
) -> tuple[FleetVehicle, ...]:
    """Return the shared vans based at hub ``hub_id``.

    ``leg`` is ``"delivery"`` (the vans that deliver from the hub, ids
    ``<hub>-<type>-<k>``) or ``"collection"`` (the vans that collect at farms, ids
    ``<hub>-collect-<type>-<k>``). They belong to the collective (no owner); their
    shift defaults to the hub's opening hours.
    """
    hub = next(h for h in scenario.hubs if h.id == hub_id)
    entries = hub.vehicles if leg == "delivery" else hub.collection_vehicles
    prefix = hub.id if leg == "delivery" else f"{hub.id}-collect"
    vehicles = []
    k = 0
    for entry in entries:
        for _ in range(entry.count):
            k += 1
            vehicles.append(
                FleetVehicle(
                    f"{prefix}-{entry.type}-{k}",
                    entry.type,
                    "",
                    hub.id,
                    hub.id,
                    max_trips=entry.max_trips,
                    shift_s=_shift(entry.shift, hub.opening),
                    max_working_s=scenario.max_route_duration_s,
                )
            )
    return tuple(vehicles)
