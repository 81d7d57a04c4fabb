"""Scenario validation: good files load, bad ones get one clear message per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from logistics.exceptions import ScenarioError
from logistics.scenario import load_scenario, parse_scenario, scenario_json_schema

from .conftest import tiny_raw

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_tiny_scenario_parses_times_to_seconds(three_farms) -> None:
    """'HH:MM' strings become seconds after midnight, windows sorted as given."""
    d2 = next(d for d in three_farms.delivery_points if d.id == "d2")
    assert [(w.start, w.end) for w in d2.time_windows] == [
        (25200, 32400),
        (50400, 54000),
    ]
    assert three_farms.producer("p0").available.start == 6 * 3600


@pytest.mark.parametrize("name", ["ajaccio.yaml", "melun.yaml"])
def test_shipped_scenarios_are_valid(name: str) -> None:
    """The scenarios in scenarios/ load and have orders for several producers."""
    scenario = load_scenario(SCENARIOS / name)
    assert len({o.producer for o in scenario.orders}) >= 4
    assert scenario.source_dir == SCENARIOS


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (
            lambda r: r["orders"].append(dict(r["orders"][0])),
            r"orders: id 'o1' is used more than once",
        ),
        (
            lambda r: r["orders"][0].update(producer="nobody"),
            r"orders\[0\] \(id 'o1'\)\.producer: 'nobody' is not a known producer id",
        ),
        (
            lambda r: r["producers"][1].update(lat=123.0),
            r"producers\[1\]\.lat \(id 'p1'\): value 123\.0: "
            r".*less than or equal to 90",
        ),
        (
            lambda r: r["delivery_points"][0].update(time_windows=[["10:00", "08:00"]]),
            r"delivery_points\[0\]\.time_windows\[0\].*window ends \(08:00\) before",
        ),
        (
            lambda r: r["orders"][1].update(kg=0),
            r"orders\[1\]\.kg \(id 'o2'\): value 0: Input should be greater than 0",
        ),
        (
            lambda r: r["orders"][1].update(kg=5000),
            r"orders\[1\] \(id 'o2'\)\.kg: 5000.* no vehicle could ever carry it",
        ),
        (
            lambda r: (
                r["vehicle_types"].pop(1)
                and [p.update(vehicles=[{"type": "van"}]) for p in r["producers"]]
            ),
            r"orders\[3\] \(id 'o4'\)\.temperature: 'chilled' but no vehicle "
            r".* refrigerated",
        ),
        (
            lambda r: r["producers"][0].update(vehicles=[{"type": "truck"}]),
            r"producers\[0\] \(id 'p0'\)\.vehicles\[0\]\.type: 'truck' is not a known",
        ),
        (
            lambda r: r["delivery_points"][0].update(kind="pub"),
            r"delivery_points\[0\]\.kind \(id 'd1'\): value 'pub'",
        ),
        (
            lambda r: r["delivery_points"][0].update(time_windows=["7h-9h"]),
            r"time must look like 'HH:MM'",
        ),
        (lambda r: r.update(colour="blue"), r"colour: unknown field"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(tmp_path, mutate, pattern) -> None:
    """Each broken rule gives a message naming file, field path, value and rule."""
    raw = tiny_raw()
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(path)
    assert all(p.startswith(str(path)) for p in info.value.problems)


def test_several_problems_are_reported_together(tmp_path) -> None:
    """All reference problems come back at once, one line each."""
    raw = tiny_raw()
    raw["orders"][0]["producer"] = "x"
    raw["orders"][1]["delivery_point"] = "y"
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, raw))
    assert len(info.value.problems) == 2


def test_missing_file_and_bad_yaml(tmp_path) -> None:
    """Unreadable files are errors naming the file, not tracebacks."""
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(bad)


def test_orders_from_csv_name_the_csv_row(tmp_path) -> None:
    """A CSV table is read relative to the YAML; errors name the CSV row."""
    raw = tiny_raw()
    lines = ["id,producer,delivery_point,kg,crates,temperature"]
    lines += [
        f"{o['id']},{o['producer']},{o['delivery_point']},{o['kg']},"
        f"{o.get('crates', 0)},{o.get('temperature', 'ambient')}"
        for o in raw["orders"]
    ]
    (tmp_path / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw["orders"] = "orders.csv"
    scenario = load_scenario(_write(tmp_path, raw))
    assert [o.id for o in scenario.orders] == ["o1", "o2", "o3", "o4", "o5", "o6"]
    lines[3] = lines[3].replace(",20,", ",-20,")
    (tmp_path / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"orders\.csv \(comma-separated\) row 4, column 'kg' \(orders\[2\]\.kg",
    ):
        load_scenario(tmp_path / "scenario.yaml")


def test_json_schema_describes_orders() -> None:
    """The exported JSON Schema is valid JSON and documents the order fields."""
    schema = scenario_json_schema()
    text = json.dumps(schema)
    assert "Order" in schema["$defs"]
    assert set(schema["$defs"]["Order"]["properties"]) >= {
        "kg",
        "crates",
        "temperature",
    }
    assert "delivery_points" in text


def test_parse_scenario_rejects_geodesic_without_file_only_when_needed() -> None:
    """An osm_file source needs a file name; the geodesic source does not."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file"}
    with pytest.raises(ScenarioError, match="needs osm_file"):
        parse_scenario(raw)


def test_address_is_optional_text_for_sites() -> None:
    """Producers, delivery points and hubs may carry a postal address (none by
    default); an address beyond 300 characters is refused naming the field."""
    raw = tiny_raw()
    raw["delivery_points"][0]["address"] = "12 rue Saint-Aspais, 77000 Melun"
    scenario = parse_scenario(raw)
    assert scenario.delivery_points[0].address == "12 rue Saint-Aspais, 77000 Melun"
    assert scenario.producers[0].address is None
    raw["producers"][0]["address"] = "x" * 301
    with pytest.raises(ScenarioError, match=r"producers\[0\]\.address \(id 'p0'\)"):
        parse_scenario(raw)
