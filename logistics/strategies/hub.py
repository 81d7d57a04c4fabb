"""``hub``: producers' goods go through a shared hub, the hub's vans deliver them.

Each order travels in two legs. **First leg**, farm to hub: by the producer's own
vehicles (``first_leg: own``, one routing problem per producer, as ``separate``) or
by the hub's collection vans (``first_leg: collection``, one pickup-and-delivery
problem). At the hub the order is unloaded, handled, and may leave once handling is
done (:func:`logistics.hub.handling_s`). **Second leg**, hub to customer: the hub's
delivery vans, several trips a day, one pickup-and-delivery problem whose pickups
are at the hub.

Legs linked in time (the method)
--------------------------------
1. *Deadlines.* Each order gets a latest drop at the hub: the latest start of its
   customer's windows, less the drive from the hub, the dock times and its
   handling (and the hub's closing). An order that cannot make it even dropped
   at the opening is refused with that reason.
2. *First leg* with the drop windows ``[opening, deadline]``.
3. *Release.* Each order's unloading time in that plan plus its handling is its
   release: the second leg may load it only from then (pickup window
   ``[release, closing]``; chilled orders without a cold room
   ``[release, release + max_chilled_wait_min]``).
4. *Second leg* with those windows (both legs' searches start from greedy
   "load, then deliver" trips, :func:`greedy_trips`). If it leaves orders out,
   their deadlines are tightened (halfway between their earliest possible drop -
   the farm's opening, loading and the drive - and their drop, at least 30 min
   earlier) and steps 2-4 run again, at most :data:`MAX_ROUNDS` rounds in all;
   the round delivering most orders, then at least cost, is kept.
5. *Consistency.* Orders the last second leg still leaves out are taken out of
   the first leg too (they never go to the hub), with the second leg's reason.
   Taking visits out of a route can move the rest of its schedule, so the
   releases, the cold-chain waits and the hub's capacity are checked again, and
   any order that breaks one is taken out of both legs, until none does.

**Starting from another hub plan.** ``solve(start=...)`` with a hub solution (one
with :attr:`~logistics.solution.Solution.hub`, e.g. the plan of a larger set of
producers) starts each leg's search from that plan's routes, restricted to these
producers' orders, when the restriction passes :func:`~logistics.checker.check_plan`
on the leg's problem and, for the second leg, costs less than the greedy trips; any
other ``start`` (e.g. the separate plan :func:`~logistics.comparison.compare` hands
every strategy) is ignored, so ``logistics run`` plans as before. The coalition
values of the fair split use it (:mod:`logistics.coalitions`).

The **optimistic bound** solves the second leg for the same orders as if every one
were ready at the hub when it opens (cold-chain waits ignored too), searched from
the linked second leg (feasible for it) with half the budget, so it is never above
the linked plan; :class:`~logistics.hub.HubOperations` keeps both costs so reports
show how far the linked plan is from it. It is a heuristic reference, not a proven
lower bound.

Limits: one hub (the first with vans); its collection and delivery vans are
distinct vans (one van doing both legs is not modelled); goods do not stay at the
hub overnight.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..checker import check_plan
from ..constants import COST_SCALE
from ..context import Shipment
from ..exceptions import ScenarioError
from ..fleet import FleetVehicle, hub_vehicles, producer_vehicles
from ..hub import HubOperations, OrderAtHub, dock_s, handling_s, peak_stock
from ..plan import Plan, RoutePlan, allowed_vehicles, evaluate, schedule_route
from ..scenario import format_time_of_day
from ..solution import Route, Solution, Unserved, to_solution
from .base import register, solve_problems

if TYPE_CHECKING:
    from ..context import PlanningContext
    from ..problem import RoutingProblem
    from ..scenario import Hub, Order, Scenario

__all__ = ["MAX_ROUNDS", "HubStrategy"]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 3
"""First-leg/second-leg rounds at most (step 4 of the method)."""

_TIGHTEN_MIN_S = 1800
"""A tightened deadline is at least this much earlier than the drop it replaces."""


def platform(scenario: Scenario) -> Hub:
    """Return the hub the strategy uses, or raise a :class:`ScenarioError`."""
    hub = scenario.platform_hub
    if hub is None:
        msg = (
            "hubs: the hub strategy needs a hub with vehicles (its delivery vans); "
            f"scenario {scenario.name!r} has none"
        )
        raise ScenarioError([msg])
    return hub


class HubStrategy:
    """Goods brought to a shared hub, handled, then delivered by the hub's vans."""

    name = "hub"
    description = "goods go to a shared hub, are handled, and hub vans deliver them"

    def fleet(
        self, context: PlanningContext, producers: Collection[str]
    ) -> tuple[FleetVehicle, ...]:
        """First-leg vehicles (own or collection vans), then the delivery vans."""
        hub = platform(context.scenario)
        return _first_fleet(context.scenario, hub, producers) + hub_vehicles(
            context.scenario, hub.id
        )

    def solve(
        self,
        context: PlanningContext,
        producers: Collection[str],
        *,
        start: Solution | None = None,
        executor: Executor | None = None,
    ) -> Solution:
        """Plan both legs linked in time (see the module docstring); ``start``: a
        hub plan whose routes, restricted to ``producers``, start the searches."""
        hub = platform(context.scenario)
        planner = _Planner(context, hub, tuple(producers), executor)
        if start is not None and start.hub is not None:
            planner.start = start
        return planner.run()


def _first_fleet(
    scenario: Scenario, hub: Hub, producers: Collection[str]
) -> tuple[FleetVehicle, ...]:
    if hub.first_leg == "collection":
        return hub_vehicles(scenario, hub.id, leg="collection")
    return tuple(
        replace(v, serves=(p,))
        for p in producers
        for v in producer_vehicles(scenario, p)
    )


@dataclass
class _Leg:
    """Solved problems of one leg (several for own first legs)."""

    problems: list[RoutingProblem]
    plans: list[Plan]

    def times(self, kind: str) -> dict[str, tuple[int, int]]:
        """(service start, departure) of each order's ``kind`` visit."""
        found: dict[str, tuple[int, int]] = {}
        for problem, plan in zip(self.problems, self.plans, strict=True):
            for route in plan.routes:
                sched = schedule_route(
                    problem, route.vehicle, route.visits, route.breaks
                )
                for pos, idx in enumerate(route.visits):
                    visit = problem.visits[idx]
                    if visit.kind == kind:
                        rid = problem.requests[visit.request].id
                        found[rid] = (int(sched.start[pos]), int(sched.departure[pos]))
        return found

    def without(self, ids: Collection[str]) -> _Leg:
        return _Leg(
            self.problems,
            [
                _without(pb, pl, ids)
                for pb, pl in zip(self.problems, self.plans, strict=True)
            ],
        )

    def route_cost(self) -> int:
        """Objective of the routes alone (no unserved penalty)."""
        return sum(
            evaluate(pb, replace(pl, unserved=()))
            for pb, pl in zip(self.problems, self.plans, strict=True)
        )


def _without(problem: RoutingProblem, plan: Plan, ids: Collection[str]) -> Plan:
    """The plan with the requests ``ids`` taken out of its routes (unserved)."""
    gone = {i for i, r in enumerate(problem.requests) if r.id in ids}
    if not gone:
        return plan
    routes = []
    for route in plan.routes:
        trips = [
            tuple(v for v in trip if problem.visits[v].request not in gone)
            for trip in route.trips()
        ]
        trips = [t for t in trips if t]
        if not trips:
            continue
        visits = tuple(v for t in trips for v in t)
        breaks = tuple(itertools.accumulate(len(t) for t in trips[:-1]))
        routes.append(RoutePlan(route.vehicle, visits, breaks))
    served = {problem.visits[v].request for r in routes for v in r.visits}
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(tuple(routes), unserved, plan.backend, plan.wall_time_s)


class _Planner:
    """One run of the method of the module docstring."""

    def __init__(
        self,
        context: PlanningContext,
        hub: Hub,
        producers: tuple[str, ...],
        executor: Executor | None,
    ) -> None:
        self.context = context
        self.scenario = context.scenario
        self.hub = hub
        self.producers = producers
        self.executor = executor
        self.orders = {o.id: o for o in context.orders_of(producers)}
        self.points = {d.id: d for d in self.scenario.delivery_points}
        self.farms = {p.id: p for p in self.scenario.producers}
        self.refused: dict[str, str] = {}
        self.removed: dict[str, str] = {}
        self.start: Solution | None = None

    # -- the method --------------------------------------------------------------------
    def run(self) -> Solution:
        deadlines = self._deadlines()
        todo = [o for oid, o in self.orders.items() if oid not in self.refused]
        rounds = 0
        best: tuple[tuple[int, int], _Leg, _Leg] | None = None
        while True:
            rounds += 1
            first = self._first_leg(todo, deadlines)
            drops = first.times("delivery")
            ready = {
                oid: t[1] + handling_s(self.hub, self.orders[oid])
                for oid, t in drops.items()
            }
            second = self._second_leg(ready)
            delivered = second.times("delivery")
            # Keep the round delivering most, then at least cost: an earlier
            # deadline can cost a first leg more than it gains.
            score = (len(delivered), -(first.route_cost() + second.route_cost()))
            if best is None or score > best[0]:
                best = (score, first, second)
            left_out = set(ready) - set(delivered)
            if not left_out or rounds >= MAX_ROUNDS:
                break
            if not self._tighten(deadlines, left_out, drops):
                break
        first, second = self._consistent(best[1], best[2])
        bound = self._bound(first, second)
        return self._solution(first, second, bound, rounds)

    def _deadlines(self) -> dict[str, int]:
        """Latest start of unloading at the hub per order (step 1); refuses the
        orders that cannot make it."""
        hub = self.hub
        deadlines = {}
        for oid, order in self.orders.items():
            point = self.points[order.delivery_point]
            drive = self._duration(hub.id, point.id) + round(point.stop_min * 60)
            last = max(w.end for w in point.time_windows)
            latest_load = min(last - drive - dock_s(hub, order), hub.opening.end)
            deadline = latest_load - handling_s(hub, order) - dock_s(hub, order)
            if deadline < hub.opening.start:
                self.refused[oid] = (
                    f"through hub {hub.id} it cannot reach {point.id} in time: "
                    f"unloaded at the opening ({format_time_of_day(hub.opening.start)})"
                    f" and handled, it would arrive after its last window closes "
                    f"({format_time_of_day(last)})"
                )
            deadlines[oid] = deadline
        return deadlines

    def _tighten(
        self,
        deadlines: dict[str, int],
        left_out: Collection[str],
        drops: Mapping[str, tuple[int, int]],
    ) -> bool:
        """Ask for an earlier drop of the orders the second leg left out (step 4)."""
        changed = False
        for oid in left_out:
            if oid not in drops:
                continue
            start = drops[oid][0]
            earliest = self._earliest_drop(self.orders[oid])
            earlier = max(
                earliest, start - max(_TIGHTEN_MIN_S, (start - earliest) // 2)
            )
            if earlier < min(deadlines[oid], start) - 60:
                deadlines[oid] = earlier
                changed = True
        return changed

    def _earliest_drop(self, order: Order) -> int:
        """Earliest start of unloading an order at the hub: collected when its farm
        opens (by a collection van that left the hub at its earliest), then driven
        straight to the hub."""
        hub, farm = self.hub, self.farms[order.producer]
        leave = farm.available.start
        if hub.first_leg == "collection":
            vans = hub_vehicles(self.scenario, hub.id, leg="collection")
            first_out = min(v.shift_s[0] for v in vans)
            leave = max(leave, first_out + self._duration(hub.id, farm.id))
        loaded = leave + round(farm.loading_stop_min * 60) + self._farm_loading_s(order)
        arrive = loaded + self._duration(farm.id, hub.id) + round(hub.stop_min * 60)
        return max(hub.opening.start, arrive)

    def _first_leg(self, orders: Sequence[Order], deadlines: Mapping[str, int]) -> _Leg:
        hub, ctx = self.hub, self.context
        shipments = {
            o.id: Shipment(
                o,
                o.producer,
                hub.id,
                (
                    (
                        self.farms[o.producer].available.start,
                        self.farms[o.producer].available.end,
                    ),
                ),
                ((hub.opening.start, min(hub.opening.end, deadlines[o.id])),),
                self._farm_loading_s(o),
                dock_s(hub, o),
            )
            for o in orders
        }
        name = f"{self.scenario.name} / to hub {hub.id}"
        if hub.first_leg == "collection":
            problems = [
                ctx.shipments_problem(
                    list(shipments.values()),
                    _first_fleet(self.scenario, hub, self.producers),
                    name=name,
                )
            ]
            params = ctx.solve_params(
                time_limit_s=self.scenario.solver.time_limit_s,
                initial=greedy_trips(problems[0]),
                race=True,
            )
        else:
            members = [
                p for p in self.producers if any(o.producer == p for o in orders)
            ]
            problems = [
                ctx.shipments_problem(
                    [x for x in shipments.values() if x.order.producer == p],
                    _first_fleet(self.scenario, hub, [p]),
                    name=f"{name} / {p}",
                )
                for p in members
            ]
            params = ctx.solve_params(
                time_limit_s=self.scenario.solver.separate_time_limit_s
            )
        if self.start is None:
            plans = solve_problems(ctx, problems, params, self.executor)
            return _Leg(problems, plans)
        # From the start's first-leg routes, problem by problem where they fit.
        plans = []
        for problem in problems:
            initial = _restricted(problem, self.start, ("pickup", "drop"))
            if initial is None:
                initial = params.initial
            plans += solve_problems(ctx, [problem], replace(params, initial=initial))
        return _Leg(problems, plans)

    def _second_leg(
        self,
        ready: Mapping[str, int],
        *,
        bound: bool = False,
        start: _Leg | None = None,
    ) -> _Leg:
        """Deliveries from the hub; ``bound``: every order ready at the opening;
        ``start``: a second leg to start from, kept if the search ends above it."""
        hub, ctx = self.hub, self.context
        shipments = []
        for oid, t in ready.items():
            order = self.orders[oid]
            window = (
                (hub.opening.start, hub.opening.end)
                if bound
                else self._release(order, t)
            )
            if window[1] < window[0]:
                continue  # ready too late to leave: left out, see _consistent
            point = self.points[order.delivery_point]
            shipments.append(
                Shipment(
                    order,
                    hub.id,
                    point.id,
                    (window,),
                    tuple(sorted((w.start, w.end) for w in point.time_windows)),
                    dock_s(hub, order),
                    round(
                        (point.per_order_min + point.per_crate_min * order.crates) * 60
                    ),
                )
            )
        fleet = hub_vehicles(self.scenario, hub.id)
        label = "bound" if bound else "from hub"
        problem = ctx.shipments_problem(
            shipments, fleet, name=f"{self.scenario.name} / {label} {hub.id}"
        )
        initial = (
            _transfer(start, problem) if start is not None else greedy_trips(problem)
        )
        if start is None and not bound and self.start is not None:
            given = _restricted(problem, self.start, ("load", "delivery"))
            if given is not None and evaluate(problem, given) < evaluate(
                problem, initial
            ):
                initial = given
        # The bound starts from the linked plan: half the budget keeps the run
        # short and it can only end at or below that plan.
        budget = self.scenario.solver.time_limit_s / (2 if bound else 1)
        params = ctx.solve_params(time_limit_s=budget, initial=initial, race=True)
        plan = solve_problems(ctx, [problem], params)[0]
        if initial is not None and evaluate(problem, initial) < evaluate(problem, plan):
            plan = initial
        return _Leg([problem], [plan])

    def _release(self, order: Order, ready_s: int) -> tuple[int, int]:
        """Window in which the order may be loaded out of the hub (step 3)."""
        hub = self.hub
        end = hub.opening.end
        if order.temperature == "chilled" and not hub.cold_room:
            # The wait on the dock counts from unloading, handling included.
            dropped = ready_s - handling_s(hub, order)
            end = min(end, dropped + math.floor(hub.max_chilled_wait_min * 60))
        return (ready_s, end)

    def _consistent(self, first: _Leg, second: _Leg) -> tuple[_Leg, _Leg]:
        """Step 5: drop from both legs what the second leg cannot honour."""
        removed: dict[str, str] = {}
        reasons = self._second_leg_reasons(second)
        carried = second.times("delivery")
        for oid in first.times("delivery"):
            if oid not in carried:
                removed[oid] = reasons.get(
                    oid,
                    f"handled at hub {self.hub.id} too late to leave before it closes "
                    f"({format_time_of_day(self.hub.opening.end)})",
                )
        while True:
            first = first.without(removed)
            second = second.without(removed)
            broken = self._broken(first, second)
            if not broken:
                break
            removed.update(broken)
        self.removed = removed
        return first, second

    def _broken(self, first: _Leg, second: _Leg) -> dict[str, str]:
        """Orders whose times at the hub break a rule, with the reason (one at most
        for capacity, the longest stay at the peak, since removing it changes the
        stock)."""
        hub = self.hub
        drops = first.times("delivery")
        loads = second.times("pickup")
        broken: dict[str, str] = {}
        for oid, (load_start, _) in loads.items():
            order = self.orders[oid]
            dropped = drops[oid][1]
            if load_start < dropped + handling_s(hub, order):
                broken[oid] = (
                    f"its first-leg drop at hub {hub.id} moved to "
                    f"{format_time_of_day(dropped)} when other orders were taken out, "
                    "too late for its delivery van"
                )
            elif (
                order.temperature == "chilled"
                and not hub.cold_room
                and load_start - dropped > hub.max_chilled_wait_min * 60
            ):
                broken[oid] = (
                    f"chilled, it would wait {(load_start - dropped) / 60:.0f} min on "
                    f"the dock of hub {hub.id}, which has no cold room (at most "
                    f"{hub.max_chilled_wait_min:g} min)"
                )
        if broken:
            return broken
        stays = {oid: (drops[oid][1], loads[oid][0]) for oid in loads}
        for limit, what in ((hub.capacity_kg, "kg"), (hub.capacity_crates, "crates")):
            if limit is None:
                continue
            peak = self._over(stays, limit, what)
            if peak is not None:
                return peak
        return {}

    def _over(
        self, stays: Mapping[str, tuple[int, int]], limit: float, what: str
    ) -> dict[str, str] | None:
        """The order to take out when the hub holds more than ``limit``."""

        def amount(oid: str) -> float:
            o = self.orders[oid]
            return o.kg if what == "kg" else o.crates

        events = sorted(
            (t, sign, oid)
            for oid, (a, b) in stays.items()
            for t, sign in ((a, 1), (b, -1))
        )
        held: set[str] = set()
        total = 0.0
        for t, sign, oid in events:
            if sign > 0:
                held.add(oid)
                total += amount(oid)
            else:
                held.discard(oid)
                total -= amount(oid)
            if total > limit + 1e-6:
                victim = max(held, key=lambda o: (stays[o][1] - stays[o][0], o))
                return {
                    victim: (
                        f"hub {self.hub.id} would hold {total:g} {what} at "
                        f"{format_time_of_day(t)}, above its capacity of {limit:g} "
                        f"{what}"
                    )
                }
        return None

    def _bound(self, first: _Leg, second: _Leg) -> _Leg:
        """The second leg with every order of ``first`` ready at the opening,
        searched from the linked ``second`` (feasible for it too), so the bound is
        never above the linked plan."""
        dropped = first.times("delivery")
        return self._second_leg(
            dict.fromkeys(dropped, self.hub.opening.start), bound=True, start=second
        )

    # -- helpers -----------------------------------------------------------------------
    def _duration(self, a: str, b: str) -> int:
        ctx = self.context
        return int(ctx.duration_s[ctx.site_index(a), ctx.site_index(b)])

    def _farm_loading_s(self, order: Order) -> int:
        farm = self.farms[order.producer]
        return round(
            (farm.loading_per_order_min + farm.loading_per_crate_min * order.crates)
            * 60
        )

    def _second_leg_reasons(self, second: _Leg) -> dict[str, str]:
        problem, plan = second.problems[0], second.plans[0]
        partial = to_solution(self.scenario, problem, plan, strategy="hub")
        return {
            u.order: f"second leg from hub {self.hub.id}: {u.reason}"
            for u in partial.unserved
        }

    # -- the result --------------------------------------------------------------------
    def _solution(
        self, first: _Leg, second: _Leg, bound: _Leg, rounds: int
    ) -> Solution:
        routes: list[Route] = []
        unserved: list[Unserved] = []
        for problem, plan in zip(first.problems, first.plans, strict=True):
            part = to_solution(self.scenario, problem, plan, strategy="hub")
            routes += [_retyped(r, "delivery", "drop") for r in part.routes]
            for u in part.unserved:
                reason = self.removed.get(u.order) or (
                    f"first leg to hub {self.hub.id}: {u.reason}"
                )
                unserved.append(replace(u, reason=reason))
        part = to_solution(
            self.scenario, second.problems[0], second.plans[0], strategy="hub"
        )
        routes += [_retyped(r, "pickup", "load") for r in part.routes]
        unserved += [
            Unserved(oid, self.orders[oid].producer, reason)
            for oid, reason in self.refused.items()
        ]
        scale = (
            COST_SCALE
            if self.scenario.solver.objective in ("cost", "cost_carbon")
            else 1
        )
        first_cost = first.route_cost()
        second_cost = second.route_cost()
        penalty = self.context.unserved_penalty * len(unserved)
        ops = self._operations(
            first, second, bound, rounds, first_cost / scale, second_cost / scale
        )
        backends = {
            pl.backend for leg in (first, second) for pl in leg.plans if pl.backend
        }
        return Solution(
            strategy="hub",
            routes=tuple(routes),
            unserved=tuple(sorted(unserved, key=lambda u: u.order)),
            objective=(first_cost + second_cost + penalty) / scale,
            backend="+".join(sorted(backends)) or "none",
            wall_time_s=sum(
                pl.wall_time_s for leg in (first, second) for pl in leg.plans
            ),
            hub=ops,
        )

    def _operations(
        self,
        first: _Leg,
        second: _Leg,
        bound: _Leg,
        rounds: int,
        first_cost: float,
        second_cost: float,
    ) -> HubOperations:
        hub = self.hub
        drops = first.times("delivery")
        loads = second.times("pickup")
        stays = []
        for oid, (load_start, _) in sorted(loads.items()):
            o = self.orders[oid]
            dropped = drops[oid][1]
            chilled = o.temperature == "chilled"
            stays.append(
                OrderAtHub(
                    oid,
                    o.producer,
                    o.kg,
                    o.crates,
                    chilled,
                    float(dropped),
                    float(dropped + handling_s(hub, o)),
                    float(load_start),
                    chilled and hub.cold_room,
                )
            )
        peak_kg, peak_crates, _ = peak_stock(
            (s.dropped_s, s.loaded_s, s.kg, s.crates) for s in stays
        )
        scale = (
            COST_SCALE
            if self.scenario.solver.objective in ("cost", "cost_carbon")
            else 1
        )
        return HubOperations(
            hub=hub.id,
            first_leg=hub.first_leg,
            orders=tuple(stays),
            rounds=rounds,
            first_leg_cost=first_cost,
            second_leg_cost=second_cost,
            bound_second_leg_cost=bound.route_cost() / scale,
            bound_orders_served=len(bound.times("delivery")),
            second_leg_orders_served=len(loads),
            peak_kg=peak_kg,
            peak_crates=peak_crates,
        )


def greedy_trips(problem: RoutingProblem) -> Plan:
    """A feasible plan made of "load everything, then deliver in order" trips.

    Requests are taken by their delivery's first window (then its close); each is
    appended to the trip, among every vehicle's last trip, where it adds the least
    distance while the trip stays feasible (windows, shift, paid time, capacity on
    every dimension, the vehicles allowed); failing that, it opens a new trip (a
    used vehicle's next, or an unused vehicle's first); failing that, it is left
    out. A warm start for the legs through a hub, whose searches from scratch find
    nothing within the budget on a few hundred requests (PyVRP stays infeasible on
    the reefer-only dimension, OR-Tools' first solution takes longer).
    """
    order = sorted(
        range(len(problem.requests)),
        key=lambda r: problem.visits[problem.requests[r].delivery].windows[0],
    )
    trips: dict[int, list[list[int]]] = {}  # vehicle -> trips of request indices
    driven: dict[int, int] = {}  # vehicle -> distance of its day so far
    unserved: list[int] = []
    for r in order:
        best: tuple[int, int, bool] | None = None  # (added cost, vehicle, new trip)
        # Appending to a trip under way first; a new trip only when none fits.
        tries = [(k, False) for k in allowed_vehicles(problem, r) if trips.get(k)]
        tries_new = [
            (k, True)
            for k in allowed_vehicles(problem, r)
            if len(trips.get(k, [])) < problem.vehicles[k].max_trips
        ]
        for k, new_trip in [*tries, *tries_new]:
            if best is not None and new_trip and not best[2]:
                break
            vehicle = problem.vehicles[k]
            days = trips.get(k, [])
            candidate = [list(t) for t in days]
            if new_trip:
                candidate.append([r])
            else:
                candidate[-1].append(r)
            distance = _fits(problem, k, candidate)
            if distance is None:
                continue
            added = vehicle.distance_cost * (distance - driven.get(k, 0))
            added += 0 if days else vehicle.fixed_cost
            if best is None or added < best[0]:
                best = (added, k, new_trip)
                best_distance = distance
        if best is None:
            unserved.append(r)
            continue
        _, k, new_trip = best
        driven[k] = best_distance
        if new_trip:
            trips.setdefault(k, []).append([r])
        else:
            trips[k][-1].append(r)
    routes = tuple(_route_plan(problem, k, days) for k, days in sorted(trips.items()))
    return Plan(routes, tuple(sorted(unserved)), "greedy")


def _route_plan(problem: RoutingProblem, k: int, days: list[list[int]]) -> RoutePlan:
    visits: list[int] = []
    breaks: list[int] = []
    for trip in days:
        if visits:
            breaks.append(len(visits))
        visits += [_pickup(problem, r) for r in trip]
        visits += [problem.requests[r].delivery for r in trip]
    return RoutePlan(k, tuple(visits), tuple(breaks))


def _pickup(problem: RoutingProblem, r: int) -> int:
    pickup = problem.requests[r].pickup
    if pickup is None:
        msg = "greedy_trips plans shipments (pickup and delivery) only"
        raise ValueError(msg)
    return pickup


def _fits(problem: RoutingProblem, k: int, days: list[list[int]]) -> int | None:
    """Distance of the vehicle's day if feasible (None if not)."""
    vehicle = problem.vehicles[k]
    for trip in days:
        for d, cap in enumerate(vehicle.capacity):
            if sum(problem.requests[r].demand[d] for r in trip) > cap:
                return None
    route = _route_plan(problem, k, days)
    sched = schedule_route(problem, k, route.visits, route.breaks)
    if not sched.feasible or sched.duration > vehicle.max_duration:
        return None
    return problem.route_distance(k, route.visits, route.breaks)


def _restricted(
    problem: RoutingProblem, solution: Solution, kinds: tuple[str, str]
) -> Plan | None:
    """The routes of ``solution`` whose stops are of ``kinds`` (loading, unloading:
    one leg), restricted to ``problem``'s requests and vehicles, as a plan of
    ``problem``; None when that plan is empty or breaks a rule of ``problem``."""
    vehicle_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    request_ids = {r.id for r in problem.requests}
    load, unload = kinds
    routes = []
    for route in solution.routes:
        if route.vehicle not in vehicle_index:
            continue
        if not {st.type for st in route.stops} & {load, unload}:
            continue  # a route of the other leg
        visits: list[int] = []
        breaks: set[int] = set()
        for stop in route.stops:
            if stop.type == "base":
                breaks.add(len(visits))  # back at base between two trips
            elif stop.type in kinds and stop.order in request_ids:
                req = problem.requests[problem.request_index(stop.order)]
                visit = req.pickup if stop.type == load else req.delivery
                if visit is not None:
                    visits.append(visit)
        if visits:
            inner = tuple(sorted(b for b in breaks if 0 < b < len(visits)))
            routes.append(RoutePlan(vehicle_index[route.vehicle], tuple(visits), inner))
    if not routes:
        return None
    served = {problem.visits[v].request for r in routes for v in r.visits}
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    plan = Plan(tuple(routes), unserved, "start")
    return plan if not check_plan(problem, plan) else None


def _transfer(leg: _Leg, problem: RoutingProblem) -> Plan:
    """``leg``'s plan as a plan of ``problem`` (same vehicles, requests by id)."""
    src, plan = leg.problems[0], leg.plans[0]
    index = {r.id: i for i, r in enumerate(problem.requests)}

    def visit(v: int) -> int:
        req = problem.requests[index[src.requests[src.visits[v].request].id]]
        pickup = src.visits[v].kind == "pickup"
        return req.pickup if pickup and req.pickup is not None else req.delivery

    routes = tuple(
        RoutePlan(r.vehicle, tuple(visit(v) for v in r.visits), r.breaks)
        for r in plan.routes
    )
    served = {problem.visits[v].request for r in routes for v in r.visits}
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(routes, unserved, "start")


def _retyped(route: Route, old: str, new: str) -> Route:
    """The route with its ``old`` stops called ``new`` (the hub end of a leg)."""
    stops = tuple(replace(s, type=new) if s.type == old else s for s in route.stops)  # type: ignore[arg-type]
    return replace(route, stops=stops)


register(HubStrategy())
