"""The separate strategy: each producer alone, in parallel on any executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from logistics.executors import local_executor
from logistics.strategies import Separate, run_strategy

from ..conftest import fleet_of, solve_with


def test_each_vehicle_carries_only_its_owners_orders(three_farms_context) -> None:
    """Separate routes carry their owner's orders; p0's chilled order is unserved
    with the true reason."""
    solution = solve_with("separate", three_farms_context)
    orders = {o.id: o for o in three_farms_context.scenario.orders}
    for route in solution.routes:
        assert {orders[o].producer for o in route.orders} == {route.owner}
    assert [u.order for u in solution.unserved] == ["o4"]
    assert "no refrigerated vehicle" in solution.unserved[0].reason


def test_fleet_restricts_each_vehicle_to_its_owner(three_farms_context) -> None:
    """The separate fleet says which producer each vehicle serves."""
    fleet = fleet_of("separate", three_farms_context)
    assert {(v.id, v.serves) for v in fleet} == {
        ("p0-van-1", ("p0",)),
        ("p1-van-1", ("p1",)),
        ("p2-reefer-1", ("p2",)),
    }


def test_same_plans_on_a_process_pool_threads_or_in_process(
    three_farms_context,
) -> None:
    """The executor changes where the solves run, not what they find."""
    here = run_strategy(Separate(), three_farms_context)
    with ThreadPoolExecutor(2) as threads:
        threaded = run_strategy(Separate(), three_farms_context, executor=threads)
    with local_executor(2) as pool:
        pooled = run_strategy(Separate(), three_farms_context, executor=pool)
    for other in (threaded, pooled):
        assert other.routes == here.routes
        assert other.unserved == here.unserved
