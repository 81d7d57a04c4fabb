"""Cost and CO2e accounting of a solution, per route and per strategy.

Costs follow the scenario's vehicle types: a fixed cost per vehicle used that day, a
per-km cost (energy and wear) and the driver's time valued per hour (waiting included).
Emissions use each vehicle type's well-to-wheel kg CO2e per km.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Scenario
    from .solution import Route, Solution

__all__ = ["RouteAccount", "StrategyAccount", "account"]


@dataclass(frozen=True)
class RouteAccount:
    """Cost and emissions of one route."""

    vehicle: str
    distance_km: float
    duration_h: float
    fixed_cost_eur: float
    distance_cost_eur: float
    time_cost_eur: float
    co2e_kg: float
    delivered_kg: float

    @property
    def cost_eur(self) -> float:
        """Total cost of the route."""
        return self.fixed_cost_eur + self.distance_cost_eur + self.time_cost_eur


@dataclass(frozen=True)
class StrategyAccount:
    """Totals of a strategy."""

    strategy: str
    routes: tuple[RouteAccount, ...]
    orders_served: int
    orders_unserved: int

    @property
    def distance_km(self) -> float:
        """Total distance driven."""
        return sum(r.distance_km for r in self.routes)

    @property
    def duration_h(self) -> float:
        """Total vehicle hours, waiting included."""
        return sum(r.duration_h for r in self.routes)

    @property
    def cost_eur(self) -> float:
        """Total cost."""
        return sum(r.cost_eur for r in self.routes)

    @property
    def co2e_kg(self) -> float:
        """Total well-to-wheel emissions."""
        return sum(r.co2e_kg for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        """Vehicles with a non-empty route."""
        return len(self.routes)

    @property
    def delivered_kg(self) -> float:
        """Mass delivered."""
        return sum(r.delivered_kg for r in self.routes)


def _route_account(scenario: Scenario, route: Route) -> RouteAccount:
    vt = scenario.vehicle_type(route.vehicle_type)
    kg = {o.id: o.kg for o in scenario.orders}
    return RouteAccount(
        vehicle=route.vehicle,
        distance_km=route.distance_km,
        duration_h=route.duration_h,
        fixed_cost_eur=vt.fixed_cost_eur,
        distance_cost_eur=vt.cost_per_km_eur * route.distance_km,
        time_cost_eur=vt.driver_cost_per_h_eur * route.duration_h,
        co2e_kg=vt.co2e_kg_per_km * route.distance_km,
        delivered_kg=sum(kg[o] for o in route.orders),
    )


def account(scenario: Scenario, solution: Solution) -> StrategyAccount:
    """Compute the cost and emissions of every route of ``solution``.

    Parameters
    ----------
    scenario
        The scenario (vehicle types give the cost and emission factors).
    solution
        A checked solution.

    Returns
    -------
    StrategyAccount
        Per-route figures and strategy totals.
    """
    return StrategyAccount(
        strategy=solution.strategy,
        routes=tuple(_route_account(scenario, r) for r in solution.routes),
        orders_served=solution.orders_served,
        orders_unserved=len(solution.unserved),
    )
