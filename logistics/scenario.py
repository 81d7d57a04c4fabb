"""Scenario files: the validated boundary of the pipeline.

A scenario describes a producer collective's delivery day: producers (farms) with
their own vehicles, delivery points with time windows, orders, vehicle types, the pooled
fleet, the road-network source and solver settings. It is read from YAML (bulk tables
may be CSV files that the YAML names) and validated with pydantic; every problem found
is reported at once, each naming the file, the field path, the value and the rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from ._yaml import UnquotedNumber, read_yaml
from .constants import SECONDS_PER_HOUR
from .exceptions import ScenarioError, UnknownIdError
from .geocode import GeocodedAddress, GeocodingSettings
from .provenance import file_sha256
from .tables import Table

__all__ = [
    "AccessRule",
    "Circle",
    "CostSettings",
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
    "load_scenario_mapping",
    "scenario_json_schema",
]

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_time_of_day(value: Any) -> Any:
    """Turn ``"HH:MM"`` / ``"HH:MM:SS"`` into seconds after midnight.

    Times must be strings: YAML reads an unquoted ``10:00`` as the number 600, which
    would silently become a window at 00:10, so numbers are refused with a message
    that says to quote them. Hours up to 48 are accepted so a window may run past
    midnight.
    """
    if isinstance(value, UnquotedNumber):
        raise ValueError(value.quote_hint())
    if isinstance(value, bool):
        msg = f"times must be quoted strings like '10:00'; got {value!r}"
        raise ValueError(msg)
    if isinstance(value, int | float):
        msg = (
            f"times must be quoted strings like '10:00'; got the number {value!r} "
            "(YAML reads an unquoted 10:00 as 600)"
        )
        raise ValueError(msg)
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


_TIME_PATTERN = r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*$"
_TIME_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": _TIME_PATTERN,
    "description": "Time of day 'HH:MM' or 'HH:MM:SS' (hours up to 48), quoted.",
}
TimeOfDay = Annotated[
    int,
    BeforeValidator(parse_time_of_day),
    Field(ge=0, le=48 * 3600),
    WithJsonSchema(_TIME_SCHEMA),
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Identifier = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
]

# Upper bounds of amounts: far above any real delivery day, low enough that the
# solver's integer scaling (constants.py) cannot overflow. 1e300 or .inf used to pass
# validation and crash later with an OverflowError naming no field.
MAX_KG = 100_000.0
"""Largest payload or order, in kg (a 44 t road train carries about 27 t)."""
MAX_CRATES = 1_000_000
"""Largest crate count (also the default capacity: crates not limiting)."""
MAX_VEHICLES = 1_000
"""Largest ``count`` of one fleet entry."""
MAX_FIXED_COST_EUR = 100_000.0
"""Largest fixed cost of a vehicle day."""
MAX_COST_PER_KM_EUR = 100.0
"""Largest running cost per km."""
MAX_DRIVER_COST_PER_H_EUR = 1_000.0
"""Largest driver cost per hour."""
MAX_CO2E_KG_PER_KM = 10.0
"""Largest flat CO2e per km (a 40 t truck emits about 1 kg CO2e per km)."""

_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
"""Every scenario model: unknown fields, changes after validation, NaN and infinite
numbers refused (``.inf`` or ``.nan`` in YAML used to pass, then crash the solver)."""

# Issue #12 (spreadsheets, addresses): a site may give an address instead of lat/lon
# (load_scenario geocodes it before validation, logistics/geocode.py); extra
# spreadsheet columns (phone, e-mail, product...) are kept as metadata for reports.
SiteAddress = Annotated[
    str | None,
    Field(
        max_length=300,
        description=(
            "Postal address: geocoded when lat/lon are absent; shown on route sheets."
        ),
    ),
]
Metadata = Annotated[
    dict[str, str],
    Field(
        default_factory=dict,
        description="Free details (phone, contact, product...), e.g. extra columns.",
    ),
]


def _refuse_renamed(data: Any, old: str, new: str) -> Any:
    """Refuse a field whose meaning changed, naming what replaces it."""
    if isinstance(data, dict) and old in data:
        msg = (
            f"{old} was replaced by {new}: service time is now a fixed part per stop "
            "plus a part per order (see scenarios/README.md)"
        )
        raise ValueError(msg)
    return data


_DASHES = re.compile(r"\s*[-\u2013\u2014]\s*")
"""Window separators: hyphen, en dash (as typographers, and the README, write
windows) and em dash, with optional spaces."""


def _coordinates_or_address(data: Any) -> Any:
    """Say that a site with an address but no lat/lon still needs geocoding."""
    if (
        isinstance(data, dict)
        and data.get("address")
        and (data.get("lat") is None or data.get("lon") is None)
    ):
        msg = (
            f"no lat/lon, and the address {data['address']!r} was not geocoded: read "
            "the file with load_scenario (which geocodes addresses) or run "
            "`logistics geocode SCENARIO`"
        )
        raise ValueError(msg)
    return data


def _window_from_pair(value: Any) -> Any:
    """Accept ``["07:00", "10:00"]`` and ``"07:00-10:00"`` as well as a mapping."""
    if isinstance(value, str):
        parts = _DASHES.split(value.strip())
        if len(parts) != 2:
            msg = (
                "a window is written 'HH:MM-HH:MM' (start and end separated by '-', "
                f"'\u2013' or '\u2014'); got {value!r}"
            )
            raise ValueError(msg)
        value = parts
    if isinstance(value, list | tuple):
        if len(value) != 2:
            msg = f"a window is a pair [start, end]; got {len(value)} item(s)"
            raise ValueError(msg)
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


_WINDOW_SCHEMA: dict[str, Any] = {
    "description": (
        "A time window: 'HH:MM-HH:MM' (hyphen, en or em dash), [start, end] or "
        "{start, end}."
    ),
    "anyOf": [
        {
            "type": "string",
            "pattern": r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*[-\u2013\u2014]"
            r"\s*\d{1,2}:\d{2}(:\d{2})?\s*$",
        },
        {"type": "array", "items": _TIME_SCHEMA, "minItems": 2, "maxItems": 2},
        {
            "type": "object",
            "properties": {"start": _TIME_SCHEMA, "end": _TIME_SCHEMA},
            "required": ["start", "end"],
            "additionalProperties": False,
        },
    ],
}
Window = Annotated[
    TimeWindow, BeforeValidator(_window_from_pair), WithJsonSchema(_WINDOW_SCHEMA)
]
FULL_DAY = TimeWindow.model_validate({"start": "00:00", "end": "24:00"})


class VehicleType(BaseModel):
    """A kind of vehicle: capacity, refrigeration, costs and emissions."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    capacity_kg: float = Field(gt=0, le=MAX_KG, description="Payload in kilograms.")
    capacity_crates: int = Field(
        default=MAX_CRATES,
        ge=0,
        le=MAX_CRATES,
        description="Crates (e.g. 60x40 cm) that fit.",
    )
    refrigerated: bool = False
    fixed_cost_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_FIXED_COST_EUR,
        description="Cost per day the vehicle is used.",
    )
    cost_per_km_eur: float | None = Field(
        default=None,
        ge=0,
        le=MAX_COST_PER_KM_EUR,
        description=(
            "Running cost per km (energy + wear). Default: from the emission class's "
            "energy use and prices (docs/emissions.md), else 0.40."
        ),
    )
    driver_cost_per_h_eur: float | None = Field(
        default=None,
        ge=0,
        le=MAX_DRIVER_COST_PER_H_EUR,
        description=(
            "Value of the driver's time per hour. Default: the country cost "
            "profile's (13.5 in France, domain.md: 12-15)."
        ),
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
        le=MAX_CO2E_KG_PER_KM,
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
    count: int = Field(default=1, ge=1, le=MAX_VEHICLES)
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
    address: SiteAddress = None
    metadata: Metadata
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
        _coordinates_or_address(data)
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
    address: SiteAddress = None
    metadata: Metadata
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
        _coordinates_or_address(data)
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
    kg: float = Field(gt=0, le=MAX_KG)
    crates: int = Field(default=0, ge=0, le=MAX_CRATES)
    temperature: Literal["ambient", "chilled"] = "ambient"
    metadata: Metadata


class Hub(BaseModel):
    """A shared platform: a base for pooled vehicles and, with ``vehicles``, the
    platform of the ``hub`` strategy (producers' goods are brought there, handled,
    then delivered by the hub's own vans)."""

    model_config = _FROZEN
    id: Identifier
    name: str = ""
    lat: Latitude
    lon: Longitude
    address: SiteAddress = None
    metadata: Metadata
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

    @model_validator(mode="before")
    @classmethod
    def _geocoded(cls, data: Any) -> Any:
        return _coordinates_or_address(data)


class PooledVehicles(BaseModel):
    """Extra vehicles of the pooled fleet, based at a farm or a hub."""

    model_config = _FROZEN
    type: Identifier
    count: int = Field(default=1, ge=1, le=MAX_VEHICLES)
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
    geodesic_fallback: Literal[False] = Field(
        default=False,
        description=(
            "Kept for old files; only false is accepted. The geodesic estimate "
            "replaces a failed road source only with `logistics run "
            "--allow-geodesic`."
        ),
    )
    detour_factor: float = Field(default=1.3, ge=1.0, le=3.0)
    speed_kmh: float = Field(default=40.0, gt=0, le=130)

    @model_validator(mode="before")
    @classmethod
    def _no_silent_fallback(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("geodesic_fallback") is True:
            msg = (
                "geodesic_fallback: true is no longer accepted (a missing or damaged "
                "OSM file gave plausible but wrong straight-line figures); remove it, "
                "and run with --allow-geodesic to accept the labelled estimate when "
                "the road source fails, or set source: geodesic"
            )
            raise ValueError(msg)
        return data

    @model_validator(mode="after")
    def _file_when_needed(self) -> NetworkSettings:
        if self.source == "osm_file" and not self.osm_file:
            msg = "source 'osm_file' needs osm_file (e.g. 'corsica.osm.bz2')"
            raise ValueError(msg)
        return self


class CostSettings(BaseModel):
    """Which country's prices and wages cost the routes."""

    model_config = _FROZEN
    country: str = Field(
        default="FR",
        description=(
            "Country cost profile (logistics/data/country_costs.csv): fuel and "
            "electricity prices, driver wage, currency. FR or DE."
        ),
    )

    @model_validator(mode="after")
    def _known_country(self) -> CostSettings:
        from .country import country_profile

        country_profile(self.country)  # raises ValueError naming the known ones
        return self

    @property
    def currency(self) -> str:
        """Currency of every amount of money of the scenario and its reports."""
        from .country import country_profile

        return country_profile(self.country).currency


class SolverSettings(BaseModel):
    """Solver backend, budget and objective."""

    model_config = _FROZEN
    backend: Literal["auto", "ortools", "pyvrp"] = "auto"
    time_limit_s: float = Field(default=20.0, gt=0, le=3600)
    separate_time_limit_s: float = Field(
        default=3.0, gt=0, le=600, description="Budget per producer when separate."
    )
    seed: int = Field(default=1, ge=0, le=2**31 - 1)
    solution_limit: int | None = Field(
        default=None,
        ge=1,
        le=10**9,
        description="Stop after this many improving solutions.",
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
    network: NetworkSettings = Field(
        description=(
            "Where travel distances and times come from; required, so that a "
            "forgotten road file cannot pass unnoticed."
        )
    )
    solver: SolverSettings = Field(default_factory=SolverSettings)
    costs: CostSettings = Field(
        default_factory=CostSettings,
        description="Country cost profile: energy prices, driver wage, currency.",
    )
    factors: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the emission/cost factor table (docs/emissions.md).",
    )
    # Issue #12 part 4: how sites given by address are geocoded.
    geocoding: GeocodingSettings = Field(default_factory=GeocodingSettings)

    _source: Path | None = PrivateAttr(default=None)
    _input_files: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def input_files(self) -> Mapping[str, str]:
        """``{file name: sha256}`` of the scenario file and the tables it names, in
        that order (empty for a scenario built in Python)."""
        return MappingProxyType(self._input_files)

    _notes: tuple[str, ...] = PrivateAttr(default=())
    _geocoded: dict[str, GeocodedAddress] = PrivateAttr(default_factory=dict)

    @property
    def notes(self) -> tuple[str, ...]:
        """Remarks from reading the files that are not errors (e.g. kept columns)."""
        return self._notes

    @property
    def geocoded(self) -> dict[str, GeocodedAddress]:
        """Sites whose lat/lon came from their address, with the match and score."""
        return dict(self._geocoded)

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


def _get(item: Any, key: str) -> Any:
    """Read a field of a model object or of a raw mapping (``None`` when absent)."""
    if isinstance(item, dict):
        return item.get(key)
    return getattr(item, key, None)


def _rows(data: Any, key: str) -> list[Any] | None:
    """The list under ``key``, or ``None`` when absent or not a list (raw input)."""
    value = _get(data, key)
    return value if isinstance(value, list) else None


def _ids(rows: list[Any] | None) -> list[str]:
    return [i for i in (_get(r, "id") for r in rows or []) if isinstance(i, str)]


def _id_problems(data: Any) -> list[str]:
    """List broken id references, one message per problem, with its field path.

    Works on a validated :class:`Scenario` and on the raw mapping alike, so that
    references are checked even when some fields are invalid: a table that is
    missing or not a list is not checked against (its own error says why).
    """
    problems: list[str] = []
    types = _rows(data, "vehicle_types")
    producers, points = _rows(data, "producers"), _rows(data, "delivery_points")
    hubs = _rows(data, "hubs") or []
    for field, ids in (
        ("vehicle_types", _ids(types)),
        ("orders", _ids(_rows(data, "orders"))),
        ("producers/delivery_points/hubs", _ids(producers) + _ids(points) + _ids(hubs)),
    ):
        problems += [
            f"{field}: id {d!r} is used more than once; ids must be unique"
            for d in _duplicates(ids)
        ]
    problems += _fleet_problems(data, types, producers, hubs)
    for i, o in enumerate(_rows(data, "orders") or []):
        where = f"orders[{i}] (id {_get(o, 'id')!r})"
        for field, rows, what in (
            ("producer", producers, "producer"),
            ("delivery_point", points, "delivery point"),
        ):
            ref = _get(o, field)
            if rows is not None and isinstance(ref, str) and ref not in _ids(rows):
                problems.append(f"{where}.{field}: {ref!r} is not a known {what} id")
    return problems


def _reference_problems(s: Scenario) -> list[str]:
    """List broken cross-references and impossible orders, one message each."""
    problems = _id_problems(s)
    problems += _access_problems(s)
    problems += _factor_problems(s)
    types = {t.id: t for t in s.vehicle_types}
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
        table = factors(s.factors or None, country=s.costs.country)
    except ScenarioError as exc:
        return exc.problems  # each names its path under factors. already
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
    data: Any,
    types: list[Any] | None,
    producers: list[Any] | None,
    hubs: list[Any],
) -> list[str]:
    """Fleet entries and pooled vehicles must name known types, bases and owners."""
    problems: list[str] = []
    type_ids, producer_ids = set(_ids(types)), set(_ids(producers))
    bases = producer_ids | set(_ids(hubs))
    any_vehicle = False
    for i, p in enumerate(producers or []):
        own = _get(p, "vehicles")
        any_vehicle = any_vehicle or (own is not None and not isinstance(own, list))
        for j, entry in enumerate(own if isinstance(own, list) else []):
            any_vehicle = True
            kind = _get(entry, "type")
            if types is not None and isinstance(kind, str) and kind not in type_ids:
                problems.append(
                    f"producers[{i}] (id {_get(p, 'id')!r}).vehicles[{j}].type: "
                    f"{kind!r} is not a known vehicle type id"
                )
    for i, h in enumerate(hubs):
        for field in ("vehicles", "collection_vehicles"):
            entries = _get(h, field)
            for j, entry in enumerate(entries if isinstance(entries, list) else []):
                any_vehicle = True
                kind = _get(entry, "type")
                if types is not None and isinstance(kind, str) and kind not in type_ids:
                    problems.append(
                        f"hubs[{i}] (id {_get(h, 'id')!r}).{field}[{j}].type: "
                        f"{kind!r} is not a known vehicle type id"
                    )
    pooled = _get(data, "pooled_fleet")
    for j, v in enumerate(_rows(pooled, "vehicles") or []):
        any_vehicle = True
        where = f"pooled_fleet.vehicles[{j}]"
        kind = _get(v, "type")
        if types is not None and isinstance(kind, str) and kind not in type_ids:
            problems.append(f"{where}.type: {kind!r} is not a known vehicle type id")
        if producers is None:
            continue
        for field in ("start", "end"):
            site = _get(v, field)
            if isinstance(site, str) and site not in bases:
                problems.append(
                    f"{where}.{field}: {site!r} is not a known producer or hub id"
                )
        owner = _get(v, "owner")
        if isinstance(owner, str) and owner not in producer_ids:
            problems.append(f"{where}.owner: {owner!r} is not a known producer id")
    if producers is not None and not any_vehicle:
        problems.append("producers[*].vehicles: no vehicle at all in the scenario")
    return problems


# -- loading --------------------------------------------------------------------------

# Tables a YAML file may name as a spreadsheet (CSV, .xlsx, .ods): logistics/tables.py.
_TABLE_MODELS: dict[str, type[BaseModel]] = {
    "orders": Order,
    "delivery_points": DeliveryPoint,
    "producers": Producer,
    "vehicle_types": VehicleType,
    "hubs": Hub,
}
_SITE_TABLES = ("producers", "delivery_points", "hubs")


def load_scenario(
    path: str | Path, *, geocoding: GeocodingSettings | None = None
) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path
        The YAML file. Tables ``orders``, ``delivery_points``, ``producers``,
        ``vehicle_types`` and ``hubs`` may be given as the name of a CSV, .xlsx or
        .ods file, relative to the YAML file (``file.xlsx`` reads the sheet named after
        the table, else the first sheet).
    geocoding
        How to geocode sites given by ``address`` without lat/lon; default: the
        scenario's ``geocoding`` section (BAN, cached on disk).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With one message per problem, each naming the file, the field path (or the
        spreadsheet row and column), the value and the rule.
    GeocodingError
        If an address cannot be geocoded (no match, low score, service unreachable).
    """
    return _load(Path(path), geocoding)[0]


def load_scenario_mapping(
    path: str | Path, *, geocoding: GeocodingSettings | None = None
) -> tuple[Scenario, dict[str, Any]]:
    """Read a scenario like :func:`load_scenario`, also returning its plain mapping.

    The mapping has every table inline (rows read from their spreadsheets) and the
    coordinates of geocoded sites filled in: written back as YAML, it is a scenario
    file that needs neither the tables nor the geocoder (``logistics geocode``).

    Returns
    -------
    tuple of Scenario and dict
        The validated scenario and the mapping it was validated from.
    """
    return _load(Path(path), geocoding)


def _load(
    path: Path, geocoding: GeocodingSettings | None
) -> tuple[Scenario, dict[str, Any]]:
    try:
        raw, yaml_problems = read_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read file ({exc})"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: not valid YAML ({exc})"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: top level must be a mapping of fields"])
    tables, table_problems, notes = _read_tables(raw, path)
    problems = [f"{path}: {p}" for p in yaml_problems]
    if table_problems:
        # Header and row-shape problems first: geocoding misread cells would only
        # send requests for garbage.
        raise ScenarioError(problems + table_problems)
    if problems:
        # YAML problems (unquoted times, keys given twice): reported with the field
        # problems, all at once, and nothing is geocoded.
        try:
            parse_scenario(raw, source=path, table_sources=tables)
        except ScenarioError as exc:
            raise ScenarioError(problems + exc.problems) from None
        raise ScenarioError(problems)
    geocoded = _resolve_addresses(raw, path, tables, geocoding)
    scenario = parse_scenario(raw, source=path, table_sources=tables)
    scenario._notes = tuple(notes)
    scenario._geocoded = geocoded
    scenario._input_files = {
        path.name: file_sha256(path),
        **{table.path.name: file_sha256(table.path) for table in tables.values()},
    }
    return scenario, raw


def _read_tables(
    raw: dict[str, Any], path: Path
) -> tuple[dict[str, Table], list[str], list[str]]:
    """Replace table file names in ``raw`` by their rows; collect problems and notes."""
    from .tables import read_table

    tables: dict[str, Table] = {}
    problems: list[str] = []
    notes: list[str] = []
    for name, model in _TABLE_MODELS.items():
        if not isinstance(raw.get(name), str):
            continue
        table_path = path.parent / raw[name]
        try:
            table = read_table(table_path, table=name, model=model)
        except OSError as exc:
            problems.append(f"{path}: {name}: cannot read {table_path} ({exc})")
            raw[name] = []
            continue
        tables[name] = table
        raw[name] = table.rows
        problems += table.problems
        notes += table.notes
    return tables, problems, notes


def _resolve_addresses(
    raw: dict[str, Any],
    path: Path,
    tables: dict[str, Table],
    geocoding: GeocodingSettings | None,
) -> dict[str, GeocodedAddress]:
    """Geocode sites that give an address but no lat/lon, filling ``raw`` in place."""
    wanted: list[tuple[dict[str, Any], str, str]] = []  # (row, site id, where)
    for name in _SITE_TABLES:
        rows = raw.get(name)
        if not isinstance(rows, list):
            continue
        for i, row in enumerate(rows):
            if (
                isinstance(row, dict)
                and isinstance(row.get("address"), str)
                and row.get("lat") is None
                and row.get("lon") is None
            ):
                where = tables[name].where(i) if name in tables else f"{path}"
                wanted.append((row, str(row.get("id", f"{name}[{i}]")), where))
    if not wanted:
        return {}
    from .geocode import geocode_sites

    settings = geocoding
    if settings is None:
        try:
            settings = GeocodingSettings.model_validate(raw.get("geocoding") or {})
        except ValidationError as exc:
            raise ScenarioError(_format_errors(exc, raw, path, {})) from None
    found = geocode_sites(
        [(site_id, row["address"], where) for row, site_id, where in wanted],
        settings,
    )
    for (row, _, _), match in zip(wanted, found, strict=True):
        row["lat"], row["lon"] = match.lat, match.lon
    return {
        site_id: match for (_, site_id, _), match in zip(wanted, found, strict=True)
    }


def parse_scenario(
    raw: dict[str, Any],
    *,
    source: str | Path = "<scenario>",
    table_sources: Mapping[str, Path | Table] | None = None,
) -> Scenario:
    """Validate an already-parsed scenario mapping.

    Parameters
    ----------
    raw
        The mapping, as read from YAML.
    source
        File name used in error messages.
    table_sources
        Files that provided some tables (a path, or the :class:`~logistics.tables.Table`
        read from it), to name them with their row and column in messages.

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
        tables = dict(table_sources or {})
        problems = _format_errors(exc, raw, Path(source), tables)
        if not any(not err["loc"] for err in exc.errors()):
            # Field errors stop pydantic before the cross-reference check: run it on
            # the raw mapping so that every problem is reported at once.
            for ref in _id_problems(raw):
                line = _cross_reference(ref, Path(source), tables)
                if line not in problems:
                    problems.append(line)
        raise ScenarioError(problems) from None
    if Path(source).is_file():
        scenario._source = Path(source).resolve()
    return scenario


def _format_errors(
    exc: ValidationError,
    raw: dict[str, Any],
    source: Path,
    tables: Mapping[str, Path | Table],
) -> list[str]:
    """Turn pydantic errors into one line each: file, field path, value and rule."""
    messages = []
    for err in exc.errors():
        loc = list(err["loc"])
        rule = err["msg"].removeprefix("Value error, ")
        if not loc:
            # Cross-reference problems: each line already names its field path.
            messages += [
                _cross_reference(line, source, tables) for line in rule.splitlines()
            ]
            continue
        if _reported_by_header(loc, tables):
            continue
        where = _location(loc, raw, source, tables)
        value = err.get("input")
        shown = _short(value)
        if err["type"] == "missing":
            hint = _MISSING_HINTS.get(str(loc[-1]), "")
            messages.append(f"{where}: field is required but missing{hint}")
        elif err["type"] == "extra_forbidden":
            messages.append(
                f"{where}: unknown field (value {shown}); check the spelling"
            )
        elif isinstance(value, UnquotedNumber) and rule.startswith("unquoted"):
            messages.append(f"{where}: {rule}")  # the rule cites the text already
        else:
            messages.append(f"{where}: value {shown}: {rule}")
    return messages


_MISSING_HINTS = {
    "network": (
        " (name the road source, e.g. network: {source: osm_file, osm_file: "
        "region.osm.pbf}, or network: {source: geodesic} for the straight-line "
        "estimate)"
    ),
}


_REFERENCE_LINE = re.compile(
    r"^(?P<table>\w+)\[(?P<row>\d+)\](?: \(id (?P<id>'[^']*')\))?\.(?P<field>\w+)"
    r"(?P<rest>\S*): (?P<rule>.*)$"
)


def _cross_reference(
    line: str, source: Path, tables: Mapping[str, Path | Table]
) -> str:
    """Point a cross-reference problem of a table row at its spreadsheet row."""
    match = _REFERENCE_LINE.match(line)
    if match is None or match["table"] not in tables:
        return f"{source}: {line}"
    row = int(match["row"])
    return (
        f"{_row_label(tables[match['table']], row)}, column {match['field']!r} "
        f"({match['table']}[{row}].{match['field']}{match['rest']}"
        f"{', id ' + match['id'] if match['id'] else ''}): "
        f"{match['rule']}"
    )


def _row_label(table: Path | Table, index: int) -> str:
    if isinstance(table, Table):
        return table.where(index)
    return f"{table} row {index + 2}"  # header is line 1, first data row line 2


def _reported_by_header(
    loc: list[int | str], tables: Mapping[str, Path | Table]
) -> bool:
    """Whether a header message already covers this field error (not one per row)."""
    table = tables.get(str(loc[0])) if loc else None
    return (
        isinstance(table, Table)
        and len(loc) > 2
        and str(loc[2]) in table.flagged_columns
    )


def _location(
    loc: list[int | str],
    raw: dict[str, Any],
    source: Path,
    tables: Mapping[str, Path | Table],
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
    ident = None
    if loc and isinstance(loc[0], str) and len(loc) > 1 and isinstance(loc[1], int):
        rows = raw.get(loc[0])
        if (
            isinstance(rows, list)
            and loc[1] < len(rows)
            and isinstance(rows[loc[1]], dict)
        ):
            ident = rows[loc[1]].get("id")
    if loc and str(loc[0]) in tables and len(loc) > 1 and isinstance(loc[1], int):
        # A spreadsheet row: name its row and column first, the field path after.
        label = _row_label(tables[str(loc[0])], int(loc[1]))
        column = f", column {str(loc[2])!r}" if len(loc) > 2 else ""
        shown_id = f", id {ident!r}" if ident else ""
        return f"{label}{column} ({path}{shown_id})"
    if ident:
        path += f" (id {ident!r})"
    return f"{source}: {path}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of scenario files, as they are written.

    Times are quoted strings, windows strings, pairs or mappings, a site gives lat
    and lon or an address, and the tables (``producers``, ``delivery_points``,
    ``orders``, ``vehicle_types``, ``hubs``) may be a file name (a CSV, .xlsx or .ods
    file next to the YAML, not checked by the schema). Cross-references, window
    order and the rules of the factor table are checked by :func:`load_scenario`
    only.
    """
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    for site in ("Producer", "DeliveryPoint", "Hub"):
        # A site gives lat and lon, or an address that load_scenario geocodes.
        definition = schema["$defs"][site]
        definition["required"] = [
            f for f in definition.get("required", []) if f not in ("lat", "lon")
        ]
        definition["anyOf"] = [{"required": ["lat", "lon"]}, {"required": ["address"]}]
    for table in _TABLE_MODELS:
        listed = schema["properties"][table]
        schema["properties"][table] = {
            "title": listed.pop("title", table),
            "anyOf": [
                listed,
                {
                    "type": "string",
                    "minLength": 1,
                    "description": "Table file name, relative to the YAML file.",
                },
            ],
        }
    return schema
