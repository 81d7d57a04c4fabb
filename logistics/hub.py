"""What happens to an order at a hub: dock time, handling, waiting, stock.

The ``hub`` strategy (:mod:`logistics.strategies.hub`) carries each order in two
legs, farm to hub and hub to customer. Between them the order is unloaded at the
dock, handled (checked, sorted: :func:`handling_s`), and only then may be loaded on
a delivery van; chilled orders wait in the cold room, or, without one, must leave
within the hub's ``max_chilled_wait_min`` (cross-dock). :class:`HubOperations`
records each order's times at the hub and how the linked plan compares with the
optimistic bound (every order ready at the hub when it opens).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Hub, Order

__all__ = [
    "HubOperations",
    "OrderAtHub",
    "dock_s",
    "handling_s",
    "peak_stock",
]


def handling_s(hub: Hub, order: Order) -> int:
    """Seconds from an order unloaded at ``hub`` to ready to leave (handling)."""
    minutes = (
        hub.handling_per_order_min
        + hub.handling_per_crate_min * order.crates
        + hub.handling_per_kg_min * order.kg
    )
    return round(minutes * 60)


def dock_s(hub: Hub, order: Order) -> int:
    """Seconds to unload (or load) one order at the hub's dock, beyond the stop's
    fixed part."""
    return round((hub.per_order_min + hub.per_crate_min * order.crates) * 60)


@dataclass(frozen=True)
class OrderAtHub:
    """One order's time at the hub (seconds after midnight).

    ``dropped_s``: unloaded from the first-leg vehicle; ``ready_s``: handling done;
    ``loaded_s``: loading on the delivery van starts; ``cold_room``: whether it
    waited in the cold room (chilled orders at a hub that has one).
    """

    order: str
    producer: str
    kg: float
    crates: int
    chilled: bool
    dropped_s: float
    ready_s: float
    loaded_s: float
    cold_room: bool

    @property
    def dwell_s(self) -> float:
        """Time spent at the hub, from unloaded to loaded."""
        return self.loaded_s - self.dropped_s


def peak_stock(
    stays: Iterable[tuple[float, float, float, int]],
) -> tuple[float, int, float]:
    """Return the most kg and crates held at once, and when the kg peak starts.

    ``stays`` are ``(in_s, out_s, kg, crates)``: goods held from ``in_s`` until
    ``out_s``; goods leaving at an instant make room for goods arriving then.
    """
    events = sorted(
        (t, sign, kg, crates)
        for t_in, t_out, kg, crates in stays
        for t, sign in ((t_in, 1), (t_out, -1))
    )
    kg_now, crates_now, best_kg, best_crates, when = 0.0, 0, 0.0, 0, 0.0
    for t, sign, kg, crates in events:
        kg_now += sign * kg
        crates_now += sign * crates
        if kg_now > best_kg:
            best_kg, when = kg_now, t
        best_crates = max(best_crates, crates_now)
    return best_kg, best_crates, when


@dataclass(frozen=True)
class HubOperations:
    """How a hub plan was made and what happened at the hub.

    Parameters
    ----------
    hub
        Hub id.
    first_leg
        ``own`` (producers' own vehicles) or ``collection`` (the hub's vans).
    orders
        Each order that went through the hub.
    rounds
        First-leg/second-leg rounds solved (see :mod:`logistics.strategies.hub`).
    first_leg_cost, second_leg_cost
        Objective of each leg's routes (no unserved penalty), in the objective's
        unit (EUR for the cost objective).
    bound_second_leg_cost, bound_orders_served
        The second leg solved as if every one of these orders were ready at the
        hub when it opens (the optimistic bound), and the orders it serves.
    second_leg_orders_served
        Orders the time-linked second leg serves.
    peak_kg, peak_crates
        Most held at the hub at once.
    """

    hub: str
    first_leg: str
    orders: tuple[OrderAtHub, ...]
    rounds: int
    first_leg_cost: float
    second_leg_cost: float
    bound_second_leg_cost: float
    bound_orders_served: int
    second_leg_orders_served: int
    peak_kg: float
    peak_crates: int

    @property
    def handled_kg(self) -> float:
        """Mass that went through the hub."""
        return sum(o.kg for o in self.orders)

    @property
    def bound_gap_pct(self) -> float:
        """How far the linked second leg's cost is above the bound's, in %."""
        base = self.bound_second_leg_cost
        return 100.0 * (self.second_leg_cost - base) / base if base else 0.0
