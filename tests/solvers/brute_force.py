"""Exhaustive optimum of tiny routing problems, the oracle of the backend tests."""

from __future__ import annotations

import itertools

from logistics.checker import check_plan
from logistics.plan import Plan, RoutePlan, evaluate
from logistics.problem import RoutingProblem


def brute_force_optimum(problem: RoutingProblem) -> int:
    """Optimal objective over every assignment of requests to vehicles (or none)."""
    n_req, n_veh = len(problem.requests), len(problem.vehicles)
    best = None
    for assign in itertools.product(range(n_veh + 1), repeat=n_req):
        unserved = tuple(r for r in range(n_req) if assign[r] == n_veh)
        per_vehicle = [
            [
                v
                for r, req in enumerate(problem.requests)
                if assign[r] == k
                for v in (req.pickup, req.delivery)
                if v is not None
            ]
            for k in range(n_veh)
        ]
        orders = itertools.product(*(itertools.permutations(v) for v in per_vehicle))
        for order in orders:
            routes = tuple(RoutePlan(k, o) for k, o in enumerate(order) if o)
            plan = Plan(routes, unserved)
            if check_plan(problem, plan):
                continue
            value = evaluate(problem, plan)
            best = value if best is None else min(best, value)
    assert best is not None
    return best
