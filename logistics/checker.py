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

from collections import Counter
from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from .exceptions import InfeasiblePlanError

if TYPE_CHECKING:
    import numpy as np

    from .fleet import FleetVehicle
    from .plan import Plan
    from .problem import RoutingProblem
    from .scenario import DeliveryPoint, Order, Producer, Scenario, VehicleType
    from .solution import Route, Solution, Stop

__all__ = ["SiteMatrix", "assert_feasible", "check_plan", "check_solution"]


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
        errors += _check_route(problem, route.vehicle, route.visits)
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


def _check_route(problem: RoutingProblem, k: int, visits: tuple[int, ...]) -> list[str]:
    errors: list[str] = []
    vehicle = problem.vehicles[k]
    where = f"vehicle {vehicle.id!r}"
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
    for idx in visits:
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
    late = _first_missed_window(problem, k, visits, vehicle.shift[0])
    if late is not None:
        errors.append(
            f"{where} cannot start visit {late} within its windows, even leaving at "
            f"the start of its shift"
        )
        return errors
    shortest = _shortest_duration(problem, k, visits)
    if shortest is None:
        errors.append(f"{where} cannot end within its shift {vehicle.shift}")
    elif shortest > vehicle.max_duration:
        errors.append(f"{where} route lasts {shortest} > {vehicle.max_duration}")
    return errors


def _transit(problem: RoutingProblem, here: int, there: int) -> int:
    """Travel time, plus the fixed part of a stop when arriving somewhere else."""
    if here == there:
        return 0
    setup = problem.location_setup[there] if problem.location_setup else 0
    return int(problem.duration[here, there]) + int(setup)


def _walk(
    problem: RoutingProblem, k: int, visits: Sequence[int], depart: int
) -> tuple[int | None, int]:
    """Drive the route leaving at ``depart``, serving each visit as early as its
    windows allow: (position of the first visit whose windows have all closed, or
    None; time back at the end)."""
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
    return None, clock + _transit(problem, here, vehicle.end)


def _first_missed_window(
    problem: RoutingProblem, k: int, visits: Sequence[int], depart: int
) -> int | None:
    """The first visit missed when leaving at ``depart`` (None: all made)."""
    missed, _ = _walk(problem, k, visits, depart)
    return None if missed is None else visits[missed]


def _shortest_duration(
    problem: RoutingProblem, k: int, visits: Sequence[int]
) -> int | None:
    """The shortest time from leaving the base to coming back, over departures.

    Waiting before a visit only shrinks when the vehicle leaves later, until it
    arrives exactly at some window bound of some visit, so the shortest duration is
    reached at a departure ``bound - (travel + service before that visit)`` or at the
    shift's start. Returns None when no departure ends within the shift.
    """
    vehicle = problem.vehicles[k]
    departures = {vehicle.shift[0]}
    offset, here = 0, vehicle.start
    for idx in visits:
        visit = problem.visits[idx]
        offset += _transit(problem, here, visit.location)
        for bound in (b for window in visit.windows for b in window):
            if vehicle.shift[0] <= bound - offset <= vehicle.shift[1]:
                departures.add(bound - offset)
        offset += visit.service
        here = visit.location
    best = None
    for depart in departures:
        missed, back = _walk(problem, k, visits, depart)
        if missed is None and back <= vehicle.shift[1]:
            duration = back - depart
            best = duration if best is None else min(best, duration)
    return best


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
    errors: list[str] = []
    picked_count: Counter[str] = Counter()
    delivered_count: Counter[str] = Counter()
    errors += _check_fleet(solution, by_id)
    for route in solution.routes:
        errors += _check_scenario_route(
            scenario, matrix, route, orders, points, farms, by_id.get(route.vehicle)
        )
        for stop in route.stops:
            if stop.type == "pickup" and stop.order:
                picked_count[stop.order] += 1
            elif stop.type == "delivery" and stop.order:
                delivered_count[stop.order] += 1
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
    return errors


def _check_scenario_route(
    scenario: Scenario,
    matrix: SiteMatrix,
    route: Route,
    orders: dict[str, Order],
    points: dict[str, DeliveryPoint],
    farms: dict[str, Producer],
    vehicle: FleetVehicle | None,
) -> list[str]:
    where = f"{solution_label(route)}"
    errors: list[str] = []
    vt = next((t for t in scenario.vehicle_types if t.id == route.vehicle_type), None)
    if vt is None:
        return [f"{where}: unknown vehicle type {route.vehicle_type!r}"]
    stops = route.stops
    if len(stops) < 2 or stops[0].type != "start" or stops[-1].type != "end":
        return [f"{where}: must begin with a start stop and finish with an end stop"]
    errors += _check_totals(where, matrix, route)
    load_kg, load_crates = 0.0, 0
    on_board: set[str] = set()
    for prev, stop in pairwise(stops):
        travel = matrix.duration_s[matrix.index(prev.site), matrix.index(stop.site)]
        if stop.arrival_s + _TIME_TOLERANCE_S < prev.departure_s + travel:
            errors.append(
                f"{where}: reaches {stop.site} at {stop.arrival_s:.0f}s, before "
                f"{prev.departure_s + travel:.0f}s (left {prev.site} + travel time)"
            )
        if stop.start_s + _TIME_TOLERANCE_S < stop.arrival_s:
            errors.append(f"{where}: service at {stop.site} starts before arrival")
        if stop.type in ("pickup", "delivery"):
            order = orders.get(stop.order or "")
            if order is None:
                errors.append(
                    f"{where}: stop at {stop.site} names unknown order {stop.order!r}"
                )
                continue
            new_stop = prev.type not in ("pickup", "delivery") or prev.site != stop.site
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
            if stop.type == "pickup":
                errors += _check_pickup(where, stop, order, farms, vt)
                on_board.add(order.id)
                load_kg += order.kg
                load_crates += order.crates
            else:
                errors += _check_delivery(where, stop, order, points, on_board)
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
    duration_s = stops[-1].arrival_s - stops[0].departure_s
    if duration_s > scenario.max_route_duration_s + _TIME_TOLERANCE_S:
        errors.append(
            f"{where}: lasts {duration_s / 3600:.2f} h, above the "
            f"{scenario.max_route_duration_h:g} h maximum"
        )
    return errors


def _check_totals(where: str, matrix: SiteMatrix, route: Route) -> list[str]:
    """The reported distance and duration follow from the stops and the matrix."""
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
    if abs(span - route.duration_s) > _TIME_TOLERANCE_S:
        errors.append(
            f"{where}: reports {route.duration_s:.0f} s; it leaves at "
            f"{stops[0].departure_s:.0f} s and is back at {stops[-1].arrival_s:.0f} s"
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
    if not (
        farm.available.start - _TIME_TOLERANCE_S
        <= stop.start_s
        <= farm.available.end + _TIME_TOLERANCE_S
    ):
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
    if not any(
        w.start - _TIME_TOLERANCE_S <= stop.start_s <= w.end + _TIME_TOLERANCE_S
        for w in point.time_windows
    ):
        errors.append(
            f"{where}: delivers {order.id!r} at {stop.start_s:.0f}s, outside the time "
            f"windows of {point.id}"
        )
    return errors


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
