"""Who drives: each producer's hours and km at the wheel, separate vs pooled.

Pooling saves the collective time and money, but the vans that remain are the
producers' own: a farmer may end up driving for everyone. :func:`producer_driving`
sums, per producer, what its own vehicles do in a strategy (vehicles used, trips,
paid hours out, hours actually driving, km, orders carried and how many of them are
other producers'); vehicles of the collective (no owner) get a row of their own.
:func:`driving_rows` puts the baseline and a strategy side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .sheets import driving_s

if TYPE_CHECKING:
    from ..comparison import Comparison
    from ..scenario import Scenario
    from ..solution import Solution

__all__ = ["COLLECTIVE", "ProducerDriving", "driving_rows", "producer_driving"]

COLLECTIVE = ""
"""Owner of the collective's shared vehicles (no producer)."""


@dataclass(frozen=True)
class ProducerDriving:
    """What one producer's own vehicles do in a strategy's day.

    ``duration_h`` is paid time out (travel, stops and waiting at customers);
    ``driving_h`` the part spent driving; ``orders_for_others`` the orders of
    other producers its vehicles deliver.
    """

    producer: str
    name: str
    vehicles: int
    trips: int
    duration_h: float
    driving_h: float
    distance_km: float
    orders_carried: int
    orders_for_others: int

    def as_dict(self) -> dict[str, Any]:
        """Rounded figures for report.json."""
        return {
            "producer": self.producer or None,
            "name": self.name,
            "vehicles": self.vehicles,
            "trips": self.trips,
            "duration_h": round(self.duration_h, 3),
            "driving_h": round(self.driving_h, 3),
            "distance_km": round(self.distance_km, 3),
            "orders_carried": self.orders_carried,
            "orders_for_others": self.orders_for_others,
        }


def producer_driving(
    scenario: Scenario, solution: Solution
) -> tuple[ProducerDriving, ...]:
    """Sum what each producer's own vehicles do in ``solution``.

    Parameters
    ----------
    scenario
        The scenario solved.
    solution
        A strategy's checked solution.

    Returns
    -------
    tuple of ProducerDriving
        One per producer in scenario order (zeros when it drives nothing), then
        one for the collective's vehicles when the solution uses any.
    """
    owner_of = {o.id: o.producer for o in scenario.orders}
    names = {p.id: p.name or p.id for p in scenario.producers}
    owners = list(names)
    if any(r.owner == COLLECTIVE for r in solution.routes):
        owners.append(COLLECTIVE)
    rows = []
    for owner in owners:
        routes = [r for r in solution.routes if r.owner == owner]
        carried = [o for r in routes for o in r.orders]
        rows.append(
            ProducerDriving(
                producer=owner,
                name=names.get(owner, "collective vehicles"),
                vehicles=len(routes),
                trips=sum(r.trips for r in routes),
                duration_h=float(sum(r.duration_h for r in routes)),
                driving_h=float(sum(driving_s(r.stops) for r in routes)) / 3600,
                distance_km=float(sum(r.distance_km for r in routes)),
                orders_carried=len(carried),
                orders_for_others=sum(owner_of[o] != owner for o in carried),
            )
        )
    return tuple(rows)


def driving_rows(comparison: Comparison, strategy: str) -> list[dict[str, Any]]:
    """Return each producer's driving under the baseline and under ``strategy``.

    Keys: ``producer`` (id; ``None`` for the collective's vehicles), ``name``, and
    ``baseline`` and ``strategy`` each holding :meth:`ProducerDriving.as_dict`
    (without ``producer`` and ``name``), with ``duration_change_h`` and
    ``distance_change_km`` (strategy minus baseline: positive means more driving).
    """
    scenario = comparison.scenario
    base = producer_driving(scenario, comparison[comparison.baseline].solution)
    other = {
        d.producer: d for d in producer_driving(scenario, comparison[strategy].solution)
    }
    zero = {
        d.producer: ProducerDriving(d.producer, d.name, 0, 0, 0.0, 0.0, 0.0, 0, 0)
        for d in (*base, *other.values())
    }
    owners = list(dict.fromkeys([*(d.producer for d in base), *other]))
    by_base = {d.producer: d for d in base}
    rows = []
    for owner in owners:
        a = by_base.get(owner, zero[owner])
        b = other.get(owner, zero[owner])
        rows.append(
            {
                "producer": owner or None,
                "name": a.name,
                "baseline": _figures(a),
                "strategy": _figures(b),
                "duration_change_h": round(b.duration_h - a.duration_h, 3),
                "distance_change_km": round(b.distance_km - a.distance_km, 3),
            }
        )
    return rows


def _figures(row: ProducerDriving) -> dict[str, Any]:
    figures = row.as_dict()
    del figures["producer"], figures["name"]
    return figures
