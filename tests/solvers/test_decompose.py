"""Search by parts (:mod:`logistics.solvers.decompose`)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from logistics.checker import check_plan
from logistics.plan import Plan, evaluate
from logistics.problem import Request, RoutingProblem, Vehicle, Visit
from logistics.solvers import SolveParams
from logistics.solvers.decompose import (
    Decomposed,
    areas,
    group_by_area,
    merge_parts,
    part_of,
)
from logistics.solvers.ortools_solver import OrToolsSolver

# Farms: four in the west (x = -10), three in the east (x = +10); a town at 0.
FARMS = {
    "w1": (-10, 0),
    "w2": (-11, 2),
    "w3": (-9, -2),
    "w4": (-10, 3),
    "e1": (10, 0),
    "e2": (11, -2),
    "e3": (9, 2),
}
SHOPS = [(0, 1), (1, -1), (-1, 0), (0, -2)]


def _problem() -> RoutingProblem:
    """Two orders per farm to the town's shops; one van per farm (owned), a shared
    van at the town's west edge, and one order of e1 only the west farm w1's van may
    carry."""
    names = sorted(FARMS)
    xy = [FARMS[n] for n in names] + SHOPS + [(-2, 0)]
    pts = np.array(xy, dtype=float)
    diff = pts[:, None, :] - pts[None, :, :]
    dist = np.rint(np.hypot(diff[..., 0], diff[..., 1]) * 100).astype(np.int64)
    visits: list[Visit] = []
    requests: list[Request] = []
    for f, name in enumerate(names):
        for j in range(2):
            r = len(requests)
            shop = len(names) + (f + j) % len(SHOPS)
            visits.append(Visit(f, r, "pickup", 60, ((0, 10**6),)))
            visits.append(Visit(shop, r, "delivery", 60, ((0, 10**6),)))
            only_w1 = (names.index("w1"),) if (name, j) == ("e1", 1) else None
            requests.append(
                Request(
                    f"{name}-{j}",
                    len(visits) - 2,
                    len(visits) - 1,
                    (3,),
                    allowed_vehicles=only_w1,
                    group=name,
                )
            )
    vehicles = [
        Vehicle(f"van-{n}", f, f, (10,), (0, 10**6), 10**6, 1000, 1, 0, owner=n)
        for f, n in enumerate(names)
    ]
    depot = len(xy) - 1
    vehicles.append(Vehicle("shared", depot, depot, (10,), (0, 10**6), 10**6, 1000))
    return RoutingProblem(
        dist,
        dist.copy(),
        tuple(visits),
        tuple(requests),
        tuple(vehicles),
        name="two areas",
    )


def test_groups_split_by_area() -> None:
    """Two parts: the western farms and the eastern ones."""
    groups = group_by_area(_problem(), 2)
    assert sorted(map(sorted, groups)) == [["e1", "e2", "e3"], ["w1", "w2", "w3", "w4"]]
    assert group_by_area(_problem(), 1) == [sorted(FARMS)]


def test_part_keeps_its_farms_orders_and_vans() -> None:
    """A part holds its groups' orders and vans, the shared van goes to the part of
    the nearest farm, and an order no van of its part may carry is left out; every
    index maps back to the same visit in the whole."""
    problem = _problem()
    groups = group_by_area(problem, 2)
    west = next(i for i, g in enumerate(groups) if "w1" in g)
    east = 1 - west
    parts = [part_of(problem, groups, i) for i in range(2)]
    vans = [[problem.vehicles[k].id for k in p.vehicles] for p in parts]
    assert sorted(vans[west]) == ["shared", "van-w1", "van-w2", "van-w3", "van-w4"]
    assert sorted(vans[east]) == ["van-e1", "van-e2", "van-e3"]
    ids = [[problem.requests[i].id for i in p.requests] for p in parts]
    assert len(ids[west]) == 8
    assert "e1-1" not in ids[east]
    assert len(ids[east]) == 5
    for part in parts:
        sub = part.problem
        for new, old in enumerate(part.visits):
            mine, whole = sub.visits[new], problem.visits[old]
            assert (mine.location, mine.kind, mine.windows) == (
                whole.location,
                whole.kind,
                whole.windows,
            )
            assert part.requests[mine.request] == whole.request


def test_union_of_part_plans_is_a_checked_plan_of_the_whole() -> None:
    """Each part solved alone; their union passes the checker on the whole problem
    and lists the order left out of every part as unserved."""
    problem = _problem()
    groups = group_by_area(problem, 2)
    parts = [part_of(problem, groups, i) for i in range(2)]
    params = SolveParams(time_limit_s=1)
    plans = [OrToolsSolver().solve(p.problem, params) for p in parts]
    for part, plan in zip(parts, plans, strict=True):
        assert check_plan(part.problem, plan) == []
    union = merge_parts(problem, parts, plans)
    assert check_plan(problem, union) == []
    left_out = [problem.requests[i].id for i in union.unserved]
    assert left_out == ["e1-1"]


class _Recorder:
    """A real backend that records what it was asked."""

    def __init__(self) -> None:
        self.inner = OrToolsSolver()
        self.name = "recorded"
        self.calls: list[tuple[RoutingProblem, SolveParams]] = []
        self.plans: list[Plan] = []

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        return self.inner.unsupported(problem)

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        self.calls.append((problem, params))
        plan = self.inner.solve(problem, params)
        self.plans.append(plan)
        return plan


def test_whole_search_starts_from_the_union_within_the_budget() -> None:
    """The parts share 60 % of the budget by their orders; the search on the whole
    starts from their union with the rest, and the result is checked, serves the
    order no part could, and is no dearer than the union."""
    problem = _problem()
    inner = _Recorder()
    solver = Decomposed(inner, parts=2, share=0.6)
    t0 = time.perf_counter()
    plan = solver.solve(problem, SolveParams(time_limit_s=3))
    assert time.perf_counter() - t0 <= 3 * 1.05 + 1
    (p1, a), (p2, b), (whole, last) = inner.calls
    assert {len(p1.requests), len(p2.requests)} == {8, 5}
    assert a.time_limit_s + b.time_limit_s == pytest.approx(1.8)
    assert whole is problem
    assert last.time_limit_s <= 3 - (
        inner.plans[0].wall_time_s + inner.plans[1].wall_time_s
    )
    assert last.initial is not None
    union = last.initial
    assert len(union.unserved) == 1
    assert check_plan(problem, plan) == []
    assert plan.unserved == ()
    assert evaluate(problem, plan) <= evaluate(problem, union)
    assert plan.backend == "recorded by parts"


def test_one_area_is_one_search() -> None:
    """With the orders of one farm only there is nothing to split: one search."""
    problem = _problem()
    single = RoutingProblem(
        problem.distance,
        problem.duration,
        problem.visits[:2],
        problem.requests[:1],
        problem.vehicles,
    )
    inner = _Recorder()
    Decomposed(inner).solve(single, SolveParams(time_limit_s=1))
    assert len(inner.calls) == 1


def test_a_part_without_vans_waits_for_the_whole_search() -> None:
    """When no van is in a part, its orders are left to the search on the whole,
    which serves them with the other part's vans."""
    problem = _problem()
    west_vans = tuple(v for v in problem.vehicles if not v.owner.startswith("e"))
    only_west = replace(
        problem,
        vehicles=west_vans,
        requests=tuple(replace(r, allowed_vehicles=None) for r in problem.requests),
    )
    inner = _Recorder()
    plan = Decomposed(inner, parts=2).solve(only_west, SolveParams(time_limit_s=2))
    # The west part, then the whole: the east part (no van) is not searched.
    assert [len(p.requests) for p, _ in inner.calls] == [8, 14]
    assert check_plan(only_west, plan) == []
    assert plan.unserved == ()


def test_groups_at_one_place_are_one_part() -> None:
    """Producers whose orders are all picked up at one place (a hub's second leg)
    cannot be split by area: one part, one search."""
    problem = _problem()
    at_hub = replace(
        problem,
        visits=tuple(
            replace(v, location=0) if v.kind == "pickup" else v for v in problem.visits
        ),
    )
    assert areas(at_hub) == 1
    assert group_by_area(at_hub, 3) == [sorted(FARMS)]
    inner = _Recorder()
    Decomposed(inner, parts=3).solve(at_hub, SolveParams(time_limit_s=1))
    assert len(inner.calls) == 1
    assert areas(problem) == len(FARMS)
