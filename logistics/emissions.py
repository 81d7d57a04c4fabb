"""Emission and cost accounting after the GLEC Framework and ISO 14083.

This module is the data and pure-calculation layer: it reads the factor tables
shipped in ``logistics/data`` (``vehicle_classes.csv``, ``energy_carriers.csv``), lets
a scenario override any factor, and turns legs (distance, load) into energy, kg CO2e,
euros and per-order allocations. It knows nothing about routes, solvers or scenarios.
The method, its sources and a worked example are in ``docs/emissions.md``.

Conventions

- Energy is in the vehicle's ``energy_unit`` (litres of fuel or kWh); emissions in kg
  CO2e well-to-wheel (WTW = WTT + TTW); money in euros; distances in km; masses in kg.
- Energy per km is linear in the load fraction (DEFRA laden factors are exact linear
  interpolations), times ``1 + reefer_uplift_pct / 100`` on refrigerated legs.
- Distances are the road distances actually driven, so no GLEC distance adjustment
  factor is applied (see ``docs/emissions.md``).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .exceptions import ScenarioError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "LOAD_ATOL_KG",
    "Co2eSplit",
    "EnergyCarrier",
    "FactorTable",
    "RouteEmissions",
    "VehicleClass",
    "allocate_iso14083",
    "co2e_g_per_kg_delivered",
    "cost_eur_per_kg_delivered",
    "empty_running_share",
    "factors",
    "leg_co2e_kg",
    "leg_co2e_split",
    "leg_cost_eur",
    "leg_energy",
    "load_factor",
    "route_emissions",
    "route_energy_cost_eur",
    "route_running_cost_eur",
]

K = TypeVar("K", bound=Hashable)

LOAD_ATOL_KG = 1e-6
"""Loads within this many kg (1 mg) of zero or of the capacity count as exactly empty or
full. Loads built by adding and removing order masses pick up float noise; anything
larger than this is a real error and raises."""

_ENERGY_UNITS = frozenset({"L", "kWh", "none"})
_VEHICLE_CSV = "vehicle_classes.csv"
_CARRIER_CSV = "energy_carriers.csv"
_SPLIT_FIELDS = ("wtw_kgco2e_per_unit", "wtt_kgco2e_per_unit", "ttw_kgco2e_per_unit")


# -- factor records --------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleClass:
    """One row of ``vehicle_classes.csv``: energy use and running costs of a class.

    Parameters
    ----------
    class_id
        Identifier used by scenarios (``VehicleType.emission_class``).
    label
        Human-readable description.
    carrier
        Energy carrier id, a row of ``energy_carriers.csv`` (``none`` for no motor).
    payload_kg
        Indicative payload; scenarios may set another capacity per vehicle type.
    crates
        Indicative number of 60 x 40 cm crates.
    energy_empty_per_km, energy_full_per_km
        Energy per km with no load and with a full load, in ``energy_unit``.
    energy_unit
        ``L``, ``kWh`` or ``none``; must equal the carrier's unit.
    reefer_uplift_pct
        Extra energy, in percent, when the vehicle is refrigerated.
    maintenance_eur_per_km
        Wear, tyres and servicing per km (energy excluded).
    fixed_eur_per_day
        Indicative fixed cost of a day of use (amortisation, insurance).
    source, year, assumption, note
        Provenance: documents cited, year of the main source (``None`` if undated),
        ``yes: ...``/``no`` naming the assumed values, and free remarks.
    """

    class_id: str
    label: str
    carrier: str
    payload_kg: float
    crates: int
    energy_empty_per_km: float
    energy_full_per_km: float
    energy_unit: str
    reefer_uplift_pct: float
    maintenance_eur_per_km: float
    fixed_eur_per_day: float
    source: str
    year: int | None
    assumption: str
    note: str = ""

    def __post_init__(self) -> None:
        problems = _non_negative_problems(
            self,
            (
                "payload_kg",
                "crates",
                "energy_empty_per_km",
                "energy_full_per_km",
                "reefer_uplift_pct",
                "maintenance_eur_per_km",
                "fixed_eur_per_day",
            ),
        )
        if not self.payload_kg > 0:
            problems.append(f"payload_kg must be > 0; got {self.payload_kg!r}")
        if self.energy_full_per_km < self.energy_empty_per_km:
            problems.append(
                f"energy_full_per_km ({self.energy_full_per_km!r}) must be >= "
                f"energy_empty_per_km ({self.energy_empty_per_km!r})"
            )
        if self.energy_unit not in _ENERGY_UNITS:
            problems.append(
                f"energy_unit must be one of {sorted(_ENERGY_UNITS)}; "
                f"got {self.energy_unit!r}"
            )
        elif self.energy_unit == "none" and self.energy_full_per_km > 0:
            problems.append("energy_unit 'none' requires zero energy per km")
        if not self.source.strip():
            problems.append("source must not be empty")
        _raise_if(problems, f"vehicle class {self.class_id!r}")

    @property
    def full_to_empty_ratio(self) -> float:
        """Return ``energy_full_per_km / energy_empty_per_km`` (1.0 if no energy)."""
        if self.energy_empty_per_km == 0:
            return 1.0
        return self.energy_full_per_km / self.energy_empty_per_km


@dataclass(frozen=True)
class EnergyCarrier:
    """One row of ``energy_carriers.csv``: emission factors and price of a carrier.

    Parameters
    ----------
    carrier
        Identifier referenced by :attr:`VehicleClass.carrier`.
    unit
        Unit the factors and price refer to (``L``, ``kWh`` or ``none``).
    wtw_kgco2e_per_unit
        Well-to-wheel kg CO2e per unit; must equal WTT + TTW.
    ttw_kgco2e_per_unit
        Tank-to-wheel (combustion, direct) kg CO2e per unit.
    wtt_kgco2e_per_unit
        Well-to-tank (upstream: extraction, refining, generation, transport) kg CO2e.
    price_eur_per_unit
        Price paid per unit, taxes included.
    source, year, assumption, note
        Provenance, as for :class:`VehicleClass`.
    """

    carrier: str
    unit: str
    wtw_kgco2e_per_unit: float
    ttw_kgco2e_per_unit: float
    wtt_kgco2e_per_unit: float
    price_eur_per_unit: float
    source: str
    year: int | None
    assumption: str
    note: str = ""

    def __post_init__(self) -> None:
        problems = _non_negative_problems(self, (*_SPLIT_FIELDS, "price_eur_per_unit"))
        if self.unit not in _ENERGY_UNITS:
            problems.append(
                f"unit must be one of {sorted(_ENERGY_UNITS)}; got {self.unit!r}"
            )
        split = self.wtt_kgco2e_per_unit + self.ttw_kgco2e_per_unit
        # 1e-6 kg/unit absorbs the rounding of factors written with 2-3 decimals.
        if not math.isclose(self.wtw_kgco2e_per_unit, split, abs_tol=1e-6):
            problems.append(
                f"wtw_kgco2e_per_unit ({self.wtw_kgco2e_per_unit!r}) must equal "
                f"wtt + ttw ({split!r})"
            )
        if not self.source.strip():
            problems.append("source must not be empty")
        _raise_if(problems, f"energy carrier {self.carrier!r}")


@dataclass(frozen=True)
class FactorTable:
    """All vehicle classes and energy carriers in force for one scenario.

    Build it with :func:`factors`. Both mappings are read-only.

    Parameters
    ----------
    vehicle_classes
        Vehicle classes by ``class_id``.
    carriers
        Energy carriers by ``carrier``.

    Raises
    ------
    ValueError
        If a key differs from its record's id, or a vehicle class names an unknown
        carrier or a unit other than its carrier's.
    """

    vehicle_classes: Mapping[str, VehicleClass]
    carriers: Mapping[str, EnergyCarrier]

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "vehicle_classes", MappingProxyType(dict(self.vehicle_classes))
        )
        object.__setattr__(self, "carriers", MappingProxyType(dict(self.carriers)))
        problems = [
            f"key {key!r} holds vehicle class {vc.class_id!r}"
            for key, vc in self.vehicle_classes.items()
            if key != vc.class_id
        ]
        problems += [
            f"key {key!r} holds carrier {c.carrier!r}"
            for key, c in self.carriers.items()
            if key != c.carrier
        ]
        for vc in self.vehicle_classes.values():
            carrier = self.carriers.get(vc.carrier)
            if carrier is None:
                problems.append(
                    f"vehicle class {vc.class_id!r} uses unknown carrier {vc.carrier!r}"
                )
            elif carrier.unit != vc.energy_unit:
                problems.append(
                    f"vehicle class {vc.class_id!r} has energy_unit "
                    f"{vc.energy_unit!r} but carrier {carrier.carrier!r} is priced "
                    f"per {carrier.unit!r}"
                )
        _raise_if(problems, "factor table")

    def vehicle_class(self, class_id: str) -> VehicleClass:
        """Return the vehicle class ``class_id``.

        Raises
        ------
        ValueError
            If there is no such class; the message lists the known ones.
        """
        try:
            return self.vehicle_classes[class_id]
        except KeyError:
            msg = (
                f"vehicle_class must be one of {sorted(self.vehicle_classes)}; "
                f"got {class_id!r}."
            )
            raise ValueError(msg) from None

    def carrier_of(self, vehicle_class: VehicleClass | str) -> EnergyCarrier:
        """Return the energy carrier of ``vehicle_class`` (an object or a class id).

        Raises
        ------
        ValueError
            If the class or its carrier is unknown to this table.
        """
        vc = _resolve_class(vehicle_class, self)
        try:
            return self.carriers[vc.carrier]
        except KeyError:
            msg = f"carrier must be one of {sorted(self.carriers)}; got {vc.carrier!r}."
            raise ValueError(msg) from None

    def summary(self) -> str:
        """Return the table as Markdown (numbers, then sources and assumptions).

        ``docs/emissions.md`` embeds this text for the shipped defaults.
        """
        return "\n".join(
            [
                *_carrier_markdown(self.carriers.values()),
                "",
                *_vehicle_markdown(self.vehicle_classes.values()),
                "",
                "Sources and assumptions:",
                "",
                *(
                    f"- `{c.carrier}` — {c.source}. Year: {c.year or 'n/a'}. "
                    f"Assumption: {c.assumption}. {c.note}".rstrip()
                    for c in self.carriers.values()
                ),
                *(
                    f"- `{v.class_id}` — {v.source}. Year: {v.year or 'n/a'}. "
                    f"Assumption: {v.assumption}. {v.note}".rstrip()
                    for v in self.vehicle_classes.values()
                ),
            ]
        )

    def __str__(self) -> str:
        return self.summary()


def factors(overrides: Mapping[str, Any] | None = None) -> FactorTable:
    """Return the shipped factor table, with a scenario's overrides applied.

    Parameters
    ----------
    overrides
        Nested mapping, typically the ``factors:`` block of a scenario file::

            {"vehicle_classes": {"van_3t5_diesel": {"energy_full_per_km": 0.12}},
             "carriers": {"diesel": {"wtw_kgco2e_per_unit": 3.10}}}

        Any field but the id may be overridden. For a carrier, overriding only
        ``wtw_kgco2e_per_unit`` keeps the combustion share (TTW) and moves the rest to
        WTT; overriding only WTT and/or TTW recomputes WTW; overriding two of the three
        derives the third. New classes or carriers cannot be added this way.

    Returns
    -------
    FactorTable
        The shipped table itself (cached) when ``overrides`` is empty, else a new one.

    Raises
    ------
    ScenarioError
        A ``ValueError`` listing every unknown key (section, class, carrier or field)
        and every value that breaks a rule, each named by its path.
    """
    base = _default_table()
    if not overrides:
        return base
    problems: list[str] = []
    for key in overrides:
        if key not in ("vehicle_classes", "carriers"):
            problems.append(
                f"factors.{key}: unknown key; expected 'vehicle_classes' or 'carriers'"
            )
    classes = _override_records(
        base.vehicle_classes,
        overrides.get("vehicle_classes") or {},
        "vehicle_classes",
        problems,
    )
    carriers = _override_records(
        base.carriers, overrides.get("carriers") or {}, "carriers", problems
    )
    if not problems:
        try:
            return FactorTable(vehicle_classes=classes, carriers=carriers)
        except ValueError as exc:
            problems.append(f"factors: {exc}")
    raise ScenarioError(problems)


# -- energy and emissions --------------------------------------------------------------


@dataclass(frozen=True)
class Co2eSplit:
    """Emissions of one leg or route, split by life-cycle stage.

    Parameters
    ----------
    co2e_kg
        Well-to-wheel kg CO2e (energy x WTW factor).
    wtt_co2e_kg
        Well-to-tank (upstream) part.
    ttw_co2e_kg
        Tank-to-wheel (direct) part.
    """

    co2e_kg: float
    wtt_co2e_kg: float
    ttw_co2e_kg: float


def leg_energy(
    distance_km: float,
    load_kg: float,
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> float:
    """Return the energy used on one leg, in the vehicle class's ``energy_unit``.

    ``distance_km * (empty + (full - empty) * load_kg / capacity_kg)``, times
    ``1 + reefer_uplift_pct / 100`` when ``refrigerated``.

    Parameters
    ----------
    distance_km
        Road distance actually driven, >= 0.
    load_kg
        Mass on board during the leg, 0 <= load_kg <= capacity_kg.
    capacity_kg
        Payload of the actual vehicle; ``None`` takes the class's ``payload_kg``.
    vehicle_class
        A :class:`VehicleClass` or a class id looked up in ``table``.
    refrigerated
        Whether the refrigeration unit runs on this leg.
    table
        Factor table for class ids; ``None`` means the shipped defaults.

    Raises
    ------
    ValueError
        If the distance or load is negative or not finite, the capacity is not > 0,
        or the load exceeds the capacity (it is never clipped).
    """
    vc = _resolve_class(vehicle_class, table)
    energy = _leg_energies([distance_km], [load_kg], capacity_kg, vc, refrigerated)
    return float(energy[0])


def leg_co2e_split(
    distance_km: float,
    load_kg: float,
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> Co2eSplit:
    """Return WTW, WTT and TTW kg CO2e of one leg (arguments as :func:`leg_energy`).

    Raises
    ------
    ValueError
        As :func:`leg_energy`, or if the class's carrier is unknown to ``table``.
    """
    table = table or factors()
    vc = _resolve_class(vehicle_class, table)
    carrier = table.carrier_of(vc)
    energy = leg_energy(
        distance_km, load_kg, capacity_kg, vc, refrigerated=refrigerated
    )
    return Co2eSplit(
        co2e_kg=energy * carrier.wtw_kgco2e_per_unit,
        wtt_co2e_kg=energy * carrier.wtt_kgco2e_per_unit,
        ttw_co2e_kg=energy * carrier.ttw_kgco2e_per_unit,
    )


def leg_co2e_kg(
    distance_km: float,
    load_kg: float,
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> float:
    """Return well-to-wheel kg CO2e of one leg: energy x carrier WTW factor.

    Arguments as :func:`leg_energy`; :func:`leg_co2e_split` also gives WTT and TTW.

    Raises
    ------
    ValueError
        As :func:`leg_co2e_split`.
    """
    return leg_co2e_split(
        distance_km,
        load_kg,
        capacity_kg,
        vehicle_class,
        refrigerated=refrigerated,
        table=table,
    ).co2e_kg


@dataclass(frozen=True, eq=False)
class RouteEmissions:
    """Energy and emissions of one vehicle route, leg by leg.

    Per-leg arrays are read-only and aligned; totals are properties.

    Parameters
    ----------
    vehicle_class
        The class the route was computed with (carries maintenance cost too).
    carrier
        Its energy carrier (carries the factors and the price).
    refrigerated
        Whether the refrigeration uplift was applied.
    capacity_kg
        Payload used for load fractions.
    leg_distance_km, leg_load_kg
        Inputs, one entry per leg.
    leg_energy
        Energy per leg, in ``vehicle_class.energy_unit``.
    leg_co2e_kg, leg_wtt_co2e_kg, leg_ttw_co2e_kg
        WTW, WTT and TTW kg CO2e per leg.
    """

    vehicle_class: VehicleClass
    carrier: EnergyCarrier
    refrigerated: bool
    capacity_kg: float
    leg_distance_km: NDArray[np.float64]
    leg_load_kg: NDArray[np.float64]
    leg_energy: NDArray[np.float64]
    leg_co2e_kg: NDArray[np.float64]
    leg_wtt_co2e_kg: NDArray[np.float64]
    leg_ttw_co2e_kg: NDArray[np.float64]

    def __post_init__(self) -> None:
        lengths = set()
        for name in (
            "leg_distance_km",
            "leg_load_kg",
            "leg_energy",
            "leg_co2e_kg",
            "leg_wtt_co2e_kg",
            "leg_ttw_co2e_kg",
        ):
            array = np.array(getattr(self, name), dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
            lengths.add(array.shape)
        if len(lengths) != 1:
            msg = f"per-leg arrays must have one common shape; got {sorted(lengths)}."
            raise ValueError(msg)

    @property
    def energy_unit(self) -> str:
        """Unit of :attr:`energy` (``L``, ``kWh`` or ``none``)."""
        return self.vehicle_class.energy_unit

    @property
    def distance_km(self) -> float:
        """Total distance driven."""
        return math.fsum(self.leg_distance_km)

    @property
    def energy(self) -> float:
        """Total energy, in :attr:`energy_unit`."""
        return math.fsum(self.leg_energy)

    @property
    def co2e_kg(self) -> float:
        """Total well-to-wheel kg CO2e."""
        return math.fsum(self.leg_co2e_kg)

    @property
    def wtt_co2e_kg(self) -> float:
        """Total well-to-tank kg CO2e."""
        return math.fsum(self.leg_wtt_co2e_kg)

    @property
    def ttw_co2e_kg(self) -> float:
        """Total tank-to-wheel kg CO2e."""
        return math.fsum(self.leg_ttw_co2e_kg)

    @property
    def tonne_km(self) -> float:
        """Transport activity actually carried: sum of load (t) x distance (km)."""
        return math.fsum(self.leg_load_kg * self.leg_distance_km) / 1_000

    @property
    def capacity_tonne_km(self) -> float:
        """Transport capacity offered: capacity (t) x total distance (km)."""
        return self.capacity_kg / 1_000 * self.distance_km

    @property
    def load_factor(self) -> float:
        """Carried t·km / capacity t·km (see :func:`load_factor`)."""
        return load_factor(self.leg_distance_km, self.leg_load_kg, self.capacity_kg)

    @property
    def empty_running_share(self) -> float:
        """Share of km driven empty (see :func:`empty_running_share`)."""
        return empty_running_share(self.leg_distance_km, self.leg_load_kg)

    def summary(self) -> str:
        """Return a one-paragraph human-readable summary."""
        return (
            f"{self.vehicle_class.class_id}"
            f"{' (refrigerated)' if self.refrigerated else ''}: "
            f"{len(self.leg_distance_km)} legs, {self.distance_km:.1f} km, "
            f"{self.energy:.3f} {self.energy_unit}, {self.co2e_kg:.3f} kg CO2e WTW "
            f"(WTT {self.wtt_co2e_kg:.3f} + TTW {self.ttw_co2e_kg:.3f}), "
            f"{self.tonne_km:.2f} t·km, load factor {self.load_factor:.1%}, "
            f"empty running {self.empty_running_share:.1%}"
        )

    def __str__(self) -> str:
        return self.summary()


def route_emissions(
    leg_distances_km: Sequence[float],
    leg_loads_kg: Sequence[float],
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> RouteEmissions:
    """Return energy and WTW/WTT/TTW emissions of a route given leg by leg.

    Parameters
    ----------
    leg_distances_km
        Road distance actually driven on each leg, including empty legs (return to
        depot, positioning): ISO 14083 counts every km of the vehicle operation.
    leg_loads_kg
        Mass on board on each leg (after the pickups and drops at its start).
    capacity_kg, vehicle_class, refrigerated, table
        As :func:`leg_energy`.

    Returns
    -------
    RouteEmissions
        Per-leg arrays and totals.

    Raises
    ------
    ValueError
        If the sequences differ in length, or any leg breaks a :func:`leg_energy` rule
        (the message names the leg index).
    """
    table = table or factors()
    vc = _resolve_class(vehicle_class, table)
    carrier = table.carrier_of(vc)
    capacity = vc.payload_kg if capacity_kg is None else capacity_kg
    energy = _leg_energies(leg_distances_km, leg_loads_kg, capacity, vc, refrigerated)
    return RouteEmissions(
        vehicle_class=vc,
        carrier=carrier,
        refrigerated=refrigerated,
        capacity_kg=float(capacity),
        leg_distance_km=np.asarray(leg_distances_km, dtype=np.float64),
        leg_load_kg=np.asarray(leg_loads_kg, dtype=np.float64),
        leg_energy=energy,
        leg_co2e_kg=energy * carrier.wtw_kgco2e_per_unit,
        leg_wtt_co2e_kg=energy * carrier.wtt_kgco2e_per_unit,
        leg_ttw_co2e_kg=energy * carrier.ttw_kgco2e_per_unit,
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
        Total emissions of the route (any emission quantity works, e.g. WTT only).
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
    for weights in (mass * sfd, mass, np.ones_like(mass)):
        if math.fsum(weights) > 0:
            return weights
    return np.ones_like(mass)  # pragma: no cover - ones always sum > 0


# -- costs -----------------------------------------------------------------------------


def leg_cost_eur(
    distance_km: float,
    load_kg: float,
    capacity_kg: float | None,
    vehicle_class: VehicleClass | str,
    *,
    refrigerated: bool,
    table: FactorTable | None = None,
) -> float:
    """Return the running cost of one leg: energy x price + maintenance x distance.

    Fixed costs per day and the driver's time are not included. Arguments as
    :func:`leg_energy`.

    Raises
    ------
    ValueError
        As :func:`leg_co2e_split`.
    """
    table = table or factors()
    vc = _resolve_class(vehicle_class, table)
    energy = leg_energy(
        distance_km, load_kg, capacity_kg, vc, refrigerated=refrigerated
    )
    price = table.carrier_of(vc).price_eur_per_unit
    return energy * price + vc.maintenance_eur_per_km * distance_km


def route_energy_cost_eur(route: RouteEmissions) -> float:
    """Return the energy cost of a route: total energy x the carrier's price (EUR)."""
    return route.energy * route.carrier.price_eur_per_unit


def route_running_cost_eur(route: RouteEmissions) -> float:
    """Return energy cost + maintenance EUR/km x distance (no fixed or driver cost).

    Equals the sum of :func:`leg_cost_eur` over the route's legs.
    """
    maintenance = route.vehicle_class.maintenance_eur_per_km * route.distance_km
    return route_energy_cost_eur(route) + maintenance


# -- indicators ------------------------------------------------------------------------


def load_factor(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
    capacity_kg: float,
) -> float:
    """Return the load factor: kg·km carried / (capacity_kg x km driven).

    Empty legs count in the denominator, as in GLEC's load factor.

    Returns
    -------
    float
        In [0, 1]; ``nan`` if no distance is driven.

    Raises
    ------
    ValueError
        As :func:`route_emissions`.
    """
    distance, load, _ = _validated_legs(leg_distances_km, leg_loads_kg, capacity_kg)
    driven_km = math.fsum(distance)
    if driven_km == 0:
        return math.nan
    return math.fsum(load * distance) / (capacity_kg * driven_km)


def empty_running_share(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
) -> float:
    """Return the share of km driven with nothing on board.

    A leg is empty when its load is within :data:`LOAD_ATOL_KG` of zero.

    Returns
    -------
    float
        In [0, 1]; ``nan`` if no distance is driven.

    Raises
    ------
    ValueError
        If lengths differ or a value is negative or not finite.
    """
    distance, load, _ = _validated_legs(leg_distances_km, leg_loads_kg, math.inf)
    driven_km = math.fsum(distance)
    if driven_km == 0:
        return math.nan
    return math.fsum(distance[load == 0]) / driven_km


def co2e_g_per_kg_delivered(co2e_kg: float, delivered_kg: float) -> float:
    """Return grams of CO2e per kg of goods delivered (``nan`` if nothing delivered).

    Raises
    ------
    ValueError
        If an argument is negative or not finite.
    """
    return 1_000 * _ratio(co2e_kg, delivered_kg, "co2e_kg")


def cost_eur_per_kg_delivered(cost_eur: float, delivered_kg: float) -> float:
    """Return euros per kg of goods delivered (``nan`` if nothing delivered).

    Raises
    ------
    ValueError
        If an argument is negative or not finite.
    """
    return _ratio(cost_eur, delivered_kg, "cost_eur")


# -- private helpers -------------------------------------------------------------------


def _ratio(numerator: float, delivered_kg: float, name: str) -> float:
    """Divide by the delivered mass, checking both operands once here."""
    for label, value in ((name, numerator), ("delivered_kg", delivered_kg)):
        if not (math.isfinite(value) and value >= 0):
            msg = f"{label} must be finite and >= 0; got {value!r}."
            raise ValueError(msg)
    return math.nan if delivered_kg == 0 else numerator / delivered_kg


def _resolve_class(
    vehicle_class: VehicleClass | str, table: FactorTable | None
) -> VehicleClass:
    """Accept a class object as is, or look a class id up in ``table`` (or defaults)."""
    if isinstance(vehicle_class, VehicleClass):
        return vehicle_class
    return (table or factors()).vehicle_class(vehicle_class)


def _leg_energies(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
    capacity_kg: float | None,
    vc: VehicleClass,
    refrigerated: bool,
) -> NDArray[np.float64]:
    """Apply the linear-in-load energy model to every leg at once.

    This is the only place the formula lives; scalar functions call it with one leg.
    """
    capacity = vc.payload_kg if capacity_kg is None else capacity_kg
    distance, _, rho = _validated_legs(leg_distances_km, leg_loads_kg, capacity)
    per_km = (
        vc.energy_empty_per_km + (vc.energy_full_per_km - vc.energy_empty_per_km) * rho
    )
    uplift = 1 + vc.reefer_uplift_pct / 100 if refrigerated else 1.0
    return distance * per_km * uplift


def _validated_legs(
    leg_distances_km: Sequence[float] | NDArray[np.float64],
    leg_loads_kg: Sequence[float] | NDArray[np.float64],
    capacity_kg: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Check legs once and return (distance, load snapped to 0/capacity, load fraction).

    Snapping within :data:`LOAD_ATOL_KG` removes float noise from summed order masses;
    a real overload raises instead of being clipped.
    """
    if not (capacity_kg > 0 and not math.isnan(capacity_kg)):
        msg = f"capacity_kg must be > 0; got {capacity_kg!r}."
        raise ValueError(msg)
    distance = _non_negative_array(leg_distances_km, "leg distance_km")
    load = np.asarray(leg_loads_kg, dtype=np.float64).reshape(-1)
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
    return distance, load, load / capacity_kg


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


def _non_negative_problems(record: object, names: Sequence[str]) -> list[str]:
    """List the numeric fields of a factor record that are negative or not finite."""
    problems = []
    for name in names:
        value = getattr(record, name)
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            problems.append(f"{name} must be a finite number >= 0; got {value!r}")
    return problems


def _raise_if(problems: list[str], what: str) -> None:
    """Raise one ValueError naming ``what`` and every problem, if there are any."""
    if problems:
        msg = f"{what}: " + "; ".join(problems) + "."
        raise ValueError(msg)


def _fmt(value: float | int | None) -> str:
    """Format a number for the Markdown tables (shortest exact form, blank for None)."""
    return "" if value is None else f"{value:g}"


def _carrier_markdown(carriers: Iterable[EnergyCarrier]) -> list[str]:
    """Return the Markdown table of energy carriers (numbers only)."""
    lines = [
        "| carrier | unit | WTW kg CO2e/unit | WTT | TTW | price EUR/unit | year |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{c.carrier}` | {c.unit} | {_fmt(c.wtw_kgco2e_per_unit)} "
        f"| {_fmt(c.wtt_kgco2e_per_unit)} | {_fmt(c.ttw_kgco2e_per_unit)} "
        f"| {_fmt(c.price_eur_per_unit)} | {_fmt(c.year)} |"
        for c in carriers
    ]
    return lines


def _vehicle_markdown(classes: Iterable[VehicleClass]) -> list[str]:
    """Return the Markdown table of vehicle classes (numbers only)."""
    lines = [
        "| class_id | carrier | payload kg | crates | empty /km | full /km | unit "
        "| full/empty | reefer % | maint. EUR/km | fixed EUR/day | year |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{v.class_id}` | {v.carrier} | {_fmt(v.payload_kg)} | {v.crates} "
        f"| {_fmt(v.energy_empty_per_km)} | {_fmt(v.energy_full_per_km)} "
        f"| {v.energy_unit} | {v.full_to_empty_ratio:.3f} "
        f"| {_fmt(v.reefer_uplift_pct)} | {_fmt(v.maintenance_eur_per_km)} "
        f"| {_fmt(v.fixed_eur_per_day)} | {_fmt(v.year)} |"
        for v in classes
    ]
    return lines


# -- CSV loading and overrides ---------------------------------------------------------


@functools.cache
def _default_table() -> FactorTable:
    """Read the shipped CSVs once; the table is immutable, so sharing it is safe."""
    classes = [_record(VehicleClass, row) for row in _read_csv(_VEHICLE_CSV)]
    carriers = [_record(EnergyCarrier, row) for row in _read_csv(_CARRIER_CSV)]
    return FactorTable(
        vehicle_classes={vc.class_id: vc for vc in classes},
        carriers={c.carrier: c for c in carriers},
    )


def _read_csv(name: str) -> list[dict[str, str]]:
    """Read a CSV shipped in ``logistics/data`` as package data.

    ``joinpath`` is chained one segment at a time because namespace-package readers
    accept a single segment.
    """
    path = resources.files("logistics").joinpath("data").joinpath(name)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


_R = TypeVar("_R", VehicleClass, EnergyCarrier)


def _record(cls: type[_R], row: Mapping[str, Any]) -> _R:
    """Build a factor record from CSV strings or override values, converting types."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in row:
            kwargs[f.name] = _convert(f.name, f.type, row[f.name])
    return cls(**kwargs)


def _convert(name: str, annotation: object, value: Any) -> Any:
    """Convert one field value to the type its annotation names.

    Annotations are strings under ``from __future__ import annotations``; the records
    only use ``str``, ``float``, ``int`` and ``int | None``.
    """
    if annotation == "str":
        return str(value)
    if isinstance(value, bool):
        msg = f"{name} must be a number; got {value!r}"
        raise ValueError(msg)
    if annotation == "int | None" and (value is None or value == ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        msg = f"{name} must be a number; got {value!r}"
        raise ValueError(msg) from None
    if annotation in ("int", "int | None"):
        if not number.is_integer():
            msg = f"{name} must be a whole number; got {value!r}"
            raise ValueError(msg)
        return int(number)
    return number


def _override_records(
    base: Mapping[str, _R],
    section: Any,
    section_name: str,
    problems: list[str],
) -> dict[str, _R]:
    """Return ``base`` with one section of overrides applied; collect problems."""
    records = dict(base)
    if not isinstance(section, Mapping):
        problems.append(f"factors.{section_name}: must be a mapping; got {section!r}")
        return records
    for record_id, fields in section.items():
        path = f"factors.{section_name}.{record_id}"
        if record_id not in base:
            problems.append(f"{path}: unknown key; known: {sorted(base)}")
            continue
        if not isinstance(fields, Mapping):
            problems.append(f"{path}: must be a mapping of fields; got {fields!r}")
            continue
        try:
            records[record_id] = _override_one(base[record_id], fields, path)
        except ValueError as exc:
            problems.append(str(exc))
    return records


def _override_one(record: _R, fields: Mapping[str, Any], path: str) -> _R:
    """Return ``record`` with ``fields`` replaced, after checking their names."""
    id_field = "class_id" if isinstance(record, VehicleClass) else "carrier"
    allowed = {f.name for f in dataclasses.fields(record)} - {id_field}
    unknown = sorted(str(k) for k in fields if k not in allowed)
    if unknown:
        msg = f"{path}: unknown key(s) {unknown}; allowed: {sorted(allowed)}"
        raise ValueError(msg)
    row = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    try:
        types = {f.name: f.type for f in dataclasses.fields(record)}
        row.update({k: _convert(k, types[k], v) for k, v in fields.items()})
        if isinstance(record, EnergyCarrier):
            _reconcile_split(row, set(fields))
        if "source" not in fields:
            # The shipped source no longer backs the new values: say so in the record.
            changed = ", ".join(f"{k}={v!r}" for k, v in fields.items())
            row["note"] = f"{row['note']} Scenario override: {changed}.".strip()
        return type(record)(**row)
    except ValueError as exc:
        msg = f"{path}: {exc}"
        raise ValueError(msg) from None


def _reconcile_split(row: dict[str, Any], given: set[str]) -> None:
    """Keep WTW = WTT + TTW when an override sets only some of the three factors.

    Combustion (TTW) is a property of the fuel's carbon content, so a new WTW alone
    moves the difference to the upstream (WTT) part.
    """
    wtw, wtt, ttw = _SPLIT_FIELDS
    named = given & set(_SPLIT_FIELDS)
    if named in ({wtw}, {wtw, ttw}):
        row[wtt] = row[wtw] - row[ttw]
    elif named == {wtw, wtt}:
        row[ttw] = row[wtw] - row[wtt]
    elif named and wtw not in named:
        row[wtw] = row[wtt] + row[ttw]
