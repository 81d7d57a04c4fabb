"""Route sheets: each vehicle's day, trip by trip, as a driver reads it.

:func:`route_sheets` turns a strategy's checked solution into one
:class:`VehicleSheet` per vehicle used: for each trip, the stops in order with clock
times, the site's name and address, what to load at each farm and unload at each
delivery point (order, kg, crates, chilled), and totals per trip and per vehicle.
Consecutive orders loaded or unloaded at one site make one stop, as the driver
parks once. :func:`sheet_rows` flattens the sheets for ``route_sheets.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby, pairwise
from typing import TYPE_CHECKING, Any, Literal

from ..scenario import format_time_of_day

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..solution import Route, Solution, Stop

__all__ = [
    "Parcel",
    "SheetStop",
    "Site",
    "TripSheet",
    "VehicleSheet",
    "driving_s",
    "route_sheets",
    "sheet_rows",
    "sites",
]

Action = Literal["start", "load", "unload", "back"]

_ACTION_LABELS = {
    "start": "Start at base",
    "load": "Load",
    "unload": "Unload",
    "back": "Back at base",
}


@dataclass(frozen=True)
class Site:
    """A place of the scenario as people name it."""

    id: str
    name: str
    address: str | None
    lat: float
    lon: float
    kind: str

    @property
    def label(self) -> str:
        """The name, or the id when the scenario gives no name."""
        return self.name or self.id


def sites(scenario: Scenario) -> dict[str, Site]:
    """Return every producer, delivery point and hub of ``scenario`` by id."""
    found = {
        p.id: Site(p.id, p.name, p.address, p.lat, p.lon, "farm")
        for p in scenario.producers
    }
    found |= {
        d.id: Site(d.id, d.name, d.address, d.lat, d.lon, d.kind)
        for d in scenario.delivery_points
    }
    found |= {
        h.id: Site(h.id, h.name, h.address, h.lat, h.lon, "hub") for h in scenario.hubs
    }
    return found


@dataclass(frozen=True)
class Parcel:
    """One order handled at a stop."""

    order: str
    producer: str
    delivery_point: str
    kg: float
    crates: int
    chilled: bool


@dataclass(frozen=True)
class SheetStop:
    """A stop of a trip: starting from or coming back to base, loading or unloading.

    ``arrival_s`` and ``departure_s`` are seconds after midnight (``start`` has
    only a departure, ``back`` only an arrival: the other equals it); the load is
    what is on board when the vehicle drives off.
    """

    action: Action
    site: Site
    arrival_s: float
    departure_s: float
    parcels: tuple[Parcel, ...]
    load_kg: float
    load_crates: int

    @property
    def arrival(self) -> str:
        """Arrival clock time, ``HH:MM``."""
        return format_time_of_day(self.arrival_s)

    @property
    def departure(self) -> str:
        """Departure clock time, ``HH:MM``."""
        return format_time_of_day(self.departure_s)

    @property
    def action_label(self) -> str:
        """The action in words."""
        return _ACTION_LABELS[self.action]

    @property
    def kg(self) -> float:
        """Mass loaded or unloaded here."""
        return sum(p.kg for p in self.parcels)

    @property
    def crates(self) -> int:
        """Crates loaded or unloaded here."""
        return sum(p.crates for p in self.parcels)


@dataclass(frozen=True)
class TripSheet:
    """One trip: from leaving the base to coming back (or to the day's end site)."""

    number: int
    stops: tuple[SheetStop, ...]
    driving_s: float

    @property
    def depart_s(self) -> float:
        """When the vehicle leaves its base."""
        return self.stops[0].departure_s

    @property
    def return_s(self) -> float:
        """When the vehicle is back."""
        return self.stops[-1].arrival_s

    @property
    def delivered(self) -> tuple[Parcel, ...]:
        """Orders delivered on this trip."""
        return tuple(p for s in self.stops if s.action == "unload" for p in s.parcels)

    @property
    def kg(self) -> float:
        """Mass delivered on this trip."""
        return sum(p.kg for p in self.delivered)

    @property
    def crates(self) -> int:
        """Crates delivered on this trip."""
        return sum(p.crates for p in self.delivered)

    @property
    def chilled(self) -> int:
        """Chilled orders delivered on this trip."""
        return sum(p.chilled for p in self.delivered)

    @property
    def delivery_stops(self) -> int:
        """Stops where the vehicle unloads."""
        return sum(s.action == "unload" for s in self.stops)


@dataclass(frozen=True)
class VehicleSheet:
    """A vehicle's day: its trips and totals."""

    strategy: str
    vehicle: str
    vehicle_type: str
    vehicle_name: str
    refrigerated: bool
    owner: str
    owner_name: str
    trips: tuple[TripSheet, ...]
    distance_km: float
    duration_h: float

    @property
    def orders(self) -> int:
        """Orders delivered in the day."""
        return sum(len(t.delivered) for t in self.trips)

    @property
    def kg(self) -> float:
        """Mass delivered in the day."""
        return sum(t.kg for t in self.trips)

    @property
    def crates(self) -> int:
        """Crates delivered in the day."""
        return sum(t.crates for t in self.trips)

    @property
    def chilled(self) -> int:
        """Chilled orders delivered in the day."""
        return sum(t.chilled for t in self.trips)

    @property
    def driving_h(self) -> float:
        """Hours at the wheel (travel only: no stops, no waiting)."""
        return sum(t.driving_s for t in self.trips) / 3600


def driving_s(stops: tuple[Stop, ...]) -> float:
    """Time spent driving between consecutive stops, in seconds.

    A stop's arrival is when the vehicle gets there (before parking), and the
    previous stop's departure is when it drove off, so the difference is travel
    time alone; zero between two orders at one site.
    """
    return float(sum(b.arrival_s - a.departure_s for a, b in pairwise(stops)))


def route_sheets(scenario: Scenario, solution: Solution) -> tuple[VehicleSheet, ...]:
    """Return the route sheet of every vehicle a strategy uses.

    Parameters
    ----------
    scenario
        The scenario solved (site names and addresses, order details, vehicle
        types).
    solution
        A strategy's checked solution.

    Returns
    -------
    tuple of VehicleSheet
        In the solution's route order.
    """
    known = sites(scenario)
    orders = {o.id: o for o in scenario.orders}
    parcels = {
        o.id: Parcel(
            o.id,
            o.producer,
            o.delivery_point,
            o.kg,
            o.crates,
            o.temperature == "chilled",
        )
        for o in orders.values()
    }
    return tuple(_vehicle_sheet(scenario, r, known, parcels) for r in solution.routes)


def _vehicle_sheet(
    scenario: Scenario, route: Route, known: dict[str, Site], parcels: dict[str, Parcel]
) -> VehicleSheet:
    vt = scenario.vehicle_type(route.vehicle_type)
    owner = known.get(route.owner)
    trips = []
    for number, trip_stops in _trip_stops(route.stops):
        stops = tuple(_sheet_stops(trip_stops, known, parcels))
        trips.append(TripSheet(number, stops, driving_s(trip_stops)))
    return VehicleSheet(
        strategy=route.strategy,
        vehicle=route.vehicle,
        vehicle_type=route.vehicle_type,
        vehicle_name=vt.name or vt.id,
        refrigerated=vt.refrigerated,
        owner=route.owner,
        owner_name=owner.label if owner is not None else "the collective",
        trips=tuple(trips),
        distance_km=route.distance_km,
        duration_h=route.duration_h,
    )


def _trip_stops(stops: tuple[Stop, ...]) -> list[tuple[int, tuple[Stop, ...]]]:
    """Split a day's stops into trips; a return to base ends one trip and, as its
    departure, starts the next."""
    trips: list[tuple[int, tuple[Stop, ...]]] = []
    current: list[Stop] = []
    for stop in stops:
        current.append(stop)
        if stop.type in ("base", "end"):
            trips.append((len(trips) + 1, tuple(current)))
            current = [stop]
    return trips


def _sheet_stops(
    stops: tuple[Stop, ...], known: dict[str, Site], parcels: dict[str, Parcel]
) -> list[SheetStop]:
    """One sheet stop per run of consecutive visits of one kind at one site."""
    first, last = stops[0], stops[-1]
    result = [
        SheetStop(
            "start",
            known[first.site],
            first.departure_s,
            first.departure_s,
            (),
            0.0,
            0,
        )
    ]
    visits = stops[1:-1]
    for (site, kind), group in groupby(visits, key=lambda s: (s.site, s.type)):
        run = list(group)
        result.append(
            SheetStop(
                # pickup at a farm, load out of a hub; delivery, drop at a hub
                "load" if kind in ("pickup", "load") else "unload",
                known[site],
                run[0].arrival_s,
                run[-1].departure_s,
                tuple(parcels[s.order] for s in run if s.order is not None),
                run[-1].load_kg,
                run[-1].load_crates,
            )
        )
    result.append(
        SheetStop("back", known[last.site], last.arrival_s, last.arrival_s, (), 0.0, 0)
    )
    return result


def sheet_rows(sheets: tuple[VehicleSheet, ...]) -> list[dict[str, Any]]:
    """Flatten route sheets into rows for ``route_sheets.csv``.

    One row per order loaded or unloaded (``action`` ``load``, ``unload``), one
    per start from and return to base (``start``, ``back``), and a total row per
    trip (``trip total``: ``departure`` and ``arrival`` are when it leaves and is
    back) and per vehicle (``vehicle total``). Columns: ``strategy``, ``vehicle``,
    ``vehicle_type``, ``belongs_to`` (owner's name), ``trip``, ``stop`` (number in
    the trip),
    ``arrival`` and ``departure`` (``HH:MM``), ``action``, ``site``, ``site_name``,
    ``address``, ``lat``, ``lon``, ``order``, ``producer``, ``kg``, ``crates``,
    ``chilled`` (yes/no), ``load_kg`` and ``load_crates`` (on board when leaving).
    """
    rows: list[dict[str, Any]] = []
    for sheet in sheets:
        head = {
            "strategy": sheet.strategy,
            "vehicle": sheet.vehicle,
            "vehicle_type": sheet.vehicle_type,
            "belongs_to": sheet.owner_name,
        }
        for trip in sheet.trips:
            for number, stop in enumerate(trip.stops):
                place = {
                    "trip": trip.number,
                    "stop": number,
                    "arrival": stop.arrival if stop.action != "start" else "",
                    "departure": stop.departure if stop.action != "back" else "",
                    "action": stop.action,
                    "site": stop.site.id,
                    "site_name": stop.site.label,
                    "address": stop.site.address or "",
                    "lat": stop.site.lat,
                    "lon": stop.site.lon,
                    "load_kg": round(stop.load_kg, 3),
                    "load_crates": stop.load_crates,
                }
                for parcel in stop.parcels or (None,):
                    rows.append({**head, **place, **_parcel_columns(parcel)})
            rows.append(
                {
                    **head,
                    "trip": trip.number,
                    "arrival": format_time_of_day(trip.return_s),
                    "departure": format_time_of_day(trip.depart_s),
                    "action": "trip total",
                    "order": _count(len(trip.delivered), "order"),
                    "kg": round(trip.kg, 3),
                    "crates": trip.crates,
                    "chilled": f"{trip.chilled} chilled",
                }
            )
        rows.append(
            {
                **head,
                "action": "vehicle total",
                "order": _count(sheet.orders, "order"),
                "kg": round(sheet.kg, 3),
                "crates": sheet.crates,
                "chilled": f"{sheet.chilled} chilled",
            }
        )
    return rows


SHEET_COLUMNS = [
    "strategy",
    "vehicle",
    "vehicle_type",
    "belongs_to",
    "trip",
    "stop",
    "arrival",
    "departure",
    "action",
    "site",
    "site_name",
    "address",
    "lat",
    "lon",
    "order",
    "producer",
    "kg",
    "crates",
    "chilled",
    "load_kg",
    "load_crates",
]
"""Columns of ``route_sheets.csv`` (see :func:`sheet_rows`)."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _parcel_columns(parcel: Parcel | None) -> dict[str, Any]:
    if parcel is None:
        return {}
    return {
        "order": parcel.order,
        "producer": parcel.producer,
        "kg": parcel.kg,
        "crates": parcel.crates,
        "chilled": "yes" if parcel.chilled else "no",
    }
