"""OR-Tools routing backend.

Builds a ``pywrapcp.RoutingModel`` from a :class:`~logistics.problem.RoutingProblem`:
one start and one end node per vehicle, one node per visit; transit matrices registered
in C++ (``RegisterTransitMatrix``) rather than Python callbacks, which the search would
call millions of times; a time dimension with several windows per visit (the gaps are
removed from the cumul variable's domain), service times, shift windows and maximum
route duration; one capacity dimension per problem dimension; pickup-and-delivery pairs
on the same vehicle, pickup first; allowed vehicles per request; fixed, per-distance and
per-duration (span) costs per vehicle; every request optional with its penalty.
"""

from __future__ import annotations

import logging
import time
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import BackendUnavailableError, SolverError
from ..plan import Plan, RoutePlan
from .base import SolveParams

if TYPE_CHECKING:
    from ..problem import RoutingProblem

__all__ = ["OrToolsSolver"]

logger = logging.getLogger(__name__)

_FIRST_SOLUTION = {
    "parallel_cheapest_insertion": "PARALLEL_CHEAPEST_INSERTION",
    "local_cheapest_insertion": "LOCAL_CHEAPEST_INSERTION",
    "local_cheapest_cost_insertion": "LOCAL_CHEAPEST_COST_INSERTION",
    "path_cheapest_arc": "PATH_CHEAPEST_ARC",
    "automatic": "AUTOMATIC",
}


def _import_ortools() -> tuple[ModuleType, ModuleType]:
    """Import OR-Tools on use; a missing install raises BackendUnavailableError."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError as exc:  # pragma: no cover - ortools is a core dependency
        msg = "OR-Tools is not installed; install it with 'pip install ortools'."
        raise BackendUnavailableError(msg) from exc
    return pywrapcp, routing_enums_pb2


class _Model:
    """The OR-Tools objects of one problem and the node <-> visit maps."""

    def __init__(self, problem: RoutingProblem) -> None:
        pywrapcp, _ = _import_ortools()
        self.problem = problem
        n_vehicles = len(problem.vehicles)
        n_visits = len(problem.visits)
        # Nodes: visits first, then a start and an end node per vehicle, then the
        # optional returns to base of vehicles with several trips.
        first_base = n_visits + 2 * n_vehicles
        self.base_nodes: list[tuple[int, int]] = [
            (first_base + i, k)
            for i, k in enumerate(
                k
                for k, v in enumerate(problem.vehicles)
                for _ in range(v.max_trips - 1)
            )
        ]
        self.n_nodes = first_base + len(self.base_nodes)
        starts = [n_visits + 2 * k for k in range(n_vehicles)]
        ends = [n_visits + 2 * k + 1 for k in range(n_vehicles)]
        node_loc = np.empty(self.n_nodes, dtype=np.int64)
        node_loc[:n_visits] = [v.location for v in problem.visits]
        node_loc[starts] = [v.start for v in problem.vehicles]
        node_loc[ends] = [v.end for v in problem.vehicles]
        for node, k in self.base_nodes:
            node_loc[node] = problem.vehicles[k].start
        self.node_loc = node_loc
        self.manager = pywrapcp.RoutingIndexManager(
            self.n_nodes, n_vehicles, starts, ends
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._add_costs()
        self._add_time()
        self._add_capacities()
        self._add_requests()
        self._add_returns()

    # -- model parts ---------------------------------------------------------------
    def _node_matrix(self, matrix: np.ndarray) -> np.ndarray:
        return matrix[np.ix_(self.node_loc, self.node_loc)]

    def _add_costs(self) -> None:
        p, routing = self.problem, self.routing
        dist = self._node_matrix(p.distance)
        callbacks: dict[int, int] = {}
        for k, v in enumerate(p.vehicles):
            if v.distance_cost not in callbacks:
                values = (dist * v.distance_cost).tolist()
                callbacks[v.distance_cost] = routing.RegisterTransitMatrix(values)
            routing.SetArcCostEvaluatorOfVehicle(callbacks[v.distance_cost], k)
            routing.SetFixedCostOfVehicle(int(v.fixed_cost), k)

    def _add_time(self) -> None:
        p, routing, manager = self.problem, self.routing, self.manager
        # Travel plus the arrival location's setup (the fixed part of a stop): nodes
        # at one location pay it once, as their matrix entry is 0.
        travel = self._node_matrix(p.transit)
        service = np.zeros(self.n_nodes, dtype=np.int64)
        service[: len(p.visits)] = [v.service for v in p.visits]
        transit = travel + service[:, None]
        horizon = int(max(v.shift[1] for v in p.vehicles)) if p.vehicles else 0
        cb = routing.RegisterTransitMatrix(transit.tolist())
        routing.AddDimension(cb, horizon, horizon, False, "time")
        self.time = routing.GetDimensionOrDie("time")
        # Several trips: paid time is its own dimension, the same transits and the
        # same waiting as time, except waiting parked at base between trips (unpaid
        # unless the vehicle is paid for its shift); its span is what is costed and
        # bounded. With one trip each, paid time is the time dimension's span.
        self.paid = self.time
        if self.base_nodes:
            routing.AddDimension(cb, horizon, horizon, False, "paid")
            self.paid = routing.GetDimensionOrDie("paid")
        for idx, visit in enumerate(p.visits):
            cumul = self.time.CumulVar(manager.NodeToIndex(idx))
            lo, hi = visit.windows[0][0], visit.windows[-1][1]
            cumul.SetRange(int(lo), int(min(hi, horizon)))
            for (_, gap_lo), (gap_hi, _) in zip(
                visit.windows, visit.windows[1:], strict=False
            ):
                if gap_hi - gap_lo > 1:
                    cumul.RemoveInterval(int(gap_lo + 1), int(gap_hi - 1))
        for k, v in enumerate(p.vehicles):
            self.time.CumulVar(routing.Start(k)).SetRange(
                int(v.shift[0]), int(v.shift[1])
            )
            self.time.CumulVar(routing.End(k)).SetRange(
                int(v.shift[0]), int(v.shift[1])
            )
            self.paid.SetSpanUpperBoundForVehicle(int(v.max_duration), k)
            self.paid.SetSpanCostCoefficientForVehicle(int(v.duration_cost), k)
            routing.AddVariableMaximizedByFinalizer(
                self.time.CumulVar(routing.Start(k))
            )
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(k)))
            if self.paid is not self.time:
                routing.AddVariableMinimizedByFinalizer(
                    self.paid.CumulVar(routing.End(k))
                )
        if self.paid is not self.time:
            self._link_paid_waiting()

    def _link_paid_waiting(self) -> None:
        """Paid waiting equals waiting everywhere but parked at base between trips
        (where it is paid only for vehicles paid for their shift)."""
        p, routing, manager = self.problem, self.routing, self.manager
        solver = routing.solver()
        unpaid = {node for node, k in self.base_nodes if not p.vehicles[k].paid_at_base}
        # routing.Size() counts every index but the vehicles' ends: the ones with a
        # slack variable.
        for index in range(routing.Size()):
            if manager.IndexToNode(index) not in unpaid:
                solver.Add(self.paid.SlackVar(index) == self.time.SlackVar(index))

    def _add_capacities(self) -> None:
        p, routing = self.problem, self.routing
        self.capacity_dims: list[str] = []
        for d, name in enumerate(p.dimensions):
            demand = np.zeros(self.n_nodes, dtype=np.int64)
            for r in p.requests:
                if r.pickup is None:
                    # Depot deliveries: count what has been delivered so far.
                    demand[r.delivery] = r.demand[d]
                else:
                    demand[r.pickup] = r.demand[d]
                    demand[r.delivery] = -r.demand[d]
            caps = [int(v.capacity[d]) for v in p.vehicles]
            if not demand.any():
                continue
            cb = routing.RegisterUnaryTransitVector(demand.tolist())
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"cap_{name}")
            self.capacity_dims.append(f"cap_{name}")

    def _add_returns(self) -> None:
        """Optional returns to base: free to skip, only on their own vehicle, empty
        on arrival (each trip delivers what it collects)."""
        routing, manager = self.routing, self.manager
        n_vehicles = len(self.problem.vehicles)
        for node, k in self.base_nodes:
            index = manager.NodeToIndex(node)
            routing.AddDisjunction([index], 0)
            routing.VehicleVar(index).RemoveValues(
                [o for o in range(n_vehicles) if o != k]
            )
            for name in self.capacity_dims:
                routing.GetDimensionOrDie(name).CumulVar(index).SetValue(0)

    def _add_requests(self) -> None:
        p, routing, manager = self.problem, self.routing, self.manager
        solver = routing.solver()
        for r in p.requests:
            nodes = [r.delivery] if r.pickup is None else [r.pickup, r.delivery]
            indices = [manager.NodeToIndex(n) for n in nodes]
            if r.pickup is not None:
                pick, drop = indices
                routing.AddPickupAndDelivery(pick, drop)
                solver.Add(routing.VehicleVar(pick) == routing.VehicleVar(drop))
                # No cumul(pick) <= cumul(drop) constraint: AddPickupAndDelivery already
                # orders them on the route and transit times are >= 0; the explicit
                # constraint would also bind *inactive* pairs and make the whole model
                # infeasible when a delivery window closes before its pickup opens.
            share = max(1, r.penalty // len(indices))
            for index in indices:
                routing.AddDisjunction([index], int(share))
                if r.allowed_vehicles is not None and not r.allowed_vehicles:
                    routing.ActiveVar(index).SetValue(0)  # no vehicle may carry it
                elif r.allowed_vehicles is not None:
                    # SetAllowedVehiclesForIndex's Python binding rejects lists in
                    # OR-Tools 9.15; removing the other vehicles is equivalent.
                    allowed = set(r.allowed_vehicles)
                    banned = [k for k in range(len(p.vehicles)) if k not in allowed]
                    routing.VehicleVar(index).RemoveValues(banned)

    # -- conversion ------------------------------------------------------------------
    def routes_as_nodes(self, plan: Plan) -> list[list[int]]:
        """Turn a plan into OR-Tools' per-vehicle node lists (a starting solution)."""
        routes: list[list[int]] = [[] for _ in self.problem.vehicles]
        spare: dict[int, list[int]] = {}
        for node, k in self.base_nodes:
            spare.setdefault(k, []).append(node)
        for route in plan.routes:
            nodes: list[int] = []
            returns = iter(spare.get(route.vehicle, []))
            for pos, visit in enumerate(route.visits):
                if pos in route.breaks:
                    nodes.append(next(returns))
                nodes.append(visit)
            routes[route.vehicle] = nodes
        return routes

    def read_plan(self, assignment, backend: str, wall_time_s: float) -> Plan:  # type: ignore[no-untyped-def]
        routing, manager = self.routing, self.manager
        routes = []
        served: set[int] = set()
        n_visits = len(self.problem.visits)
        for k in range(len(self.problem.vehicles)):
            index = assignment.Value(routing.NextVar(routing.Start(k)))
            visits: list[int] = []
            breaks: list[int] = []
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node < n_visits:
                    visits.append(node)
                elif visits and (not breaks or breaks[-1] < len(visits)):
                    breaks.append(len(visits))  # a return to base between trips
                index = assignment.Value(routing.NextVar(index))
            if visits:
                inner = tuple(b for b in breaks if b < len(visits))
                routes.append(RoutePlan(k, tuple(visits), inner))
                served.update(self.problem.visits[v].request for v in visits)
        unserved = tuple(
            i for i in range(len(self.problem.requests)) if i not in served
        )
        return Plan(tuple(routes), unserved, backend, wall_time_s)


class OrToolsSolver:
    """Google OR-Tools routing (constraint programming + guided local search).

    Supports every feature of the routing model: shipments, several time windows per
    visit, allowed vehicles, heterogeneous fleets and several depots.
    """

    name = "ortools"

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """Return model features this backend cannot handle: none."""
        return []

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """Solve with a first-solution strategy then guided local search.

        Parameters
        ----------
        problem
            The routing problem.
        params
            Time limit, solution limit, first-solution strategy, optional initial plan.

        Returns
        -------
        Plan
            The best plan found; unserved requests are listed.

        Raises
        ------
        SolverError
            When OR-Tools returns no assignment at all.
        """
        pywrapcp, enums = _import_ortools()
        t0 = time.perf_counter()
        if not problem.requests or not problem.vehicles:
            return Plan((), tuple(range(len(problem.requests))), self.name, 0.0)
        model = _Model(problem)
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(
            enums.FirstSolutionStrategy, _FIRST_SOLUTION[params.first_solution]
        )
        search.local_search_metaheuristic = (
            enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        remaining = max(0.1, params.time_limit_s)
        search.time_limit.FromMilliseconds(int(remaining * 1000))
        if params.solution_limit is not None:
            search.solution_limit = params.solution_limit
        assignment = None
        if params.initial is not None and params.initial.routes:
            start = model.routing.ReadAssignmentFromRoutes(
                model.routes_as_nodes(params.initial), True
            )
            if start is None:
                logger.warning(
                    "initial plan rejected by OR-Tools; solving from scratch"
                )
            else:
                assignment = model.routing.SolveFromAssignmentWithParameters(
                    start, search
                )
        if assignment is None:
            assignment = model.routing.SolveWithParameters(search)
        if assignment is None:
            status = model.routing.status()
            msg = f"OR-Tools found no solution (status {status}) for {problem.name!r}"
            raise SolverError(msg)
        return model.read_plan(assignment, self.name, time.perf_counter() - t0)
