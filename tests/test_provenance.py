"""report.json provenance: version, time, digests of every input, seed, roads."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime, timedelta

import yaml

import logistics
from logistics.cli import main
from logistics.provenance import file_sha256, inputs_sha256
from logistics.scenario import load_scenario, parse_scenario
from logistics.travel import build_travel

from .conftest import BUNDLED_OSM, ROOT, tiny_raw


def _write_scenario_with_orders_csv(folder):  # type: ignore[no-untyped-def]
    """The tiny scenario with its orders in a CSV table next to the YAML."""
    raw = tiny_raw()
    orders = raw.pop("orders")
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, ["id", "producer", "delivery_point", "kg", "crates", "temperature"]
        )
        writer.writeheader()
        writer.writerows(orders)
    raw["orders"] = "orders.csv"
    (folder / "s.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return folder / "s.yaml"


def test_scenario_digest_covers_the_yaml_and_its_tables(tmp_path) -> None:
    """input_files lists the YAML, then the CSV it names, each with the SHA-256 of
    its bytes; editing the table changes the scenario digest."""
    path = _write_scenario_with_orders_csv(tmp_path)
    files = dict(load_scenario(path).input_files)
    expected = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("s.yaml", "orders.csv")
    }
    assert files == expected
    assert list(files) == ["s.yaml", "orders.csv"]
    before = inputs_sha256(files)
    with (tmp_path / "orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("o9,p0,d1,5,,\n")
    assert inputs_sha256(load_scenario(path).input_files) != before
    assert parse_scenario(tiny_raw()).input_files == {}


def test_report_records_version_time_digests_seed_and_network(tmp_path, capsys) -> None:
    """`logistics run --out` writes a provenance block that names the tool version,
    the UTC time, the digest of the scenario and its table, the seed and the
    network used."""
    path = _write_scenario_with_orders_csv(tmp_path)
    out = tmp_path / "out"
    started = datetime.now(UTC).replace(microsecond=0)
    assert (
        main(["run", str(path), "-q", "--strategies", "separate", "--out", str(out)])
        == 0
    )
    capsys.readouterr()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    prov = report["provenance"]
    assert prov["tool"] == "logistics"
    assert prov["version"] == logistics.__version__
    created = datetime.strptime(prov["created_utc"], "%Y-%m-%dT%H:%M:%SZ")
    created = created.replace(tzinfo=UTC)
    assert started <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert prov["scenario_file"] == "s.yaml"
    assert prov["input_files"] == dict(load_scenario(path).input_files)
    assert prov["scenario_sha256"] == inputs_sha256(prov["input_files"])
    assert prov["seed"] == 1
    assert prov["network_kind"] == "geodesic"
    assert prov["network_source"] == report["network"]["source"]
    assert prov["osm_file"] is None
    assert prov["osm_sha256"] is None


def test_road_network_records_the_osm_file_digest() -> None:
    """A road matrix records the OSM file's name and the SHA-256 of its bytes."""
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    travel = build_travel(scenario, scenario_dir=ROOT / "scenarios")
    osm = BUNDLED_OSM / "melun.osm.bz2"
    assert travel.network.osm_file == "melun.osm.bz2"
    assert travel.network.osm_sha256 == hashlib.sha256(osm.read_bytes()).hexdigest()
    assert file_sha256(osm) == travel.network.osm_sha256
