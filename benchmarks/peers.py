"""Peer solvers run in-process on the project's integer matrices, and the project.

Every runner takes a :class:`~logistics.problem.RoutingProblem` and a time limit and
returns a :class:`~logistics.plan.Plan` in problem terms, so that the harness checks and
scores every solver's output the same way (:func:`logistics.checker.check_plan`, then
the family's cost convention from coordinates).

- ``project``: :func:`logistics.solvers.solve` with ``backend="auto"`` and default
  :class:`~logistics.solvers.base.SolveParams` (whatever ``auto`` does at run time).
- ``pyvrp``: PyVRP's own model (:class:`pyvrp.Model`), solved with
  :func:`pyvrp.solve` and a :class:`~pyvrp.stop.MaxRuntime` stop, seed 1. The model gets
  the problem's exact integer matrices through ``ProblemData.replace``.
- ``vroom``: pyvroom (:class:`vroom.Input`) with the integer distance matrix as its cost
  matrix and the duration matrix as its durations, ``exploration_level=5`` (the
  maximum) and ``nb_threads=2`` (the machine's core count), and ``timeout`` equal to the
  time limit. VROOM often stops well before the limit.
- ``ortools_default``: the project's OR-Tools model with OR-Tools' default
  first-solution strategy (``AUTOMATIC``, which picks ``PATH_CHEAPEST_ARC`` for these
  models), then guided local search -- what a user who does not tune OR-Tools gets.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from logistics.executors import usable_cores
from logistics.plan import Plan, RoutePlan
from logistics.solvers import SolveParams, solve
from logistics.solvers.ortools_solver import OrToolsSolver

if TYPE_CHECKING:
    from logistics.problem import RoutingProblem

__all__ = [
    "PEERS",
    "solve_ortools_default",
    "solve_project",
    "solve_pyvrp",
    "solve_vroom",
]

VROOM_EXPLORATION_LEVEL = 5
VROOM_THREADS = 2
PYVRP_SEED = 1


def solve_project(problem: RoutingProblem, time_limit_s: float) -> Plan:
    """Solve with the project's ``auto`` backend."""
    # The project as `logistics run` uses it on this machine: `auto`, racing on
    # every usable core.
    params = SolveParams(time_limit_s=time_limit_s, parallel_searches=usable_cores())
    return solve(problem, params, backend="auto")


def solve_ortools_default(problem: RoutingProblem, time_limit_s: float) -> Plan:
    """Solve with OR-Tools' default (``AUTOMATIC``) first solution and GLS."""
    params = SolveParams(time_limit_s=time_limit_s, first_solution="automatic")
    plan = OrToolsSolver().solve(problem, params)
    return Plan(plan.routes, plan.unserved, "ortools_default", plan.wall_time_s)


# -- PyVRP -----------------------------------------------------------------------------


def _vehicle_groups(problem: RoutingProblem) -> dict[tuple, list[int]]:  # type: ignore[type-arg]
    """Group identical vehicles: each group becomes one PyVRP vehicle type."""
    groups: dict[tuple, list[int]] = defaultdict(list)  # type: ignore[type-arg]
    for k, v in enumerate(problem.vehicles):
        key = (
            v.start,
            v.end,
            v.capacity,
            v.shift,
            v.max_duration,
            v.fixed_cost,
            v.distance_cost,
            v.duration_cost,
        )
        groups[key].append(k)
    return groups


def solve_pyvrp(problem: RoutingProblem, time_limit_s: float) -> Plan:
    """Solve with PyVRP's own model on the problem's integer matrices.

    Every request is required. Each distinct vehicle start/end location becomes a depot.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    m = pyvrp.Model()
    n_loc = problem.distance.shape[0]
    locs = [m.add_location(0, 0) for _ in range(n_loc)]
    depot_locs = sorted(
        {v.start for v in problem.vehicles} | {v.end for v in problem.vehicles}
    )
    depots = {loc: m.add_depot(locs[loc]) for loc in depot_locs}
    groups = _vehicle_groups(problem)
    for (start, end, cap, shift, max_d, fixed, per_d, per_t), members in groups.items():
        m.add_vehicle_type(
            len(members),
            capacity=list(cap),
            start_depot=depots[start],
            end_depot=depots[end],
            fixed_cost=fixed,
            tw_early=shift[0],
            tw_late=shift[1],
            shift_duration=max_d,
            unit_distance_cost=per_d,
            unit_duration_cost=per_t,
        )
    kind = "shipment" if problem.has_shipments else "client"
    for r in problem.requests:
        drop = problem.visits[r.delivery]
        ((d_lo, d_hi),) = drop.windows
        if r.pickup is None:
            m.add_client(
                locs[drop.location],
                delivery=list(r.demand),
                service_duration=drop.service,
                tw_early=d_lo,
                tw_late=d_hi,
            )
        else:
            pick = problem.visits[r.pickup]
            ((p_lo, p_hi),) = pick.windows
            m.add_shipment(
                locs[pick.location],
                locs[drop.location],
                p_lo,
                p_hi,
                pick.service,
                d_lo,
                d_hi,
                drop.service,
                amount=list(r.demand),
            )
    # PyVRP's stubs type matrices as ndarray[int]; ours are int64 arrays.
    distance: Any = np.asarray(problem.distance, dtype=np.int64)
    duration: Any = np.asarray(problem.duration, dtype=np.int64)
    data = m.data().replace(distance_matrices=[distance], duration_matrices=[duration])
    result = pyvrp.solve(
        data, stop=MaxRuntime(time_limit_s), seed=PYVRP_SEED, display=False
    )
    return _pyvrp_plan(
        problem, result.best, list(groups.values()), kind, time.perf_counter() - t0
    )


def _pyvrp_plan(problem, solution, members, kind, wall) -> Plan:  # type: ignore[no-untyped-def]
    """Map PyVRP routes (by vehicle type) back to problem vehicles and visits."""
    import pyvrp

    free = [list(ks) for ks in members]
    routes: list[RoutePlan] = []
    served: set[int] = set()
    for route in solution.routes():
        k = free[route.vehicle_type()].pop(0)
        visits = []
        for act in route:
            if act.type == pyvrp.ActivityType.CLIENT:
                visits.append(problem.requests[act.idx].delivery)
            elif act.type == pyvrp.ActivityType.PICKUP:
                visits.append(problem.requests[act.idx].pickup)
            elif act.type == pyvrp.ActivityType.DELIVERY:
                visits.append(problem.requests[act.idx].delivery)
        if visits:
            routes.append(RoutePlan(k, tuple(visits)))
            served.update(problem.visits[v].request for v in visits)
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(tuple(routes), unserved, "pyvrp", wall)


# -- VROOM -----------------------------------------------------------------------------


def solve_vroom(problem: RoutingProblem, time_limit_s: float) -> Plan:
    """Solve with VROOM (pyvroom) on the problem's integer matrices."""
    import vroom

    t0 = time.perf_counter()
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=problem.duration.tolist())
    inp.set_costs_matrix(profile="car", matrix_input=problem.distance.tolist())
    for k, v in enumerate(problem.vehicles):
        # A vehicle window of length max_duration inside the shift bounds the route
        # duration exactly when the shift is no longer than max_duration (all families
        # here: Cordeau has no windows, the others have max_duration = shift length).
        end = min(v.shift[1], v.shift[0] + v.max_duration)
        inp.add_vehicle(
            vroom.Vehicle(
                k,
                start=int(v.start),
                end=int(v.end),
                capacity=list(v.capacity),
                time_window=vroom.TimeWindow(int(v.shift[0]), int(end)),
                costs=vroom.VehicleCosts(fixed=int(v.fixed_cost)),
            )
        )
    for r in problem.requests:
        drop = problem.visits[r.delivery]
        if r.pickup is None:
            inp.add_job(
                vroom.Job(
                    r.delivery,
                    location=int(drop.location),
                    default_service=drop.service,
                    delivery=vroom.Amount(list(r.demand)),
                    time_windows=[
                        vroom.TimeWindow(int(lo), int(hi)) for lo, hi in drop.windows
                    ],
                )
            )
        else:
            pick = problem.visits[r.pickup]
            inp.add_shipment(
                vroom.ShipmentStep(
                    r.pickup,
                    location=int(pick.location),
                    default_service=pick.service,
                    time_windows=[
                        vroom.TimeWindow(int(a), int(b)) for a, b in pick.windows
                    ],
                ),
                vroom.ShipmentStep(
                    r.delivery,
                    location=int(drop.location),
                    default_service=drop.service,
                    time_windows=[
                        vroom.TimeWindow(int(a), int(b)) for a, b in drop.windows
                    ],
                ),
                amount=vroom.Amount(list(r.demand)),
            )
    sol = inp.solve(
        exploration_level=VROOM_EXPLORATION_LEVEL,
        nb_threads=VROOM_THREADS,
        timeout=timedelta(seconds=time_limit_s),
    )
    return _vroom_plan(problem, sol.routes, time.perf_counter() - t0)


def _vroom_plan(problem, routes_df, wall) -> Plan:  # type: ignore[no-untyped-def]
    """Read VROOM's route table: task ids are visit indices."""
    routes: list[RoutePlan] = []
    served: set[int] = set()
    for vid, rows in routes_df.groupby("vehicle_id", sort=True):
        tasks = rows[rows["type"].isin(["job", "pickup", "delivery"])]
        visits = tuple(int(i) for i in tasks["id"])
        if visits:
            routes.append(RoutePlan(int(vid), visits))
            served.update(problem.visits[v].request for v in visits)
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(tuple(routes), unserved, "vroom", wall)


PEERS: dict[str, Callable[[RoutingProblem, float], Plan]] = {
    "project": solve_project,
    "pyvrp": solve_pyvrp,
    "vroom": solve_vroom,
    "ortools_default": solve_ortools_default,
}
"""Solver name -> runner ``(problem, time_limit_s) -> Plan``."""
