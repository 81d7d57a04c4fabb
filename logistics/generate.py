"""Generate a collective's delivery day on a real road network (``logistics generate``).

The generator turns an OSM road network and a few counts into a scenario mapping that
:func:`~logistics.scenario.parse_scenario` accepts: farms on rural roads around a town,
delivery points in it, orders with sizes, crates and temperatures, and each farm's own
vans. Every random draw comes from one :class:`numpy.random.Generator` seeded with the
given seed, and every site is a road node of the network, so the same network,
options and seed always give the same YAML, byte for byte.

Placement rules (documented in ``scenarios/README.md``, "Generated scenarios"):

- **Town centre**: ``centre`` when given, otherwise the road node with the most road
  nodes within :data:`CENTRE_RADIUS_M` (ties: the lowest node index). Road nodes are
  densest where streets are, so this finds the largest built-up area of the extract.
- **Delivery points**: distinct road nodes within ``urban_radius_km`` of the centre, at
  least :data:`POINT_SPACING_M` apart.
- **Farms**: road nodes in the ring ``farm_ring_km`` around the centre whose own
  neighbourhood is rural: at most :data:`RURAL_DENSITY_SHARE` of the centre's count of
  road nodes within :data:`DENSITY_RADIUS_M` (so no farm lands in another town's
  centre), at least ``farm_spacing_km`` apart (halved until enough farms fit).

Parameter values come from the generator defaults of the domain note (``domain.md``
§5.3 orders and service, §5.4 windows, §5.5 vehicles, §5.6 chilled goods); each
constant below names its source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .constants import VERSION
from .exceptions import ScenarioError
from .network import EARTH_RADIUS_M, _unit_vectors
from .scenario import parse_scenario

if TYPE_CHECKING:
    from .network import RoadNetwork

__all__ = [
    "KIND_RULES",
    "GenerateOptions",
    "generate_scenario",
    "generate_yaml",
    "generator_command",
    "parse_options",
    "town_centre",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CENTRE_RADIUS_M: Final = 1_000.0
"""Radius of the node count that locates the default town centre."""

DENSITY_RADIUS_M: Final = 500.0
"""Radius of the node count that tells built-up from rural road nodes."""

RURAL_DENSITY_SHARE: Final = 0.25
"""A farm node has at most this share of the centre's road nodes within
:data:`DENSITY_RADIUS_M` (a village lane, not another town's centre)."""

POINT_SPACING_M: Final = 50.0
"""Minimum distance between two delivery points (distinct buildings)."""

PRODUCER_DAY: Final = "05:00-14:00"
"""Producer working day, when goods can be collected (domain.md §5.4)."""

EVENING_COLLECTION_END: Final = "18:00"
"""A farm with evening drop-point orders stays open for collection until then, so a van
can collect them in the afternoon (a producer has one availability window)."""

MAX_ROUTE_DURATION_H: Final = 12.0
"""Farmer's day from leaving the farm to coming back, waiting included: with one route
per van a day, one van serving morning customers and a 17:00 drop point needs
11-12 h (domain.md §5.4: working day 05:00-14:00 plus the evening drop)."""

CRATE_KG: Final = (8.0, 15.0)
"""Produce per 60 x 40 cm crate, kg (domain.md §5.3)."""

SECOND_VAN_LOAD_SHARE: Final = 0.7
"""A farm whose day's orders fill more than this share of its van (kg or crates) owns
a second van; otherwise it does with probability :data:`SECOND_VAN_PROBABILITY`."""

SECOND_VAN_PROBABILITY: Final = 0.2

FARM_WITHOUT_REEFER_EVERY: Final = 4
"""Every 4th farm selling chilled goods owns only an ambient van: delivering alone it
cannot serve its chilled orders, pooled a neighbour's refrigerated van can (the
situation of scenarios/ajaccio.yaml's p_valle)."""


@dataclass(frozen=True)
class KindRule:
    """Generator defaults for one kind of delivery point.

    Parameters
    ----------
    label
        Name prefix of the points.
    share
        Share of the delivery points of this kind.
    window
        Delivery window, ``"HH:MM-HH:MM"`` (domain.md §5.4).
    stop_min
        Lowest and highest fixed part of a stop (parking, paperwork), minutes
        (domain.md §5.3: 5-15 min per stop; each order then takes the default 1 min
        per crate).
    median_kg, kg_range
        Lognormal median and clipping bounds of an order's mass (domain.md §5.3).
    """

    label: str
    share: float
    window: str
    stop_min: tuple[int, int]
    median_kg: float
    kg_range: tuple[float, float]


KIND_RULES: Final[dict[str, KindRule]] = {
    "shop": KindRule("Shop", 0.35, "07:00-12:00", (6, 12), 15.0, (10.0, 60.0)),
    "restaurant": KindRule(
        "Restaurant", 0.30, "07:00-11:00", (5, 8), 10.0, (5.0, 30.0)
    ),
    "canteen": KindRule("Canteen", 0.15, "06:30-09:30", (10, 15), 40.0, (20.0, 150.0)),
    "market": KindRule("Market stall", 0.05, "03:00-08:00", (8, 15), 25.0, (5.0, 60.0)),
    "drop_point": KindRule(
        "Evening drop point", 0.15, "17:00-19:30", (8, 15), 80.0, (50.0, 300.0)
    ),
}
"""Kinds in the order their points are numbered. Windows: domain.md §5.4 generator
defaults (MIN/hub 03:00-08:00 for markets, AMAP/pickup points 17:00-19:30 for drop
points); sizes: §5.3 (median ~15 kg, 5-60 kg; canteens 20-150 kg, aggregated AMAP drops
50-300 kg); the per-kind medians are an assumption [A] within those ranges."""

ORDER_SIGMA: Final = 0.5
"""Log-standard deviation of order masses [A]."""

_AMBIENT_PRODUCTS: Final = (
    "Market garden (vegetables)",
    "Orchard (fruit, juice)",
    "Farm bakery (bread)",
    "Beekeeper (honey)",
    "Cereals and flour",
    "Organic vegetables and herbs",
    "Preserves and oil",
)
_CHILLED_PRODUCTS: Final = (
    "Dairy farm (milk, yoghurts)",
    "Goat farm (fresh cheese)",
    "Cattle farm (fresh meat)",
    "Poultry farm (eggs, poultry)",
    "Pig farm (charcuterie)",
)
"""Animal products travel chilled, produce, bread and dry goods ambient (§5.6)."""

VEHICLE_TYPES: Final[tuple[dict[str, Any], ...]] = (
    {
        "id": "small_van",
        "name": "Small diesel van (Kangoo/Berlingo class), ambient",
        "capacity_kg": 700,
        "capacity_crates": 40,
        "fixed_cost_eur": 12,
        "cost_per_km_eur": 0.40,
        "driver_cost_per_h_eur": 13.5,
        "emission_class": "small_van",
    },
    {
        "id": "van_3t5",
        "name": "3.5 t diesel van ~12 m3 (Master/Ducato class), ambient",
        "capacity_kg": 1000,
        "capacity_crates": 100,
        "fixed_cost_eur": 15,
        "cost_per_km_eur": 0.40,
        "driver_cost_per_h_eur": 13.5,
        "emission_class": "van_3t5_diesel",
    },
    {
        "id": "small_van_reefer",
        "name": "Small refrigerated diesel van (0-4 C)",
        "capacity_kg": 600,
        "capacity_crates": 35,
        "refrigerated": True,
        "fixed_cost_eur": 16,
        "cost_per_km_eur": 0.60,
        "driver_cost_per_h_eur": 13.5,
        "emission_class": "small_van",
    },
    {
        "id": "van_3t5_reefer",
        "name": "3.5 t refrigerated diesel van (0-4 C)",
        "capacity_kg": 900,
        "capacity_crates": 90,
        "refrigerated": True,
        "fixed_cost_eur": 20,
        "cost_per_km_eur": 0.80,
        "driver_cost_per_h_eur": 13.5,
        "emission_class": "van_3t5_diesel",
    },
)
"""The vehicle types of scenarios/ajaccio.yaml (costs and capacities sourced there:
domain.md §5.5 and §6; emission classes of logistics/data/vehicle_classes.csv)."""

_TYPES: Final = {t["id"]: t for t in VEHICLE_TYPES}


class GenerateOptions(BaseModel):
    """What to generate: counts, seed and placement (the generator's boundary).

    Parameters
    ----------
    osm_file
        File name the scenario's ``network.osm_file`` records (looked up next to the
        scenario or in ``--osm-dir`` folders when it runs).
    producers, points, orders
        Farms, delivery points and orders; ``orders`` >= both others so that every
        farm sells and every point receives at least one order.
    seed
        Seed of every random draw.
    centre
        Town centre ``(lat, lon)``; default: the densest cluster of road nodes.
    chilled_share
        Share of the orders that travel chilled (0-1).
    urban_radius_km
        Delivery points lie within this distance of the centre.
    farm_ring_km
        ``(min, max)`` distance of farms from the centre; default
        ``(2 x urban_radius_km, 30)`` (domain.md §5.2: farms 10-30 km typical).
    farm_spacing_km
        Wanted distance between two farms (halved until enough farms fit).
    name
        Scenario name; default from the OSM file, counts and seed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    osm_file: str = Field(min_length=1)
    producers: int = Field(ge=1, le=500)
    points: int = Field(ge=1, le=5_000)
    orders: int = Field(ge=1, le=20_000)
    seed: int = Field(ge=0)
    centre: tuple[float, float] | None = None
    chilled_share: float = Field(default=0.25, ge=0, le=1)
    urban_radius_km: float = Field(default=3.0, gt=0, le=50)
    farm_ring_km: tuple[float, float] | None = None
    farm_spacing_km: float = Field(default=1.0, ge=0, le=50)
    name: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> GenerateOptions:
        if self.orders < max(self.producers, self.points):
            msg = (
                f"orders ({self.orders}) must be >= producers ({self.producers}) and "
                f">= points ({self.points}): every farm sells and every point receives "
                "at least one order"
            )
            raise ValueError(msg)
        lo, hi = self.ring_km
        if not self.urban_radius_km <= lo < hi:
            msg = (
                f"farm_ring_km must satisfy urban_radius_km ({self.urban_radius_km:g})"
                f" <= min < max; got ({lo:g}, {hi:g})"
            )
            raise ValueError(msg)
        return self

    @property
    def ring_km(self) -> tuple[float, float]:
        """The farm ring, defaults applied."""
        if self.farm_ring_km is not None:
            return self.farm_ring_km
        return (2.0 * self.urban_radius_km, max(30.0, 2.5 * self.urban_radius_km))

    @property
    def scenario_name(self) -> str:
        """The scenario name, default applied."""
        if self.name is not None:
            return self.name
        stem = self.osm_file.split(".")[0]
        return f"{stem}-p{self.producers}-o{self.orders}-s{self.seed}"


def parse_options(**fields: Any) -> GenerateOptions:
    """Validate generator options, one message per problem.

    Raises
    ------
    ScenarioError
        Naming each option, its value and the rule.
    """
    try:
        return GenerateOptions.model_validate(fields)
    except ValidationError as exc:
        problems = [
            f"generate: {'.'.join(map(str, e['loc'])) or 'options'}: "
            f"value {e['input']!r}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise ScenarioError(problems) from None


def generator_command(options: GenerateOptions) -> str:
    """Return the ``logistics generate`` command that reproduces ``options``.

    Every option is spelled out (defaults included) so the command stays exact when a
    default changes; the OSM file is named by file name only.
    """
    lo, hi = options.ring_km
    parts = [
        "logistics generate",
        f"--osm {options.osm_file}",
        f"--producers {options.producers}",
        f"--points {options.points}",
        f"--orders {options.orders}",
        f"--seed {options.seed}",
    ]
    if options.centre is not None:
        parts.append(f"--centre {options.centre[0]:.5f},{options.centre[1]:.5f}")
    parts += [
        f"--chilled-share {options.chilled_share:g}",
        f"--urban-radius-km {options.urban_radius_km:g}",
        f"--farm-ring-km {lo:g},{hi:g}",
        f"--farm-spacing-km {options.farm_spacing_km:g}",
    ]
    if options.name is not None:
        parts.append(f"--name {options.name}")
    return " ".join(parts)


# -- placement ---------------------------------------------------------------------


def _counts_within(network: RoadNetwork, xyz: FloatArray, radius_m: float) -> IntArray:
    """Road nodes within ``radius_m`` of each point (``xyz``: unit vectors)."""
    chord = 2.0 * math.sin(radius_m / EARTH_RADIUS_M / 2.0)
    found = network._kdtree.query_ball_point(xyz, r=chord, return_length=True)
    return np.asarray(found, dtype=np.int64)


def town_centre(network: RoadNetwork) -> tuple[float, float]:
    """Return the default town centre: the densest cluster of road nodes.

    Parameters
    ----------
    network
        The road network.

    Returns
    -------
    tuple of float
        ``(lat, lon)`` of the road node with the most road nodes within
        :data:`CENTRE_RADIUS_M` (ties: the lowest node index).
    """
    xyz = _unit_vectors(network.node_lat, network.node_lon)
    counts = _counts_within(network, xyz, CENTRE_RADIUS_M)
    best = int(np.argmax(counts))  # argmax keeps the first of equal counts
    return float(network.node_lat[best]), float(network.node_lon[best])


def _distance_m(network: RoadNetwork, lat: float, lon: float) -> FloatArray:
    """Great-circle distance from ``(lat, lon)`` to every node, metres."""
    xyz = _unit_vectors(network.node_lat, network.node_lon)
    here = _unit_vectors(np.array([lat]), np.array([lon]))[0]
    chord = np.linalg.norm(xyz - here, axis=1)
    return np.asarray(2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0)) * EARTH_RADIUS_M)


def _spread(
    network: RoadNetwork,
    candidates: IntArray,
    count: int,
    spacing_m: float,
    rng: np.random.Generator,
) -> list[int]:
    """Pick ``count`` candidates in a random order, each ``spacing_m`` from the others.

    Greedy on a seeded permutation, so the result depends on the seed alone.
    Returns fewer than ``count`` nodes when the spacing does not allow more.
    """
    order = rng.permutation(candidates)
    xyz = _unit_vectors(network.node_lat[order], network.node_lon[order])
    chord = 2.0 * math.sin(spacing_m / EARTH_RADIUS_M / 2.0)
    chosen: list[int] = []
    for k in range(len(order)):
        if len(chosen) == count:
            break
        if not chosen or np.min(np.linalg.norm(xyz[chosen] - xyz[k], axis=1)) >= chord:
            chosen.append(k)
    return [int(order[k]) for k in chosen]


def _pick_points(
    network: RoadNetwork,
    options: GenerateOptions,
    from_centre_m: FloatArray,
    rng: np.random.Generator,
) -> list[int]:
    """Delivery point nodes: within the urban radius, :data:`POINT_SPACING_M` apart."""
    inside = np.flatnonzero(from_centre_m <= options.urban_radius_km * 1000.0)
    nodes = _spread(network, inside, options.points, POINT_SPACING_M, rng)
    if len(nodes) < options.points:
        msg = (
            f"only {len(nodes)} road nodes at least {POINT_SPACING_M:g} m apart lie "
            f"within urban_radius_km={options.urban_radius_km:g} of the centre; "
            f"{options.points} points asked: raise --urban-radius-km"
        )
        raise ScenarioError([f"generate: {msg}"])
    return nodes


def _pick_farms(
    network: RoadNetwork,
    options: GenerateOptions,
    from_centre_m: FloatArray,
    rng: np.random.Generator,
) -> list[int]:
    """Farm nodes: rural nodes of the ring, spaced (spacing halved until they fit)."""
    lo, hi = options.ring_km
    xyz = _unit_vectors(network.node_lat, network.node_lon)
    density = _counts_within(network, xyz, DENSITY_RADIUS_M)
    centre_node = int(np.argmin(from_centre_m))
    rural = density <= RURAL_DENSITY_SHARE * density[centre_node]
    ring = (from_centre_m >= lo * 1000.0) & (from_centre_m <= hi * 1000.0)
    candidates = np.flatnonzero(ring & rural)
    spacing_m = options.farm_spacing_km * 1000.0
    # One draw from ``rng`` whatever the number of halvings, so later draws do not
    # depend on it; every attempt replays the same child stream.
    child_seed = int(rng.integers(2**63))
    while True:
        attempt = np.random.default_rng(child_seed)
        nodes = _spread(network, candidates, options.producers, spacing_m, attempt)
        if len(nodes) == options.producers:
            return nodes
        if spacing_m < 1.0:
            msg = (
                f"only {len(candidates)} rural road nodes lie {lo:g}-{hi:g} km from "
                f"the centre; {options.producers} farms asked: widen --farm-ring-km"
            )
            raise ScenarioError([f"generate: {msg}"])
        spacing_m /= 2.0


# -- contents ------------------------------------------------------------------------


def _kind_counts(points: int) -> list[str]:
    """Kinds of the points, by largest remainder of :data:`KIND_RULES` shares.

    With 5 or more points every kind appears at least once.
    """
    kinds = list(KIND_RULES)
    quotas = [KIND_RULES[k].share * points for k in kinds]
    counts = [math.floor(q) for q in quotas]
    if points >= len(kinds):
        counts = [max(1, c) for c in counts]
    by_remainder = sorted(range(len(kinds)), key=lambda i: (counts[i] - quotas[i], i))
    i = 0
    while sum(counts) < points:
        counts[by_remainder[i % len(kinds)]] += 1
        i += 1
    while sum(counts) > points:
        largest = max(range(len(kinds)), key=lambda j: (counts[j], -j))
        counts[largest] -= 1
    return [k for k, c in zip(kinds, counts, strict=True) for _ in range(c)]


def _time(minutes: float) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def _coordinate(value: float) -> float:
    """Six decimals: 0.1 m, so a site snaps onto its own road node."""
    return round(float(value), 6)


def _delivery_points(
    network: RoadNetwork, nodes: Sequence[int], rng: np.random.Generator
) -> list[dict[str, Any]]:
    kinds = _kind_counts(len(nodes))
    width = max(3, len(str(len(nodes))))
    points = []
    for i, (kind, node) in enumerate(zip(kinds, nodes, strict=True), start=1):
        rule = KIND_RULES[kind]
        pid = f"d{i:0{width}d}"
        low, high = rule.stop_min
        points.append(
            {
                "id": pid,
                "name": f"{rule.label} {pid}",
                "kind": kind,
                "lat": _coordinate(network.node_lat[node]),
                "lon": _coordinate(network.node_lon[node]),
                "time_windows": [rule.window],
                "stop_min": int(rng.integers(low, high + 1)),
            }
        )
    return points


@dataclass(frozen=True)
class _Farm:
    """A farm before its vans are chosen: id, node, product, whether it is chilled."""

    id: str
    node: int
    product: str
    chilled: bool


def _farms(
    nodes: Sequence[int], chilled_share: float, rng: np.random.Generator
) -> list[_Farm]:
    """Give each farm a product; ``round(share x farms)`` farms sell chilled goods."""
    n = len(nodes)
    n_chilled = round(chilled_share * n)
    if chilled_share > 0:
        n_chilled = max(1, n_chilled)
    chilled = set(rng.permutation(n)[:n_chilled].tolist())
    farms = []
    for i, node in enumerate(nodes):
        pool = _CHILLED_PRODUCTS if i in chilled else _AMBIENT_PRODUCTS
        product = pool[int(rng.integers(len(pool)))]
        farms.append(_Farm(f"f{i + 1:02d}", node, product, i in chilled))
    return farms


def _order_mass(kind: str, rng: np.random.Generator) -> tuple[float, int]:
    """Draw an order's kg (lognormal, clipped, whole kg) and its crates."""
    rule = KIND_RULES[kind]
    lo, hi = rule.kg_range
    kg = float(
        np.clip(round(rule.median_kg * math.exp(ORDER_SIGMA * rng.normal())), lo, hi)
    )
    crate_kg = rng.uniform(*CRATE_KG)
    return kg, max(1, math.ceil(kg / crate_kg))


def _order_pairs(
    farms: Sequence[_Farm],
    points: Sequence[dict[str, Any]],
    n_orders: int,
    chilled_share: float,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """(farm, point) index of each order, distinct pairs where possible.

    Every farm and every point gets one order first; then ``round(share x orders)``
    orders in all come from chilled farms (their goods travel chilled), the rest
    from ambient farms.
    """
    chilled = [i for i, f in enumerate(farms) if f.chilled]
    ambient = [i for i, f in enumerate(farms) if not f.chilled]
    want_chilled = round(chilled_share * n_orders) if chilled else 0
    if not ambient:
        want_chilled = n_orders
    farm_of = list(rng.permutation(len(farms)))
    extra = n_orders - len(farm_of)
    n_chilled = sum(1 for i in farm_of if farms[i].chilled)
    more_chilled = min(extra, max(0, want_chilled - n_chilled))
    farm_of += [int(chilled[rng.integers(len(chilled))]) for _ in range(more_chilled)]
    farm_of += [
        int(ambient[rng.integers(len(ambient))]) for _ in range(extra - more_chilled)
    ]
    point_of = list(rng.permutation(len(points)))
    point_of += [int(rng.integers(len(points))) for _ in range(n_orders - len(points))]
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for f, p in zip(rng.permutation(farm_of).tolist(), point_of, strict=True):
        for _ in range(20):  # redraw the point of a repeated pair a few times
            if (f, p) not in seen:
                break
            p = int(rng.integers(len(points)))
        seen.add((f, p))
        pairs.append((int(f), int(p)))
    return sorted(pairs)


def _orders(
    farms: Sequence[_Farm],
    points: Sequence[dict[str, Any]],
    options: GenerateOptions,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    pairs = _order_pairs(farms, points, options.orders, options.chilled_share, rng)
    width = max(3, len(str(len(pairs))))
    orders = []
    for i, (f, p) in enumerate(pairs, start=1):
        kg, crates = _order_mass(points[p]["kind"], rng)
        order: dict[str, Any] = {
            "id": f"o{i:0{width}d}",
            "producer": farms[f].id,
            "delivery_point": points[p]["id"],
            "kg": kg,
            "crates": crates,
        }
        if farms[f].chilled:
            order["temperature"] = "chilled"
        orders.append(order)
    return orders


def _fits(type_id: str, kg: float, crates: int) -> bool:
    t = _TYPES[type_id]
    return bool(kg <= t["capacity_kg"] and crates <= t["capacity_crates"])


def _load_share(type_id: str, kg: float, crates: int) -> float:
    """Share of a van's payload (kg or crates, the tighter) a load takes."""
    t = _TYPES[type_id]
    return max(kg / float(t["capacity_kg"]), crates / float(t["capacity_crates"]))


def _vans(
    farm: _Farm, orders: Sequence[dict[str, Any]], index: int, rng: np.random.Generator
) -> list[str]:
    """Choose a farm's one or two vans from its day's orders.

    A small van (30 % of farms: a 3.5 t van), refrigerated for chilled farms except
    every :data:`FARM_WITHOUT_REEFER_EVERY`-th; the 3.5 t version when the day's load
    or one order does not fit the small one comfortably; a second, ambient van of the
    other size when the load still exceeds :data:`SECOND_VAN_LOAD_SHARE` of the first
    (or with probability :data:`SECOND_VAN_PROBABILITY`: mixed farm fleets).
    """
    mine = [o for o in orders if o["producer"] == farm.id]
    kg = sum(o["kg"] for o in mine)
    crates = sum(o["crates"] for o in mine)
    reefer = farm.chilled and index % FARM_WITHOUT_REEFER_EVERY != (
        FARM_WITHOUT_REEFER_EVERY - 1
    )
    small, big = (
        ("small_van_reefer", "van_3t5_reefer") if reefer else ("small_van", "van_3t5")
    )
    largest = max(mine, key=lambda o: (o["crates"], o["kg"]))
    first = big if rng.random() < 0.3 else small
    if (
        _load_share(first, kg, crates) > SECOND_VAN_LOAD_SHARE
        or _load_share(first, largest["kg"], largest["crates"]) > 1.0
    ):
        first = big
    second = (
        _load_share(first, kg, crates) > SECOND_VAN_LOAD_SHARE
        or rng.random() < SECOND_VAN_PROBABILITY
    )
    if not second:
        return [first]
    return [first, "small_van" if first in {"van_3t5", "van_3t5_reefer"} else "van_3t5"]


def _producers(
    network: RoadNetwork,
    farms: Sequence[_Farm],
    orders: Sequence[dict[str, Any]],
    points: Sequence[dict[str, Any]],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    evening = {p["id"] for p in points if p["kind"] == "drop_point"}
    chilled_rank = {f.id: k for k, f in enumerate(x for x in farms if x.chilled)}
    producers = []
    for farm in farms:
        start, end = PRODUCER_DAY.split("-")
        if any(
            o["producer"] == farm.id and o["delivery_point"] in evening for o in orders
        ):
            end = EVENING_COLLECTION_END
        vans = _vans(farm, orders, chilled_rank.get(farm.id, 0), rng)
        producers.append(
            {
                "id": farm.id,
                "name": f"{farm.product}, farm {farm.id}",
                "lat": _coordinate(network.node_lat[farm.node]),
                "lon": _coordinate(network.node_lon[farm.node]),
                "available": f"{start}-{end}",
                # Fixed part of a stop at the farm, 4-6 min [A] (then 1 min per
                # crate, the default).
                "loading_stop_min": float(rng.choice([4.0, 5.0, 6.0])),
                "vehicles": [{"type": v} for v in vans],
            }
        )
    return producers


def _ensure_reefer(
    producers: list[dict[str, Any]], orders: Sequence[dict[str, Any]]
) -> None:
    """Make every chilled order fit some refrigerated van of the scenario.

    When none does (no reefer at all, or only small ones for a large chilled order),
    the first chilled farm's first van becomes a 3.5 t refrigerated van.
    """
    chilled = [o for o in orders if o.get("temperature") == "chilled"]
    if not chilled:
        return
    reefers = {
        v["type"]
        for p in producers
        for v in p["vehicles"]
        if _TYPES[v["type"]].get("refrigerated")
    }
    if all(any(_fits(t, o["kg"], o["crates"]) for t in reefers) for o in chilled):
        return
    owner = next(p for p in producers if p["id"] == chilled[0]["producer"])
    owner["vehicles"][0] = {"type": "van_3t5_reefer"}


def generate_scenario(network: RoadNetwork, options: GenerateOptions) -> dict[str, Any]:
    """Generate a scenario mapping on ``network``.

    Parameters
    ----------
    network
        The road network of ``options.osm_file``; every site is one of its nodes.
    options
        Counts, seed and placement rules.

    Returns
    -------
    dict
        A scenario mapping (the fields of ``scenarios/README.md``), valid for
        :func:`~logistics.scenario.parse_scenario`. The same network, options and seed
        give an equal mapping.

    Raises
    ------
    ScenarioError
        When the network has too few nodes for the asked counts (the message names
        the option to change).
    """
    rng = np.random.default_rng(options.seed)
    centre = options.centre or town_centre(network)
    from_centre_m = _distance_m(network, *centre)
    point_nodes = _pick_points(network, options, from_centre_m, rng)
    farm_nodes = _pick_farms(network, options, from_centre_m, rng)
    points = _delivery_points(network, point_nodes, rng)
    farms = _farms(farm_nodes, options.chilled_share, rng)
    orders = _orders(farms, points, options, rng)
    producers = _producers(network, farms, orders, points, rng)
    _ensure_reefer(producers, orders)
    used = {v["type"] for p in producers for v in p["vehicles"]}
    return {
        "name": options.scenario_name,
        "description": _description(options, centre, orders),
        "vehicle_types": [dict(t) for t in VEHICLE_TYPES if t["id"] in used],
        "producers": producers,
        "delivery_points": points,
        "orders": orders,
        "pooled_fleet": {"include_producer_vehicles": True, "vehicles": []},
        "max_route_duration_h": MAX_ROUTE_DURATION_H,
        "network": {
            "source": "osm_file",
            "osm_file": options.osm_file,
            "geodesic_fallback": False,
        },
        "solver": {"time_limit_s": 20, "separate_time_limit_s": 3, "seed": 1},
    }


def _description(
    options: GenerateOptions,
    centre: tuple[float, float],
    orders: Sequence[dict[str, Any]],
) -> str:
    kg = sum(o["kg"] for o in orders)
    chilled = sum(1 for o in orders if o.get("temperature") == "chilled")
    return (
        f"Generated collective: {options.producers} farms {options.ring_km[0]:g}-"
        f"{options.ring_km[1]:g} km around the town centre ({centre[0]:.5f}, "
        f"{centre[1]:.5f}), {options.points} delivery points within "
        f"{options.urban_radius_km:g} km of it, {len(orders)} orders ({kg:,.0f} kg, "
        f"{chilled} chilled). Command: `{generator_command(options)}` "
        f"(seed {options.seed}, logistics {VERSION}). Sites are road nodes of "
        f"{options.osm_file} (OpenStreetMap, ODbL); farms, businesses and orders are "
        "invented."
    )


def generate_yaml(network: RoadNetwork, options: GenerateOptions) -> str:
    """Generate a scenario and return it as validated YAML text.

    Parameters
    ----------
    network
        The road network of ``options.osm_file``.
    options
        Counts, seed and placement rules.

    Returns
    -------
    str
        The scenario file: a comment header then the fields. It has been read back
        and validated by :func:`~logistics.scenario.parse_scenario`.

    Raises
    ------
    ScenarioError
        When the network is too small for the counts, or (a bug) the generated
        scenario fails validation.
    """
    mapping = generate_scenario(network, options)
    header = (
        "# Generated by `logistics generate`; do not edit by hand, regenerate:\n"
        f"#   {generator_command(options)}\n"
        "# Road data (c) OpenStreetMap contributors, ODbL 1.0. Sites are road nodes;\n"
        "# farms, businesses and orders are invented. Rules: scenarios/README.md.\n"
    )
    # default_flow_style=None writes each order, point and window on one line.
    body = yaml.safe_dump(
        mapping, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
    )
    text = header + body
    parse_scenario(yaml.safe_load(text), source="<generated>")
    return text
