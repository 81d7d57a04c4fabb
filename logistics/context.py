"""The planning context: everything a strategy needs, built once per scenario.

A :class:`PlanningContext` holds the scenario, the integer travel matrices between its
sites, each vehicle type's rates and objective coefficients, the factor table, the
solver settings and the plan store. It is immutable and small enough to send to worker
processes (no road network, no shortest-path trees). :meth:`PlanningContext.problem`
builds the routing problem of any set of producers and vehicles from it, in time
proportional to that set: only the sites they use are cut out of the matrices.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .access import forbids, intersect_windows, rules_at
from .constants import MASS_SCALE
from .exceptions import UnknownIdError
from .factors import (
    FactorTable,
    VehicleRates,
    factors,
    objective_coefficients,
    vehicle_rates,
)
from .plan_store import PlanStore
from .problem import Request, RoutingProblem, Vehicle, Visit
from .solvers.base import SolveParams

if TYPE_CHECKING:
    from .fleet import FleetVehicle
    from .matrix import TravelMatrix
    from .plan import Plan
    from .scenario import AccessRule, DeliveryPoint, Order, Producer, Scenario

__all__ = ["PlanningContext", "Shipment", "build_context"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Shipment:
    """One order carried from one site to another (a leg of its journey).

    Parameters
    ----------
    order
        The order carried.
    origin, destination
        Site ids where it is loaded and unloaded (farm, hub or delivery point).
    pickup_windows, delivery_windows
        Sorted, disjoint windows (seconds after midnight) in which loading and
        unloading may start.
    pickup_service_s, delivery_service_s
        The order's own loading and unloading time (the stop's fixed part is the
        site's setup).
    """

    order: Order
    origin: str
    destination: str
    pickup_windows: tuple[tuple[int, int], ...]
    delivery_windows: tuple[tuple[int, int], ...]
    pickup_service_s: int
    delivery_service_s: int


@dataclass(frozen=True, eq=False)
class PlanningContext:
    """Scenario, integer travel data, costs, settings and plan store, built once.

    Build it with :func:`build_context`.

    Parameters
    ----------
    scenario
        The validated scenario.
    site_ids
        Site ids in matrix order.
    distance_m, duration_s
        Integer (metres, seconds) matrices between all sites, read-only.
    rates
        :class:`~logistics.factors.VehicleRates` by vehicle type id.
    coefficients
        Integer objective coefficients (fixed, per metre, per second) by vehicle type.
    factor_table
        The factor table with the scenario's overrides.
    plan_store
        Where solved plans are kept between runs, or ``None`` for none.
    parallel_searches
        Searches one solve may race in its own processes (see
        :class:`~logistics.solvers.SolveParams`); 1 inside worker processes.
    """

    scenario: Scenario
    site_ids: tuple[str, ...]
    distance_m: IntArray
    duration_s: IntArray
    rates: Mapping[str, VehicleRates]
    coefficients: Mapping[str, tuple[int, int, int]]
    factor_table: FactorTable
    plan_store: PlanStore | None = None
    parallel_searches: int = 1

    def __post_init__(self) -> None:
        for attr in ("distance_m", "duration_s"):
            array = np.array(getattr(self, attr), dtype=np.int64)
            array.setflags(write=False)
            object.__setattr__(self, attr, array)
        n = len(self.site_ids)
        if self.distance_m.shape != (n, n) or self.duration_s.shape != (n, n):
            msg = f"distance_m and duration_s must be {n} x {n} (one row per site)."
            raise ValueError(msg)

    def __reduce__(self) -> tuple[object, ...]:
        # Mapping proxies do not pickle; rebuild the context from plain dicts.
        return (
            PlanningContext,
            (
                self.scenario,
                self.site_ids,
                self.distance_m,
                self.duration_s,
                dict(self.rates),
                dict(self.coefficients),
                self.factor_table,
                self.plan_store,
                self.parallel_searches,
            ),
        )

    # -- lookups -----------------------------------------------------------------------
    @cached_property
    def _site_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.site_ids)}

    @cached_property
    def _orders_by_producer(self) -> dict[str, tuple[tuple[int, Order], ...]]:
        """Each producer's orders with their position in the scenario."""
        grouped: dict[str, list[tuple[int, Order]]] = defaultdict(list)
        for position, order in enumerate(self.scenario.orders):
            grouped[order.producer].append((position, order))
        return {p: tuple(orders) for p, orders in grouped.items()}

    @cached_property
    def _points(self) -> dict[str, DeliveryPoint]:
        return {d.id: d for d in self.scenario.delivery_points}

    @cached_property
    def _producers(self) -> dict[str, Producer]:
        return {p.id: p for p in self.scenario.producers}

    def index(self, site_id: str) -> int:
        """Return the matrix row of ``site_id`` (as :meth:`TravelMatrix.index`)."""
        return self.site_index(site_id)

    def site_index(self, site_id: str) -> int:
        """Return the matrix row of ``site_id``.

        Raises
        ------
        UnknownIdError
            If the site is not in the matrices.
        """
        try:
            return self._site_index[site_id]
        except KeyError:
            msg = f"site id {site_id!r} is not in the travel matrix"
            raise UnknownIdError(msg) from None

    @cached_property
    def unserved_penalty(self) -> int:
        """Objective cost of leaving one order unserved, from the scenario.

        Twice the dearest vehicle's fixed cost plus the cost of its longest possible
        route (the maximum route duration, driven at the fastest speed of the
        travel matrix), in the objective's unit: serving an order never costs more
        than this (at worst one more vehicle on one more route), so an order is left
        unserved only when no plan can take it, or when the search falls short.
        """
        max_s = self.scenario.max_route_duration_s
        with np.errstate(divide="ignore", invalid="ignore"):
            speeds = np.where(
                self.duration_s > 0, self.distance_m / self.duration_s, 0.0
            )
        max_m = max_s * max(float(speeds.max(initial=0.0)), 1.0)
        worst = max(
            (
                fixed + per_m * max_m + per_s * max_s
                for fixed, per_m, per_s in self.coefficients.values()
            ),
            default=0.0,
        )
        return int(2 * worst) + 1

    @property
    def producer_ids(self) -> tuple[str, ...]:
        """Every producer, in scenario order."""
        return tuple(p.id for p in self.scenario.producers)

    def orders_of(self, producers: Collection[str]) -> tuple[Order, ...]:
        """The orders of ``producers``, in scenario order (which the solvers see)."""
        known = self._producers
        for p in producers:
            if p not in known:
                msg = f"producer id {p!r} is not in the scenario"
                raise UnknownIdError(msg)
        found = [
            item for p in set(producers) for item in self._orders_by_producer.get(p, ())
        ]
        return tuple(order for _, order in sorted(found, key=lambda item: item[0]))

    def solve_params(
        self, *, time_limit_s: float, initial: Plan | None = None, race: bool = False
    ) -> SolveParams:
        """Search settings of the scenario with a budget, a start and, with ``race``,
        the context's :attr:`parallel_searches`."""
        s = self.scenario.solver
        return SolveParams(
            time_limit_s=time_limit_s,
            seed=s.seed,
            solution_limit=s.solution_limit,
            first_solution=s.first_solution,
            initial=initial,
            parallel_searches=self.parallel_searches if race else 1,
        )

    # -- problems ----------------------------------------------------------------------
    def problem(
        self,
        producers: Collection[str],
        vehicles: Sequence[FleetVehicle],
        *,
        name: str = "",
    ) -> RoutingProblem:
        """Build the routing problem of ``producers``' orders served by ``vehicles``.

        Every order becomes a shipment from its producer's farm to its delivery point
        (capacities in grams and crates, windows in seconds after midnight, costs in
        micro-euros). Chilled orders may only ride in refrigerated vehicles, and a
        vehicle restricted to some producers (:attr:`FleetVehicle.serves`) only
        carries theirs. The problem's locations are the sites these orders use,
        then one location per vehicle base (a copy of its site with no setup, so
        that loading at the farm where a van is kept is a stop like any other), so
        building it takes time in proportion to them.

        Service: each site's fixed part of a stop is its location's setup (farms:
        ``loading_stop_min``, points: ``stop_min``), paid once per run of visits
        at that site; each visit's own service is the per-order part plus the
        per-crate part times the order's crates.

        Parameters
        ----------
        producers
            Producer ids whose orders are served.
        vehicles
            The fleet available (from a strategy's :meth:`fleet`).
        name
            Problem label (defaults to the scenario name).

        Returns
        -------
        RoutingProblem
            The problem, its ``location_ids`` naming the sites.
        """
        shipments = [self._direct(order) for order in self.orders_of(producers)]
        return self.shipments_problem(shipments, vehicles, name=name)

    def shipments_problem(
        self,
        shipments: Sequence[Shipment],
        vehicles: Sequence[FleetVehicle],
        *,
        name: str = "",
    ) -> RoutingProblem:
        """Build the routing problem of carrying ``shipments`` with ``vehicles``.

        As :meth:`problem`, but each order's pickup and delivery sites, windows
        and service times are given (e.g. farm to hub, hub to customer): the legs
        of a journey through a hub. Chilled orders ride only in refrigerated
        vehicles; a vehicle restricted to some producers carries only theirs.

        Parameters
        ----------
        shipments
            The legs to carry, one request each, in this order.
        vehicles
            The fleet available.
        name
            Problem label (defaults to the scenario name).

        Returns
        -------
        RoutingProblem
            The problem, its ``location_ids`` naming the sites.
        """
        stops = _ordered_unique(
            [*(x.origin for x in shipments), *(x.destination for x in shipments)]
        )
        bases = _ordered_unique([s for v in vehicles for s in (v.start, v.end)])
        sites = [*stops, *bases]
        rows = np.array([self.site_index(s) for s in sites], dtype=np.int64)
        local = {s: i for i, s in enumerate(stops)}
        base_local = {s: len(stops) + i for i, s in enumerate(bases)}
        setup = tuple(self._setup_s(s) for s in stops) + (0,) * len(bases)
        problem_vehicles = tuple(self._vehicle(v, base_local) for v in vehicles)
        visits: list[Visit] = []
        requests: list[Request] = []
        for x in shipments:
            r_idx = len(requests)
            allowed, pickup, delivery = self._access(
                (x.origin, x.destination),
                _allowed(x.order, vehicles, problem_vehicles),
                (
                    Visit(
                        local[x.origin],
                        r_idx,
                        "pickup",
                        x.pickup_service_s,
                        x.pickup_windows,
                    ),
                    Visit(
                        local[x.destination],
                        r_idx,
                        "delivery",
                        x.delivery_service_s,
                        x.delivery_windows,
                    ),
                ),
                problem_vehicles,
            )
            visits += (pickup, delivery)
            requests.append(
                Request(
                    id=x.order.id,
                    pickup=len(visits) - 2,
                    delivery=len(visits) - 1,
                    demand=(math.ceil(x.order.kg * MASS_SCALE), x.order.crates),
                    allowed_vehicles=allowed,
                    penalty=self.unserved_penalty,
                    group=x.order.producer,
                )
            )
        return RoutingProblem(
            distance=self.distance_m[np.ix_(rows, rows)],
            duration=self.duration_s[np.ix_(rows, rows)],
            visits=tuple(visits),
            requests=tuple(requests),
            vehicles=problem_vehicles,
            dimensions=("g", "crates"),
            location_ids=tuple(sites),
            name=name or self.scenario.name,
            location_setup=setup,
        )

    @cached_property
    def _rules(self) -> dict[str, tuple[AccessRule, ...]]:
        """Access rules by site (only sites inside some zone)."""
        if not self.scenario.access_rules:
            return {}
        found = {
            s: rules_at(self.scenario, s) for s in self.scenario.site_coordinates()
        }
        return {s: r for s, r in found.items() if r}

    def _access(
        self,
        sites: tuple[str, str],
        allowed: tuple[int, ...] | None,
        visits: tuple[Visit, Visit],
        fleet: Sequence[Vehicle],
    ) -> tuple[tuple[int, ...] | None, Visit, Visit]:
        """Apply the access rules of a request's two sites: vehicles too heavy for
        a zone may not serve it, and its visits there start only while the zone is
        open (no vehicle at all when a visit's windows and the zone's opening do
        not meet)."""
        pickup, delivery = visits
        if not self._rules:
            return allowed, pickup, delivery
        barred: set[str] = set()
        restricted = [pickup, delivery]
        closed = False
        for k, site in enumerate(sites):
            for rule in self._rules.get(site, ()):
                barred |= {
                    t.id for t in self.scenario.vehicle_types if forbids(rule, t)
                }
                windows = intersect_windows(restricted[k].windows, rule.open_windows)
                if windows:
                    restricted[k] = replace(restricted[k], windows=windows)
                else:
                    closed = True
        if barred or closed:
            pool = range(len(fleet)) if allowed is None else allowed
            allowed = tuple(
                k for k in pool if not closed and fleet[k].type not in barred
            )
        return allowed, restricted[0], restricted[1]

    def _setup_s(self, site: str) -> int:
        """Fixed part of a stop at ``site``, in seconds."""
        if site in self._producers:
            return round(self._producers[site].loading_stop_min * 60)
        if site in self._points:
            return round(self._points[site].stop_min * 60)
        hub = next(h for h in self.scenario.hubs if h.id == site)
        return round(hub.stop_min * 60)

    def _vehicle(self, v: FleetVehicle, local: Mapping[str, int]) -> Vehicle:
        vt = self.scenario.vehicle_type(v.type)
        fixed, per_m, per_s = self.coefficients[v.type]
        return Vehicle(
            id=v.id,
            start=local[v.start],
            end=local[v.end],
            capacity=(round(vt.capacity_kg * MASS_SCALE), vt.capacity_crates),
            shift=v.shift_s,
            max_duration=v.max_working_s,
            fixed_cost=fixed,
            distance_cost=per_m,
            duration_cost=per_s,
            type=v.type,
            owner=v.owner,
            refrigerated=vt.refrigerated,
            max_trips=v.max_trips,
            paid_at_base=vt.paid_time == "shift",
        )

    def _direct(self, order: Order) -> Shipment:
        """An order carried straight from its farm to its delivery point."""
        farm = self._producers[order.producer]
        point = self._points[order.delivery_point]
        loading_min = farm.loading_per_order_min + farm.loading_per_crate_min * (
            order.crates
        )
        unloading_min = point.per_order_min + point.per_crate_min * order.crates
        return Shipment(
            order=order,
            origin=farm.id,
            destination=point.id,
            pickup_windows=((farm.available.start, farm.available.end),),
            delivery_windows=tuple(
                sorted((w.start, w.end) for w in point.time_windows)
            ),
            pickup_service_s=round(loading_min * 60),
            delivery_service_s=round(unloading_min * 60),
        )

    def with_plan_store(self, store: PlanStore | None) -> PlanningContext:
        """Return the same context with another plan store (``None``: none)."""
        return replace(self, plan_store=store)


def _ordered_unique(items: Sequence[str]) -> list[str]:
    """Items in first-appearance order, each once."""
    return list(dict.fromkeys(items))


def _allowed(
    order: Order, fleet: Sequence[FleetVehicle], vehicles: Sequence[Vehicle]
) -> tuple[int, ...] | None:
    """Vehicles that may carry ``order``; ``None`` when every vehicle may."""
    chilled = order.temperature == "chilled"
    allowed = tuple(
        k
        for k, (fv, v) in enumerate(zip(fleet, vehicles, strict=True))
        if (v.refrigerated or not chilled)
        and (not fv.serves or order.producer in fv.serves)
    )
    # No restriction at all is said as None: backends then add no constraint.
    return None if len(allowed) == len(vehicles) else allowed


def build_context(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    plan_store: PlanStore | None = None,
    parallel_searches: int = 1,
) -> PlanningContext:
    """Build the planning context of a scenario on a travel matrix.

    Parameters
    ----------
    scenario
        The validated scenario.
    matrix
        Travel distances and times between all its sites (float), rounded here once
        to integer metres and seconds.
    plan_store
        Where to keep solved plans (``None``: solve every time).
    parallel_searches
        Searches a single solve may race in parallel processes.

    Returns
    -------
    PlanningContext
        The immutable context.
    """
    table = factors(scenario.factors or None, country=scenario.costs.country)
    settings = scenario.solver
    rates = {vt.id: vehicle_rates(vt, table) for vt in scenario.vehicle_types}
    coefficients = {
        type_id: objective_coefficients(
            r, settings.objective, settings.carbon_price_eur_per_t
        )
        for type_id, r in rates.items()
    }
    return PlanningContext(
        scenario=scenario,
        site_ids=matrix.site_ids,
        distance_m=np.rint(matrix.distance_m).astype(np.int64),
        duration_s=np.rint(matrix.duration_s).astype(np.int64),
        rates=MappingProxyType(rates),
        coefficients=MappingProxyType(coefficients),
        factor_table=table,
        plan_store=plan_store,
        parallel_searches=parallel_searches,
    )
