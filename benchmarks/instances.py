"""Read public VRP benchmark instances into the project's :class:`RoutingProblem`.

Families (files under ``/work/shared/benchmarks/<family>/``; read each ``SOURCE.md``):

============  =========================  =======  ====================================
family        format / reader            scale    cost convention (``family_cost``)
============  =========================  =======  ====================================
solomon       Solomon text, ``vrplib``   1000     total float Euclidean distance
cvrp_x        VRPLIB ``.vrp``, ``vrplib``  1      total TSPLIB ``nint`` distance
lilim_pdptw   Li & Lim text, own parser  1000     vehicles first, then float distance
cordeau_mdvrp Cordeau text, own parser   1000     total float Euclidean distance
============  =========================  =======  ====================================

Scaling. The solvers need integers. For the Euclidean families every coordinate-derived
quantity is multiplied by ``scale`` (1000): distances are ``rint(1000 d)`` (error at
most 0.0005 per arc, far inside the 0.1 % target), durations are ``floor(1000 d)``
and time windows and service times are exact multiples of 1000. Flooring the travel
*times* makes every schedule that is feasible in double precision feasible in integers
too (the literature's solutions stay feasible); a solver may in turn exploit at most
0.001 time units per arc, below the precision the literature reports. X instances use
the TSPLIB distance ``nint(d)`` exactly (scale 1). Gaps are never computed from the
integers: :func:`family_cost` recomputes each route's distance from the coordinates.

Objective. Every vehicle has ``distance_cost=1`` and ``duration_cost=0``. Li & Lim is
hierarchical in the literature (vehicles first), so its vehicles also carry a fixed cost
of :data:`LILIM_FIXED_COST` (more than any plan's total scaled distance), which makes
one vehicle fewer always worth more than any distance saving. The other families have
``fixed_cost=0`` (their ``bks_cost`` minimises distance alone). Each request's penalty,
:data:`UNSERVED_PENALTY`, exceeds any vehicle's fixed cost plus any route, so that a
request is left out only when it cannot be served.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

from logistics.plan import Plan, RoutePlan
from logistics.problem import Request, RoutingProblem, Vehicle, Visit

__all__ = [
    "DEFAULT_ROOT",
    "EUCLIDEAN_SCALE",
    "FAMILIES",
    "LILIM_FIXED_COST",
    "UNSERVED_PENALTY",
    "BenchmarkInstance",
    "family_cost",
    "list_instances",
    "load_instance",
    "read_bks_plan",
]

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
"""``/work/shared/benchmarks`` when the project lives in ``/work/main``."""

EUCLIDEAN_SCALE = 1000
"""Integer units per instance unit for Solomon, Li & Lim and Cordeau."""

LILIM_FIXED_COST = 10**8
"""Fixed cost per Li & Lim vehicle (scaled units): 100,000 distance units, well above
any Li & Lim plan's total distance (< 5,000), so vehicles are minimised first."""

UNSERVED_PENALTY = 10**10
"""Penalty per unserved request (scaled units): above any vehicle's cost and route."""

_HORIZON = 10**9
"""Shift end and maximum duration when an instance has none (scaled units)."""

FAMILIES = ("solomon", "cvrp_x", "lilim_pdptw", "cordeau_mdvrp")


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark instance as a routing problem, with what is needed to score plans.

    Parameters
    ----------
    family, name
        Family directory name and instance name (``R101``, ``X-n101-k25`` ...).
    problem
        The integer routing problem.
    coords
        Float coordinates per location of ``problem`` (instance units).
    scale
        Integer units per instance unit in ``problem``'s matrices.
    bks_cost, bks_vehicles
        Best-known value in the family's convention and its vehicle count (``None``
        when the source does not give it).
    visit_of_node
        Visit index of each customer node number, as numbered in BKS route files.
    """

    family: str
    name: str
    problem: RoutingProblem
    coords: np.ndarray
    scale: int
    bks_cost: float
    bks_vehicles: int | None
    visit_of_node: dict[int, int]


# -- helpers ---------------------------------------------------------------------------


def _euclid(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=-1)))


def _scaled_matrices(coords: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (distance, duration): rounded and floored scaled Euclidean matrices.

    Flooring durations keeps double-precision-feasible schedules feasible (module doc).
    """
    d = _euclid(coords) * scale
    return np.rint(d).astype(np.int64), np.floor(d + 1e-9).astype(np.int64)


def _nint_matrix(coords: np.ndarray) -> np.ndarray:
    """TSPLIB EUC_2D distance: ``(int)(d + 0.5)``."""
    return np.floor(_euclid(coords) + 0.5).astype(np.int64)


def _read_bks(root: Path, family: str) -> dict[str, tuple[float, int | None]]:
    with open(root / family / "bks.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["instance"]: (
            float(r["bks_cost"]),
            int(r["bks_vehicles"]) if r.get("bks_vehicles") else None,
        )
        for r in rows
    }


def _depot_delivery_problem(
    name: str,
    distance: np.ndarray,
    duration: np.ndarray,
    customers: Sequence[tuple[int, int, int, tuple[int, int]]],
    vehicles: Sequence[Vehicle],
) -> tuple[RoutingProblem, dict[int, int]]:
    """Build a depot-delivery problem from (location, demand, service, window) rows."""
    visits: list[Visit] = []
    requests: list[Request] = []
    visit_of_node: dict[int, int] = {}
    for loc, demand, service, window in customers:
        r_idx = len(requests)
        visits.append(Visit(loc, r_idx, "delivery", service, (window,)))
        requests.append(
            Request(f"c{loc}", None, r_idx, (demand,), penalty=UNSERVED_PENALTY)
        )
        visit_of_node[loc] = r_idx
    problem = RoutingProblem(
        distance=distance,
        duration=duration,
        visits=tuple(visits),
        requests=tuple(requests),
        vehicles=tuple(vehicles),
        dimensions=("load",),
        location_ids=tuple(str(i) for i in range(distance.shape[0])),
        name=name,
    )
    return problem, visit_of_node


# -- readers ---------------------------------------------------------------------------


def read_solomon(path: Path, bks: tuple[float, int | None]) -> BenchmarkInstance:
    """Read a Solomon VRPTW instance (``vrplib``, ``instance_format="solomon"``).

    Location 0 is the depot; customer ``i`` is location ``i``. The fleet is the file's
    vehicle number, each vehicle working inside the depot's window.
    """
    data = vrplib.read_instance(str(path), instance_format="solomon")
    coords = np.asarray(data["node_coord"], dtype=float)
    s = EUCLIDEAN_SCALE
    distance, duration = _scaled_matrices(coords, s)
    tw = np.asarray(data["time_window"], dtype=float)
    service = np.asarray(data["service_time"], dtype=float)
    demand = np.asarray(data["demand"], dtype=int)
    shift = (round(tw[0, 0] * s), round(tw[0, 1] * s))
    vehicles = [
        Vehicle(f"v{k}", 0, 0, (int(data["capacity"]),), shift, shift[1] - shift[0])
        for k in range(int(data["vehicles"]))
    ]
    customers = [
        (
            i,
            int(demand[i]),
            round(service[i] * s),
            (round(tw[i, 0] * s), round(tw[i, 1] * s)),
        )
        for i in range(1, len(coords))
    ]
    problem, visit_of_node = _depot_delivery_problem(
        path.stem, distance, duration, customers, vehicles
    )
    return BenchmarkInstance(
        "solomon", path.stem, problem, coords, s, *bks, visit_of_node
    )


def read_x(path: Path, bks: tuple[float, int | None]) -> BenchmarkInstance:
    """Read a CVRPLIB X instance (``vrplib``) with exact TSPLIB ``nint`` distances.

    The fleet is the ``k`` in the name plus 10 % (at least 2) spare vehicles, because
    some best-known solutions use more than ``k`` routes (X-n101-k25 uses 26) and the
    convention does not limit the fleet.
    """
    data = vrplib.read_instance(str(path))
    coords = np.asarray(data["node_coord"], dtype=float)
    distance = _nint_matrix(coords)
    demand = np.asarray(data["demand"], dtype=int)
    k_min = int(re.search(r"-k(\d+)", path.stem).group(1))  # type: ignore[union-attr]
    n_vehicles = k_min + max(2, math.ceil(0.1 * k_min))
    depot = int(np.asarray(data["depot"]).ravel()[0])
    vehicles = [
        Vehicle(
            f"v{k}", depot, depot, (int(data["capacity"]),), (0, _HORIZON), _HORIZON
        )
        for k in range(n_vehicles)
    ]
    customers = [
        (i, int(demand[i]), 0, (0, _HORIZON)) for i in range(len(coords)) if i != depot
    ]
    problem, visit_of_node = _depot_delivery_problem(
        path.stem, distance, distance.copy(), customers, vehicles
    )
    return BenchmarkInstance(
        "cvrp_x", path.stem, problem, coords, 1, *bks, visit_of_node
    )


def read_lilim(path: Path, bks: tuple[float, int | None]) -> BenchmarkInstance:
    """Read a Li & Lim PDPTW instance.

    Format: first line ``K Q S`` (vehicles, capacity, speed); then one line per node
    ``id x y demand ready due service pickup_idx delivery_idx``. Node 0 is the depot; a
    pickup has demand > 0 and names its delivery in the last column. Location ``i`` is
    node ``i``.
    """
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    n_vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    rows = [[float(x) for x in ln] for ln in lines[1:]]
    coords = np.array([[r[1], r[2]] for r in rows])
    s = EUCLIDEAN_SCALE
    distance, duration = _scaled_matrices(coords, s)

    def visit(node: int, r_idx: int, kind: str) -> Visit:
        r = rows[node]
        window = (round(r[4] * s), round(r[5] * s))
        return Visit(node, r_idx, kind, round(r[6] * s), (window,))  # type: ignore[arg-type]

    visits: list[Visit] = []
    requests: list[Request] = []
    visit_of_node: dict[int, int] = {}
    for node, r in enumerate(rows[1:], start=1):
        if r[3] <= 0:
            continue  # deliveries are added with their pickup
        drop = int(r[8])
        r_idx = len(requests)
        visits += [visit(node, r_idx, "pickup"), visit(drop, r_idx, "delivery")]
        visit_of_node[node], visit_of_node[drop] = len(visits) - 2, len(visits) - 1
        requests.append(
            Request(
                f"p{node}",
                len(visits) - 2,
                len(visits) - 1,
                (int(r[3]),),
                penalty=UNSERVED_PENALTY,
            )
        )
    shift = (round(rows[0][4] * s), round(rows[0][5] * s))
    vehicles = [
        Vehicle(
            f"v{k}",
            0,
            0,
            (capacity,),
            shift,
            shift[1] - shift[0],
            fixed_cost=LILIM_FIXED_COST,
        )
        for k in range(n_vehicles)
    ]
    problem = RoutingProblem(
        distance=distance,
        duration=duration,
        visits=tuple(visits),
        requests=tuple(requests),
        vehicles=tuple(vehicles),
        location_ids=tuple(str(i) for i in range(len(rows))),
        name=path.stem,
    )
    return BenchmarkInstance(
        "lilim_pdptw", path.stem, problem, coords, s, *bks, visit_of_node
    )


def read_cordeau(path: Path, bks: tuple[float, int | None]) -> BenchmarkInstance:
    """Read a Cordeau multi-depot VRP instance (type 2).

    Format: ``type m n t``; ``t`` lines ``D Q`` (maximum route duration, 0 = none;
    capacity) one per depot; ``n`` customer lines ``i x y d q ...`` (service ``d``,
    demand ``q``); ``t`` depot lines ``i x y ...``. ``m`` vehicles are based at each
    depot and return to it. Locations: customers ``0 .. n-1`` (node ``i`` is location
    ``i - 1``), then depots ``n .. n+t-1``. Time windows in the file are ignored (the
    MDVRP has none); service times count towards the duration limit ``D``.
    """
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    _, m, n, t = (int(x) for x in lines[0][:4])
    limits = [(float(ln[0]), int(float(ln[1]))) for ln in lines[1 : 1 + t]]
    cust = [[float(x) for x in ln] for ln in lines[1 + t : 1 + t + n]]
    depots = [[float(x) for x in ln] for ln in lines[1 + t + n : 1 + t + n + t]]
    coords = np.array([[r[1], r[2]] for r in cust + depots])
    s = EUCLIDEAN_SCALE
    distance, duration = _scaled_matrices(coords, s)
    vehicles = []
    for d_idx, (max_d, capacity) in enumerate(limits):
        limit = round(max_d * s) if max_d > 0 else _HORIZON
        vehicles += [
            Vehicle(
                f"d{d_idx}-v{k}",
                n + d_idx,
                n + d_idx,
                (capacity,),
                (0, _HORIZON),
                limit,
            )
            for k in range(m)
        ]
    customers = [
        (i, int(r[4]), round(r[3] * s), (0, _HORIZON)) for i, r in enumerate(cust)
    ]
    problem, by_loc = _depot_delivery_problem(
        path.stem, distance, duration, customers, vehicles
    )
    visit_of_node = {loc + 1: v for loc, v in by_loc.items()}
    return BenchmarkInstance(
        "cordeau_mdvrp", path.stem, problem, coords, s, *bks, visit_of_node
    )


_READERS: dict[
    str, tuple[str, Callable[[Path, tuple[float, int | None]], BenchmarkInstance]]
] = {
    "solomon": (".txt", read_solomon),
    "cvrp_x": (".vrp", read_x),
    "lilim_pdptw": (".txt", read_lilim),
    "cordeau_mdvrp": (".txt", read_cordeau),
}


def list_instances(family: str, *, root: Path = DEFAULT_ROOT) -> list[str]:
    """Return the instance names of a family, in ``bks.csv`` order."""
    return list(_read_bks(root, family))


def load_instance(
    family: str, name: str, *, root: Path = DEFAULT_ROOT
) -> BenchmarkInstance:
    """Read one instance of a family, with its best-known value.

    Raises
    ------
    KeyError
        When ``family`` is unknown or ``name`` is not in the family's ``bks.csv``.
    """
    if family not in _READERS:
        msg = f"family must be one of {FAMILIES}; got {family!r}"
        raise KeyError(msg)
    suffix, reader = _READERS[family]
    bks = _read_bks(root, family)[name]
    return reader(root / family / "instances" / f"{name}{suffix}", bks)


# -- scoring ---------------------------------------------------------------------------


def family_cost(instance: BenchmarkInstance, plan: Plan) -> float:
    """Return the plan's total distance in the family's convention, from coordinates.

    Double-precision Euclidean distance for Solomon, Li & Lim and Cordeau; the sum of
    TSPLIB ``nint`` arc lengths for X. (For Li & Lim the vehicle count, the first
    criterion, is ``len(plan.routes)``.)
    """
    p, xy = instance.problem, instance.coords
    total = 0.0
    for route in plan.routes:
        locs = p.route_locations(route.vehicle, route.visits)
        arcs = np.sqrt(((xy[locs[1:]] - xy[locs[:-1]]) ** 2).sum(axis=1))
        total += (
            float(np.floor(arcs + 0.5).sum())
            if instance.family == "cvrp_x"
            else float(arcs.sum())
        )
    return total


def read_bks_plan(instance: BenchmarkInstance, path: Path) -> Plan:
    """Read a best-known route file (X ``.sol`` or Li & Lim SINTEF) as a :class:`Plan`.

    Route ``k`` of the file is given to vehicle ``k``; nodes are mapped to visits with
    ``instance.visit_of_node``.
    """
    if instance.family == "cvrp_x":
        routes = vrplib.read_solution(str(path))["routes"]
    else:
        routes = [
            [int(x) for x in line.split(":", 1)[1].split()]
            for line in path.read_text().splitlines()
            if line.strip().lower().startswith("route")
        ]
    plan_routes = tuple(
        RoutePlan(k, tuple(instance.visit_of_node[int(node)] for node in nodes))
        for k, nodes in enumerate(r for r in routes if len(r) > 0)
    )
    return Plan(plan_routes, (), backend="bks")
