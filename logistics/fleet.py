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
    from .scenario import Scenario

__all__ = ["FleetVehicle", "pool_vehicles", "producer_vehicles"]


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
    """

    id: str
    type: str
    owner: str
    start: str
    end: str
    serves: tuple[str, ...] = ()


def producer_vehicles(scenario: Scenario, producer: str) -> tuple[FleetVehicle, ...]:
    """Return the vehicles producer ``producer`` owns, based at its farm."""
    p = scenario.producer(producer)
    vehicles = []
    k = 0
    for entry in p.vehicles:
        for _ in range(entry.count):
            k += 1
            vid = f"{p.id}-{entry.type}-{k}"
            vehicles.append(FleetVehicle(vid, entry.type, p.id, p.id, p.id))
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
            end = extra.end or extra.start
            vid = f"pool-{extra.type}-{k}"
            vehicles.append(FleetVehicle(vid, extra.type, owner, extra.start, end))
    return tuple(vehicles)
