"""Cost and CO2e accounting of a solution: per leg, route, order, producer and strategy.

Method (see ``docs/emissions.md``):

- **Emissions, GLEC / ISO 14083.** For a vehicle type with an ``emission_class``, each
  leg's energy is ``distance x (empty + (full - empty) x load / capacity)`` (plus the
  refrigeration uplift on refrigerated vehicles), with the load actually on board on
  that leg, and CO2e = energy x the carrier's well-to-wheel factor. A vehicle type
  without an emission class uses its flat ``co2e_kg_per_km``.
- **Allocation to orders, ISO 14083.** Each route's emissions are split over the orders
  it carries in proportion to mass x shortest road distance from pickup to delivery
  (not the detour actually ridden), then summed per producer. Route costs are split by
  the same rule, so per-producer costs add up to the strategy's cost.
- **Costs.** Fixed cost per vehicle-day used; per-km running cost = energy x price +
  maintenance per km (from the factor table) or the type's flat ``cost_per_km_eur``;
  driver time (waiting included) valued per hour.

Factors and rates come from :mod:`logistics.factors`, leg arithmetic and indicators
from :mod:`logistics.emissions`: this module only walks routes and adds up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .emissions import Legs, allocate_iso14083, route_emissions
from .factors import (
    FactorTable,
    VehicleRates,
    factors,
    hub_operation_factors,
    vehicle_rates,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .checker import SiteMatrix
    from .hub import HubOperations
    from .scenario import Scenario
    from .solution import Route, Solution

__all__ = [
    "HubAccount",
    "ProducerAccount",
    "RouteAccount",
    "StrategyAccount",
    "account",
]


@dataclass(frozen=True)
class RouteAccount:
    """Cost, emissions and activity of one route."""

    vehicle: str
    method: str
    distance_km: float
    duration_h: float
    fixed_cost_eur: float
    distance_cost_eur: float
    time_cost_eur: float
    co2e_kg: float
    wtt_co2e_kg: float
    ttw_co2e_kg: float
    tonne_km: float
    capacity_tonne_km: float
    empty_km: float
    delivered_kg: float
    order_co2e_kg: Mapping[str, float] = field(default_factory=dict)
    order_cost_eur: Mapping[str, float] = field(default_factory=dict)
    trips: int = 1

    @property
    def cost_eur(self) -> float:
        """Total cost of the route."""
        return self.fixed_cost_eur + self.distance_cost_eur + self.time_cost_eur


@dataclass(frozen=True)
class ProducerAccount:
    """A producer's share of a strategy (ISO 14083 allocation)."""

    producer: str
    orders_served: int
    delivered_kg: float
    co2e_kg: float
    cost_eur: float
    tonne_km_sfd: float

    @property
    def co2e_g_per_kg(self) -> float:
        """Grams CO2e per kg delivered."""
        return (
            1000 * self.co2e_kg / self.delivered_kg if self.delivered_kg else math.nan
        )

    @property
    def cost_eur_per_kg(self) -> float:
        """Euros per kg delivered."""
        return self.cost_eur / self.delivered_kg if self.delivered_kg else math.nan


@dataclass(frozen=True)
class HubAccount:
    """What the hub adds: its operations (ISO 14083 hub activity) and both legs.

    ``handling_cost_eur`` is the hub's handling cost per kg times the kg handled;
    ``co2e_kg`` its operations' emissions (tonnes handled x the GLEC intensity of
    the hub operation category: ambient transhipment, chilled cross-dock, chilled
    through the cold room; ``logistics/data/hub_operations.csv``). ``first_leg_*``
    and ``second_leg_*`` are the routes to and from the hub. Per-order shares are
    by the order's own kg.
    """

    hub: str
    handled_kg: float
    orders_handled: int
    cold_room_kg: float
    handling_cost_eur: float
    co2e_kg: float
    first_leg_km: float
    second_leg_km: float
    first_leg_co2e_kg: float
    second_leg_co2e_kg: float
    order_co2e_kg: Mapping[str, float] = field(default_factory=dict)
    order_cost_eur: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StrategyAccount:
    """Totals, indicators and per-producer shares of a strategy.

    With a hub, cost and CO2e include the hub's operations (:class:`HubAccount`).
    """

    strategy: str
    routes: tuple[RouteAccount, ...]
    orders_served: int
    orders_unserved: int
    producers: tuple[ProducerAccount, ...] = ()
    hub: HubAccount | None = None

    def _sum(self, name: str) -> float:
        return float(sum(getattr(r, name) for r in self.routes))

    @property
    def distance_km(self) -> float:
        """Total distance driven."""
        return self._sum("distance_km")

    @property
    def duration_h(self) -> float:
        """Total vehicle hours, waiting included."""
        return self._sum("duration_h")

    @property
    def cost_eur(self) -> float:
        """Total cost, hub handling included."""
        hub = self.hub.handling_cost_eur if self.hub is not None else 0.0
        return self._sum("cost_eur") + hub

    @property
    def co2e_kg(self) -> float:
        """Total well-to-wheel emissions, hub operations included."""
        hub = self.hub.co2e_kg if self.hub is not None else 0.0
        return self._sum("co2e_kg") + hub

    @property
    def vehicles_used(self) -> int:
        """Vehicles with a non-empty route."""
        return len(self.routes)

    @property
    def trips(self) -> int:
        """Times vehicles leave their base, all vehicles together."""
        return sum(r.trips for r in self.routes)

    @property
    def delivered_kg(self) -> float:
        """Mass delivered."""
        return self._sum("delivered_kg")

    @property
    def tonne_km(self) -> float:
        """Tonne-km actually carried (load on each leg x leg distance)."""
        return self._sum("tonne_km")

    @property
    def load_factor(self) -> float:
        """kg-km carried / capacity-kg-km driven."""
        cap = self._sum("capacity_tonne_km")
        return self.tonne_km / cap if cap else math.nan

    @property
    def empty_running_share(self) -> float:
        """Share of km driven with nothing on board."""
        km = self.distance_km
        return self._sum("empty_km") / km if km else math.nan

    @property
    def co2e_g_per_kg(self) -> float:
        """Grams CO2e per kg delivered."""
        kg = self.delivered_kg
        return 1000 * self.co2e_kg / kg if kg else math.nan

    @property
    def cost_eur_per_kg(self) -> float:
        """Euros per kg delivered."""
        kg = self.delivered_kg
        return self.cost_eur / kg if kg else math.nan

    def indicators(self) -> dict[str, float]:
        """The indicators reported per strategy."""
        return {
            "tonne_km": self.tonne_km,
            "load_factor": self.load_factor,
            "empty_running_share": self.empty_running_share,
            "co2e_g_per_kg_delivered": self.co2e_g_per_kg,
            "cost_eur_per_kg_delivered": self.cost_eur_per_kg,
            "delivered_kg": self.delivered_kg,
        }


def _legs(route: Route, matrix: SiteMatrix, capacity_kg: float) -> Legs:
    """Distance (km) and load on board (kg) of each leg between consecutive stops.

    Legs of zero length (two stops at one site) are left out.
    """
    distances, loads = [], []
    for prev, stop in zip(route.stops, route.stops[1:], strict=False):
        d_m = float(matrix.distance_m[matrix.index(prev.site), matrix.index(stop.site)])
        if d_m > 0:
            distances.append(d_m / 1000)
            loads.append(max(0.0, prev.load_kg))
    return Legs(
        np.asarray(distances, dtype=np.float64),
        np.asarray(loads, dtype=np.float64),
        capacity_kg,
    )


def _sfd_km(matrix: SiteMatrix, producer: str, point: str) -> float:
    """Shortest feasible distance of an order: farm to delivery point, in km."""
    return float(matrix.distance_m[matrix.index(producer), matrix.index(point)]) / 1000


def _carried(route: Route) -> list[tuple[str, str, str]]:
    """The orders a route carries, each with the sites it loads and unloads them at
    (farm or hub, customer or hub): the route's transport chain elements."""
    loaded: dict[str, str] = {}
    legs = []
    for stop in route.stops:
        if not stop.order:
            continue
        if stop.type in ("pickup", "load"):
            loaded[stop.order] = stop.site
        elif stop.type in ("delivery", "drop"):
            legs.append((stop.order, loaded.get(stop.order, stop.site), stop.site))
    return legs


def _route_account(
    scenario: Scenario,
    matrix: SiteMatrix,
    route: Route,
    table: FactorTable,
    rates: VehicleRates,
) -> RouteAccount:
    vt = scenario.vehicle_type(route.vehicle_type)
    orders = {o.id: o for o in scenario.orders}
    legs = _legs(route, matrix, vt.capacity_kg)
    km = legs.total_km
    if vt.emission_class is not None:
        em = route_emissions(
            legs.distance_km,
            legs.load_kg,
            vt.capacity_kg,
            vt.emission_class,
            refrigerated=vt.refrigerated,
            table=table,
        )
        co2e, wtt, ttw = em.co2e_kg, em.wtt_co2e_kg, em.ttw_co2e_kg
        running = (
            vt.cost_per_km_eur * km
            if vt.cost_per_km_eur is not None
            else em.running_cost_eur
        )
        method = f"GLEC per-leg load model, class {vt.emission_class}"
    else:
        co2e, wtt, ttw = rates.co2e_kg_per_km * km, math.nan, math.nan
        running = rates.running_eur_per_km * km
        method = "flat kg CO2e/km of the vehicle type"
    legs_carried = _carried(route)
    carried = [oid for oid, _, _ in legs_carried]
    mass = [orders[o].kg for o in carried]
    sfd = [_sfd_km(matrix, origin, dest) for _, origin, dest in legs_carried]
    delivered = sum(orders[o].kg for o in route.orders)
    fixed = rates.fixed_eur
    time_cost = rates.driver_eur_per_h * route.duration_h
    total_cost = fixed + running + time_cost
    return RouteAccount(
        vehicle=route.vehicle,
        method=method,
        distance_km=km,
        duration_h=route.duration_h,
        fixed_cost_eur=fixed,
        distance_cost_eur=running,
        time_cost_eur=time_cost,
        co2e_kg=co2e,
        wtt_co2e_kg=wtt,
        ttw_co2e_kg=ttw,
        tonne_km=legs.tonne_km,
        capacity_tonne_km=legs.capacity_tonne_km,
        empty_km=legs.empty_km,
        delivered_kg=delivered,
        order_co2e_kg=MappingProxyType(allocate_iso14083(co2e, carried, mass, sfd)),
        order_cost_eur=MappingProxyType(
            allocate_iso14083(total_cost, carried, mass, sfd)
        ),
        trips=route.trips,
    )


def _producers(
    scenario: Scenario,
    matrix: SiteMatrix,
    routes: tuple[RouteAccount, ...],
    delivered: set[str],
    hub: HubAccount | None = None,
) -> tuple[ProducerAccount, ...]:
    """Each producer's orders delivered, and its allocated cost and CO2e: every
    transport chain element (a route's share, by mass x SFD) and hub operations."""
    orders = {o.id: o for o in scenario.orders}
    acc: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "kg": 0.0, "co2e": 0.0, "cost": 0.0, "tkm": 0.0}
    )
    for oid in delivered:
        o = orders[oid]
        sfd_km = _sfd_km(matrix, o.producer, o.delivery_point)
        a = acc[o.producer]
        a["n"] += 1
        a["kg"] += o.kg
        a["tkm"] += o.kg * sfd_km / 1000
    shares = [(r.order_co2e_kg, r.order_cost_eur) for r in routes]
    if hub is not None:
        shares.append((hub.order_co2e_kg, hub.order_cost_eur))
    for co2e_of, cost_of in shares:
        for oid, co2e in co2e_of.items():
            a = acc[orders[oid].producer]
            a["co2e"] += co2e
            a["cost"] += cost_of[oid]
    return tuple(
        ProducerAccount(
            p.id,
            acc[p.id]["n"],
            acc[p.id]["kg"],
            acc[p.id]["co2e"],
            acc[p.id]["cost"],
            acc[p.id]["tkm"],
        )
        for p in scenario.producers
    )


def account(
    scenario: Scenario, solution: Solution, matrix: SiteMatrix
) -> StrategyAccount:
    """Compute costs, emissions and indicators of every route of ``solution``.

    Parameters
    ----------
    scenario
        The scenario (vehicle types, emission classes, factor overrides).
    solution
        A checked solution.
    matrix
        The travel matrix the solution was planned on (leg distances and SFDs).

    Returns
    -------
    StrategyAccount
        Per-route figures, per-producer allocations and strategy totals.

    Raises
    ------
    UnknownIdError
        When a route names a vehicle type the scenario does not have.
    """
    table = factors(scenario.factors or None, country=scenario.costs.country)
    rates = {vt.id: vehicle_rates(vt, table) for vt in scenario.vehicle_types}
    routes = tuple(
        _route_account(
            scenario, matrix, r, table, rates[scenario.vehicle_type(r.vehicle_type).id]
        )
        for r in solution.routes
    )
    hub = (
        _hub_account(scenario, solution.hub, routes, solution)
        if solution.hub is not None
        else None
    )
    delivered = {o for r in solution.routes for o in r.orders}
    return StrategyAccount(
        strategy=solution.strategy,
        routes=routes,
        orders_served=solution.orders_served,
        orders_unserved=len(solution.unserved),
        producers=_producers(scenario, matrix, routes, delivered, hub),
        hub=hub,
    )


def _hub_account(
    scenario: Scenario,
    ops: HubOperations,
    routes: tuple[RouteAccount, ...],
    solution: Solution,
) -> HubAccount:
    """Hub operations as a transport chain element: handling cost per kg and CO2e
    per tonne handled by hub operation category, per order; plus the km of each leg."""
    hub = next(h for h in scenario.hubs if h.id == ops.hub)
    intensity = hub_operation_factors()
    co2e: dict[str, float] = {}
    cost: dict[str, float] = {}
    cold_kg = 0.0
    for o in ops.orders:
        if not o.chilled:
            category = "transhipment_ambient"
        elif o.cold_room:
            category = "storage_transhipment_mixed"
            cold_kg += o.kg
        else:
            category = "transhipment_mixed"
        co2e[o.order] = o.kg / 1000 * intensity[category]
        cost[o.order] = o.kg * hub.handling_cost_eur_per_kg
    first = {
        r.vehicle for r in solution.routes if any(s.type == "drop" for s in r.stops)
    }
    return HubAccount(
        hub=hub.id,
        handled_kg=ops.handled_kg,
        orders_handled=len(ops.orders),
        cold_room_kg=cold_kg,
        handling_cost_eur=math.fsum(cost.values()),
        co2e_kg=math.fsum(co2e.values()),
        first_leg_km=math.fsum(r.distance_km for r in routes if r.vehicle in first),
        second_leg_km=math.fsum(
            r.distance_km for r in routes if r.vehicle not in first
        ),
        first_leg_co2e_kg=math.fsum(r.co2e_kg for r in routes if r.vehicle in first),
        second_leg_co2e_kg=math.fsum(
            r.co2e_kg for r in routes if r.vehicle not in first
        ),
        order_co2e_kg=MappingProxyType(co2e),
        order_cost_eur=MappingProxyType(cost),
    )
