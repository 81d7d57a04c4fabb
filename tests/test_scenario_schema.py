"""The JSON Schema of scenario files (``logistics schema``) against real files."""

from __future__ import annotations

import json
from collections.abc import Iterable

import jsonschema
import pytest
import yaml

from logistics.cli import main
from logistics.scenario import scenario_json_schema

from .conftest import ROOT, tiny_raw


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    """A validator of the schema `logistics schema` prints (itself a valid schema)."""
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["melun.yaml", "ajaccio.yaml"])
def test_shipped_scenarios_pass_the_schema(
    validator: jsonschema.Draft202012Validator, name: str
) -> None:
    """The shipped scenarios, as written (window strings, CSV table file names),
    pass the schema with no error."""
    data = yaml.safe_load((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        # What YAML makes of an unquoted [[10:00, 11:00]]: numbers, not times.
        (("delivery_points", 0, "time_windows"), [[600, 660]], "is not of type"),
        (("delivery_points", 0, "time_windows"), ["07:00 to 10:00"], "is not valid"),
        (("orders", 0, "kg"), -1, "is less than or equal to the minimum of 0"),
        (("network",), None, "'network' is a required property"),
        (("producers", 0, "colour"), "red", "Additional properties are not allowed"),
    ],
)
def test_schema_refuses_what_the_loader_refuses(
    validator: jsonschema.Draft202012Validator,
    path: tuple[str | int, ...],
    value: object,
    fragment: str,
) -> None:
    """Numbers as times, a malformed window, a negative mass, a missing network
    section and an unknown field fail the schema too."""
    data = tiny_raw()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    messages = _messages(validator.iter_errors(data))
    assert any(fragment in m for m in messages), messages


def _messages(errors: Iterable[jsonschema.ValidationError]) -> list[str]:
    """Every message, those of the alternatives of an ``anyOf`` included."""
    out = []
    for error in errors:
        out.append(error.message)
        out += _messages(error.context or [])
    return out


def test_schema_command_prints_the_same_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`logistics schema` prints this schema as JSON."""
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == scenario_json_schema()
