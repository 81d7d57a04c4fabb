"""Search a large pooled problem by parts: farms grouped by area, each group's orders
searched on their own, the union of those plans the start of a search on the whole.

At 200-400 orders PyVRP's iterations are slow (26 ms each on a 200-order collective),
so 20 s buys a few hundred and the plan ends 5-8 % above what 200 s finds. A part of
100-150 orders runs several times more iterations per second, and pooling happens
mostly between neighbouring farms (a van collects at farms near its own, then
delivers in town). :class:`Decomposed` therefore

1. groups the producers (requests' :attr:`~logistics.problem.Request.group`) by the
   travel time between their farms into parts of about :data:`PART_REQUESTS` orders
   (:func:`group_by_area`), each with its members' vehicles (and the vehicles no
   producer owns, at the part with the nearest farm);
2. searches each part in turn on its share of :data:`PARTS_SHARE` of the budget
   (orders no vehicle of their part may carry are left to step 3);
3. searches the whole problem from the union of the parts' plans (or from the
   caller's start plan, when the checker accepts it and it is cheaper) on the rest,
   so orders can still move between parts.

It returns the cheaper checked plan of the union and the last search. Measured on the
collectives at 20 s (``benchmarks/results/2026-12-03-decompose.md``): in a first
version, giving the parts 40 % of the budget instead of 60 % was worse on all five
collectives of 200-400 orders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..plan import Plan, RoutePlan
from .chain import Chain

if TYPE_CHECKING:
    from ..problem import RoutingProblem
    from .base import SolveParams, Solver

__all__ = [
    "DECOMPOSE_MIN_REQUESTS",
    "LARGE_PARTS_MIN_REQUESTS",
    "PARTS_SHARE",
    "PART_REQUESTS",
    "Decomposed",
    "Part",
    "areas",
    "group_by_area",
    "merge_parts",
    "part_count",
    "part_of",
]

PART_REQUESTS = 130
"""Orders per part the grouping aims at: ``round(requests / PART_REQUESTS)`` parts,
at least two."""

PARTS_SHARE = 0.6
"""Share of the budget the parts' searches take together (each in proportion to its
orders); the search on the whole problem gets the rest."""

DECOMPOSE_MIN_REQUESTS = 150
"""Fewest requests for which the portfolio searches by parts (see
:mod:`.portfolio`); at 126 orders by parts was worse than PyVRP alone."""

LARGE_PARTS_MIN_REQUESTS = 250
"""From this many requests :func:`part_count` aims at :data:`PART_REQUESTS` orders per
part; below it, three parts."""


def part_count(n_requests: int) -> int:
    """Parts of the portfolio's first search by parts (the second takes one more).

    Measured at 20 s on the five collectives of 200-400 orders
    (``benchmarks/results/2026-12-03-decompose.md`` and the prototype runs there):
    at 200 orders three parts beat two and PyVRP alone in all six runs, at 300 two
    beat three in all four, at 400 three beat two in all three. No orders-per-part
    rule fits all three sizes, so this follows the measurements: three parts below
    :data:`LARGE_PARTS_MIN_REQUESTS` requests, ``round(n / PART_REQUESTS)`` (at least
    two) from there.
    """
    if n_requests < LARGE_PARTS_MIN_REQUESTS:
        return 3
    return max(2, round(n_requests / PART_REQUESTS))


_SLACK = 1.25
"""A part may take this many times its even share of the orders while farms are
assigned to their nearest part."""


@dataclass(frozen=True)
class Part:
    """A sub-problem and the way back to the whole problem's indices.

    Parameters
    ----------
    problem
        The part: its requests, visits and vehicles only (same matrices).
    requests, vehicles, visits
        For each request, vehicle and visit of ``problem``, its index in the whole.
    """

    problem: RoutingProblem
    requests: tuple[int, ...]
    vehicles: tuple[int, ...]
    visits: tuple[int, ...]


def _farms(problem: RoutingProblem) -> dict[str, int]:
    """Each group's farm: the pickup location of its first request."""
    farms: dict[str, int] = {}
    for r in problem.requests:
        if r.pickup is not None:
            farms.setdefault(r.group, problem.visits[r.pickup].location)
    return farms


def areas(problem: RoutingProblem) -> int:
    """How many distinct farm locations the groups (producers) have: at most that
    many parts (a hub's second leg, every pickup at the hub, has one)."""
    return len(set(_farms(problem).values()))


def group_by_area(problem: RoutingProblem, n_parts: int) -> list[list[str]]:
    """Split the requests' groups (producers) into ``n_parts`` areas.

    Seeds are chosen farthest-first by round-trip travel time between farms (from
    the first group in sorted order), then every group joins its nearest seed with
    room left (at most :data:`_SLACK` times an even share of the orders), groups
    with the most to lose from a second choice first. Deterministic.

    Returns
    -------
    list of list of str
        The groups of each part, sorted; parts in seed order, none empty.
    """
    farms = _farms(problem)
    names = sorted(farms)
    if n_parts < 2 or len(names) < 2:
        return [names]
    n_parts = min(n_parts, len(set(farms.values())))  # no more parts than places
    if n_parts < 2:
        return [names]
    locations = np.array([farms[g] for g in names])
    rt = problem.duration[np.ix_(locations, locations)].astype(np.int64)
    rt = rt + rt.T
    seeds = [0]
    while len(seeds) < n_parts:
        # The farm farthest from every seed, among farms not at a seed's location.
        nearest = rt[:, seeds].min(axis=1).astype(float)
        nearest[np.isin(locations, locations[seeds])] = -1.0
        seeds.append(int(np.argmax(nearest)))
    orders = dict.fromkeys(names, 0)
    for r in problem.requests:
        if r.group in orders:
            orders[r.group] += 1
    room = _SLACK * sum(orders.values()) / n_parts
    to_seed = rt[:, seeds]
    ranked = np.sort(to_seed, axis=1)
    regret = ranked[:, 1] - ranked[:, 0]
    load = [0] * n_parts
    part_of_group: dict[str, int] = {}
    for i in sorted(range(len(names)), key=lambda i: (-regret[i], names[i])):
        choices = sorted(range(n_parts), key=lambda p: (to_seed[i, p], p))
        fits = [p for p in choices if load[p] + orders[names[i]] <= room]
        p = fits[0] if fits else min(range(n_parts), key=lambda p: (load[p], p))
        part_of_group[names[i]] = p
        load[p] += orders[names[i]]
    parts = [[g for g in names if part_of_group[g] == p] for p in range(n_parts)]
    return [p for p in parts if p]


def part_of(problem: RoutingProblem, groups: list[list[str]], index: int) -> Part:
    """The sub-problem of part ``index`` of ``groups`` (from :func:`group_by_area`).

    Its vehicles are those its groups own, and those no group owns whose start is
    nearest (by travel time) to one of its farms; its requests are its groups'
    requests that one of these vehicles may carry.
    """
    farms = _farms(problem)
    member = {g: p for p, gs in enumerate(groups) for g in gs}

    def home(vehicle: int) -> int:
        v = problem.vehicles[vehicle]
        if v.owner in member:
            return member[v.owner]
        return min(
            (int(problem.duration[v.start, farms[g]]), member[g], g) for g in member
        )[1]

    vehicles = [k for k in range(len(problem.vehicles)) if home(k) == index]
    own = set(vehicles)
    position = {k: i for i, k in enumerate(vehicles)}
    requests = [
        i
        for i, r in enumerate(problem.requests)
        if member.get(r.group) == index
        and (r.allowed_vehicles is None or own.intersection(r.allowed_vehicles))
    ]
    visits, new_requests, visit_ids = [], [], []
    for new, i in enumerate(requests):
        r = problem.requests[i]
        ids = [v for v in (r.pickup, r.delivery) if v is not None]
        for v in ids:
            visits.append(replace(problem.visits[v], request=new))
            visit_ids.append(v)
        first = len(visits) - len(ids)
        allowed = (
            None
            if r.allowed_vehicles is None
            else tuple(position[k] for k in r.allowed_vehicles if k in position)
        )
        new_requests.append(
            replace(
                r,
                pickup=None if r.pickup is None else first,
                delivery=len(visits) - 1,
                allowed_vehicles=allowed,
            )
        )
    sub = replace(
        problem,
        visits=tuple(visits),
        requests=tuple(new_requests),
        vehicles=tuple(problem.vehicles[k] for k in vehicles),
        name=f"{problem.name} part {index + 1}/{len(groups)}",
    )
    return Part(sub, tuple(requests), tuple(vehicles), tuple(visit_ids))


def merge_parts(problem: RoutingProblem, parts: list[Part], plans: list[Plan]) -> Plan:
    """The union of the parts' plans on the whole problem; every request no route
    serves is unserved."""
    routes = [
        RoutePlan(
            vehicle=part.vehicles[route.vehicle],
            visits=tuple(part.visits[v] for v in route.visits),
            breaks=route.breaks,
        )
        for part, plan in zip(parts, plans, strict=True)
        for route in plan.routes
    ]
    served = {problem.visits[v].request for route in routes for v in route.visits}
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(routes=tuple(routes), unserved=unserved)


class _Parts:
    """The parts' searches in turn, each on its share of the budget (by its orders),
    and their union: the first search of :class:`Decomposed`'s chain."""

    def __init__(self, inner: Solver, groups: list[list[str]]) -> None:
        self.inner = inner
        self.groups = groups
        self.name = f"{inner.name} on {len(groups)} parts"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """What the inner backend lacks."""
        return self.inner.unsupported(problem)

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """The union of the parts' plans (a part without vans is not searched)."""
        parts = [part_of(problem, self.groups, i) for i in range(len(self.groups))]
        total = sum(len(p.requests) for p in parts) or 1
        plans = [
            self.inner.solve(
                part.problem,
                replace(
                    params,
                    time_limit_s=params.time_limit_s * len(part.requests) / total,
                ),
            )
            if part.problem.vehicles and part.problem.requests
            # No van in the part (or nothing to carry): its orders wait for the
            # search on the whole.
            else Plan(routes=(), unserved=tuple(range(len(part.requests))))
            for part in parts
        ]
        return merge_parts(problem, parts, plans)


class Decomposed:
    """``inner`` on each area's part, then on the whole from their union: a
    :class:`~.chain.Chain` of the parts' searches and ``inner``.

    Parameters
    ----------
    inner
        The backend searching the parts and the whole (PyVRP in the portfolio).
    parts
        Number of parts; by default :func:`part_count`.
    share
        Share of the budget for the parts together.
    """

    def __init__(
        self, inner: Solver, parts: int | None = None, share: float = PARTS_SHARE
    ) -> None:
        self.inner = inner
        self.parts = parts
        self.share = share
        self.name = f"{inner.name} by parts"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """What the inner backend lacks."""
        return self.inner.unsupported(problem)

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """Search the parts in turn, then the whole from the cheaper of their union
        and the caller's checked start; return the cheaper checked plan of the union
        and the last search (see the module notes)."""
        n_parts = self.parts or part_count(len(problem.requests))
        groups = group_by_area(problem, n_parts)
        if len(groups) < 2 or not problem.has_shipments:
            return self.inner.solve(problem, params)
        chain = Chain(_Parts(self.inner, groups), self.inner, self.share)
        return replace(chain.solve(problem, params), backend=self.name)
