"""Route emissions after the GLEC Framework and ISO 14083, and their allocation.

Two things live here, both pure arithmetic on legs and orders:

- :func:`route_emissions`: energy, WTW / WTT / TTW kg CO2e and running cost of one
  route given leg by leg (distance, load on board), with the energy model of
  :meth:`~logistics.factors.VehicleClass.energy_per_km`, and the route's activity
  indicators (:class:`Legs`: t·km, load factor, empty running), the one implementation
  the accounts use;
- :func:`allocate_iso14083`: a shared route's emissions (or cost) split over the
  orders it carries by mass x shortest feasible distance.

Conventions: energy in the vehicle class's ``energy_unit`` (litres or kWh); kg CO2e
well-to-wheel (WTW = WTT + TTW); euros; km; kg. Distances are the road distances
actually driven, so no GLEC distance adjustment factor is applied. The method, its
sources and a worked example are in ``docs/emissions.md``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from .factors import EnergyCarrier, FactorTable, VehicleClass, factors

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "LOAD_ATOL_KG",
    "Legs",
    "RouteEmissions",
    "allocate_iso14083",
    "route_emissions",
]

K = TypeVar("K", bound=Hashable)

LOAD_ATOL_KG = 1e-6
"""Loads within this many kg (1 mg) of zero or of the capacity count as exactly empty or
full. Loads built by adding and removing order masses pick up float noise; anything
larger than this is a real error and raises."""


@dataclass(frozen=True, eq=False)
class Legs:
    """A route's legs: distance driven and load on board, and the activity they make.

    Loads within :data:`LOAD_ATOL_KG` of zero are exactly zero (empty running), so
    every indicator uses one tolerance. Arrays are read-only.

    Parameters
    ----------
    distance_km
        Road distance of each leg, >= 0.
    load_kg
        Mass on board on each leg, 0 <= load <= capacity.
    capacity_kg
        Payload of the vehicle, > 0.

    Raises
    ------
    ValueError
        If lengths differ or a value is negative, not finite or above the capacity
        (a real overload is never clipped); the message names the leg.
    """

    distance_km: NDArray[np.float64]
    load_kg: NDArray[np.float64]
    capacity_kg: float

    def __post_init__(self) -> None:
        distance, load = _validated_legs(
            self.distance_km, self.load_kg, self.capacity_kg
        )
        for name, array in (("distance_km", distance), ("load_kg", load)):
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "capacity_kg", float(self.capacity_kg))

    @property
    def total_km(self) -> float:
        """Total distance driven."""
        return math.fsum(self.distance_km)

    @property
    def load_fraction(self) -> NDArray[np.float64]:
        """Load over capacity, per leg."""
        return np.asarray(self.load_kg / self.capacity_kg, dtype=np.float64)

    @property
    def tonne_km(self) -> float:
        """Transport activity actually carried: sum of load (t) x distance (km)."""
        return math.fsum(self.load_kg * self.distance_km) / 1_000

    @property
    def capacity_tonne_km(self) -> float:
        """Transport capacity offered: capacity (t) x total distance (km)."""
        return self.capacity_kg / 1_000 * self.total_km

    @property
    def empty_km(self) -> float:
        """Distance driven with nothing on board."""
        return math.fsum(self.distance_km[self.load_kg == 0])

    @property
    def load_factor(self) -> float:
        """Carried t·km / capacity t·km; empty legs count (``nan`` if no distance)."""
        capacity = self.capacity_tonne_km
        return self.tonne_km / capacity if capacity else math.nan

    @property
    def empty_running_share(self) -> float:
        """Share of km driven empty (``nan`` if no distance)."""
        km = self.total_km
        return self.empty_km / km if km else math.nan


@dataclass(frozen=True, eq=False)
class RouteEmissions:
    """Energy, emissions and running cost of one vehicle route, leg by leg.

    Parameters
    ----------
    vehicle_class
        The class the route was computed with (carries maintenance cost too).
    carrier
        Its energy carrier (carries the factors and the price).
    refrigerated
        Whether the refrigeration uplift was applied.
    legs
        Distances, loads and capacity.
    leg_energy
        Energy per leg, in ``vehicle_class.energy_unit`` (read-only).
    """

    vehicle_class: VehicleClass
    carrier: EnergyCarrier
    refrigerated: bool
    legs: Legs
    leg_energy: NDArray[np.float64]

    def __post_init__(self) -> None:
        energy = np.array(self.leg_energy, dtype=np.float64)
        energy.setflags(write=False)
        object.__setattr__(self, "leg_energy", energy)
        if energy.shape != self.legs.distance_km.shape:
            msg = "leg_energy must have one entry per leg."
            raise ValueError(msg)

    @property
    def energy_unit(self) -> str:
        """Unit of :attr:`energy` (``L``, ``kWh`` or ``none``)."""
        return self.vehicle_class.energy_unit

    @property
    def energy(self) -> float:
        """Total energy, in :attr:`energy_unit`."""
        return math.fsum(self.leg_energy)

    @property
    def leg_co2e_kg(self) -> NDArray[np.float64]:
        """Well-to-wheel kg CO2e per leg."""
        return np.asarray(
            self.leg_energy * self.carrier.wtw_kgco2e_per_unit, dtype=np.float64
        )

    @property
    def co2e_kg(self) -> float:
        """Total well-to-wheel kg CO2e."""
        return self.energy * self.carrier.wtw_kgco2e_per_unit

    @property
    def wtt_co2e_kg(self) -> float:
        """Total well-to-tank kg CO2e."""
        return self.energy * self.carrier.wtt_kgco2e_per_unit

    @property
    def ttw_co2e_kg(self) -> float:
        """Total tank-to-wheel kg CO2e."""
        return self.energy * self.carrier.ttw_kgco2e_per_unit

    @property
    def energy_cost_eur(self) -> float:
        """Energy x the carrier's price."""
        return self.energy * self.carrier.price_eur_per_unit

    @property
    def running_cost_eur(self) -> float:
        """Energy cost + maintenance EUR/km x distance (no fixed or driver cost)."""
        maintenance = self.vehicle_class.maintenance_eur_per_km * self.legs.total_km
        return self.energy_cost_eur + maintenance

    def summary(self) -> str:
        """Return a one-paragraph human-readable summary."""
        legs = self.legs
        return (
            f"{self.vehicle_class.class_id}"
            f"{' (refrigerated)' if self.refrigerated else ''}: "
            f"{len(legs.distance_km)} legs, {legs.total_km:.1f} km, "
            f"{self.energy:.3f} {self.energy_unit}, {self.co2e_kg:.3f} kg CO2e WTW "
            f"(WTT {self.wtt_co2e_kg:.3f} + TTW {self.ttw_co2e_kg:.3f}), "
            f"{legs.tonne_km:.2f} t·km, load factor {legs.load_factor:.1%}, "
            f"empty running {legs.empty_running_share:.1%}"
        )

    def __str__(self) -> str:
        return self.summary()


def route_emissions(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> RouteEmissions:
    """Return energy and WTW/WTT/TTW emissions of a route given leg by leg.

    Each leg uses ``distance x (empty + (full - empty) x load / capacity)`` of energy,
    times the refrigeration uplift when ``refrigerated``.

    Parameters
    ----------
    leg_distances_km
        Road distance actually driven on each leg, including empty legs (return to
        depot, positioning): ISO 14083 counts every km of the vehicle operation.
    leg_loads_kg
        Mass on board on each leg (after the pickups and drops at its start).
    capacity_kg
        Payload of the actual vehicle; ``None`` takes the class's ``payload_kg``.
    vehicle_class
        A :class:`~logistics.factors.VehicleClass` or a class id of ``table``.
    refrigerated
        Whether the refrigeration unit runs.
    table
        Factor table; ``None`` means the shipped defaults.

    Returns
    -------
    RouteEmissions
        Per-leg energy and totals.

    Raises
    ------
    ValueError
        If the sequences differ in length, a distance or load is negative or not
        finite, the capacity is not > 0, a load exceeds it (the message names the
        leg index), or the class or its carrier is unknown.
    """
    table = table or factors()
    vc = table.resolve(vehicle_class)
    capacity = vc.payload_kg if capacity_kg is None else capacity_kg
    legs = Legs(
        np.asarray(leg_distances_km, dtype=np.float64),
        np.asarray(leg_loads_kg, dtype=np.float64),
        capacity,
    )
    per_km = vc.energy_per_km(legs.load_fraction, refrigerated=refrigerated)
    return RouteEmissions(
        vehicle_class=vc,
        carrier=table.carrier_of(vc),
        refrigerated=refrigerated,
        legs=legs,
        leg_energy=legs.distance_km * per_km,
    )


# -- allocation ------------------------------------------------------------------------


def allocate_iso14083(
    route_co2e_kg: float,
    order_ids: Sequence[K],
    order_mass_kg: Sequence[float],
    order_sfd_km: Sequence[float],
) -> dict[K, float]:
    """Allocate a route's emissions to its orders by mass x shortest feasible distance.

    ISO 14083 (5.6) / GLEC: ``E_i = E_route * m_i * SFD_i / sum_j(m_j * SFD_j)``, where
    ``SFD_i`` is the shortest feasible road distance from the order's pickup to its
    delivery, *not* the distance it actually rode (which depends on the detours made
    for other orders). The route total includes its empty running.

    Degenerate cases: if every ``m_i * SFD_i`` is zero (e.g. all pickups coincide with
    their deliveries), the total is split by mass alone; if every mass is zero too, it
    is split equally. The largest share absorbs the float rounding residue so that the
    allocations add up to ``route_co2e_kg``.

    Parameters
    ----------
    route_co2e_kg
        Total emissions of the route (any additive quantity works, e.g. a cost).
    order_ids
        Unique ids of the orders carried on the route.
    order_mass_kg
        Mass of each order, >= 0.
    order_sfd_km
        Shortest feasible distance pickup -> delivery of each order, >= 0.

    Returns
    -------
    dict
        kg CO2e by order id, in the order of ``order_ids``.

    Raises
    ------
    ValueError
        If lengths differ, ids repeat, a number is negative or not finite, or there
        are no orders but ``route_co2e_kg`` is not zero.
    """
    mass = _non_negative_array(order_mass_kg, "order_mass_kg")
    sfd = _non_negative_array(order_sfd_km, "order_sfd_km")
    ids = list(order_ids)
    problems = []
    if not len(ids) == len(mass) == len(sfd):
        problems.append(
            f"order_ids, order_mass_kg and order_sfd_km must have equal lengths; "
            f"got {len(ids)}, {len(mass)} and {len(sfd)}"
        )
    if len(set(ids)) != len(ids):
        problems.append(f"order_ids must be unique; got {ids!r}")
    if not (math.isfinite(route_co2e_kg) and route_co2e_kg >= 0):
        problems.append(f"route_co2e_kg must be finite and >= 0; got {route_co2e_kg!r}")
    if not ids and route_co2e_kg != 0:
        problems.append(f"cannot allocate {route_co2e_kg!r} kg CO2e to no orders")
    if problems:
        raise ValueError("; ".join(problems) + ".")
    if not ids:
        return {}
    weights = _allocation_weights(mass, sfd)
    shares = route_co2e_kg * weights / math.fsum(weights)
    # Give the rounding residue to the biggest share so the parts add up to the total.
    largest = int(np.argmax(weights))
    shares[largest] = route_co2e_kg - math.fsum(np.delete(shares, largest))
    return dict(zip(ids, (float(s) for s in shares), strict=True))


def _allocation_weights(
    mass: NDArray[np.float64], sfd: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return ISO 14083 weights m x SFD, falling back to mass, then to equal weights.

    The fallbacks keep the allocation defined (and summing to the total) when the
    primary key is zero for every order.
    """
    for weights in (mass * sfd, mass):
        if math.fsum(weights) > 0:
            return weights
    return np.ones_like(mass)


# -- private helpers -------------------------------------------------------------------


def _validated_legs(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
    capacity_kg: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check legs once and return (distance, load snapped to 0 / capacity).

    Snapping within :data:`LOAD_ATOL_KG` removes float noise from summed order masses;
    a real overload raises instead of being clipped.
    """
    if not (capacity_kg > 0 and math.isfinite(capacity_kg)):
        msg = f"capacity_kg must be > 0; got {capacity_kg!r}."
        raise ValueError(msg)
    distance = _non_negative_array(leg_distances_km, "leg distance_km")
    load = np.array(leg_loads_kg, dtype=np.float64).reshape(-1)
    if distance.shape != load.shape:
        msg = (
            f"leg distances and loads must have equal lengths; "
            f"got {distance.size} and {load.size}."
        )
        raise ValueError(msg)
    bad = ~np.isfinite(load) | (load < -LOAD_ATOL_KG)
    over = load > capacity_kg + LOAD_ATOL_KG
    rules = ((bad, "finite and >= 0"), (over, f"<= capacity_kg {capacity_kg!r}"))
    for mask, rule in rules:
        if mask.any():
            leg = int(np.argmax(mask))
            msg = f"load_kg of leg {leg} must be {rule}; got {load[leg]!r}."
            raise ValueError(msg)
    load = np.clip(load, 0.0, capacity_kg)
    load[load <= LOAD_ATOL_KG] = 0.0
    return distance, load


def _non_negative_array(
    values: Sequence[float] | NDArray[np.float64], name: str
) -> NDArray[np.float64]:
    """Return ``values`` as a 1-D float array; raise if one is negative or infinite."""
    array = np.array(values, dtype=np.float64).reshape(-1)
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        index = int(np.argmax(bad))
        msg = f"{name}[{index}] must be finite and >= 0; got {array[index]!r}."
        raise ValueError(msg)
    return array
