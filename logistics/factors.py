"""The cost model: emission and cost factors, and per-km rates of a vehicle type.

This module sits below everything that prices a route: the routing problem's
objective (:mod:`logistics.context`) and the accounts of a plan
(:mod:`logistics.accounting`, :mod:`logistics.emissions`) read the same table and the
same energy formula from here, so the solver optimises what the report counts.

- :class:`VehicleClass` and :class:`EnergyCarrier` are the rows of the factor tables
  shipped in ``logistics/data`` (``vehicle_classes.csv``, ``energy_carriers.csv``),
  validated by pydantic; a scenario may override any field (:func:`factors`).
- Energy per km is linear in the load fraction (DEFRA laden factors are exact linear
  interpolations), times ``1 + reefer_uplift_pct / 100`` when refrigerated
  (:meth:`VehicleClass.energy_per_km`, the only place the formula lives).
- :func:`vehicle_rates` gives a vehicle type's fixed, per-km, per-hour and CO2e-per-km
  rates, and :func:`objective_coefficients` turns them into the solver's integers.

The method, its sources and a worked example are in ``docs/emissions.md``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .constants import COST_SCALE
from .country import DEFAULT_COUNTRY, country_profile
from .exceptions import ScenarioError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .scenario import VehicleType

__all__ = [
    "FLAT_CO2E_KG_PER_KM",
    "FLAT_COST_PER_KM_EUR",
    "HUB_CATEGORIES",
    "EnergyCarrier",
    "FactorTable",
    "OutsourcingTariff",
    "VehicleClass",
    "VehicleRates",
    "factors",
    "hub_operation_factors",
    "objective_coefficients",
    "outsourcing_tariff",
    "vehicle_rates",
]

FLAT_COST_PER_KM_EUR = 0.40
"""Default running cost without an emission class (EUR per km).

Small van fuel + wear (domain.md §6).
"""

FLAT_CO2E_KG_PER_KM = 0.25
"""Default WTW factor without an emission class (kg CO2e per km).

DEFRA 2024 average diesel van (§2.4).
"""

OBJECTIVE_LOAD_SHARE = 0.5
"""Load share at which the objective prices a km (the load of each leg is unknown
while routing; the accounts then use the load actually on board)."""

_VEHICLE_CSV = "vehicle_classes.csv"
_CARRIER_CSV = "energy_carriers.csv"
_OUTSOURCING_CSV = "outsourcing.csv"
_SPLIT_FIELDS = ("wtw_kgco2e_per_unit", "wtt_kgco2e_per_unit", "ttw_kgco2e_per_unit")


def _number(value: Any) -> Any:
    """Refuse booleans (pydantic would read True as 1) and read CSV blanks as None."""
    if isinstance(value, bool):
        msg = f"must be a number; got {value!r}"
        raise ValueError(msg)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _whole(value: Any) -> Any:
    """Accept ``"6"`` and ``6.0`` for an integer field, as CSV cells and YAML give."""
    value = _number(value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


MAX_AMOUNT = 1_000_000.0
"""Upper bound of every factor (prices, energy per km, kg CO2e per unit, payloads):
far above any real value, low enough to keep the solver's integer costs finite."""

Amount = Annotated[
    float,
    BeforeValidator(_number),
    Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False),
]
Count = Annotated[int, BeforeValidator(_whole), Field(ge=0)]
Year = Annotated[int | None, BeforeValidator(_whole)]
EnergyUnit = Literal["L", "kWh", "none"]
_ROW = ConfigDict(extra="forbid", frozen=True)


class _FactorRow(BaseModel):
    """Provenance every factor row carries: documents cited, year of the main
    source (``None`` if undated), ``yes: ...``/``no`` naming the assumed values, and
    free remarks."""

    model_config = _ROW
    source: str = Field(min_length=1, pattern=r"\S")
    year: Year = None
    assumption: str
    note: str = ""


class VehicleClass(_FactorRow):
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

    class_id: str = Field(min_length=1)
    label: str
    carrier: str
    payload_kg: Amount = Field(gt=0)
    crates: Count
    energy_empty_per_km: Amount
    energy_full_per_km: Amount
    energy_unit: EnergyUnit
    reefer_uplift_pct: Amount
    maintenance_eur_per_km: Amount
    fixed_eur_per_day: Amount

    @model_validator(mode="after")
    def _consistent(self) -> VehicleClass:
        if self.energy_full_per_km < self.energy_empty_per_km:
            msg = (
                f"energy_full_per_km ({self.energy_full_per_km!r}) must be >= "
                f"energy_empty_per_km ({self.energy_empty_per_km!r})"
            )
            raise ValueError(msg)
        if self.energy_unit == "none" and self.energy_full_per_km > 0:
            msg = "energy_unit 'none' requires zero energy per km"
            raise ValueError(msg)
        return self

    @property
    def full_to_empty_ratio(self) -> float:
        """Return ``energy_full_per_km / energy_empty_per_km`` (1.0 if no energy)."""
        if self.energy_empty_per_km == 0:
            return 1.0
        return self.energy_full_per_km / self.energy_empty_per_km

    def energy_per_km(
        self, load_fraction: NDArray[np.float64] | float, *, refrigerated: bool
    ) -> NDArray[np.float64]:
        """Return the energy per km at a load fraction (0 empty, 1 full).

        ``empty + (full - empty) x fraction``, times ``1 + reefer_uplift_pct / 100``
        when ``refrigerated``: the only place the load model is written.
        """
        rho = np.asarray(load_fraction, dtype=np.float64)
        per_km = (
            self.energy_empty_per_km
            + (self.energy_full_per_km - self.energy_empty_per_km) * rho
        )
        uplift = 1 + self.reefer_uplift_pct / 100 if refrigerated else 1.0
        return np.asarray(per_km * uplift, dtype=np.float64)


class EnergyCarrier(_FactorRow):
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

    carrier: str = Field(min_length=1)
    unit: EnergyUnit
    wtw_kgco2e_per_unit: Amount
    ttw_kgco2e_per_unit: Amount
    wtt_kgco2e_per_unit: Amount
    price_eur_per_unit: Amount

    @model_validator(mode="after")
    def _split_adds_up(self) -> EnergyCarrier:
        split = self.wtt_kgco2e_per_unit + self.ttw_kgco2e_per_unit
        # 1e-6 kg/unit absorbs the rounding of factors written with 2-3 decimals.
        if not math.isclose(self.wtw_kgco2e_per_unit, split, abs_tol=1e-6):
            msg = (
                f"wtw_kgco2e_per_unit ({self.wtw_kgco2e_per_unit!r}) must equal "
                f"wtt + ttw ({split!r})"
            )
            raise ValueError(msg)
        return self


class OutsourcingTariff(_FactorRow):
    """One row of ``outsourcing.csv``: what a carrier charges for an order.

    Prices the orders a coalition of producers cannot serve itself (a fair split
    needs a cost in euros for them, never the solver's penalty).

    Parameters
    ----------
    tariff
        Identifier (``carrier``).
    per_order_eur
        Price per order delivered.
    per_kg_eur
        Price per kg delivered.
    co2e_kg_per_tonne_km
        Carrier's well-to-wheel kg CO2e per tonne-km of the order's shortest road
        distance from farm to delivery point.
    source, year, assumption, note
        Provenance, as for :class:`VehicleClass`.
    """

    tariff: str = Field(min_length=1)
    per_order_eur: Amount
    per_kg_eur: Amount
    co2e_kg_per_tonne_km: Amount

    def cost_eur(self, kg: float) -> float:
        """Price of outsourcing one order of ``kg``."""
        return self.per_order_eur + self.per_kg_eur * kg

    def co2e_kg(self, kg: float, sfd_km: float) -> float:
        """CO2e of outsourcing one order of ``kg`` over ``sfd_km`` of road."""
        return self.co2e_kg_per_tonne_km * kg / 1000 * sfd_km


@dataclass(frozen=True)
class FactorTable:
    """All vehicle classes and energy carriers in force for one scenario.

    Build it with :func:`factors`. Both mappings are read-only.

    Raises
    ------
    ValueError
        If a key differs from its record's id, or a vehicle class names an unknown
        carrier or a unit other than its carrier's.
    """

    vehicle_classes: Mapping[str, VehicleClass]
    carriers: Mapping[str, EnergyCarrier]
    country: str = DEFAULT_COUNTRY
    """Code of the country cost profile applied (:mod:`logistics.country`)."""
    currency: str = "EUR"
    """Currency of every amount of money (prices, costs)."""
    driver_eur_per_h: float = 13.5
    """Driver cost per hour of vehicle types that give none (the profile's)."""

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
        if problems:
            msg = "factor table: " + "; ".join(problems) + "."
            raise ValueError(msg)

    def __reduce__(
        self,
    ) -> tuple[
        type[FactorTable],
        tuple[dict[str, VehicleClass], dict[str, EnergyCarrier], str, str, float],
    ]:
        # Read-only mapping proxies cannot be pickled; rebuild them on unpickling so
        # the table travels to worker processes.
        return (
            FactorTable,
            (
                dict(self.vehicle_classes),
                dict(self.carriers),
                self.country,
                self.currency,
                self.driver_eur_per_h,
            ),
        )

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
        vc = self.resolve(vehicle_class)
        try:
            return self.carriers[vc.carrier]
        except KeyError:
            msg = f"carrier must be one of {sorted(self.carriers)}; got {vc.carrier!r}."
            raise ValueError(msg) from None

    def resolve(self, vehicle_class: VehicleClass | str) -> VehicleClass:
        """Accept a class object as is, or look a class id up in this table."""
        if isinstance(vehicle_class, VehicleClass):
            return vehicle_class
        return self.vehicle_class(vehicle_class)

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


def factors(
    overrides: Mapping[str, Any] | None = None, *, country: str = DEFAULT_COUNTRY
) -> FactorTable:
    """Return the shipped factor table, with a country profile and overrides applied.

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
        Overrides win over the country profile.
    country
        Code of the cost profile (:func:`logistics.country.country_profile`) whose
        energy prices, driver wage and currency apply; France by default.

    Returns
    -------
    FactorTable
        The shipped table itself (cached) for France without overrides, else a new
        one.

    Raises
    ------
    ScenarioError
        A ``ValueError`` listing every unknown key (section, class, carrier or field)
        and every value that breaks a rule, each named by its path.
    """
    try:
        base = _profiled_table(country)
    except ValueError as exc:
        raise ScenarioError([f"costs.country: {exc}"]) from None
    if not overrides:
        return base
    problems: list[str] = [
        f"factors.{key}: unknown key; expected 'vehicle_classes' or 'carriers'"
        for key in overrides
        if key not in ("vehicle_classes", "carriers")
    ]
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
            return FactorTable(
                vehicle_classes=classes,
                carriers=carriers,
                country=base.country,
                currency=base.currency,
                driver_eur_per_h=base.driver_eur_per_h,
            )
        except ValueError as exc:
            problems.append(f"factors: {exc}")
    raise ScenarioError(problems)


# -- rates of a vehicle type -----------------------------------------------------------


@dataclass(frozen=True)
class VehicleRates:
    """What one vehicle type costs and emits, as the routing objective prices it.

    Parameters
    ----------
    fixed_eur
        Cost of a day of use.
    running_eur_per_km
        Energy (at :data:`OBJECTIVE_LOAD_SHARE` of capacity) x price + maintenance, or
        the type's own ``cost_per_km_eur``.
    driver_eur_per_h
        Value of an hour of the driver's paid time.
    co2e_kg_per_km
        Well-to-wheel kg CO2e per km at the same load share.
    """

    fixed_eur: float
    running_eur_per_km: float
    driver_eur_per_h: float
    co2e_kg_per_km: float


def vehicle_rates(vt: VehicleType, table: FactorTable) -> VehicleRates:
    """Return the rates of vehicle type ``vt`` under ``table``.

    The type's own ``cost_per_km_eur`` wins; else, with an emission class, energy at
    half load x price + maintenance; else the flat default. CO2e likewise: the class's
    energy x WTW factor, else the type's ``co2e_kg_per_km``, else the flat default.
    """
    if vt.emission_class is None:
        running = (
            vt.cost_per_km_eur
            if vt.cost_per_km_eur is not None
            else FLAT_COST_PER_KM_EUR
        )
        co2e = (
            vt.co2e_kg_per_km if vt.co2e_kg_per_km is not None else FLAT_CO2E_KG_PER_KM
        )
    else:
        vc = table.vehicle_class(vt.emission_class)
        carrier = table.carrier_of(vc)
        energy = float(
            vc.energy_per_km(OBJECTIVE_LOAD_SHARE, refrigerated=vt.refrigerated)
        )
        running = (
            vt.cost_per_km_eur
            if vt.cost_per_km_eur is not None
            else energy * carrier.price_eur_per_unit + vc.maintenance_eur_per_km
        )
        co2e = energy * carrier.wtw_kgco2e_per_unit
    driver = (
        vt.driver_cost_per_h_eur
        if vt.driver_cost_per_h_eur is not None
        else table.driver_eur_per_h
    )
    return VehicleRates(vt.fixed_cost_eur, running, driver, co2e)


Objective = Literal["cost", "distance", "time", "cost_carbon"]


def objective_coefficients(
    rates: VehicleRates, objective: Objective, carbon_price_eur_per_t: float = 0.0
) -> tuple[int, int, int]:
    """Integer (fixed, per metre, per second) coefficients of the routing objective.

    ``cost``: fixed + running cost per km + driver time, in micro-euros;
    ``cost_carbon``: the same plus the carbon price x kg CO2e per km; ``distance`` and
    ``time``: metres or seconds only.
    """
    if objective == "distance":
        return 0, 1, 0
    if objective == "time":
        return 0, 0, 1
    per_km = rates.running_eur_per_km
    if objective == "cost_carbon":
        per_km += rates.co2e_kg_per_km * carbon_price_eur_per_t / 1000.0
    return (
        round(rates.fixed_eur * COST_SCALE),
        round(per_km * COST_SCALE / 1000.0),
        round(rates.driver_eur_per_h * COST_SCALE / 3600.0),
    )


# -- Markdown --------------------------------------------------------------------------


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

_R = TypeVar("_R", VehicleClass, EnergyCarrier)


@functools.cache
def _default_table() -> FactorTable:
    """Read the shipped CSVs once; the table is immutable, so sharing it is safe."""
    classes = [VehicleClass.model_validate(row) for row in _read_csv(_VEHICLE_CSV)]
    carriers = [EnergyCarrier.model_validate(row) for row in _read_csv(_CARRIER_CSV)]
    return FactorTable(
        vehicle_classes={vc.class_id: vc for vc in classes},
        carriers={c.carrier: c for c in carriers},
    )


@functools.cache
def _profiled_table(country: str) -> FactorTable:
    """The shipped table with a country profile's prices, wage and currency.

    The French profile holds the shipped table's own prices (checked by the tests),
    so for France this is the shipped table itself.
    """
    base = _default_table()
    profile = country_profile(country)
    if country == DEFAULT_COUNTRY:
        return base
    carriers = dict(base.carriers)
    for carrier_id, price in profile.carrier_prices().items():
        record = carriers[carrier_id]
        note = (
            f"{record.note} Price {price:g} {profile.currency}/{record.unit} from "
            f"the {profile.name} cost profile ({profile.source})."
        ).strip()
        carriers[carrier_id] = record.model_copy(
            update={"price_eur_per_unit": price, "note": note}
        )
    return FactorTable(
        vehicle_classes=base.vehicle_classes,
        carriers=carriers,
        country=profile.country,
        currency=profile.currency,
        driver_eur_per_h=profile.driver_per_h,
    )


def outsourcing_tariff(tariff: str = "carrier") -> OutsourcingTariff:
    """Return the outsourcing tariff ``tariff`` shipped in ``outsourcing.csv``.

    Raises
    ------
    UnknownIdError
        When no row has that name.
    """
    from .exceptions import UnknownIdError

    rows = {
        r["tariff"]: OutsourcingTariff.model_validate(r)
        for r in _read_csv(_OUTSOURCING_CSV)
    }
    try:
        return rows[tariff]
    except KeyError:
        msg = f"unknown outsourcing tariff {tariff!r}; choose from {sorted(rows)}"
        raise UnknownIdError(msg) from None


def _read_csv(name: str) -> list[dict[str, str]]:
    """Read a CSV shipped in ``logistics/data`` as package data.

    ``joinpath`` is chained one segment at a time because namespace-package readers
    accept a single segment.
    """
    path = resources.files("logistics").joinpath("data").joinpath(name)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


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
    """Return ``record`` with ``fields`` replaced, validated by its pydantic model."""
    id_field = "class_id" if isinstance(record, VehicleClass) else "carrier"
    allowed = set(type(record).model_fields) - {id_field}
    unknown = sorted(str(k) for k in fields if k not in allowed)
    if unknown:
        msg = f"{path}: unknown key(s) {unknown}; allowed: {sorted(allowed)}"
        raise ValueError(msg)
    row = record.model_dump()
    row.update(fields)
    if isinstance(record, EnergyCarrier):
        _reconcile_split(row, set(fields))
    if "source" not in fields:
        # The shipped source no longer backs the new values: say so in the record.
        changed = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        row["note"] = f"{row['note']} Scenario override: {changed}.".strip()
    try:
        return type(record).model_validate(row)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'record'}: "
            f"{e['msg'].removeprefix('Value error, ')} (got {e['input']!r})"
            for e in exc.errors()
        )
        msg = f"{path}: {reasons}"
        raise ValueError(msg) from None


def _reconcile_split(row: dict[str, Any], given: set[str]) -> None:
    """Keep WTW = WTT + TTW when an override sets only some of the three factors.

    Combustion (TTW) is a property of the fuel's carbon content, so a new WTW alone
    moves the difference to the upstream (WTT) part. Values that are not numbers are
    left for the model to reject.
    """
    wtw, wtt, ttw = _SPLIT_FIELDS
    named = given & set(_SPLIT_FIELDS)
    try:
        values = {k: float(row[k]) for k in _SPLIT_FIELDS}
    except (TypeError, ValueError):
        return
    if named in ({wtw}, {wtw, ttw}):
        row[wtt] = values[wtw] - values[ttw]
    elif named == {wtw, wtt}:
        row[ttw] = values[wtw] - values[wtt]
    elif named and wtw not in named:
        row[wtw] = values[wtt] + values[ttw]


# -- hub operations --------------------------------------------------------------------

_HUB_CSV = "hub_operations.csv"

HUB_CATEGORIES = (
    "transhipment_ambient",
    "transhipment_mixed",
    "storage_transhipment_mixed",
)
"""Hub operation categories of ``hub_operations.csv`` (ISO 14083 hub activity)."""


@functools.cache
def hub_operation_factors() -> Mapping[str, float]:
    """Return kg CO2e per tonne handled by hub operation category.

    From ``logistics/data/hub_operations.csv`` (GLEC Framework v3 default
    intensities, with their provenance): ``transhipment_ambient`` for ambient goods,
    ``transhipment_mixed`` for chilled goods cross-docked without a cold room,
    ``storage_transhipment_mixed`` for chilled goods kept in the cold room.
    """
    rows = {row["category"]: float(row["co2e_kg_per_t"]) for row in _read_csv(_HUB_CSV)}
    missing = [c for c in HUB_CATEGORIES if c not in rows]
    if missing:
        msg = f"{_HUB_CSV} lacks hub operation categories {missing}"
        raise ValueError(msg)
    return MappingProxyType(rows)
