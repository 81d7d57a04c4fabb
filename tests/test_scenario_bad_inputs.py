"""Every bad input of issue #12 parts 1 and 2, each with the message it must give.

Scenario files are written as YAML text (the traps are in the text: unquoted times,
repeated keys, ``.inf``), loaded with :func:`load_scenario`, and every expected
message must be among the problems reported, all at once. Road-network inputs go
through ``logistics validate`` and must exit with status 2 and one clear message.
"""

from __future__ import annotations

import bz2
import socket
from pathlib import Path

import pytest

from logistics.cli import main
from logistics.exceptions import ScenarioError
from logistics.scenario import load_scenario

from .conftest import TEST_DATA

# The tiny scenario of conftest.py, as a person would write it (line numbers matter:
# messages cite them).
TINY_YAML = """\
name: tiny
vehicle_types:
  - id: van
    capacity_kg: 800
    capacity_crates: 40
    fixed_cost_eur: 20
  - id: reefer
    capacity_kg: 800
    refrigerated: true
    cost_per_km_eur: 0.6
producers:
  - id: p0
    lat: 48.52
    lon: 2.62
    available: ["06:00", "11:00"]
    vehicles: [{type: van}]
  - id: p1
    lat: 48.50
    lon: 2.60
    vehicles: [{type: van}]
  - id: p2
    lat: 48.56
    lon: 2.70
    vehicles: [{type: reefer}]
delivery_points:
  - id: d1
    kind: shop
    lat: 48.54
    lon: 2.65
    time_windows: [["07:00", "10:00"]]
  - id: d2
    kind: canteen
    lat: 48.53
    lon: 2.66
    time_windows: ["07:00-09:00", "14:00-15:00"]
orders:
  - id: o1
    producer: p1
    delivery_point: d1
    kg: 30
  - id: o2
    producer: p0
    delivery_point: d2
    kg: 20
    temperature: chilled
network:
  source: geodesic
solver:
  time_limit_s: 2
"""

# (id, old text, new text, expected fragments: each must be in one problem message)
BAD_YAML: list[tuple[str, str, str, list[str]]] = [
    (
        "unquoted-times-are-base-60-numbers",
        '[["07:00", "10:00"]]',
        "[[10:00, 11:00]]",
        [
            "s.yaml: delivery_points[0].time_windows[0].start (id 'd1'): unquoted "
            "10:00 (line 30) is read by YAML as the base-60 number 600; times must "
            "be quoted strings: write '10:00'",
            "delivery_points[0].time_windows[0].end (id 'd1'): unquoted 11:00 "
            "(line 30) is read by YAML as the base-60 number 660",
        ],
    ),
    (
        "unquoted-availability",
        '["06:00", "11:00"]',
        "[10:30, 11:00]",
        [
            "producers[0].available.start (id 'p0'): unquoted 10:30 (line 15) is "
            "read by YAML as the base-60 number 630"
        ],
    ),
    (
        "time-given-as-seconds",
        '[["07:00", "10:00"]]',
        '[[25200, "10:00"]]',
        [
            "delivery_points[0].time_windows[0].start (id 'd1'): value 25200: times "
            "must be quoted strings like '10:00'; got the number 25200"
        ],
    ),
    (
        "time-given-as-a-boolean",
        '[["07:00", "10:00"]]',
        '[["07:00", yes]]',
        [
            "delivery_points[0].time_windows[0].end (id 'd1'): value True: times "
            "must be quoted strings like '10:00'; got True"
        ],
    ),
    (
        "duplicate-key-in-an-order",
        "    kg: 30\n",
        "    kg: 40\n    kg: 4\n",
        [
            "s.yaml: line 41: key 'kg' is given twice in the same mapping (lines 40 "
            "and 41); YAML would silently keep only the last value: remove or rename "
            "one"
        ],
    ),
    (
        "duplicate-key-on-one-line",
        "vehicles: [{type: van}]\n  - id: p1",
        "vehicles: [{type: van, type: reefer}]\n  - id: p1",
        ["line 16: key 'type' is given twice in the same mapping (same line)"],
    ),
    (
        "duplicate-section",
        "solver:\n",
        "name: again\nsolver:\n",
        ["line 48: key 'name' is given twice in the same mapping (lines 1 and 48)"],
    ),
    (
        "window-with-three-times",
        '"07:00-09:00"',
        '"07:00-09:00-10:00"',
        [
            "delivery_points[1].time_windows[0] (id 'd2'): value '07:00-09:00-10:00': "
            "a window is written 'HH:MM-HH:MM' (start and end separated by '-',"
        ],
    ),
    (
        "infinite-capacity",
        "capacity_kg: 800\n    capacity_crates",
        "capacity_kg: .inf\n    capacity_crates",
        [
            "vehicle_types[0].capacity_kg (id 'van'): value inf: Input should be a "
            "finite number"
        ],
    ),
    (
        "nan-latitude-is-not-said-to-be-above-90",
        "lat: 48.52",
        "lat: .nan",
        ["producers[0].lat (id 'p0'): value nan: Input should be a finite number"],
    ),
    (
        "absurd-fixed-cost",
        "fixed_cost_eur: 20",
        "fixed_cost_eur: 1.0e+300",
        [
            "vehicle_types[0].fixed_cost_eur (id 'van'): value 1e+300: Input should "
            "be less than or equal to 100000"
        ],
    ),
    (
        "absurd-capacity",
        "capacity_kg: 800\n    capacity_crates",
        "capacity_kg: 1.0e+300\n    capacity_crates",
        [
            "vehicle_types[0].capacity_kg (id 'van'): value 1e+300: Input should be "
            "less than or equal to 100000"
        ],
    ),
    (
        "absurd-order-mass",
        "kg: 30",
        "kg: 1.0e+300",
        [
            "orders[0].kg (id 'o1'): value 1e+300: Input should be less than or "
            "equal to 100000"
        ],
    ),
    (
        "absurd-crate-count",
        "capacity_crates: 40",
        "capacity_crates: 1.0e+300",
        [
            "vehicle_types[0].capacity_crates (id 'van'): value 1e+300: Unable to "
            "parse input string as an integer, exceeded maximum size"
        ],
    ),
    (
        "infinite-cost-per-km",
        "cost_per_km_eur: 0.6",
        "cost_per_km_eur: .inf",
        [
            "vehicle_types[1].cost_per_km_eur (id 'reefer'): value inf: Input should "
            "be a finite number"
        ],
    ),
    (
        "absurd-driver-cost",
        "cost_per_km_eur: 0.6",
        "cost_per_km_eur: 0.6\n    driver_cost_per_h_eur: 1.0e+300",
        [
            "vehicle_types[1].driver_cost_per_h_eur (id 'reefer'): value 1e+300: "
            "Input should be less than or equal to 1000"
        ],
    ),
    (
        "infinite-time-limit",
        "time_limit_s: 2",
        "time_limit_s: .inf",
        ["solver.time_limit_s: value inf: Input should be a finite number"],
    ),
    (
        "absurd-fuel-price-override",
        "solver:\n",
        "factors: {carriers: {diesel: {price_eur_per_unit: 1.0e+300}}}\nsolver:\n",
        [
            "s.yaml: factors.carriers.diesel: price_eur_per_unit: Input should be "
            "less than or equal to 1000000 (got 1e+300)"
        ],
    ),
    (
        "unquoted-time-in-a-numeric-field",
        "kg: 30",
        "kg: 1:30",
        [
            "orders[0].kg (id 'o1'): value 1:30 (unquoted; YAML reads it as the "
            "number 90): Input should be a valid number"
        ],
    ),
    (
        "missing-network-section-does-not-hide-the-rest",
        "network:\n  source: geodesic\n",
        "",
        [
            "s.yaml: network: field is required but missing (name the road source, "
            "e.g. network: {source: osm_file, osm_file: region.osm.pbf}, or network: "
            "{source: geodesic}",
        ],
    ),
    (
        "geodesic-fallback-true",
        "  source: geodesic\n",
        "  source: osm_file\n  osm_file: x.osm\n  geodesic_fallback: true\n",
        [
            "network: value {'source': 'osm_file', 'osm_file': 'x.osm', "
            "'geodesic_fallback': True}: geodesic_fallback: true is no longer "
            "accepted",
            "run with --allow-geodesic",
        ],
    ),
]

# Several problems in one file: every one must be reported, whatever its kind.
ALL_AT_ONCE: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    (
        "field-error-with-a-broken-reference",
        [("kg: 30", "kg: -1"), ("producer: p0", "producer: p9")],
        [
            "orders[0].kg (id 'o1'): value -1: Input should be greater than 0",
            "orders[1] (id 'o2').producer: 'p9' is not a known producer id",
        ],
    ),
    (
        "missing-network-with-a-field-error-and-a-broken-reference",
        [
            ("network:\n  source: geodesic\n", ""),
            ("lat: 48.52", "lat: 148.52"),
            ("vehicles: [{type: reefer}]", "vehicles: [{type: lorry}]"),
            ("delivery_point: d2", "delivery_point: d7"),
        ],
        [
            "network: field is required but missing",
            "producers[0].lat (id 'p0'): value 148.52: Input should be less than or "
            "equal to 90",
            "producers[2] (id 'p2').vehicles[0].type: 'lorry' is not a known vehicle "
            "type id",
            "orders[1] (id 'o2').delivery_point: 'd7' is not a known delivery point id",
        ],
    ),
    (
        "missing-section-with-duplicate-key-and-unquoted-time",
        [
            ("orders:\n  - id: o1", "unused:\n  - id: o1"),
            ("kg: 30", "kg: 30\n    kg: 3"),
            ('["06:00", "11:00"]', '[10:00, "11:00"]'),
        ],
        [
            "line 41: key 'kg' is given twice in the same mapping (lines 40 and 41)",
            "s.yaml: orders: field is required but missing",
            "s.yaml: unused: unknown field",
            "producers[0].available.start (id 'p0'): unquoted 10:00 (line 15)",
        ],
    ),
]


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def _assert_reported(problems: list[str], expected: list[str]) -> None:
    for fragment in expected:
        hits = [p for p in problems if fragment in p]
        assert hits, f"no problem contains {fragment!r}; got:\n" + "\n".join(problems)


def test_fixture_text_is_valid(tmp_path: Path) -> None:
    """The base text is a valid scenario: each bad case below breaks one thing."""
    path = tmp_path / "s.yaml"
    path.write_text(TINY_YAML, encoding="utf-8")
    assert load_scenario(path).orders[0].kg == 30


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [case[1:] for case in BAD_YAML],
    ids=[case[0] for case in BAD_YAML],
)
def test_bad_yaml_input_gives_its_message(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    """Each bad input is refused with the message that names field, value and rule."""
    assert TINY_YAML.count(old) == 1, f"fixture text must hold {old!r} once"
    problems = _problems(tmp_path, TINY_YAML.replace(old, new))
    _assert_reported(problems, expected)
    assert not any("should be <= 90" in p for p in problems)


@pytest.mark.parametrize(
    ("edits", "expected"),
    [case[1:] for case in ALL_AT_ONCE],
    ids=[case[0] for case in ALL_AT_ONCE],
)
def test_every_problem_is_reported_at_once(
    tmp_path: Path, edits: list[tuple[str, str]], expected: list[str]
) -> None:
    """Field errors, missing sections, repeated keys and broken references in one
    file are all reported in one error, each once."""
    text = TINY_YAML
    for old, new in edits:
        assert text.count(old) == 1, f"fixture text must hold {old!r} once"
        text = text.replace(old, new)
    problems = _problems(tmp_path, text)
    _assert_reported(problems, expected)
    assert len(problems) == len(set(problems))


@pytest.mark.parametrize(
    ("window", "start_s", "end_s"),
    [
        ("05:30\u201312:00", 5 * 3600 + 1800, 12 * 3600),  # en dash, as the README
        ("05:30\u201412:00", 5 * 3600 + 1800, 12 * 3600),  # em dash
        ("05:30 \u2013 12:00", 5 * 3600 + 1800, 12 * 3600),  # spaced en dash
        ("05:30 - 12:00", 5 * 3600 + 1800, 12 * 3600),
    ],
)
def test_dashes_are_accepted_in_windows(
    tmp_path: Path, window: str, start_s: int, end_s: int
) -> None:
    """A window written with an en or em dash reads as with a hyphen."""
    path = tmp_path / "s.yaml"
    path.write_text(TINY_YAML.replace('"07:00-09:00"', f'"{window}"'), "utf-8")
    first = load_scenario(path).delivery_points[1].time_windows[0]
    assert (first.start, first.end) == (start_s, end_s)


# -- road network inputs (part 1), through `logistics validate` ------------------------


def _osm_case(tmp_path: Path, case: str) -> list[str]:
    """Write the scenario (and OSM file) of a network case; return the CLI args."""
    melun = (TEST_DATA / "melun_centre.osm.bz2").read_bytes()
    xml = bz2.decompress(melun)
    osm_file, extra = "melun_centre.osm.bz2", ["--osm-dir", str(TEST_DATA)]
    if case == "missing-file":
        osm_file, extra = "nowhere.osm.bz2", []
    elif case == "truncated-bz2":
        osm_file, extra = "cut.osm.bz2", []
        (tmp_path / osm_file).write_bytes(melun[: len(melun) // 2])
    elif case == "truncated-osm":
        osm_file, extra = "cut.osm", []
        (tmp_path / osm_file).write_bytes(xml[: len(xml) // 2])
    elif case == "missing-osm-dir":
        extra = ["--osm-dir", str(tmp_path / "typo")]
    source = f"  source: osm_file\n  osm_file: {osm_file}\n"
    if case == "offline-download":
        source, extra = "  source: download\n", []
    text = TINY_YAML.replace("  source: geodesic\n", source)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    return ["validate", str(tmp_path / "s.yaml"), *extra]


BAD_NETWORK: list[tuple[str, list[str]]] = [
    (
        "missing-file",
        [
            "OSM file 'nowhere.osm.bz2' not found. Looked in:\n  - {tmp}\n"
            "Put the file in one of these folders, or name the folder that holds it "
            "with --osm-dir DIR",
        ],
    ),
    (
        "truncated-bz2",
        [
            "cannot read OSM file {tmp}/cut.osm.bz2: Compressed file ended before the "
            "end-of-stream marker was reached. The file is damaged or incomplete",
        ],
    ),
    (
        "truncated-osm",
        [
            "cannot read OSM file {tmp}/cut.osm: unclosed token",
            "download or copy it again",
        ],
    ),
    ("missing-osm-dir", ["--osm-dir: folder(s) not found: {tmp}/typo"]),
    (
        "offline-download",
        [
            "the Overpass API at http://127.0.0.1:",
            "is unreachable ([Errno 111] Connection refused). Offline? Give an OSM "
            "file instead",
        ],
    ),
    (
        "sites-not-covered",
        [
            "1 site(s) farther than 3,000 m from the road network (OpenStreetMap file "
            "melun_centre.osm.bz2 (OSMnx)): 'p1' 4,190 m. Check their coordinates",
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "expected"), BAD_NETWORK, ids=[case for case, _ in BAD_NETWORK]
)
def test_bad_road_network_input_exits_2_with_one_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    expected: list[str],
) -> None:
    """A missing, damaged or uncovering OSM file, a missing --osm-dir folder or an
    offline download (a closed local port here) is one message on stderr and exit
    status 2, never a traceback."""
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LOGISTICS_OVERPASS_URL", f"http://127.0.0.1:{port}/api")
    assert main(_osm_case(tmp_path, case)) == 2
    err = capsys.readouterr().err
    assert err.startswith("logistics: error: ")
    assert "Traceback" not in err
    for fragment in expected:
        assert fragment.format(tmp=tmp_path) in err
