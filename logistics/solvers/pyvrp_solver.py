"""PyVRP backend (iterated local search, ``pyvrp>=0.14``).

Maps a :class:`~logistics.problem.RoutingProblem` onto PyVRP's model:

- every problem location becomes a PyVRP location; the matrices are handed over whole
  (one ``ProblemData`` built from the model's elements, rather than n² ``add_edge``
  calls);
- each distinct vehicle start or end location becomes a depot; identical vehicles share
  one vehicle type (``num_available`` = their count), which removes symmetric moves;
- the shift becomes the type's ``tw_early``/``tw_late``, ``max_duration`` its
  ``shift_duration`` (no overtime), and the fixed, per-distance and per-duration costs
  map one to one;
- depot deliveries become optional clients with a delivery demand, shipments become
  optional PyVRP shipments; the request's penalty is the prize;
- ``allowed_vehicles`` is emulated exactly with one extra capacity dimension per
  distinct allowed set: its requests demand 1 unit, vehicles in the set hold all of
  them and the others hold none.

PyVRP takes a single time window per client. A depot delivery with several windows
becomes a mutually exclusive client group: one client per window at the same
location, exactly one of which is visited (a required group), or at most one (an
optional group, each client carrying the request's prize). PyVRP 0.14 has no groups
of shipments, so a pickup-and-delivery request with several windows at either end
cannot be expressed and such problems are refused (see
:meth:`PyVrpSolver.unsupported`), as are matrices with a non-zero diagonal, which
PyVRP rejects. (Restricting such visits to one window, the one the separate plan
used, and running PyVRP was measured and left out of the portfolio:
``benchmarks/bench_pyvrp_windows.py``.) PyVRP minimises route duration over the
departure time and counts waiting, as :func:`~logistics.plan.schedule_route` does, so
its cost equals :func:`~logistics.plan.evaluate` on the decoded plan; every plan is
checked with :func:`~logistics.checker.check_plan` before it is returned.

PyVRP searches through infeasible solutions with penalties for excess load and time
warp. Its default penalty bounds are tiny next to our costs (micro-euros): for the
search with every request required they are scaled to the mean arc cost (see
:func:`_required_params`), for the search with optional requests raised above the
largest unserved-order penalty (see :func:`_search_params`).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checker import check_plan
from ..exceptions import BackendUnavailableError, SolverError
from ..plan import (
    Plan,
    RoutePlan,
    allowed_vehicles,
    evaluate,
    schedule_route,
    solo_obstacle,
)
from .trim import solve_on_trimmed_fleet

if TYPE_CHECKING:
    from ..problem import Request, RoutingProblem
    from .base import SolveParams

__all__ = ["LATE_ACCEPTANCE_HISTORY", "PyVrpSolver"]

logger = logging.getLogger(__name__)


def _import_pyvrp() -> Any:
    """Import PyVRP on first use, so that it stays an optional dependency."""
    try:
        import pyvrp
        import pyvrp.exceptions
        import pyvrp.stop
    except ImportError as exc:
        msg = (
            "solver backend 'pyvrp' is not installed; install it with "
            "\"pip install 'logistics[pyvrp]'\""
        )
        raise BackendUnavailableError(msg) from exc
    return pyvrp


@dataclass(frozen=True)
class _Mapping:
    """PyVRP data of one problem and the index maps back to it.

    Parameters
    ----------
    data
        PyVRP's ``ProblemData``.
    type_vehicles
        For each PyVRP vehicle type, the problem vehicle indices it stands for.
    vehicle_type
        For each problem vehicle, its PyVRP vehicle type.
    clients
        For each PyVRP client, the problem visit (depot deliveries; a visit with
        several windows has one client per window, in window order).
    shipments
        For each PyVRP shipment, the problem request (shipments).
    left_out
        Requests no plan can serve (see :func:`_hopeless`); not given to PyVRP.
    base_depot
        For each problem vehicle, the PyVRP depot of its start (its reloads).
    """

    data: Any
    type_vehicles: tuple[tuple[int, ...], ...]
    vehicle_type: tuple[int, ...]
    clients: tuple[int, ...]
    shipments: tuple[int, ...]
    left_out: tuple[int, ...]
    base_depot: tuple[int, ...] = ()


def _allowed_sets(problem: RoutingProblem) -> list[frozenset[int]]:
    """Distinct non-empty allowed-vehicle sets, in order of first appearance."""
    sets: list[frozenset[int]] = []
    for r in problem.requests:
        if r.allowed_vehicles:
            s = frozenset(r.allowed_vehicles)
            if s not in sets:
                sets.append(s)
    return sets


def _demand(r: Request, sets: list[frozenset[int]]) -> list[int]:
    """Demand of a request, with 1 unit in the extra dimension of its allowed set."""
    extra = [0] * len(sets)
    if r.allowed_vehicles:
        extra[sets.index(frozenset(r.allowed_vehicles))] = 1
    return [int(q) for q in r.demand] + extra


def _capacities(problem: RoutingProblem, sets: list[frozenset[int]]) -> list[list[int]]:
    """Capacity per vehicle, extended with the extra allowed-set dimensions.

    A vehicle in a set can hold every request of that set (so the dimension never
    binds for it); a vehicle outside it holds none, which forbids the set's requests.
    """
    restricted = [frozenset(r.allowed_vehicles or ()) for r in problem.requests]
    counts = [restricted.count(s) for s in sets]
    return [
        [int(c) for c in v.capacity]
        + [counts[j] if k in s else 0 for j, s in enumerate(sets)]
        for k, v in enumerate(problem.vehicles)
    ]


def _hopeless(problem: RoutingProblem, r: Request) -> bool:
    """Whether no plan can serve ``r``; PyVRP rejects some of these outright.

    That is when no vehicle may carry it, or when its delivery window closes before
    its pickup window opens (PyVRP raises ``ValueError`` for such a shipment).
    """
    if r.allowed_vehicles is not None and not r.allowed_vehicles:
        return True
    if r.pickup is None:
        return False
    pick, drop = problem.visits[r.pickup], problem.visits[r.delivery]
    return drop.windows[-1][1] < pick.windows[0][0]


def _add_vehicle_types(
    model: Any,
    problem: RoutingProblem,
    locations: list[Any],
    sets: list[frozenset[int]],
) -> list[list[int]]:
    """Add depots and vehicle types; return the problem vehicles of each type.

    Identical vehicles (allowed sets included) share one type with several units,
    which spares the search from swapping interchangeable vehicles.
    """
    depots: dict[int, Any] = {}
    for v in problem.vehicles:
        for loc in (v.start, v.end):
            if loc not in depots:
                depots[loc] = model.add_depot(locations[loc])
    capacities = _capacities(problem, sets)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for k, v in enumerate(problem.vehicles):
        costs = (v.fixed_cost, v.distance_cost, v.duration_cost)
        trips = (v.max_trips, v.paid_at_base)
        key = (
            v.start,
            v.end,
            tuple(capacities[k]),
            v.shift,
            v.max_duration,
            costs,
            trips,
        )
        groups.setdefault(key, []).append(k)
    for members in groups.values():
        v = problem.vehicles[members[0]]
        # Several trips are PyVRP reloads at the vehicle's base. PyVRP counts the
        # time parked there as route duration: where the model does not pay it,
        # PyVRP's duration (cost and bound) overestimates the paid time, so its plans
        # keep within the working time, conservatively (a looser bound let PyVRP
        # return plans over it: 45,226 s of paid work on a 43,200 s day).
        reloads = v.max_trips > 1
        model.add_vehicle_type(
            num_available=len(members),
            capacity=capacities[members[0]],
            start_depot=depots[v.start],
            end_depot=depots[v.end],
            fixed_cost=int(v.fixed_cost),
            tw_early=int(v.shift[0]),
            tw_late=int(v.shift[1]),
            shift_duration=int(v.max_duration),
            unit_distance_cost=int(v.distance_cost),
            unit_duration_cost=int(v.duration_cost),
            reload_depots=[depots[v.start]] if reloads else [],
            max_reloads=v.max_trips - 1 if reloads else 2**64 - 1,
            name=",".join(problem.vehicles[k].id for k in members),
        )
    return list(groups.values())


def _base_depots(problem: RoutingProblem) -> tuple[int, ...]:
    """PyVRP depot index of each vehicle's start, as :func:`_add_vehicle_types`
    numbers depots (each distinct start or end location once, in vehicle order)."""
    order: dict[int, int] = {}
    for v in problem.vehicles:
        for loc in (v.start, v.end):
            order.setdefault(loc, len(order))
    return tuple(order[v.start] for v in problem.vehicles)


def _add_request(
    model: Any,
    problem: RoutingProblem,
    locations: list[Any],
    r: Request,
    demand: list[int],
    required: bool,
) -> None:
    """Add one request as a client or shipment: required, or optional with its
    penalty as prize."""
    prize = 0 if required else int(r.penalty)
    drop = problem.visits[r.delivery]
    if r.pickup is None:
        # One window: a plain client. Several: one client per window in a mutually
        # exclusive group, which is required when the request is.
        group = None
        if len(drop.windows) > 1:
            group = model.add_client_group(required=required, name=r.id)
        for lo, hi in drop.windows:
            model.add_client(
                locations[drop.location],
                delivery=demand,
                pickup=[0] * len(demand),
                service_duration=int(drop.service),
                tw_early=int(lo),
                tw_late=int(hi),
                prize=prize,
                required=required and group is None,
                group=group,
                name=r.id,
            )
        return
    pick = problem.visits[r.pickup]
    model.add_shipment(
        locations[pick.location],
        locations[drop.location],
        pickup_tw_early=int(pick.windows[0][0]),
        pickup_tw_late=int(pick.windows[0][1]),
        pickup_service_duration=int(pick.service),
        delivery_tw_early=int(drop.windows[0][0]),
        delivery_tw_late=int(drop.windows[0][1]),
        delivery_service_duration=int(drop.service),
        amount=demand,
        prize=prize,
        required=required,
        name=r.id,
    )


def _servable_alone(problem: RoutingProblem, r_idx: int) -> bool:
    """Whether an allowed vehicle can serve request ``r_idx`` on a route of its own."""
    return any(
        solo_obstacle(problem, r_idx, k) is None
        for k in allowed_vehicles(problem, r_idx)
    )


def _build(problem: RoutingProblem, *, required: bool = False) -> _Mapping:
    """Translate ``problem`` into PyVRP data (see the module docstring).

    With ``required``, every request that some vehicle could serve alone is required
    (the others are left out, unserved); otherwise every request is optional.
    """
    pyvrp = _import_pyvrp()
    model = pyvrp.Model()
    n_locations = problem.distance.shape[0]
    # Coordinates are only drawn by PyVRP's plots; travel comes from the matrices.
    locations = [model.add_location(0, 0, name=str(i)) for i in range(n_locations)]
    sets = _allowed_sets(problem)
    type_vehicles = _add_vehicle_types(model, problem, locations, sets)
    vehicle_type = [0] * len(problem.vehicles)
    for t, members in enumerate(type_vehicles):
        for k in members:
            vehicle_type[k] = t
    clients: list[int] = []
    shipments: list[int] = []
    left_out: list[int] = []
    for r_idx, r in enumerate(problem.requests):
        if _hopeless(problem, r) or (required and not _servable_alone(problem, r_idx)):
            left_out.append(r_idx)
            continue
        _add_request(model, problem, locations, r, _demand(r, sets), required)
        if r.pickup is None:
            clients.extend([r.delivery] * len(problem.visits[r.delivery].windows))
        else:
            shipments.append(r_idx)
    # Matrices whole: Model.add_edge would take n² Python calls.
    data = pyvrp.ProblemData(
        model.locations,
        model.clients,
        model.depots,
        model.vehicle_types,
        [np.ascontiguousarray(problem.distance, dtype=np.int64)],
        # Travel plus each location's setup (the fixed part of a stop), paid only
        # between distinct locations, as in every other schedule of the project.
        [np.ascontiguousarray(problem.transit, dtype=np.int64)],
        model.groups,
        model.shipments,
    )
    return _Mapping(
        data=data,
        type_vehicles=tuple(tuple(m) for m in type_vehicles),
        vehicle_type=tuple(vehicle_type),
        clients=tuple(clients),
        shipments=tuple(shipments),
        left_out=tuple(left_out),
        base_depot=_base_depots(problem),
    )


def _decode(
    problem: RoutingProblem, mapping: _Mapping, solution: Any, backend: str, wall: float
) -> Plan:
    """Turn a PyVRP solution into a plan; units of a type get its vehicles in order."""
    free = [list(members) for members in mapping.type_vehicles]
    routes: list[RoutePlan] = []
    served: set[int] = set()
    for route in solution.routes():
        k = free[route.vehicle_type()].pop(0)
        visits: list[int] = []
        breaks: list[int] = []
        for act in route.schedule():
            if act.is_client():
                visits.append(mapping.clients[act.idx])
            elif act.is_pickup():
                visits.append(problem.requests[mapping.shipments[act.idx]].pickup)
            elif act.is_delivery():
                visits.append(problem.requests[mapping.shipments[act.idx]].delivery)
            elif visits and (not breaks or breaks[-1] < len(visits)):
                breaks.append(len(visits))  # a depot: a reload between trips
        if visits:
            inner = tuple(b for b in breaks if b < len(visits))
            routes.append(RoutePlan(k, tuple(visits), inner))
            served.update(problem.visits[i].request for i in visits)
    routes.sort(key=lambda r: r.vehicle)
    unserved = tuple(i for i in range(len(problem.requests)) if i not in served)
    return Plan(tuple(routes), unserved, backend, wall)


def _initial_solution(problem: RoutingProblem, mapping: _Mapping, plan: Plan) -> Any:
    """Express a plan as a PyVRP solution to start the search from (None if it fails).

    PyVRP starts its search from a random solution otherwise; a good starting plan (the
    separate plan for the pooled problem) is worth keeping.
    """
    pyvrp = _import_pyvrp()
    kind = pyvrp.ActivityType
    client_of: dict[int, int] = {}
    for c, visit_idx in enumerate(mapping.clients):
        client_of.setdefault(visit_idx, c)  # a visit's first window; see _window_copy
    shipment_of = {r_idx: s for s, r_idx in enumerate(mapping.shipments)}
    routes = []
    try:
        for route in plan.routes:
            activities = []
            base = mapping.base_depot[route.vehicle]
            starts = schedule_route(
                problem, route.vehicle, route.visits, route.breaks
            ).start
            for pos, idx in enumerate(route.visits):
                if pos in route.breaks:
                    activities.append(pyvrp.Activity(kind.DEPOT, base))
                visit = problem.visits[idx]
                if idx in client_of:
                    c = client_of[idx] + _window_copy(visit.windows, int(starts[pos]))
                    activities.append(pyvrp.Activity(kind.CLIENT, c))
                else:
                    s = shipment_of[visit.request]
                    step = kind.PICKUP if visit.kind == "pickup" else kind.DELIVERY
                    activities.append(pyvrp.Activity(step, s))
            t = mapping.vehicle_type[route.vehicle]
            routes.append(pyvrp.Route(mapping.data, activities, t))
        return pyvrp.Solution(mapping.data, routes)
    except (KeyError, IndexError, ValueError, RuntimeError) as exc:
        logger.warning("initial plan rejected by PyVRP (%s); solving from scratch", exc)
        return None


def _window_copy(windows: tuple[tuple[int, int], ...], start: int) -> int:
    """Index of the window a service starting at ``start`` falls in (the client
    copy to use for it); the first one when none does."""
    for w, (lo, hi) in enumerate(windows):
        if lo <= start <= hi:
            return w
    return 0


_PENALTY_HEADROOM = 10**18
"""Largest penalty x violation PyVRP may compute (int64 overflows near 9.2e18)."""


def _worst_violation(problem: RoutingProblem) -> int:
    """An upper bound on any solution's excess load or time warp (units)."""
    demand = np.array([r.demand for r in problem.requests], dtype=np.int64)
    max_travel = int(problem.transit.max(initial=0))
    max_service = max((v.service for v in problem.visits), default=0)
    horizon = max((v.shift[1] for v in problem.vehicles), default=0)
    return max(
        1,
        int(demand.sum(axis=0).max(initial=0)),
        int(horizon + len(problem.visits) * (max_travel + max_service)),
    )


REQUIRED_PENALTY_ARCS = 100
"""Upper penalty bound of the required search, in mean arc costs per unit of
violation (see :func:`_required_params`)."""


LATE_ACCEPTANCE_HISTORY = 50
"""Late-acceptance history (iterations) of PyVRP's search on shipment problems of at
least :data:`SHORT_HISTORY_MIN_REQUESTS` requests.

PyVRP accepts a candidate that beats the solution of ``history_length`` iterations
before (until the history is full, its first local optimum); its default, 300, suits
long runs. At the default 20 s PyVRP makes about 1,300 iterations on a 200-order
collective (16 ms each), so for a quarter of the run it accepts nearly anything that
beats its first local optimum. Measured at 20 s on one core, PyVRP seed 1
(``benchmarks/results/2026-12-03-pyvrp-history.md``): on all ten collectives of
60-400 orders history 50 beat 300, e.g. bastia-p14-o126 1,368.34 against 1,620.26
EUR, ajaccio-p20-o200 1,850.73 against 2,060.15, ajaccio-p40-o400 4,889.77 against
5,005.50; on the three of 30 orders, where PyVRP makes many more iterations, it was
worse on two (scenario-melun 136.81 against 129.73, melun-p05-o30 265.00 against
262.70), so smaller problems keep the default. Depot-delivery problems (the classic
CVRP and VRPTW families) keep it too: this was measured on shipments only."""

SHORT_HISTORY_MIN_REQUESTS = 50
"""Fewest requests for which PyVRP's search uses :data:`LATE_ACCEPTANCE_HISTORY`."""

LEAN_LEFT_OUT = ("RelocateShipment",)
"""PyVRP operators left out of the search on shipment problems of at least
:data:`LEAN_MIN_REQUESTS` requests."""

LEAN_MIN_REQUESTS = 250
"""Fewest requests for which PyVRP searches without :data:`LEAN_LEFT_OUT`.

RelocateShipment tries, for each neighbour V of a pickup, every delivery position
after V in V's route: on vaduz-p20-o200 it takes 5/6 of PyVRP's time (26 ms per
iteration with it, 4.4 ms without). Where iterations are scarce that costs more than
the moves it finds. Measured at 20 s, one core per search
(``benchmarks/results/2026-12-03-pyvrp-variants-2.md``): on the three collectives of
300-400 orders, leaving it out was better in 6 of 8 (seed, history) pairs, e.g.
ajaccio-p40-o400 4,300.50 against 7,336.27 EUR (seed 2, history 30; with it one
order stayed unserved) and 4,714.86 against 4,889.77 (seed 1, history 50),
ajaccio-p30-o300 3,262.51 against 3,587.69, worse in one (ajaccio-p30-o300, seed 2:
3,599.78 against 3,407.22); on the three of 126-200 orders it was worse in all five
pairs (bastia-p14-o126 1,521.59 against 1,368.34), so those keep it."""


def _required_params(problem: RoutingProblem) -> Any:
    """PyVRP search parameters for the search with every request required: penalty
    bounds scaled to the problem's costs.

    PyVRP's default bounds (0.1 to 1e5 per unit of time warp or excess load; the
    search starts at their midpoint) suit costs of a few units per arc. Ours are
    micro-euros, some 10^7 per arc on a collective: there a second of time warp is
    cheaper than any saving it buys (a van fewer saves its fixed cost, 2 x 10^7), so
    the required search never met a feasible solution and, after
    :data:`_REQUIRED_SHARE` of the budget, every collective fell back to the slower
    search with optional requests, even with 90 % of the budget. The upper bound is
    :data:`REQUIRED_PENALTY_ARCS` mean arc costs (the most expensive vehicle's
    distance and duration costs over the problem's matrix), never below PyVRP's
    default, the lower bound keeps the default ratio to it. Measured at 20 s
    (``benchmarks/results/2026-12-03-pyvrp-penalties.md``): bounds of 1e9 and 1e10
    made the required search feasible on every collective of 30-200 orders (about
    100 and 1,000 mean arcs), 1e8 on three of six, 1e7 on none.
    """
    pyvrp = _import_pyvrp()
    default = pyvrp.PenaltyParams()
    vehicles = problem.vehicles
    per_m = max((v.distance_cost for v in vehicles), default=0)
    per_s = max((v.duration_cost for v in vehicles), default=0)
    mean_arc = (
        float(problem.distance.mean()) * per_m + float(problem.transit.mean()) * per_s
    )
    bound = max(default.max_penalty, REQUIRED_PENALTY_ARCS * mean_arc)
    headroom = _PENALTY_HEADROOM / _worst_violation(problem)
    bound = min(bound, max(default.max_penalty, headroom))
    ratio = default.min_penalty / default.max_penalty
    penalty = pyvrp.PenaltyParams(min_penalty=bound * ratio, max_penalty=bound)
    return pyvrp.SolveParams(penalty=penalty)


def _search_params(problem: RoutingProblem, mapping: _Mapping) -> Any:
    """PyVRP search parameters with penalty bounds scaled to the prizes.

    PyVRP's default bound (1e5 per unit of excess load or time warp) is far below our
    penalties (1e10 micro-euros per unserved order): the search then prefers serving
    every request with a second of time warp, never meets a feasible solution and
    returns an infeasible one. A unit of violation must cost more than any prize so
    that dropping a request beats breaking a rule; the bound is capped so that
    penalty x violation stays clear of integer overflow.
    """
    pyvrp = _import_pyvrp()
    default = pyvrp.PenaltyParams()
    prize = max(problem.requests[r].penalty for r in _modelled(problem, mapping))
    worst = _worst_violation(problem)
    bound = min(max(default.max_penalty, 2.0 * prize), _PENALTY_HEADROOM / worst)
    if bound < prize:
        logger.warning(
            "PyVRP's penalty bound %.3g is below the largest request penalty %d; "
            "it may return no feasible plan for %r",
            bound,
            prize,
            problem.name,
        )
    penalty = pyvrp.PenaltyParams(max_penalty=bound)
    return pyvrp.SolveParams(penalty=penalty)


def _modelled(problem: RoutingProblem, mapping: _Mapping) -> list[int]:
    """Requests handed to PyVRP (all but the hopeless ones)."""
    left_out = set(mapping.left_out)
    return [r for r in range(len(problem.requests)) if r not in left_out]


class PyVrpSolver:
    """PyVRP's iterated local search.

    Supports shipments or depot deliveries, one time window per shipment visit and
    several per depot delivery (mutually exclusive client groups), shift windows,
    maximum route duration, several capacity dimensions, heterogeneous fleets with
    several depots, allowed vehicles (through extra capacity dimensions) and optional
    requests with penalties.

    Raises
    ------
    BackendUnavailableError
        On creation, when PyVRP is not installed.
    """

    name = "pyvrp"

    def __init__(
        self,
        history_length: int | None = LATE_ACCEPTANCE_HISTORY,
        lean_from: int | None = LEAN_MIN_REQUESTS,
    ) -> None:
        """Check that PyVRP is installed.

        Parameters
        ----------
        history_length
            Late-acceptance history of PyVRP's iterated local search on shipment
            problems of at least :data:`SHORT_HISTORY_MIN_REQUESTS` requests (see
            :data:`LATE_ACCEPTANCE_HISTORY`); ``None`` keeps PyVRP's default (300)
            everywhere, as the benchmarks' PyVRP peer does.
        lean_from
            Shipment problems of at least this many requests are searched without
            :data:`LEAN_LEFT_OUT` (see :data:`LEAN_MIN_REQUESTS`); ``None``: never,
            as the benchmarks' PyVRP peer does.
        """
        _import_pyvrp()
        self.history_length = history_length
        self.lean_from = lean_from

    def unsupported(self, problem: RoutingProblem) -> list[str]:
        """Return the model features PyVRP cannot handle.

        Parameters
        ----------
        problem
            The routing problem.

        Returns
        -------
        list of str
            ``"several time windows per visit"`` when a visit has more than one window,
            and matrix properties PyVRP rejects (non-zero diagonal, negative entries).
        """
        missing = []
        if any(
            len(problem.visits[i].windows) > 1
            for r in problem.requests
            if r.pickup is not None
            for i in (r.pickup, r.delivery)
        ):
            missing.append(
                "several time windows at a visit of a pickup-and-delivery request "
                "(PyVRP has no groups of shipments)"
            )
        if any(not v.windows for v in problem.visits):
            missing.append("visits without a time window")
        matrices = (problem.distance, problem.transit)
        if any(np.diagonal(m).any() for m in matrices):
            missing.append("non-zero travel from a location to itself")
        if any((m < 0).any() for m in matrices):
            missing.append("negative distances or durations")
        return missing

    def solve(self, problem: RoutingProblem, params: SolveParams) -> Plan:
        """Solve with PyVRP and return a checked plan.

        Parameters
        ----------
        problem
            The routing problem.
        params
            Time limit, seed, optional solution limit (read as PyVRP's iteration
            limit) and optional initial plan. The time limit counts from this call
            and covers both searches (see :data:`_REQUIRED_SHARE`); interchangeable
            spare vehicles are dropped first
            (:func:`~logistics.solvers.trim.trim_fleet`).

        Returns
        -------
        Plan
            The best plan found; unserved requests are listed.

        Raises
        ------
        BackendUnavailableError
            When PyVRP is not installed or the problem uses an unsupported feature.
        SolverError
            When PyVRP's best solution is infeasible or fails
            :func:`~logistics.checker.check_plan`.
        """
        t0 = time.perf_counter()
        missing = self.unsupported(problem)
        if missing:
            msg = f"solver backend 'pyvrp' does not support {', '.join(missing)}"
            raise BackendUnavailableError(msg)
        if not problem.vehicles:
            return Plan((), tuple(range(len(problem.requests))), self.name, 0.0)

        def solve_trimmed(small: RoutingProblem, p: SolveParams) -> Plan:
            return self._solve(small, p, t0)

        return solve_on_trimmed_fleet(solve_trimmed, problem, params)

    def _solve(self, problem: RoutingProblem, params: SolveParams, t0: float) -> Plan:
        """Search with required requests, then with optional ones if need be, both
        within the one budget that started at ``t0``."""
        deadline = t0 + params.time_limit_s
        # First every servable request required, with penalties scaled to the costs
        # (_required_params): that is how PyVRP searches best (optional requests with
        # huge prizes slow it down).
        # When the fleet cannot take them all together, that search never becomes
        # feasible: it gives up after its share of the budget and the rest goes to a
        # search with optional requests.
        mapping = _build(problem, required=True)
        if not (mapping.clients or mapping.shipments):
            return Plan((), tuple(range(len(problem.requests))), self.name, 0.0)
        now = time.perf_counter()
        give_up = now + _REQUIRED_SHARE * max(0.0, deadline - now)
        stop = _Stop(deadline, give_up, params.solution_limit)
        result = self._run(problem, mapping, params, stop, _required_params(problem))
        if not result.is_feasible():
            logger.info(
                "PyVRP: the requests of %r do not all fit together; searching again "
                "with optional requests",
                problem.name,
            )
            mapping = _build(problem, required=False)
            search = _search_params(problem, mapping)
            stop = _Stop(deadline, None, params.solution_limit)
            result = self._run(problem, mapping, params, stop, search)
        if not result.is_feasible():
            msg = (
                f"PyVRP found no feasible solution for {problem.name!r} "
                f"(time warp {result.best.time_warp()}, excess load "
                f"{result.best.excess_load()})"
            )
            raise SolverError(msg)
        plan = _decode(
            problem, mapping, result.best, self.name, time.perf_counter() - t0
        )
        _verify(problem, mapping, plan, int(result.cost()))
        return plan

    def _run(
        self,
        problem: RoutingProblem,
        mapping: _Mapping,
        params: SolveParams,
        stop: _Stop,
        search: Any,
    ) -> Any:
        """One PyVRP search on ``mapping`` until ``stop`` says so."""
        pyvrp = _import_pyvrp()
        short = len(problem.requests) >= SHORT_HISTORY_MIN_REQUESTS
        ils, operators = search.ils, search.operators
        if self.history_length is not None and problem.has_shipments and short:
            ils = replace(ils, history_length=self.history_length)
        lean = self.lean_from is not None and len(problem.requests) >= self.lean_from
        if lean and problem.has_shipments:
            operators = [op for op in operators if op.__name__ not in LEAN_LEFT_OUT]
        if ils is not search.ils or operators is not search.operators:
            search = pyvrp.SolveParams(  # not a dataclass: every field copied
                ils=ils,
                penalty=search.penalty,
                neighbourhood=search.neighbourhood,
                operators=operators,
                display_interval=search.display_interval,
                perturbation=search.perturbation,
            )
        initial = None
        if params.initial is not None and params.initial.routes:
            initial = _initial_solution(problem, mapping, params.initial)
        with warnings.catch_warnings():
            # Requests that cannot all be served together push PyVRP's penalties to
            # their bound; that is expected, and the result is checked anyway.
            warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
            return pyvrp.solve(
                mapping.data,
                stop,
                seed=params.seed,
                collect_stats=False,
                display=False,
                params=search if search is not None else pyvrp.SolveParams(),
                initial_solution=initial,
            )


_REQUIRED_SHARE = 0.3
"""Share of the budget after which a search with every request required gives up
when it has found no feasible solution (then optional requests get the rest).

Measured on ``benchmarks/budget.py``'s problems at 10 s (before the penalty bounds
of :func:`_required_params`): when every order fits, the required search was
feasible after its initial solution (0.01 s, seeds 1-3); when not, giving up at 10 %
left 4, 4, 3 orders unserved (seeds 1-3) where 30 % left 5, 5, 3 (the old code, a
second full budget: 5 unserved in 20 s). Raised to 30 % with those bounds: on the
300-order collectives at 20 s the required search was not yet feasible at 10 % and
was at 30 % (bastia-p30-o300: 3,574.52 EUR at 30 % and 60 %, 3,701.59 after the
fallback at 10 %; ajaccio-p30-o300: 3,826.98 and 3,823.32;
``benchmarks/results/2026-12-03-pyvrp-penalties.md``)."""

_INFEASIBLE_COST = np.iinfo(np.int64).max
"""PyVRP's cost of an infeasible best solution, as its stopping criteria see it."""


class _Stop:
    """PyVRP stopping criterion: a deadline shared by both searches, an optional
    earlier give-up while nothing feasible was found, and an iteration limit.

    ``MaxRuntime`` would count from its first call, after PyVRP has built its
    neighbourhoods and initial solution, and each search would get the whole budget.
    """

    def __init__(
        self, deadline: float, give_up: float | None, max_iterations: int | None
    ) -> None:
        self.deadline = deadline
        self.give_up = give_up
        self.max_iterations = max_iterations
        self.iterations = 0

    def _gives_up(self, now: float) -> bool:
        """Under an iteration limit, give up after :data:`_REQUIRED_SHARE` of the
        iterations (reproducible: a coalition's value must not depend on the
        machine's load); else at the give-up time."""
        if self.max_iterations is not None:
            return self.iterations >= _REQUIRED_SHARE * self.max_iterations
        return self.give_up is not None and now >= self.give_up

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if now >= self.deadline:
            return True
        hopeless = best_cost >= _INFEASIBLE_COST
        if hopeless and self.give_up is not None and self._gives_up(now):
            return True
        self.iterations += 1
        return self.max_iterations is not None and self.iterations > self.max_iterations


def _verify(problem: RoutingProblem, mapping: _Mapping, plan: Plan, cost: int) -> None:
    """Check a decoded plan independently and compare PyVRP's cost with ours.

    Raises :class:`SolverError` when the plan breaks a rule: a mismatch would mean the
    translation lost a constraint. A cost difference only logs a warning.
    """
    errors = check_plan(problem, plan)
    if errors:
        shown = "; ".join(errors[:5])
        msg = (
            f"PyVRP returned a plan for {problem.name!r} that breaks {len(errors)} "
            f"rule(s): {shown}"
        )
        raise SolverError(msg)
    # Requests left out of the PyVRP model are unserved, outside PyVRP's cost.
    expected = cost + sum(problem.requests[r].penalty for r in mapping.left_out)
    ours = evaluate(problem, plan)
    if ours != expected:
        logger.warning(
            "PyVRP cost %d differs from the recomputed objective %d for %r",
            expected,
            ours,
            problem.name,
        )
