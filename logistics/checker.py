"""Independent feasibility checks.

Two checkers, both written without reusing the solver code:

- :func:`check_plan` verifies a problem-level :class:`~logistics.plan.Plan` against its
  :class:`~logistics.problem.RoutingProblem` (used by the backends' tests and the
  benchmark harness);
- :func:`check_solution` verifies a reported :class:`~logistics.solution.Solution`
  from the :class:`~logistics.scenario.Scenario`, a travel matrix and the fleet the
  strategy allows (:meth:`~logistics.strategies.Strategy.fleet`) alone: the vehicle
  and its base, capacity on every leg, travel times, service and loading durations,
  time windows, farm availability, pickup before delivery on the same route, route
  duration and distance, refrigeration, which producers a vehicle may carry for, and
  each order served exactly once or listed as unserved with a reason. It runs before
  any report is written.

Neither imports the problem builder or the schedule code: the arithmetic below is the
checker's own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from .exceptions import InfeasiblePlanError

if TYPE_CHECKING:
    import numpy as np

    from .fleet import FleetVehicle
    from .plan import Plan, RoutePlan
    from .problem import RoutingProblem
    from .scenario import (
        AccessRule,
        DeliveryPoint,
        Hub,
        Order,
        Producer,
        Scenario,
        TimeWindow,
        VehicleType,
    )
    from .solution import Route, Solution, Stop

__all__ = [
    "SiteMatrix",
    "assert_feasible",
    "check_hub_chain",
    "check_plan",
    "check_route",
    "check_solution",
]


class SiteMatrix(Protocol):
    """Travel data between sites: a :class:`~logistics.matrix.TravelMatrix` or a
    :class:`~logistics.context.PlanningContext`."""

    @property
    def distance_m(self) -> np.ndarray:
        """Distances between sites, metres."""
        ...

    @property
    def duration_s(self) -> np.ndarray:
        """Travel times between sites, seconds."""
        ...

    def index(self, site_id: str) -> int:
        """Return the row of ``site_id``."""
        ...


_TIME_TOLERANCE_S = 1.0
_MASS_TOLERANCE_KG = 1e-6


def check_plan(problem: RoutingProblem, plan: Plan) -> list[str]:
    """Return every rule a plan breaks (empty when feasible).

    Parameters
    ----------
    problem
        The routing problem.
    plan
        A plan for it.

    Returns
    -------
    list of str
        One message per violation.
    """
    errors: list[str] = []
    seen: Counter[int] = Counter()
    vehicles_used: Counter[int] = Counter(r.vehicle for r in plan.routes)
    errors += [f"vehicle {k} has {n} routes" for k, n in vehicles_used.items() if n > 1]
    for route in plan.routes:
        errors += _check_route(problem, route.vehicle, route.visits, route.breaks)
        seen.update(route.visits)
    errors += [f"visit {v} made {n} times" for v, n in seen.items() if n > 1]
    unserved = set(plan.unserved)
    for r_idx, req in enumerate(problem.requests):
        nodes = [req.delivery] if req.pickup is None else [req.pickup, req.delivery]
        made = [seen[n] > 0 for n in nodes]
        if r_idx in unserved and any(made):
            errors.append(f"request {req.id!r} listed unserved but visited")
        elif r_idx not in unserved and not all(made):
            errors.append(
                f"request {req.id!r} neither fully served nor listed unserved"
            )
    return errors


def check_route(problem: RoutingProblem, route: RoutePlan) -> list[str]:
    """Return every rule one vehicle's route breaks (empty when feasible): trips,
    capacity on every leg, vehicles allowed, pickup before delivery, windows, shift
    and paid time (what :func:`check_plan` checks of each route)."""
    return _check_route(problem, route.vehicle, route.visits, route.breaks)


def _check_route(
    problem: RoutingProblem, k: int, visits: tuple[int, ...], breaks: tuple[int, ...]
) -> list[str]:
    errors: list[str] = []
    vehicle = problem.vehicles[k]
    where = f"vehicle {vehicle.id!r}"
    if len(breaks) + 1 > vehicle.max_trips:
        errors.append(
            f"{where} makes {len(breaks) + 1} trips; at most {vehicle.max_trips}"
        )
    load = [0] * len(problem.dimensions)
    if problem.requests and problem.requests[0].pickup is None:
        # Depot deliveries are all on board when the vehicle leaves.
        for idx in visits:
            req = problem.requests[problem.visits[idx].request]
            load = [a + b for a, b in zip(load, req.demand, strict=True)]
        for d, (amount, cap) in enumerate(zip(load, vehicle.capacity, strict=True)):
            if amount > cap:
                errors.append(
                    f"{where} leaves its depot with {amount} {problem.dimensions[d]}; "
                    f"capacity {cap}"
                )
    picked: set[int] = set()
    for pos, idx in enumerate(visits):
        if pos in breaks and any(load):
            errors.append(
                f"{where} returns to base before visit {idx} with goods on board "
                f"{load}: every trip must deliver what it collects"
            )
        visit = problem.visits[idx]
        req = problem.requests[visit.request]
        allowed = req.allowed_vehicles
        if allowed is not None and k not in allowed:
            errors.append(
                f"{where} serves request {req.id!r} it is not allowed to carry"
            )
        sign = 1 if visit.kind == "pickup" else -1
        if visit.kind == "pickup":
            picked.add(visit.request)
        elif req.pickup is not None and visit.request not in picked:
            errors.append(f"{where} delivers {req.id!r} before picking it up")
        load = [a + sign * b for a, b in zip(load, req.demand, strict=True)]
        for d, (amount, cap) in enumerate(zip(load, vehicle.capacity, strict=True)):
            if amount > cap:
                errors.append(
                    f"{where} carries {amount} {problem.dimensions[d]} "
                    f"after visit {idx}; capacity {cap}"
                )
    trips = _split(visits, breaks)
    late = _first_missed(problem, k, trips, vehicle.shift[0])
    if late is not None:
        errors.append(
            f"{where} cannot start visit {late} within its windows or end within "
            f"its shift {vehicle.shift}, even leaving as early as it may"
        )
        return errors
    paid = _least_paid_time(problem, k, trips)
    if paid is None:
        errors.append(f"{where} cannot end within its shift {vehicle.shift}")
    elif paid > vehicle.max_duration:
        errors.append(f"{where} works {paid} > {vehicle.max_duration}")
    return errors


def _split(visits: Sequence[int], breaks: Sequence[int]) -> list[list[int]]:
    """The visits of each trip."""
    trips: list[list[int]] = [[]]
    for pos, idx in enumerate(visits):
        if pos in breaks:
            trips.append([])
        trips[-1].append(idx)
    return trips


def _transit(problem: RoutingProblem, here: int, there: int) -> int:
    """Travel time, plus the fixed part of a stop when arriving somewhere else."""
    if here == there:
        return 0
    setup = problem.location_setup[there] if problem.location_setup else 0
    return int(problem.duration[here, there]) + int(setup)


def _walk(
    problem: RoutingProblem, k: int, visits: Sequence[int], depart: int, end: int
) -> tuple[int | None, int]:
    """Drive one trip leaving the base at ``depart``, serving each visit as early
    as its windows allow: (position of the first visit whose windows have all
    closed, or None; time back at ``end``)."""
    vehicle = problem.vehicles[k]
    clock, here = depart, vehicle.start
    for pos, idx in enumerate(visits):
        visit = problem.visits[idx]
        clock += _transit(problem, here, visit.location)
        open_at = [max(clock, lo) for lo, hi in visit.windows if clock <= hi]
        if not open_at:
            return pos, clock
        clock = min(open_at) + visit.service
        here = visit.location
    return None, clock + _transit(problem, here, end)


def _trip_end(problem: RoutingProblem, k: int, trips: Sequence[object], i: int) -> int:
    """Where trip ``i`` ends: the base between trips, the vehicle's end last."""
    vehicle = problem.vehicles[k]
    return vehicle.end if i == len(trips) - 1 else vehicle.start


def _first_missed(
    problem: RoutingProblem, k: int, trips: Sequence[Sequence[int]], clock: int
) -> int | None:
    """With every trip leaving as soon as it may from ``clock`` (the last of
    ``trips`` ends the day): the first visit missed, or the last visit of a trip
    that ends after the shift (-1 for an empty one); None when they all fit."""
    vehicle = problem.vehicles[k]
    for i, trip in enumerate(trips):
        missed, clock = _walk(problem, k, trip, clock, _trip_end(problem, k, trips, i))
        if missed is not None:
            return trip[missed]
        if clock > vehicle.shift[1]:
            return trip[-1] if trip else -1
    return None


def _least_paid_time(
    problem: RoutingProblem, k: int, trips: Sequence[Sequence[int]]
) -> int | None:
    """Paid time of the day with each trip at its shortest, in turn.

    Waiting before a visit only shrinks when the vehicle leaves later, until it
    arrives exactly at some window bound, so a trip's shortest duration is reached
    at a departure ``bound - (travel + service before that visit)`` or at the
    earliest it may leave. Each trip takes its shortest such departure after the
    previous return that keeps the later trips feasible. Returns None when the day
    cannot end within the shift.
    """
    vehicle = problem.vehicles[k]
    earliest, spans, first = vehicle.shift[0], [], None
    for i, trip in enumerate(trips):
        end = _trip_end(problem, k, trips, i)
        best: tuple[int, int] | None = None
        for depart in sorted(_trip_departures(problem, k, trip, earliest)):
            missed, back = _walk(problem, k, trip, depart, end)
            fits = missed is None and back <= vehicle.shift[1]
            if fits and (best is None or back - depart < best[1] - best[0]):
                rest = trips[i + 1 :]
                if _first_missed(problem, k, rest, back) is None:
                    best = (depart, back)
        if best is None:
            return None
        first = best[0] if first is None else first
        spans.append(best[1] - best[0])
        earliest = best[1]
    return earliest - (first or 0) if vehicle.paid_at_base else sum(spans)


def _trip_departures(
    problem: RoutingProblem, k: int, trip: Sequence[int], earliest: int
) -> set[int]:
    """Departures worth trying for one trip (see :func:`_least_paid_time`)."""
    vehicle = problem.vehicles[k]
    departures = {earliest}
    offset, here = 0, vehicle.start
    for idx in trip:
        visit = problem.visits[idx]
        offset += _transit(problem, here, visit.location)
        for bound in (b for window in visit.windows for b in window):
            if earliest <= bound - offset <= vehicle.shift[1]:
                departures.add(bound - offset)
        offset += visit.service
        here = visit.location
    return departures


def _check_fleet(solution: Solution, fleet: dict[str, FleetVehicle]) -> list[str]:
    """Each route uses a vehicle of the strategy's fleet, once, from and to its base."""
    errors = []
    used = Counter(r.vehicle for r in solution.routes)
    errors += [f"vehicle {k!r} has {n} routes" for k, n in used.items() if n > 1]
    for route in solution.routes:
        vehicle = fleet.get(route.vehicle)
        label = solution_label(route)
        if vehicle is None:
            errors.append(f"{label}: not a vehicle of the {solution.strategy} fleet")
            continue
        if route.vehicle_type != vehicle.type:
            errors.append(
                f"{label}: reported as type {route.vehicle_type!r}, "
                f"the fleet says {vehicle.type!r}"
            )
        if route.stops and (
            route.stops[0].site != vehicle.start or route.stops[-1].site != vehicle.end
        ):
            errors.append(
                f"{label}: must start at {vehicle.start} and end at "
                f"{vehicle.end}; starts at {route.stops[0].site}, ends at "
                f"{route.stops[-1].site}"
            )
    return errors


def check_solution(
    scenario: Scenario,
    matrix: SiteMatrix,
    solution: Solution,
    *,
    fleet: Sequence[FleetVehicle],
    producers: Collection[str] | None = None,
) -> list[str]:
    """Return every rule a reported solution breaks, from scenario, matrix and fleet.

    Parameters
    ----------
    scenario
        The scenario the solution claims to serve.
    matrix
        Travel data between the scenario's sites (the one the plan was made on).
    solution
        The reported solution (routes of stops with times and loads).
    fleet
        The vehicles the strategy allows these producers (its ``fleet``).
    producers
        The producers whose orders the solution must account for (all by default).

    Returns
    -------
    list of str
        One message per violation; empty when the solution is feasible.
    """
    members = None if producers is None else set(producers)
    orders = {
        o.id: o for o in scenario.orders if members is None or o.producer in members
    }
    points = {d.id: d for d in scenario.delivery_points}
    farms = {p.id: p for p in scenario.producers}
    by_id = {v.id: v for v in fleet}
    hubs = {h.id: h for h in scenario.hubs}
    errors: list[str] = []
    count: dict[str, Counter[str]] = {
        kind: Counter() for kind in ("pickup", "delivery", "drop", "load")
    }
    errors += _check_fleet(solution, by_id)
    sites = _Sites(orders, points, farms, hubs, _zones(scenario))
    for route in solution.routes:
        errors += _check_scenario_route(
            scenario,
            matrix,
            route,
            sites,
            by_id.get(route.vehicle),
        )
        for stop in route.stops:
            if stop.type in count and stop.order:
                count[stop.type][stop.order] += 1
    picked_count, delivered_count = count["pickup"], count["delivery"]
    if count["drop"] or count["load"]:
        errors += check_hub_chain(solution, orders, hubs)
    unserved = Counter(u.order for u in solution.unserved)
    for u in solution.unserved:
        if not u.reason.strip():
            errors.append(f"order {u.order!r} is listed unserved without a reason")
        if u.order not in orders:
            errors.append(f"unserved order {u.order!r} is not in the scenario")
    for oid in orders:
        served = delivered_count[oid]
        if served + unserved[oid] != 1 or picked_count[oid] != served:
            errors.append(
                f"order {oid!r} must be served once or listed unserved once; delivered "
                f"{served}x, picked up {picked_count[oid]}x, "
                f"listed unserved {unserved[oid]}x"
            )
        if count["drop"][oid] > served or count["load"][oid] != count["drop"][oid]:
            errors.append(
                f"order {oid!r} is unloaded at a hub {count['drop'][oid]}x and loaded "
                f"there {count['load'][oid]}x for {served} delivery: each order "
                "through a hub is unloaded once and loaded once"
            )
    return errors


@dataclass(frozen=True)
class _Sites:
    """The scenario's orders and sites by id, as a route check reads them, and
    the access rules of each site inside a zone."""

    orders: dict[str, Order]
    points: dict[str, DeliveryPoint]
    farms: dict[str, Producer]
    hubs: dict[str, Hub]
    zones: dict[str, list[AccessRule]]


def _zones(scenario: Scenario) -> dict[str, list[AccessRule]]:
    """Access rules by site, with the checker's own geometry (equirectangular
    distance for circles: exact to well under a metre at town scale)."""
    found: dict[str, list[AccessRule]] = {}
    for site, (lat, lon) in scenario.site_coordinates().items():
        for rule in scenario.access_rules:
            if rule.circle is not None:
                c = rule.circle
                dy = (lat - c.lat) * 111_195.0
                dx = (lon - c.lon) * 111_195.0 * math.cos(math.radians(c.lat))
                inside = math.hypot(dx, dy) <= c.radius_m
            else:
                inside = _inside(rule.polygon or [], lat, lon)
            if inside:
                found.setdefault(site, []).append(rule)
    return found


def _inside(vertices: Sequence[Sequence[float]], lat: float, lon: float) -> bool:
    """Even-odd rule: count the polygon edges a ray eastwards from the point crosses."""
    crossings = 0
    for (a_lat, a_lon), (b_lat, b_lon) in pairwise([*vertices, vertices[0]]):
        if (a_lat > lat) != (b_lat > lat):
            t = (lat - a_lat) / (b_lat - a_lat)
            crossings += lon < a_lon + t * (b_lon - a_lon)
    return crossings % 2 == 1


def _check_access(
    where: str, stop: Stop, vt: VehicleType, rules: Sequence[AccessRule]
) -> list[str]:
    """A stop in a zone: the vehicle within the weight limit, the stop while open."""
    errors = []
    for rule in rules:
        limit, weight = rule.max_gross_weight_kg, vt.gross_weight_kg
        if limit is not None and weight is not None and weight > limit:
            errors.append(
                f"{where}: stops at {stop.site} in zone {rule.id!r} with a "
                f"{weight:g} kg vehicle; the zone allows at most {limit:g} kg"
            )
        if rule.open is not None and not _starts_within(stop, rule.open):
            errors.append(
                f"{where}: stops at {stop.site} in zone {rule.id!r} at "
                f"{stop.start_s:.0f}s, while the zone is closed to deliveries"
            )
    return errors


def check_hub_chain(
    solution: Solution, orders: dict[str, Order], hubs: dict[str, Hub]
) -> list[str]:
    """Follow each order through its hub: farm -> hub -> customer.

    Every order unloaded at a hub (``drop``) is loaded out of the same hub
    (``load``) only once its handling is done (unloaded + the hub's handling time
    per order, crate and kg); a chilled order waits on the dock at most the hub's
    ``max_chilled_wait_min`` unless the hub has a cold room; the goods held at once
    never exceed the hub's capacity in kg and crates.

    Parameters
    ----------
    solution
        The reported solution.
    orders
        The orders it must account for, by id.
    hubs
        The scenario's hubs by id.

    Returns
    -------
    list of str
        One message per violation.
    """
    drops: dict[str, Stop] = {}
    loads: dict[str, Stop] = {}
    for route in solution.routes:
        for stop in route.stops:
            if stop.type == "drop" and stop.order:
                drops[stop.order] = stop
            elif stop.type == "load" and stop.order:
                loads[stop.order] = stop
    errors: list[str] = []
    stays: dict[str, list[tuple[float, float, Order]]] = {}
    for oid in sorted(set(drops) | set(loads)):
        order = orders.get(oid)
        if order is None:
            continue  # named as unknown by the route check
        drop, load = drops.get(oid), loads.get(oid)
        if drop is None or load is None:
            errors.append(
                f"order {oid!r} is {'loaded at' if drop is None else 'unloaded at'} "
                "a hub but never "
                f"{'unloaded there' if drop is None else 'loaded out of it'}"
            )
            continue
        if drop.site != load.site:
            errors.append(
                f"order {oid!r} is unloaded at hub {drop.site} but loaded at "
                f"{load.site}"
            )
            continue
        hub = hubs.get(drop.site)
        if hub is None:
            continue  # named as "not a hub" by the route check
        minutes = (
            hub.handling_per_order_min
            + hub.handling_per_crate_min * order.crates
            + hub.handling_per_kg_min * order.kg
        )
        handled = drop.departure_s + minutes * 60
        if load.start_s + _TIME_TOLERANCE_S < handled:
            errors.append(
                f"order {oid!r} leaves hub {hub.id} at {load.start_s:.0f}s, before it "
                f"is unloaded ({drop.departure_s:.0f}s) and handled ({minutes:g} min, "
                f"ready {handled:.0f}s)"
            )
        wait = load.start_s - drop.departure_s
        limit = hub.max_chilled_wait_min * 60
        chilled_outside = order.temperature == "chilled" and not hub.cold_room
        if chilled_outside and wait > limit + _TIME_TOLERANCE_S:
            errors.append(
                f"chilled order {oid!r} waits {wait / 60:.1f} min at hub {hub.id}, "
                f"which has no cold room; at most {hub.max_chilled_wait_min:g} min"
            )
        stays.setdefault(hub.id, []).append((drop.departure_s, load.start_s, order))
    for hub_id, held in stays.items():
        errors += _hub_stock(hubs[hub_id], held)
    return errors


def _hub_stock(hub: Hub, held: list[tuple[float, float, Order]]) -> list[str]:
    """Goods held at once, from unloaded to loaded, within the hub's capacity."""
    # Goods leaving at an instant make room for goods arriving then.
    events = sorted(
        (
            (t, sign, order)
            for t_in, t_out, order in held
            for t, sign in ((t_in, 1), (t_out, -1))
        ),
        key=lambda e: (e[0], e[1]),
    )
    kg, crates = 0.0, 0
    errors: list[str] = []
    for t, sign, order in events:
        kg += sign * order.kg
        crates += sign * order.crates
        if hub.capacity_kg is not None and kg > hub.capacity_kg + _MASS_TOLERANCE_KG:
            errors.append(
                f"hub {hub.id} holds {kg:.1f} kg at {t:.0f}s; capacity "
                f"{hub.capacity_kg:g} kg"
            )
            break
        if hub.capacity_crates is not None and crates > hub.capacity_crates:
            errors.append(
                f"hub {hub.id} holds {crates} crates at {t:.0f}s; capacity "
                f"{hub.capacity_crates}"
            )
            break
    return errors


def _check_scenario_route(
    scenario: Scenario,
    matrix: SiteMatrix,
    route: Route,
    sites: _Sites,
    vehicle: FleetVehicle | None,
) -> list[str]:
    orders, points, farms = sites.orders, sites.points, sites.farms
    where = f"{solution_label(route)}"
    errors: list[str] = []
    vt = next((t for t in scenario.vehicle_types if t.id == route.vehicle_type), None)
    if vt is None:
        return [f"{where}: unknown vehicle type {route.vehicle_type!r}"]
    stops = route.stops
    if len(stops) < 2 or stops[0].type != "start" or stops[-1].type != "end":
        return [f"{where}: must begin with a start stop and finish with an end stop"]
    errors += _check_totals(where, matrix, route, paid_at_base=vt.paid_time == "shift")
    errors += _check_day(where, route, vehicle)
    load_kg, load_crates = 0.0, 0
    on_board: set[str] = set()
    for prev, stop in pairwise(stops):
        if stop.type == "base" and on_board:
            errors.append(
                f"{where}: back at base at {stop.arrival_s:.0f}s with undelivered "
                f"orders {sorted(on_board)}: every trip delivers what it collects"
            )
        travel = matrix.duration_s[matrix.index(prev.site), matrix.index(stop.site)]
        if stop.arrival_s + _TIME_TOLERANCE_S < prev.departure_s + travel:
            errors.append(
                f"{where}: reaches {stop.site} at {stop.arrival_s:.0f}s, before "
                f"{prev.departure_s + travel:.0f}s (left {prev.site} + travel time)"
            )
        if stop.start_s + _TIME_TOLERANCE_S < stop.arrival_s:
            errors.append(f"{where}: service at {stop.site} starts before arrival")
        if stop.type in _ORDER_STOPS:
            order = orders.get(stop.order or "")
            if order is None:
                errors.append(
                    f"{where}: stop at {stop.site} names unknown order {stop.order!r}"
                )
                continue
            new_stop = prev.type not in _ORDER_STOPS or prev.site != stop.site
            errors += _check_access(where, stop, vt, sites.zones.get(stop.site, ()))
            if stop.type in ("drop", "load"):
                errors += _check_hub_stop(where, stop, order, sites.hubs, vt, new_stop)
            else:
                errors += _check_service(where, stop, order, farms, points, new_stop)
            if (
                vehicle is not None
                and vehicle.serves
                and (order.producer not in vehicle.serves)
            ):
                errors.append(
                    f"{where}: carries {order.id!r} of producer {order.producer}, but "
                    f"this vehicle only serves {list(vehicle.serves)}"
                )
            if stop.type in ("pickup", "load"):
                if stop.type == "pickup":
                    errors += _check_pickup(where, stop, order, farms, vt)
                on_board.add(order.id)
                load_kg += order.kg
                load_crates += order.crates
            else:
                if stop.type == "delivery":
                    errors += _check_delivery(where, stop, order, points, on_board)
                elif order.id not in on_board:
                    errors.append(
                        f"{where}: unloads {order.id!r} at hub {stop.site} without "
                        "having loaded it"
                    )
                on_board.discard(order.id)
                load_kg -= order.kg
                load_crates -= order.crates
            if load_kg > vt.capacity_kg + _MASS_TOLERANCE_KG:
                errors.append(
                    f"{where}: carries {load_kg:.1f} kg after {stop.site}; capacity "
                    f"{vt.capacity_kg:g} kg"
                )
            if load_crates > vt.capacity_crates:
                errors.append(
                    f"{where}: carries {load_crates} crates after {stop.site}; "
                    f"capacity {vt.capacity_crates}"
                )
            if abs(stop.load_kg - load_kg) > 1e-3:
                errors.append(
                    f"{where}: reports {stop.load_kg:.3f} kg on board after "
                    f"{stop.site}; the orders give {load_kg:.3f} kg"
                )
    if on_board:
        errors.append(f"{where}: ends with undelivered orders {sorted(on_board)}")
    return errors


def _check_day(where: str, route: Route, vehicle: FleetVehicle | None) -> list[str]:
    """Trips: from and back to the base, in turn, within the shift, at most the
    vehicle's number of trips, paid time within its working hours."""
    if vehicle is None:
        return []
    errors = []
    stops = route.stops
    returns = [s for s in stops if s.type == "base"]
    if len(returns) + 1 > vehicle.max_trips:
        errors.append(
            f"{where}: makes {len(returns) + 1} trips; the vehicle may make "
            f"{vehicle.max_trips}"
        )
    for i, stop in enumerate(returns, start=1):
        if stop.site != vehicle.start:
            errors.append(
                f"{where}: returns between trips to {stop.site}, not to its base "
                f"{vehicle.start}"
            )
        if stop.departure_s + _TIME_TOLERANCE_S < stop.arrival_s:
            errors.append(
                f"{where}: trip {i + 1} leaves base at {stop.departure_s:.0f}s, "
                f"before trip {i} is back at {stop.arrival_s:.0f}s"
            )
    early, late = vehicle.shift_s
    if stops[0].departure_s + _TIME_TOLERANCE_S < early or (
        stops[-1].arrival_s > late + _TIME_TOLERANCE_S
    ):
        errors.append(
            f"{where}: out from {stops[0].departure_s:.0f}s to "
            f"{stops[-1].arrival_s:.0f}s, outside its shift {early}-{late}s"
        )
    if route.duration_s > vehicle.max_working_s + _TIME_TOLERANCE_S:
        errors.append(
            f"{where}: works {route.duration_s / 3600:.2f} h, above its "
            f"{vehicle.max_working_s / 3600:g} h maximum"
        )
    return errors


def _check_totals(
    where: str, matrix: SiteMatrix, route: Route, *, paid_at_base: bool
) -> list[str]:
    """The reported distance and paid time follow from the stops and the matrix:
    paid time is the day's span less the time parked at base between trips, unless
    the driver is paid for the shift."""
    stops = route.stops
    legs_m = [
        float(matrix.distance_m[matrix.index(a.site), matrix.index(b.site)])
        for a, b in pairwise(stops)
    ]
    errors = []
    # Integer matrices round each leg to the metre: allow half a metre per leg.
    if abs(sum(legs_m) - route.distance_m) > 0.5 * len(legs_m) + 1e-6:
        errors.append(
            f"{where}: reports {route.distance_m:.0f} m; its legs add up to "
            f"{sum(legs_m):.0f} m"
        )
    span = stops[-1].arrival_s - stops[0].departure_s
    parked = sum(s.departure_s - s.arrival_s for s in stops if s.type == "base")
    paid = span if paid_at_base else span - parked
    if abs(paid - route.duration_s) > _TIME_TOLERANCE_S * len(stops):
        errors.append(
            f"{where}: reports {route.duration_s:.0f} s of paid time; it leaves at "
            f"{stops[0].departure_s:.0f} s, is back at {stops[-1].arrival_s:.0f} s "
            f"and parks {parked:.0f} s at base between trips"
        )
    return errors


def _check_service(
    where: str,
    stop: Stop,
    order: Order,
    farms: dict[str, Producer],
    points: dict[str, DeliveryPoint],
    new_stop: bool,
) -> list[str]:
    """A stop's fixed part (parking, paperwork) is paid on arriving at a site, once
    for consecutive orders there; then each order takes its own time (per order and
    per crate)."""
    if stop.type == "pickup":
        farm = farms[order.producer]
        fixed = farm.loading_stop_min * 60
        own = farm.loading_per_order_min + farm.loading_per_crate_min * order.crates
        what = "loading"
    else:
        point = points[order.delivery_point]
        fixed = point.stop_min * 60
        own = point.per_order_min + point.per_crate_min * order.crates
        what = "unloading"
    errors = []
    if new_stop and stop.start_s + _TIME_TOLERANCE_S < stop.arrival_s + fixed:
        errors.append(
            f"{where}: starts {what} {order.id!r} at {stop.site} "
            f"{stop.start_s - stop.arrival_s:.0f}s after arriving, before the stop's "
            f"fixed {fixed:.0f}s"
        )
    if stop.departure_s + _TIME_TOLERANCE_S < stop.start_s + own * 60:
        errors.append(
            f"{where}: leaves {stop.site} {stop.departure_s - stop.start_s:.0f}s "
            f"after starting, before the {own * 60:.0f}s of {what} {order.id!r}"
        )
    return errors


_ORDER_STOPS = ("pickup", "delivery", "drop", "load")


def _check_hub_stop(
    where: str,
    stop: Stop,
    order: Order,
    hubs: dict[str, Hub],
    vt: VehicleType,
    new_stop: bool,
) -> list[str]:
    """Unloading (``drop``) or loading (``load``) at a hub: at a hub, while it is
    open, with its dock times; a chilled order is loaded only on a refrigerated
    vehicle."""
    hub = hubs.get(stop.site)
    if hub is None:
        return [f"{where}: {stop.type} of {order.id!r} at {stop.site}, not a hub"]
    errors = []
    opening = hub.opening
    if not _starts_within(stop, (opening,)):
        errors.append(
            f"{where}: {stop.type} of {order.id!r} at hub {hub.id} at "
            f"{stop.start_s:.0f}s, outside its opening {opening.start}-{opening.end}s"
        )
    fixed = hub.stop_min * 60
    own = (hub.per_order_min + hub.per_crate_min * order.crates) * 60
    if new_stop and stop.start_s + _TIME_TOLERANCE_S < stop.arrival_s + fixed:
        errors.append(
            f"{where}: starts the {stop.type} of {order.id!r} at hub {hub.id} "
            f"{stop.start_s - stop.arrival_s:.0f}s after arriving, before the stop's "
            f"fixed {fixed:.0f}s"
        )
    if stop.departure_s + _TIME_TOLERANCE_S < stop.start_s + own:
        errors.append(
            f"{where}: the {stop.type} of {order.id!r} at hub {hub.id} takes "
            f"{stop.departure_s - stop.start_s:.0f}s, less than its {own:.0f}s"
        )
    if stop.type == "load" and order.temperature == "chilled" and not vt.refrigerated:
        errors.append(
            f"{where}: chilled order {order.id!r} loaded at hub {hub.id} into a "
            "non-refrigerated vehicle"
        )
    return errors


def _check_pickup(
    where: str,
    stop: Stop,
    order: Order,
    farms: dict[str, Producer],
    vt: VehicleType,
) -> list[str]:
    errors: list[str] = []
    farm = farms[order.producer]
    if stop.site != farm.id:
        errors.append(
            f"{where}: picks up {order.id!r} at {stop.site}, not at farm {farm.id}"
        )
    if not _starts_within(stop, (farm.available,)):
        errors.append(
            f"{where}: collects {order.id!r} at {stop.start_s:.0f}s, outside the "
            f"farm's availability {farm.available.start}-{farm.available.end}s"
        )
    if order.temperature == "chilled" and not vt.refrigerated:
        errors.append(
            f"{where}: chilled order {order.id!r} in a non-refrigerated vehicle"
        )
    return errors


def _check_delivery(
    where: str,
    stop: Stop,
    order: Order,
    points: dict[str, DeliveryPoint],
    on_board: set[str],
) -> list[str]:
    errors: list[str] = []
    point = points[order.delivery_point]
    if stop.site != point.id:
        errors.append(
            f"{where}: delivers {order.id!r} at {stop.site}, not at {point.id}"
        )
    if order.id not in on_board:
        errors.append(f"{where}: delivers {order.id!r} before picking it up")
    if not _starts_within(stop, point.time_windows):
        errors.append(
            f"{where}: delivers {order.id!r} at {stop.start_s:.0f}s, outside the time "
            f"windows of {point.id}"
        )
    return errors


def _starts_within(stop: Stop, windows: Iterable[TimeWindow]) -> bool:
    """Whether the stop's service starts inside one of ``windows`` (within the
    checker's rounding tolerance)."""
    return any(
        w.start - _TIME_TOLERANCE_S <= stop.start_s <= w.end + _TIME_TOLERANCE_S
        for w in windows
    )


def solution_label(route: Route) -> str:
    """Name a route in messages."""
    return f"{route.strategy} route of vehicle {route.vehicle!r}"


def assert_feasible(
    scenario: Scenario,
    matrix: SiteMatrix,
    solution: Solution,
    *,
    fleet: Sequence[FleetVehicle],
    producers: Collection[str] | None = None,
) -> None:
    """Raise :class:`InfeasiblePlanError` unless ``solution`` passes the checks.

    The checks and arguments are those of :func:`check_solution`.
    """
    errors = check_solution(
        scenario, matrix, solution, fleet=fleet, producers=producers
    )
    if errors:
        raise InfeasiblePlanError(errors)
