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

import itertools
import logging
import time
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import BackendUnavailableError, SolverError
from ..plan import Plan, RoutePlan
from .base import SolveParams
from .interrupt import InterruptWatch
from .trim import solve_on_trimmed_fleet

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
    """The OR-Tools objects of one problem and the node <-> visit maps.

    Several trips: each trip of a vehicle is a routing vehicle of its own (from and
    back to the vehicle's base), trip ``t + 1`` leaving after trip ``t`` is back.
    Each trip's span is its paid time (the time parked at base between trips is not
    a span), the fixed cost is on the first trip, and the spans together stay
    within the vehicle's working time. A pickup and its
    delivery share a routing vehicle, so every trip delivers what it collects. This
    needs only a few constraints per vehicle, which OR-Tools' search handles: a
    single route with optional returns to base and a paid-time dimension tied to
    the time dimension node by node left it unable to insert orders on Ajaccio
    (3,403 EUR with 2 orders unserved from the separate plan, nothing from scratch,
    at 20 s), where this model reached 701 EUR at 10 s with every order served.
    Vehicles whose day ends elsewhere than it starts make one trip.
    """

    def __init__(self, problem: RoutingProblem) -> None:
        pywrapcp, _ = _import_ortools()
        self.problem = problem
        n_visits = len(problem.visits)
        # Routing vehicles: (problem vehicle, trip) pairs.
        self.trips: list[tuple[int, int]] = [
            (k, t)
            for k, v in enumerate(problem.vehicles)
            for t in range(v.max_trips if v.start == v.end else 1)
        ]
        self.first_trip: dict[int, int] = {}
        for r, (k, t) in enumerate(self.trips):
            if t == 0:
                self.first_trip[k] = r
        n_routes = len(self.trips)
        # Nodes: visits first, then a start and an end node per routing vehicle.
        self.n_nodes = n_visits + 2 * n_routes
        starts = [n_visits + 2 * r for r in range(n_routes)]
        ends = [n_visits + 2 * r + 1 for r in range(n_routes)]
        node_loc = np.empty(self.n_nodes, dtype=np.int64)
        node_loc[:n_visits] = [v.location for v in problem.visits]
        node_loc[starts] = [problem.vehicles[k].start for k, _ in self.trips]
        node_loc[ends] = [problem.vehicles[k].end for k, _ in self.trips]
        self.node_loc = node_loc
        self.manager = pywrapcp.RoutingIndexManager(
            self.n_nodes, n_routes, starts, ends
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._add_costs()
        self._add_time()
        self._add_capacities()
        self._add_requests()
        self._link_trips()

    def routes_of(self, vehicles: set[int]) -> list[int]:
        """Routing vehicles (trips) of the given problem vehicles."""
        return [r for r, (k, _) in enumerate(self.trips) if k in vehicles]

    # -- model parts ---------------------------------------------------------------
    def _node_matrix(self, matrix: np.ndarray) -> np.ndarray:
        return matrix[np.ix_(self.node_loc, self.node_loc)]

    def _add_costs(self) -> None:
        p, routing = self.problem, self.routing
        dist = self._node_matrix(p.distance)
        callbacks: dict[int, int] = {}
        for r, (k, t) in enumerate(self.trips):
            v = p.vehicles[k]
            if v.distance_cost not in callbacks:
                values = (dist * v.distance_cost).tolist()
                callbacks[v.distance_cost] = routing.RegisterTransitMatrix(values)
            routing.SetArcCostEvaluatorOfVehicle(callbacks[v.distance_cost], r)
            routing.SetFixedCostOfVehicle(int(v.fixed_cost) if t == 0 else 0, r)

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
        for idx, visit in enumerate(p.visits):
            cumul = self.time.CumulVar(manager.NodeToIndex(idx))
            lo, hi = visit.windows[0][0], visit.windows[-1][1]
            cumul.SetRange(int(lo), int(min(hi, horizon)))
            for (_, gap_lo), (gap_hi, _) in zip(
                visit.windows, visit.windows[1:], strict=False
            ):
                if gap_hi - gap_lo > 1:
                    cumul.RemoveInterval(int(gap_lo + 1), int(gap_hi - 1))
        for r, (k, _) in enumerate(self.trips):
            v = p.vehicles[k]
            for index in (routing.Start(r), routing.End(r)):
                self.time.CumulVar(index).SetRange(int(v.shift[0]), int(v.shift[1]))
            self.time.SetSpanUpperBoundForVehicle(int(v.max_duration), r)
            self.time.SetSpanCostCoefficientForVehicle(int(v.duration_cost), r)
            routing.AddVariableMaximizedByFinalizer(
                self.time.CumulVar(routing.Start(r))
            )
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(r)))

    def _link_trips(self) -> None:
        """Trips of one vehicle in turn, the later ones only after the earlier, and
        their spans together within the vehicle's working time."""
        p, routing = self.problem, self.routing
        solver = routing.solver()
        by_vehicle: dict[int, list[int]] = {}
        for r, (k, _) in enumerate(self.trips):
            by_vehicle.setdefault(k, []).append(r)
        for k, routes in by_vehicle.items():
            if len(routes) < 2:
                continue
            for before, after in itertools.pairwise(routes):
                solver.Add(
                    self.time.CumulVar(routing.End(before))
                    <= self.time.CumulVar(routing.Start(after))
                )
                # No "trip after used only if trip before is": that constraint stops
                # every OR-Tools insertion heuristic (no first solution on Ajaccio).
                # A later trip used alone is a one-trip day whose fixed cost the
                # search does not see; evaluate() charges it, and the portfolio keeps
                # the best plan by that exact cost.
            spans = [
                self.time.CumulVar(routing.End(r))
                - self.time.CumulVar(routing.Start(r))
                for r in routes
            ]
            solver.Add(solver.Sum(spans) <= int(p.vehicles[k].max_duration))

    def _add_capacities(self) -> None:
        p, routing = self.problem, self.routing
        for d, name in enumerate(p.dimensions):
            demand = np.zeros(self.n_nodes, dtype=np.int64)
            for r in p.requests:
                if r.pickup is None:
                    # Depot deliveries: count what has been delivered so far.
                    demand[r.delivery] = r.demand[d]
                else:
                    demand[r.pickup] = r.demand[d]
                    demand[r.delivery] = -r.demand[d]
            caps = [int(p.vehicles[k].capacity[d]) for k, _ in self.trips]
            if not demand.any():
                continue
            cb = routing.RegisterUnaryTransitVector(demand.tolist())
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"cap_{name}")

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
                    allowed = set(self.routes_of(set(r.allowed_vehicles)))
                    banned = [x for x in range(len(self.trips)) if x not in allowed]
                    routing.VehicleVar(index).RemoveValues(banned)

    # -- conversion ------------------------------------------------------------------
    def routes_as_nodes(self, plan: Plan) -> list[list[int]]:
        """Turn a plan into OR-Tools' per-vehicle node lists (a starting solution).

        A route's trips go to its vehicle's routing vehicles in order; a plan with
        more trips than the model allows is not representable (ValueError).
        """
        routes: list[list[int]] = [[] for _ in self.trips]
        for route in plan.routes:
            mine = self.routes_of({route.vehicle})
            trips = route.trips()
            if len(trips) > len(mine):
                msg = f"route of vehicle {route.vehicle} has more trips than allowed"
                raise ValueError(msg)
            for r, trip in zip(mine, trips, strict=False):
                routes[r] = list(trip)
        return routes

    def read_plan(self, assignment, backend: str, wall_time_s: float) -> Plan:  # type: ignore[no-untyped-def]
        routing, manager = self.routing, self.manager
        visits: dict[int, list[int]] = {}
        breaks: dict[int, list[int]] = {}
        for r, (k, _) in enumerate(self.trips):
            index = assignment.Value(routing.NextVar(routing.Start(r)))
            trip = []
            while not routing.IsEnd(index):
                trip.append(manager.IndexToNode(index))
                index = assignment.Value(routing.NextVar(index))
            if trip:
                done = visits.setdefault(k, [])
                if done:
                    breaks.setdefault(k, []).append(len(done))
                done.extend(trip)
        routes = tuple(
            RoutePlan(k, tuple(visits[k]), tuple(breaks.get(k, ())))
            for k in sorted(visits)
        )
        served = {self.problem.visits[v].request for r in routes for v in r.visits}
        unserved = tuple(
            i for i in range(len(self.problem.requests)) if i not in served
        )
        return Plan(routes, unserved, backend, wall_time_s)


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

        The time limit counts from this call: model building, the search and reading
        the plan back all fit in ``params.time_limit_s`` (reading takes milliseconds).
        Interchangeable spare vehicles are dropped first
        (:func:`~logistics.solvers.trim.trim_fleet`). Ctrl-C stops the search within
        a fraction of a second and raises :class:`KeyboardInterrupt` (see
        :class:`~logistics.solvers.interrupt.InterruptWatch`).

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
        t0 = time.perf_counter()
        if not problem.requests or not problem.vehicles:
            return Plan((), tuple(range(len(problem.requests))), self.name, 0.0)
        deadline = t0 + params.time_limit_s

        def solve_trimmed(small: RoutingProblem, p: SolveParams) -> Plan:
            model = _Model(small)
            assignment = _search(model, p, deadline)
            return model.read_plan(assignment, self.name, time.perf_counter() - t0)

        return solve_on_trimmed_fleet(solve_trimmed, problem, params)


_MIN_SEARCH_S = 0.05
"""Search time granted even when model building used up the budget: OR-Tools returns
nothing at all without time for a first solution."""

_WATCH_MIN_S = 1.5
"""Searches budgeted at most this long run without the interrupt watch: they end
soon enough after Ctrl-C anyway, and the watch's Python check, called at every limit
check, cost 5-15 % of the search's speed on a 200-customer CVRP."""


def _search_parameters(params: SolveParams) -> Any:
    """OR-Tools search parameters: first solution, guided local search, limits (the
    time limit is set just before each search, see :func:`_set_time_limit`)."""
    pywrapcp, enums = _import_ortools()
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        enums.FirstSolutionStrategy, _FIRST_SOLUTION[params.first_solution]
    )
    search.local_search_metaheuristic = (
        enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    if params.large_neighbourhoods:
        from ortools.util import optional_boolean_pb2

        for name in _LNS_OPERATORS:
            setattr(search.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)
    return search


_LNS_OPERATORS = (
    "use_path_lns",
    "use_inactive_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
)
"""OR-Tools' large-neighbourhood operators that are off by default (see
:attr:`~.base.SolveParams.large_neighbourhoods`)."""


def _set_time_limit(search: Any, deadline: float) -> None:
    """Give the search the time left until ``deadline`` (``time.perf_counter``)."""
    remaining = max(_MIN_SEARCH_S, deadline - time.perf_counter())
    search.time_limit.FromMilliseconds(int(remaining * 1000))


def _search(model: _Model, params: SolveParams, deadline: float) -> Any:
    """Run the search on ``model`` until ``deadline``; return OR-Tools' assignment.

    Raises
    ------
    SolverError
        When OR-Tools returns no assignment at all.
    KeyboardInterrupt
        On Ctrl-C, once the search has stopped.
    """
    routing, search = model.routing, _search_parameters(params)
    with InterruptWatch() as watch:
        if watch.active and params.time_limit_s > _WATCH_MIN_S:
            # Both kept referenced until the search ends: the limit holds a pointer
            # to the check, and OR-Tools does not own the limit.
            check = watch.interrupted
            limit = routing.solver().CustomLimit(check)
            routing.AddSearchMonitor(limit)
        assignment = None
        start = _start_assignment(model, params.initial)
        if start is not None:
            _set_time_limit(search, deadline)
            assignment = routing.SolveFromAssignmentWithParameters(start, search)
        if assignment is None:
            _set_time_limit(search, deadline)
            assignment = routing.SolveWithParameters(search)
    if assignment is None:
        status = routing.status()
        msg = f"OR-Tools found no solution (status {status}) for {model.problem.name!r}"
        raise SolverError(msg)
    return assignment


def _start_assignment(model: _Model, initial: Plan | None) -> Any:
    """The initial plan as an OR-Tools assignment, or None (no plan, or one the
    model cannot take: the search then starts from scratch)."""
    if initial is None or not initial.routes:
        return None
    try:
        nodes = model.routes_as_nodes(initial)
    except ValueError as exc:
        logger.warning("initial plan not usable (%s); solving from scratch", exc)
        return None
    start = model.routing.ReadAssignmentFromRoutes(nodes, True)
    if start is None:
        logger.warning("initial plan rejected by OR-Tools; solving from scratch")
    return start
