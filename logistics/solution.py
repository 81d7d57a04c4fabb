"""Solutions in scenario terms: routes of stops at sites, with times and loads.

:func:`to_solution` turns a problem-level :class:`~logistics.plan.Plan` into a
:class:`Solution` that names vehicles, sites and orders, and gives every unserved order
a reason found by testing it alone against the fleet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .plan import Plan, RoutePlan, allowed_vehicles, schedule_route, solo_obstacle
from .scenario import format_time_of_day

if TYPE_CHECKING:
    from .hub import HubOperations
    from .problem import RoutingProblem
    from .scenario import Scenario

__all__ = ["Route", "Solution", "Stop", "Unserved", "merge_solutions", "to_solution"]

StopType = Literal["start", "pickup", "delivery", "drop", "load", "base", "end"]


@dataclass(frozen=True)
class Stop:
    """A stop of a route; times in seconds after midnight, load after the stop.

    ``pickup`` loads an order at its farm, ``delivery`` unloads it at its customer;
    through a hub, ``drop`` unloads it at the hub (first leg) and ``load`` loads it
    there (second leg). ``base`` stops are the returns to the vehicle's base between
    two trips (arrival: back; departure: leaving on the next trip). ``trip``
    numbers the trip the stop belongs to, from 1 (a base stop ends its trip).
    """

    site: str
    type: StopType
    order: str | None
    arrival_s: float
    start_s: float
    departure_s: float
    load_kg: float
    load_crates: int
    trip: int = 1


@dataclass(frozen=True)
class Route:
    """One vehicle's day."""

    strategy: str
    vehicle: str
    vehicle_type: str
    owner: str
    stops: tuple[Stop, ...]
    distance_m: float
    duration_s: float

    @property
    def distance_km(self) -> float:
        """Distance driven in km."""
        return self.distance_m / 1000.0

    @property
    def duration_h(self) -> float:
        """Paid time of the day in hours: time out on trips (waiting at customers
        included), plus time parked at base between trips for vehicles paid for
        their shift."""
        return self.duration_s / 3600.0

    @property
    def trips(self) -> int:
        """Times the vehicle leaves its base in the day."""
        return 1 + sum(1 for s in self.stops if s.type == "base")

    @property
    def orders(self) -> tuple[str, ...]:
        """Orders delivered on this route."""
        return tuple(s.order for s in self.stops if s.type == "delivery" and s.order)


@dataclass(frozen=True)
class Unserved:
    """An order that no route serves, and why."""

    order: str
    producer: str
    reason: str


@dataclass(frozen=True)
class Solution:
    """A strategy's plan for the whole scenario."""

    strategy: str
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: float
    backend: str
    wall_time_s: float
    hub: HubOperations | None = None
    """What happened at the hub (hub strategy only)."""

    @property
    def orders_served(self) -> int:
        """Number of orders delivered."""
        return sum(len(r.orders) for r in self.routes)


def to_solution(
    scenario: Scenario, problem: RoutingProblem, plan: Plan, *, strategy: str
) -> Solution:
    """Express a plan in scenario terms, with a reason for each unserved order.

    Parameters
    ----------
    scenario
        The scenario the problem was built from.
    problem
        The problem (from :func:`~logistics.problem.build_problem`).
    plan
        The backend's plan.
    strategy
        Label, e.g. ``"separate"`` or ``"pooled"``.

    Returns
    -------
    Solution
        Routes of stops with schedules and loads; the objective in euros when the
        objective is cost (else in the objective's unit).
    """
    from .plan import evaluate

    kg = {o.id: o.kg for o in scenario.orders}
    routes = tuple(_route(problem, r, strategy, kg) for r in plan.routes)
    unserved = tuple(
        Unserved(
            problem.requests[i].id,
            problem.requests[i].group,
            unserved_reason(
                scenario, problem, i, used=frozenset(r.vehicle for r in plan.routes)
            ),
        )
        for i in plan.unserved
    )
    from .constants import COST_SCALE

    scale = COST_SCALE if scenario.solver.objective in ("cost", "cost_carbon") else 1
    return Solution(
        strategy=strategy,
        routes=routes,
        unserved=unserved,
        objective=evaluate(problem, plan) / scale,
        backend=plan.backend,
        wall_time_s=plan.wall_time_s,
    )


def _route(
    problem: RoutingProblem,
    plan: RoutePlan,
    strategy: str,
    order_kg: dict[str, float],
) -> Route:
    """Build a route; loads use the orders' exact kg, not the solver's grams."""
    k, visits = plan.vehicle, plan.visits
    v = problem.vehicles[k]
    sched = schedule_route(problem, k, visits, plan.breaks)
    site = problem.location_ids
    stops = [
        Stop(
            site[v.start],
            "start",
            None,
            sched.depart,
            sched.depart,
            sched.depart,
            0.0,
            0,
        )
    ]
    load_kg, load_crates = 0.0, 0
    here = v.start
    trip = 1
    for pos, idx in enumerate(visits):
        if pos in plan.breaks:
            back, leave = sched.returns[trip - 1]
            stops.append(
                Stop(site[v.start], "base", None, back, back, leave, 0.0, 0, trip)
            )
            trip += 1
            here = v.start
        visit = problem.visits[idx]
        req = problem.requests[visit.request]
        # The schedule's arrival includes the stop's setup (parking, paperwork) when
        # this visit starts a stop; report when the vehicle actually got there.
        setup = (
            problem.location_setup[visit.location]
            if problem.location_setup and visit.location != here
            else 0
        )
        here = visit.location
        sign = 1 if visit.kind == "pickup" else -1
        load_kg += sign * order_kg[req.id]
        load_crates += sign * req.demand[1]
        stops.append(
            Stop(
                site=site[visit.location],
                type=visit.kind,
                order=req.id,
                arrival_s=float(sched.arrival[pos] - setup),
                start_s=float(sched.start[pos]),
                departure_s=float(sched.departure[pos]),
                load_kg=round(load_kg, 6),
                load_crates=load_crates,
                trip=trip,
            )
        )
    stops.append(
        Stop(
            site[v.end],
            "end",
            None,
            sched.finish,
            sched.finish,
            sched.finish,
            0.0,
            0,
            trip,
        )
    )
    return Route(
        strategy=strategy,
        vehicle=v.id,
        vehicle_type=v.type,
        owner=v.owner,
        stops=tuple(stops),
        distance_m=float(problem.route_distance(k, visits, plan.breaks)),
        duration_s=float(sched.duration),
    )


def unserved_reason(
    scenario: Scenario,
    problem: RoutingProblem,
    r_idx: int,
    *,
    used: frozenset[int] = frozenset(),
) -> str:
    """Explain why a request is unserved by testing it alone on each allowed vehicle.

    ``used`` are the vehicles the plan uses: when an allowed vehicle is idle and
    could carry the request alone, the reason says the search left it out (its
    penalty exceeds any vehicle's cost, so only a search shortfall leaves it).
    """
    req = problem.requests[r_idx]
    whose = (
        "the pooled fleet"
        if any(v.owner == "" for v in problem.vehicles)
        or len({v.owner for v in problem.vehicles}) > 1
        else f"producer {req.group}'s own fleet"
    )
    if not problem.vehicles:
        return f"producer {req.group} has no vehicle of its own"
    if req.allowed_vehicles is not None and not req.allowed_vehicles:
        barred = _access_reason(scenario, problem, r_idx)
        if barred:
            return barred
        order = next((o for o in scenario.orders if o.id == req.id), None)
        chilled = order is not None and order.temperature == "chilled"
        if chilled and not any(v.refrigerated for v in problem.vehicles):
            return f"chilled order but {whose} has no refrigerated vehicle"
        return f"no vehicle of {whose} may carry producer {req.group}'s orders"
    obstacles = {
        k: solo_obstacle(problem, r_idx, k) for k in allowed_vehicles(problem, r_idx)
    }
    alone_ok = [k for k, obstacle in obstacles.items() if obstacle is None]
    idle = [k for k in alone_ok if k not in used]
    if idle:
        return (
            f"the search left it out although vehicle {problem.vehicles[idle[0]].id}, "
            "unused, could carry it alone: a search shortfall (try a larger time "
            "limit)"
        )
    if alone_ok:
        return (
            "no room left: every vehicle that could carry it alone is in use, and its "
            "capacity, time windows and maximum route duration do not fit it with "
            "the orders it carries"
        )
    last_problem = ""
    for k, obstacle in obstacles.items():
        v = problem.vehicles[k]
        if obstacle is None:
            continue  # unreachable: handled above; narrows the type
        if obstacle.kind == "capacity":
            last_problem = f"it exceeds the capacity of vehicle {v.id}"
        elif obstacle.kind == "windows" and obstacle.schedule is not None:
            windows = problem.visits[req.delivery].windows
            shown = ", ".join(
                f"{format_time_of_day(a)}-{format_time_of_day(b)}" for a, b in windows
            )
            site = problem.location_ids[problem.visits[req.delivery].location]
            arrival = int(obstacle.schedule.arrival[-1])
            last_problem = (
                f"vehicle {v.id} cannot reach {site}"
                f" within its windows ({shown}) after collecting at the farm "
                f"(earliest arrival {format_time_of_day(arrival)})"
            )
        elif obstacle.schedule is not None:
            duration = obstacle.schedule.duration
            last_problem = (
                f"a round trip by vehicle {v.id} lasts {duration / 3600:.1f} h, "
                f"above the {v.max_duration / 3600:g} h maximum route duration"
            )
    return f"no vehicle of {whose} can serve it on its own: {last_problem}"


def _access_reason(scenario: Scenario, problem: RoutingProblem, r_idx: int) -> str:
    """Why the access rules at a request's sites leave no vehicle for it ("" if
    they do not)."""
    from .access import forbids, intersect_windows, rules_at

    req = problem.requests[r_idx]
    reasons = []
    for idx in (req.pickup, req.delivery):
        if idx is None:
            continue
        visit = problem.visits[idx]
        site = problem.location_ids[visit.location]
        for rule in rules_at(scenario, site):
            if not intersect_windows(visit.windows, rule.open_windows):
                shown = ", ".join(
                    f"{format_time_of_day(a)}-{format_time_of_day(b)}"
                    for a, b in rule.open_windows
                )
                reasons.append(
                    f"access rule {rule.id!r}: zone open {shown}, outside the "
                    f"windows of {site}"
                )
            heavy = {
                v.type
                for v in problem.vehicles
                if forbids(rule, scenario.vehicle_type(v.type))
            }
            if heavy and heavy >= {v.type for v in problem.vehicles}:
                reasons.append(
                    f"access rule {rule.id!r} bars vehicles above "
                    f"{rule.max_gross_weight_kg:g} kg from {site}, and every vehicle "
                    "that could carry it is heavier"
                )
    return "; ".join(reasons)


def merge_solutions(strategy: str, parts: list[Solution]) -> Solution:
    """Combine per-producer solutions into one strategy-wide solution."""
    return Solution(
        strategy=strategy,
        routes=tuple(r for p in parts for r in p.routes),
        unserved=tuple(u for p in parts for u in p.unserved),
        objective=sum(p.objective for p in parts),
        backend="+".join(sorted({p.backend for p in parts if p.backend})) or "none",
        wall_time_s=sum(p.wall_time_s for p in parts),
    )
