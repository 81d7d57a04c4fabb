"""Scenario files: the validated boundary of the pipeline.

A scenario describes a producer collective's delivery day: producers (farms) with
their own vehicles, delivery points with time windows, orders, vehicle types, the pooled
fleet, the road-network source and solver settings. It is read from YAML (bulk tables
may be CSV files that the YAML names) and validated with pydantic; every problem found
is reported at once, each naming the file, the field path, the value and the rule.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from .constants import SECONDS_PER_HOUR
from .exceptions import ScenarioError, UnknownIdError

__all__ = [
    "AccessRule",
    "Circle",
    "DeliveryPoint",
    "Hub",
    "NetworkSettings",
    "Order",
    "PooledFleet",
    "PooledVehicles",
    "Producer",
    "Scenario",
    "SolverSettings",
    "TimeWindow",
    "VehicleType",
    "load_scenario",
    "scenario_json_schema",
]

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_time_of_day(value: Any) -> Any:
    """Turn ``"HH:MM"`` / ``"HH:MM:SS"`` into seconds after midnight.

    Integers are taken as seconds already; anything else is left for pydantic to reject.
    Hours up to 48 are accepted so a window may run past midnight.
    """
    if isinstance(value, str):
        match = _TIME_RE.match(value)
        if match is None:
            msg = f"time must look like 'HH:MM' or 'HH:MM:SS'; got {value!r}"
            raise ValueError(msg)
        hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        if minutes >= 60 or seconds >= 60:
            msg = f"minutes and seconds must be below 60; got {value!r}"
            raise ValueError(msg)
        return hours * SECONDS_PER_HOUR + minutes * 60 + seconds
    return value


def format_time_of_day(seconds: float) -> str:
    """Format seconds after midnight as ``HH:MM``."""
    total_min = round(seconds / 60)
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


TimeOfDay = Annotated[
    int, BeforeValidator(parse_time_of_day), Field(ge=0, le=48 * 3600)
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Identifier = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


def _refuse_renamed(data: Any, old: str, new: str) -> Any:
    """Refuse a field whose meaning changed, naming what replaces it."""
    if isinstance(data, dict) and old in data:
        msg = (
            f"{old} was replaced by {new}: service time is now a fixed part per stop "
            "plus a part per order (see scenarios/README.md)"
        )
        raise ValueError(msg)
    return data


def _window_from_pair(value: Any) -> Any:
    """Accept ``["07:00", "10:00"]`` and ``"07:00-10:00"`` as well as a mapping."""
    if isinstance(value, str) and "-" in value:
        value = value.split("-", 1)
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"start": value[0], "end": value[1]}
    return value


class TimeWindow(BaseModel):
    """A time window ``[start, end]`` in seconds after midnight."""

    model_config = _FROZEN
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ends_after_start(self) -> TimeWindow:
        if self.end <= self.start:
            msg = (
                f"window ends ({format_time_of_day(self.end)}) before or when it "
                f"starts ({format_time_of_day(self.start)}); end must be after start"
            )
            raise ValueError(msg)
        return self


Window = Annotated[TimeWindow, BeforeValidator(_window_from_pair)]
FULL_DAY = TimeWindow(start=0, end=24 * SECONDS_PER_HOUR)


class VehicleType(BaseModel):
    """A kind of vehicle: capacity, refrigeration, costs and emissions."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    capacity_kg: float = Field(gt=0, description="Payload in kilograms.")
    capacity_crates: int = Field(
        default=1_000_000, ge=0, description="Crates (e.g. 60x40 cm) that fit."
    )
    refrigerated: bool = False
    fixed_cost_eur: float = Field(
        default=0.0, ge=0, description="Cost per day the vehicle is used."
    )
    cost_per_km_eur: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Running cost per km (energy + wear). Default: from the emission class's "
            "energy use and prices (docs/emissions.md), else 0.40."
        ),
    )
    driver_cost_per_h_eur: float = Field(
        default=13.5, ge=0, description="Value of the driver's time per hour (12-15)."
    )
    paid_time: Literal["trips", "shift"] = Field(
        default="trips",
        description=(
            "'trips': the driver's time is paid while out (travel, stops, waiting "
            "at customers), not while parked at the base between trips (a farmer "
            "works on the farm meanwhile); 'shift': a hired driver paid from the "
            "first departure to the last return."
        ),
    )
    co2e_kg_per_km: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Flat well-to-wheel kg CO2e per km, used only without an emission class "
            "(default 0.25, DEFRA average diesel van)."
        ),
    )
    emission_class: str | None = Field(
        default=None,
        description=(
            "Vehicle class of the emission factor table (see docs/emissions.md)."
        ),
    )
    gross_weight_kg: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Gross vehicle weight (PTAC), for access rules with a maximum weight."
        ),
    )


_TRIPS_HELP = (
    "How many times a day the vehicle may leave its base: it comes back between "
    "trips (time parked there is not paid unless its type pays the whole shift)."
)
_SHIFT_HELP = "When the vehicle may be out: it leaves its base and is back within it."


class FleetEntry(BaseModel):
    """``count`` vehicles of one type."""

    model_config = _FROZEN
    type: Identifier
    count: int = Field(default=1, ge=1)
    max_trips: int = Field(default=2, ge=1, le=10, description=_TRIPS_HELP)
    shift: Window | None = Field(
        default=None, description=_SHIFT_HELP + " Default: the producer's shift."
    )


class Producer(BaseModel):
    """A farm: where its orders are collected and where its own vehicles are based."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    lat: Latitude
    lon: Longitude
    available: Window = Field(
        default=FULL_DAY, description="When goods can be collected at the farm."
    )
    loading_stop_min: float = Field(
        default=5.0,
        ge=0,
        le=240,
        description=(
            "Fixed part of a stop at the farm (parking, paperwork), paid once per stop "
            "whatever the number of orders loaded; 5 min [A], as for deliveries."
        ),
    )
    loading_per_order_min: float = Field(
        default=0.0, ge=0, le=240, description="Loading time per order collected."
    )
    loading_per_crate_min: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="Loading time per crate (domain.md §5.3: + 1 min per crate).",
    )
    vehicles: list[FleetEntry] = Field(default_factory=list)
    shift: Window | None = Field(
        default=None,
        description=_SHIFT_HELP + " For the farm's own vehicles; default: all day.",
    )
    max_working_h: float | None = Field(
        default=None,
        gt=0,
        le=24,
        description=(
            "Paid working hours of each of the farm's vehicles in a day (all trips); "
            "default: the scenario's max_route_duration_h."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_fields(cls, data: Any) -> Any:
        return _refuse_renamed(
            data,
            "loading_min",
            "loading_stop_min (per stop) + loading_per_order_min + "
            "loading_per_crate_min (per order)",
        )


DeliveryKind = Literal["shop", "restaurant", "canteen", "market", "drop_point"]


class DeliveryPoint(BaseModel):
    """A customer site: shop, restaurant, canteen, market or drop point."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    kind: DeliveryKind
    lat: Latitude
    lon: Longitude
    time_windows: list[Window] = Field(min_length=1)
    stop_min: float = Field(
        default=5.0,
        ge=0,
        le=240,
        description=(
            "Fixed part of a stop (parking, paperwork), paid once per stop whatever "
            "the number of orders unloaded (domain.md §5.3: 5-15 min per stop)."
        ),
    )
    per_order_min: float = Field(
        default=0.0, ge=0, le=240, description="Unloading time per order delivered."
    )
    per_crate_min: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="Unloading time per crate (domain.md §5.3: + 1 min per crate).",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_fields(cls, data: Any) -> Any:
        return _refuse_renamed(
            data,
            "service_min",
            "stop_min (per stop) + per_order_min + per_crate_min (per order)",
        )

    @model_validator(mode="after")
    def _windows_disjoint(self) -> DeliveryPoint:
        ordered = sorted(self.time_windows, key=lambda w: w.start)
        for earlier, later in pairwise(ordered):
            if later.start < earlier.end:
                msg = (
                    "time windows overlap "
                    f"({format_time_of_day(earlier.start)}-{format_time_of_day(earlier.end)}"
                    f" and {format_time_of_day(later.start)}-"
                    f"{format_time_of_day(later.end)}); they must be disjoint"
                )
                raise ValueError(msg)
        return self


class Order(BaseModel):
    """One producer's goods for one delivery point."""

    model_config = _FROZEN
    id: Identifier
    producer: Identifier
    delivery_point: Identifier
    kg: float = Field(gt=0)
    crates: int = Field(default=0, ge=0)
    temperature: Literal["ambient", "chilled"] = "ambient"


class Hub(BaseModel):
    """A shared platform: a base for pooled vehicles and, with ``vehicles``, the
    platform of the ``hub`` strategy (producers' goods are brought there, handled,
    then delivered by the hub's own vans)."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    lat: Latitude
    lon: Longitude
    opening: Window = Field(
        default=FULL_DAY,
        description=(
            "When goods may be dropped at and loaded out of the hub (hub strategy)."
        ),
    )
    first_leg: Literal["own", "collection"] = Field(
        default="own",
        description=(
            "How goods reach the hub: 'own' - each producer's own vehicles bring "
            "its goods; 'collection' - the hub's collection_vehicles collect at "
            "the farms."
        ),
    )
    vehicles: list[FleetEntry] = Field(
        default_factory=list,
        description=(
            "Shared vans based at the hub that deliver from it (second leg); "
            "default shift: the hub's opening hours."
        ),
    )
    collection_vehicles: list[FleetEntry] = Field(
        default_factory=list,
        description="Shared vans based at the hub that collect at farms (first leg).",
    )
    stop_min: float = Field(
        default=5.0,
        ge=0,
        le=240,
        description="Fixed part of a stop at the hub's dock (parking, paperwork).",
    )
    per_order_min: float = Field(
        default=0.0, ge=0, le=240, description="Dock time per order unloaded/loaded."
    )
    per_crate_min: float = Field(
        default=1.0, ge=0, le=60, description="Dock time per crate unloaded/loaded."
    )
    handling_per_order_min: float = Field(
        default=2.0,
        ge=0,
        le=600,
        description=(
            "Handling after unloading, before the order may leave (checking, "
            "sorting): minutes per order [A]."
        ),
    )
    handling_per_crate_min: float = Field(
        default=0.5, ge=0, le=60, description="Handling minutes per crate [A]."
    )
    handling_per_kg_min: float = Field(
        default=0.0, ge=0, le=10, description="Handling minutes per kg."
    )
    handling_cost_eur_per_kg: float = Field(
        default=0.05,
        ge=0,
        le=10,
        description=(
            "Handling cost per kg through the hub (labour, rent) [A]: 1 min per "
            "crate of ~7 kg at ~20 EUR/h is ~0.05 EUR/kg."
        ),
    )
    cold_room: bool = Field(
        default=False,
        description=(
            "Chilled goods may wait in a cold room; without one they must leave "
            "within max_chilled_wait_min of being unloaded (cross-dock)."
        ),
    )
    max_chilled_wait_min: float = Field(
        default=30.0,
        ge=0,
        le=240,
        description=(
            "Without a cold room: longest time a chilled order may spend on the "
            "dock, from unloaded to loaded."
        ),
    )
    capacity_kg: float | None = Field(
        default=None,
        gt=0,
        description="Most kg the hub holds at once (none: no limit).",
    )
    capacity_crates: int | None = Field(
        default=None, ge=0, description="Most crates the hub holds at once."
    )

    @property
    def is_platform(self) -> bool:
        """Whether the hub strategy can use it (it has delivery vans)."""
        return bool(self.vehicles)

    @model_validator(mode="after")
    def _collection_needs_vans(self) -> Hub:
        if self.first_leg == "collection" and not self.collection_vehicles:
            msg = (
                "first_leg 'collection' needs collection_vehicles (the hub's vans "
                "that collect at the farms)"
            )
            raise ValueError(msg)
        return self


class Circle(BaseModel):
    """A disc on the map."""

    model_config = _FROZEN
    lat: Latitude
    lon: Longitude
    radius_m: float = Field(gt=0, le=100_000)


class AccessRule(BaseModel):
    """Who may stop in a zone, and when (e.g. a town centre open to deliveries
    06:00-11:00 to vehicles up to 3.5 t)."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    circle: Circle | None = None
    polygon: list[tuple[Latitude, Longitude]] | None = Field(
        default=None, description="Vertices [lat, lon] of the zone, in order."
    )
    open: list[Window] | None = Field(
        default=None,
        description="When stops in the zone may start (default: any time).",
    )
    max_gross_weight_kg: float | None = Field(
        default=None, gt=0, description="Heaviest vehicle (gross weight) allowed."
    )

    @model_validator(mode="after")
    def _one_zone(self) -> AccessRule:
        if (self.circle is None) == (self.polygon is None):
            msg = "give the zone as exactly one of circle or polygon"
            raise ValueError(msg)
        if self.polygon is not None and len(self.polygon) < 3:
            msg = f"polygon needs at least 3 vertices; got {len(self.polygon)}"
            raise ValueError(msg)
        return self

    @property
    def open_windows(self) -> tuple[tuple[int, int], ...]:
        """Opening windows in seconds, sorted (the whole day and night if none)."""
        if self.open is None:
            return ((0, 48 * SECONDS_PER_HOUR),)
        return tuple(sorted((w.start, w.end) for w in self.open))


class PooledVehicles(BaseModel):
    """Extra vehicles of the pooled fleet, based at a farm or a hub."""

    model_config = _FROZEN
    type: Identifier
    count: int = Field(default=1, ge=1)
    start: Identifier = Field(
        description="Producer or hub id where the vehicle starts."
    )
    end: Identifier | None = Field(default=None, description="Defaults to ``start``.")
    max_trips: int = Field(default=2, ge=1, le=10, description=_TRIPS_HELP)
    shift: Window | None = Field(
        default=None, description=_SHIFT_HELP + " Default: the whole day and night."
    )
    owner: Identifier | None = Field(
        default=None,
        description=(
            "Producer lending the vehicle to the pool: it then serves only coalitions "
            "that include this producer. Without an owner the vehicle belongs to the "
            "collective and is open to every coalition of producers."
        ),
    )


class PooledFleet(BaseModel):
    """Vehicles available to the collective when deliveries are pooled."""

    model_config = _FROZEN
    include_producer_vehicles: bool = Field(
        default=True,
        description="The producers' own vehicles join the pool (from their farms).",
    )
    vehicles: list[PooledVehicles] = Field(default_factory=list)


class NetworkSettings(BaseModel):
    """Where travel distances and times come from."""

    model_config = _FROZEN
    source: Literal["osm_file", "download", "geodesic"] = "osm_file"
    osm_file: str | None = Field(
        default=None, description="OSM file, next to the scenario or in --osm-dir."
    )
    margin_km: float = Field(default=5.0, ge=0, le=100)
    geodesic_fallback: bool = Field(
        default=True,
        description=(
            "Use the labelled geodesic estimate when no road source is reachable."
        ),
    )
    detour_factor: float = Field(default=1.3, ge=1.0, le=3.0)
    speed_kmh: float = Field(default=40.0, gt=0, le=130)

    @model_validator(mode="after")
    def _file_when_needed(self) -> NetworkSettings:
        if self.source == "osm_file" and not self.osm_file:
            msg = "source 'osm_file' needs osm_file (e.g. 'corsica.osm.bz2')"
            raise ValueError(msg)
        return self


class SolverSettings(BaseModel):
    """Solver backend, budget and objective."""

    model_config = _FROZEN
    backend: Literal["auto", "ortools", "pyvrp"] = "auto"
    time_limit_s: float = Field(default=20.0, gt=0, le=3600)
    separate_time_limit_s: float = Field(
        default=3.0, gt=0, le=600, description="Budget per producer when separate."
    )
    seed: int = Field(default=1, ge=0)
    solution_limit: int | None = Field(
        default=None, ge=1, description="Stop after this many improving solutions."
    )
    first_solution: Literal[
        "parallel_cheapest_insertion",
        "local_cheapest_insertion",
        "local_cheapest_cost_insertion",
        "path_cheapest_arc",
        "automatic",
    ] = Field(
        default="local_cheapest_insertion",
        description=(
            "OR-Tools first-solution strategy (measured best on average: "
            "benchmarks/results/*insertion*.md)."
        ),
    )
    workers: int | None = Field(default=None, ge=1, le=64)
    objective: Literal["cost", "distance", "time", "cost_carbon"] = "cost"
    carbon_price_eur_per_t: float = Field(default=0.0, ge=0, le=10_000)


class Scenario(BaseModel):
    """A whole delivery day of a producer collective.

    Sites (producers, delivery points and hubs) share one id space. Orders, fleets and
    pooled vehicles must reference existing ids. See ``scenarios/README.md``.
    """

    model_config = _FROZEN
    name: str = Field(min_length=1)
    description: str = ""
    vehicle_types: list[VehicleType] = Field(min_length=1)
    producers: list[Producer] = Field(min_length=1)
    delivery_points: list[DeliveryPoint] = Field(min_length=1)
    orders: list[Order] = Field(min_length=1)
    hubs: list[Hub] = Field(default_factory=list)
    access_rules: list[AccessRule] = Field(
        default_factory=list,
        description="Zones with limits on vehicle weight and stop times.",
    )
    pooled_fleet: PooledFleet = Field(default_factory=PooledFleet)
    max_route_duration_h: float = Field(
        default=10.0,
        gt=0,
        le=24,
        description=(
            "Paid working hours of a vehicle in a day, all its trips together "
            "(a producer's max_working_h overrides it for its vehicles)."
        ),
    )
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    solver: SolverSettings = Field(default_factory=SolverSettings)
    factors: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the emission/cost factor table (docs/emissions.md).",
    )

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source_dir(self) -> Path | None:
        """Folder of the file the scenario was read from, if any."""
        return self._source.parent if self._source is not None else None

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = _reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- lookups -----------------------------------------------------------------
    def vehicle_type(self, type_id: str) -> VehicleType:
        """Return the vehicle type with id ``type_id``.

        Raises
        ------
        UnknownIdError
            If the scenario has no such vehicle type; the message lists the known ones.
        """
        return _by_id(self.vehicle_types, type_id, "vehicle type")

    def producer(self, producer_id: str) -> Producer:
        """Return the producer with id ``producer_id``.

        Raises
        ------
        UnknownIdError
            If the scenario has no such producer.
        """
        return _by_id(self.producers, producer_id, "producer")

    @property
    def platform_hub(self) -> Hub | None:
        """The hub the ``hub`` strategy uses: the first hub with delivery vans."""
        return next((h for h in self.hubs if h.is_platform), None)

    def site_coordinates(self) -> dict[str, tuple[float, float]]:
        """Return ``{site id: (lat, lon)}`` for producers, delivery points and hubs."""
        sites: list[Producer | DeliveryPoint | Hub] = [
            *self.producers,
            *self.delivery_points,
            *self.hubs,
        ]
        return {s.id: (s.lat, s.lon) for s in sites}

    @property
    def max_route_duration_s(self) -> int:
        """Maximum route duration in seconds."""
        return round(self.max_route_duration_h * SECONDS_PER_HOUR)


_Item = TypeVar("_Item", VehicleType, Producer)


def _by_id(items: list[_Item], wanted: str, what: str) -> _Item:
    """Find the item with id ``wanted`` or raise an error naming the known ids."""
    for item in items:
        if item.id == wanted:
            return item
    known = sorted(i.id for i in items)
    msg = f"{what} id {wanted!r} is not in the scenario; known: {known}"
    raise UnknownIdError(msg)


def _duplicates(ids: list[str]) -> list[str]:
    return [i for i, n in Counter(ids).items() if n > 1]


def _reference_problems(s: Scenario) -> list[str]:
    """List broken cross-references, one message per problem, with its field path."""
    problems: list[str] = []
    types = {t.id: t for t in s.vehicle_types}
    producers = {p.id for p in s.producers}
    points = {d.id for d in s.delivery_points}
    hubs = {h.id for h in s.hubs}
    for field, ids in (
        ("vehicle_types", [t.id for t in s.vehicle_types]),
        ("orders", [o.id for o in s.orders]),
        (
            "producers/delivery_points/hubs",
            [
                *[p.id for p in s.producers],
                *[d.id for d in s.delivery_points],
                *[h.id for h in s.hubs],
            ],
        ),
    ):
        problems += [
            f"{field}: id {d!r} is used more than once; ids must be unique"
            for d in _duplicates(ids)
        ]
    problems += _fleet_problems(s, types, producers | hubs, producers)
    problems += _access_problems(s)
    problems += _factor_problems(s)
    usable = [types[e.type] for p in s.producers for e in p.vehicles if e.type in types]
    usable += [types[v.type] for v in s.pooled_fleet.vehicles if v.type in types]
    usable += [
        types[e.type]
        for h in s.hubs
        for e in (*h.vehicles, *h.collection_vehicles)
        if e.type in types
    ]
    max_kg = max((t.capacity_kg for t in usable), default=0.0)
    max_crates = max((t.capacity_crates for t in usable), default=0)
    any_reefer = any(t.refrigerated for t in usable)
    for i, o in enumerate(s.orders):
        where = f"orders[{i}] (id {o.id!r})"
        if o.producer not in producers:
            problems.append(
                f"{where}.producer: {o.producer!r} is not a known producer id"
            )
        if o.delivery_point not in points:
            problems.append(
                f"{where}.delivery_point: {o.delivery_point!r} is not a known "
                "delivery point id"
            )
        if o.kg > max_kg:
            problems.append(
                f"{where}.kg: {o.kg!r} exceeds the largest vehicle payload "
                f"({max_kg:g} kg); no vehicle could ever carry it"
            )
        if o.crates > max_crates:
            problems.append(
                f"{where}.crates: {o.crates!r} exceeds the largest vehicle crate "
                f"capacity ({max_crates}); no vehicle could ever carry it"
            )
        if o.temperature == "chilled" and not any_reefer:
            problems.append(
                f"{where}.temperature: 'chilled' but no vehicle in the scenario is "
                "refrigerated"
            )
    return problems


def _access_problems(s: Scenario) -> list[str]:
    """A weight limit needs every vehicle type's gross weight."""
    weighed = [(i, r) for i, r in enumerate(s.access_rules) if r.max_gross_weight_kg]
    if not weighed:
        return []
    i, rule = weighed[0]
    return [
        f"vehicle_types[{j}] (id {t.id!r}).gross_weight_kg: missing, but "
        f"access_rules[{i}] (id {rule.id!r}) limits the gross weight to "
        f"{rule.max_gross_weight_kg:g} kg; give every vehicle type its gross weight"
        for j, t in enumerate(s.vehicle_types)
        if t.gross_weight_kg is None
    ]


def _factor_problems(s: Scenario) -> list[str]:
    """Emission classes must exist in the factor table; overrides must be valid."""
    from .factors import factors

    try:
        table = factors(s.factors or None)
    except (ValueError, KeyError) as exc:
        return [f"factors: {line}" for line in str(exc).splitlines() if line.strip()]
    problems = []
    known = sorted(table.vehicle_classes)
    for i, t in enumerate(s.vehicle_types):
        if (
            t.emission_class is not None
            and t.emission_class not in table.vehicle_classes
        ):
            problems.append(
                f"vehicle_types[{i}] (id {t.id!r}).emission_class: "
                f"{t.emission_class!r} is not a vehicle class of the factor table; "
                f"choose one of {known}"
            )
    return problems


def _fleet_problems(
    s: Scenario, types: dict[str, VehicleType], bases: set[str], producer_ids: set[str]
) -> list[str]:
    problems: list[str] = []
    for i, p in enumerate(s.producers):
        for j, entry in enumerate(p.vehicles):
            if entry.type not in types:
                problems.append(
                    f"producers[{i}] (id {p.id!r}).vehicles[{j}].type: "
                    f"{entry.type!r} is not a known vehicle type id"
                )
    for i, h in enumerate(s.hubs):
        for field in ("vehicles", "collection_vehicles"):
            for j, entry in enumerate(getattr(h, field)):
                if entry.type not in types:
                    problems.append(
                        f"hubs[{i}] (id {h.id!r}).{field}[{j}].type: "
                        f"{entry.type!r} is not a known vehicle type id"
                    )
    for j, v in enumerate(s.pooled_fleet.vehicles):
        where = f"pooled_fleet.vehicles[{j}]"
        if v.type not in types:
            problems.append(f"{where}.type: {v.type!r} is not a known vehicle type id")
        for field, site in (("start", v.start), ("end", v.end)):
            if site is not None and site not in bases:
                problems.append(
                    f"{where}.{field}: {site!r} is not a known producer or hub id"
                )
        if v.owner is not None and v.owner not in producer_ids:
            problems.append(f"{where}.owner: {v.owner!r} is not a known producer id")
    hub_vans = any(h.vehicles or h.collection_vehicles for h in s.hubs)
    if (
        not any(p.vehicles for p in s.producers)
        and not s.pooled_fleet.vehicles
        and not hub_vans
    ):
        problems.append("producers[*].vehicles: no vehicle at all in the scenario")
    return problems


# -- loading --------------------------------------------------------------------------

_CSV_TABLES = ("orders", "delivery_points", "producers")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path
        The YAML file. Tables ``orders``, ``delivery_points`` and ``producers`` may be
        given as the name of a CSV file, relative to the YAML file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With one message per problem, each naming the file, the field path, the value
        and the rule.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read file ({exc})"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: not valid YAML ({exc})"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: top level must be a mapping of fields"])
    sources: dict[str, Path] = {}
    problems: list[str] = []
    for table in _CSV_TABLES:
        if isinstance(raw.get(table), str):
            csv_path = path.parent / raw[table]
            sources[table] = csv_path
            try:
                raw[table] = _read_csv_table(csv_path)
            except OSError as exc:
                problems.append(f"{path}: {table}: cannot read CSV {csv_path} ({exc})")
    if problems:
        raise ScenarioError(problems)
    return parse_scenario(raw, source=path, table_sources=sources)


def parse_scenario(
    raw: dict[str, Any],
    *,
    source: str | Path = "<scenario>",
    table_sources: dict[str, Path] | None = None,
) -> Scenario:
    """Validate an already-parsed scenario mapping.

    Parameters
    ----------
    raw
        The mapping, as read from YAML.
    source
        File name used in error messages.
    table_sources
        CSV files that provided some tables, to name them (with their row) in messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With one message per problem.
    """
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            _format_errors(exc, raw, Path(source), table_sources or {})
        ) from None
    if Path(source).is_file():
        scenario._source = Path(source).resolve()
    return scenario


def _read_csv_table(path: Path) -> list[dict[str, Any]]:
    """Read a CSV table; empty cells are dropped, time windows are ``a-b;c-d``."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = []
        for row in csv.DictReader(handle):
            clean: dict[str, Any] = {
                k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()
            }
            if "time_windows" in clean:
                clean["time_windows"] = clean["time_windows"].split(";")
            if "vehicles" in clean:
                clean["vehicles"] = json.loads(clean["vehicles"])
            rows.append(clean)
        return rows


def _format_errors(
    exc: ValidationError, raw: dict[str, Any], source: Path, tables: dict[str, Path]
) -> list[str]:
    """Turn pydantic errors into one line each: file, field path, value and rule."""
    messages = []
    for err in exc.errors():
        loc = list(err["loc"])
        rule = err["msg"].removeprefix("Value error, ")
        if not loc:
            # Cross-reference problems: each line already names its field path.
            messages += [f"{source}: {line}" for line in rule.splitlines()]
            continue
        where = _location(loc, raw, source, tables)
        value = err.get("input")
        shown = _short(value)
        if err["type"] == "missing":
            messages.append(f"{where}: field is required but missing")
        elif err["type"] == "extra_forbidden":
            messages.append(
                f"{where}: unknown field (value {shown}); check the spelling"
            )
        else:
            messages.append(f"{where}: value {shown}: {rule}")
    return messages


def _location(
    loc: list[int | str], raw: dict[str, Any], source: Path, tables: dict[str, Path]
) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        elif item in {"function-before[_window_from_pair(), TimeWindow]"}:
            continue
        else:
            parts.append(str(item))
    path = ".".join(parts) or "<top level>"
    file = str(source)
    if loc and loc[0] in tables and len(loc) > 1 and isinstance(loc[1], int):
        # CSV row number: header is line 1, first data row is line 2.
        file = f"{tables[str(loc[0])]} row {int(loc[1]) + 2}"
        row = raw.get(str(loc[0]))
        if isinstance(row, list) and int(loc[1]) < len(row):
            ident = (
                row[int(loc[1])].get("id")
                if isinstance(row[int(loc[1])], dict)
                else None
            )
            if ident:
                path += f" (id {ident!r})"
    elif loc and isinstance(loc[0], str) and len(loc) > 1 and isinstance(loc[1], int):
        rows = raw.get(loc[0])
        if (
            isinstance(rows, list)
            and loc[1] < len(rows)
            and isinstance(rows[loc[1]], dict)
        ):
            ident = rows[loc[1]].get("id")
            if ident:
                path += f" (id {ident!r})"
    return f"{file}: {path}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of scenario files."""
    return Scenario.model_json_schema()
