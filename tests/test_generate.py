"""The scenario generator on the bundled Melun road extract (offline)."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from logistics.cli import main
from logistics.context import build_context
from logistics.exceptions import ScenarioError
from logistics.generate import (
    KIND_RULES,
    generate_yaml,
    parse_options,
    town_centre,
)
from logistics.plan import allowed_vehicles, solo_obstacle
from logistics.scenario import Scenario, format_time_of_day, load_scenario
from logistics.strategies import get_strategy
from logistics.travel import build_travel

from .conftest import BUNDLED_OSM

MELUN_PLACE = {"urban_radius_km": 2.0, "farm_ring_km": (3.5, 7.0)}


def _options(seed: int = 1, **changes: object):  # type: ignore[no-untyped-def]
    fields = {
        "osm_file": "melun.osm.bz2",
        "producers": 6,
        "points": 20,
        "orders": 40,
        "seed": seed,
        **MELUN_PLACE,
        **changes,
    }
    return parse_options(**fields)


@pytest.fixture(scope="module")
def melun_yaml(melun) -> str:  # type: ignore[no-untyped-def]
    """A generated scenario on scenarios/osm/melun.osm.bz2 (6 farms, 40 orders)."""
    return generate_yaml(melun, _options())


@pytest.fixture(scope="module")
def generated(melun_yaml, tmp_path_factory) -> Scenario:  # type: ignore[no-untyped-def]
    """The generated scenario, written to a file and loaded as `logistics run` does."""
    path = tmp_path_factory.mktemp("generated") / "melun-generated.yaml"
    path.write_text(melun_yaml, encoding="utf-8")
    return load_scenario(path)


def test_same_seed_gives_byte_identical_yaml(melun, melun_yaml) -> None:
    """Generating twice with the same options and seed gives the same bytes."""
    assert generate_yaml(melun, _options()) == melun_yaml


def test_different_seeds_give_different_scenarios(melun, melun_yaml) -> None:
    """Another seed moves sites and orders."""
    assert generate_yaml(melun, _options(seed=2)) != melun_yaml


def test_output_validates_with_requested_counts(generated) -> None:
    """The YAML loads and has exactly the requested producers, points and orders."""
    assert len(generated.producers) == 6
    assert len(generated.delivery_points) == 20
    assert len(generated.orders) == 40
    assert generated.network.osm_file == "melun.osm.bz2"
    assert "--seed 1" in generated.description


def test_every_farm_sells_and_every_point_receives(generated) -> None:
    """Each producer has an order and each delivery point receives one."""
    assert {o.producer for o in generated.orders} == {p.id for p in generated.producers}
    assert {o.delivery_point for o in generated.orders} == {
        d.id for d in generated.delivery_points
    }


def test_kinds_have_their_documented_windows(generated) -> None:
    """Every kind appears, with the window and service range of KIND_RULES."""
    kinds = Counter(d.kind for d in generated.delivery_points)
    assert set(kinds) == set(KIND_RULES)
    for point in generated.delivery_points:
        rule = KIND_RULES[point.kind]
        (window,) = point.time_windows
        shown = f"{format_time_of_day(window.start)}-{format_time_of_day(window.end)}"
        assert shown == rule.window
        assert rule.stop_min[0] <= point.stop_min <= rule.stop_min[1]


def test_order_sizes_and_crates_follow_the_kind(generated) -> None:
    """Masses stay in their kind's range; crates hold 8-15 kg each."""
    kinds = {d.id: d.kind for d in generated.delivery_points}
    for order in generated.orders:
        lo, hi = KIND_RULES[kinds[order.delivery_point]].kg_range
        assert lo <= order.kg <= hi
        assert order.kg / 15.0 <= order.crates <= order.kg / 8.0 + 1


def test_evening_orders_can_be_collected_in_the_afternoon(generated) -> None:
    """A farm with an evening drop-point order is open for collection until 18:00."""
    kinds = {d.id: d.kind for d in generated.delivery_points}
    evening = {
        o.producer for o in generated.orders if kinds[o.delivery_point] == "drop_point"
    }
    assert evening
    for p in generated.producers:
        assert format_time_of_day(p.available.end) == (
            "18:00" if p.id in evening else "14:00"
        )


def test_every_order_servable_by_the_pooled_fleet(generated) -> None:
    """Each order, chilled ones included, fits some pooled vehicle on its own route."""
    travel = build_travel(generated, osm_dirs=[BUNDLED_OSM])
    assert max(travel.network.snap_distance_m.values()) < 1.0
    context = build_context(generated, travel.matrix)
    pooled = get_strategy("pooled")
    everyone = context.producer_ids
    problem = context.problem(everyone, pooled.fleet(context, everyone))
    chilled = {o.id for o in generated.orders if o.temperature == "chilled"}
    assert chilled
    for r, req in enumerate(problem.requests):
        usable = [
            k
            for k in allowed_vehicles(problem, r)
            if solo_obstacle(problem, r, k) is None
        ]
        assert usable, req.id
        if req.id in chilled:
            assert all(problem.vehicles[k].refrigerated for k in usable)


def test_chilled_share_zero_needs_no_reefer(melun) -> None:
    """Without chilled orders the scenario still validates and has no chilled order."""
    text = generate_yaml(melun, _options(chilled_share=0.0))
    raw = yaml.safe_load(text)
    assert all(o.get("temperature") != "chilled" for o in raw["orders"])


def test_centre_defaults_to_the_densest_cluster(melun) -> None:
    """Melun's densest cluster of road nodes lies in the town centre."""
    lat, lon = town_centre(melun)
    assert 48.52 < lat < 48.55
    assert 2.64 < lon < 2.67


def test_too_few_orders_are_refused() -> None:
    """Orders must cover every farm and point; the message names the rule."""
    with pytest.raises(ScenarioError, match="orders \\(10\\) must be >= producers"):
        _options(orders=10)


def test_cli_generate_writes_a_valid_scenario(tmp_path, capsys) -> None:
    """`logistics generate --out` writes a file that loads, named after --name."""
    out = tmp_path / "gen.yaml"
    argv = [
        "generate",
        "--osm",
        "melun.osm.bz2",
        "--osm-dir",
        str(BUNDLED_OSM),
        "--producers",
        "5",
        "--points",
        "12",
        "--orders",
        "30",
        "--seed",
        "3",
        "--urban-radius-km",
        "2",
        "--farm-ring-km",
        "3.5,7",
        "--name",
        "melun-cli",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    scenario = load_scenario(out)
    assert scenario.name == "melun-cli"
    assert len(scenario.orders) == 30
    assert "wrote" in capsys.readouterr().err
