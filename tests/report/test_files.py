"""report.json, routes.csv and stops.csv hold the documented keys and are atomic."""

from __future__ import annotations

import csv
import json
import os

import pytest

from logistics.comparison import compare
from logistics.report import write_report
from logistics.travel import TravelData


def test_report_files_have_documented_keys(
    tmp_path, three_farms, three_farms_matrix
) -> None:
    """Every key promised in the report documentation is present and consistent."""
    from logistics.travel import NetworkInfo

    travel = TravelData(
        three_farms_matrix, NetworkInfo("test geodesic", "geodesic", 0, 0)
    )
    result = compare(three_farms, travel=travel, use_cache=False)
    files = write_report(result, tmp_path / "out")
    assert sorted(f.name for f in files) == ["report.json", "routes.csv", "stops.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.json",
        "routes.csv",
        "stops.csv",
    ]  # no temporary file left behind
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["scenario"] == three_farms.name
    assert set(data["network"]) >= {"source", "nodes", "edges"}
    for name in ("separate", "pooled"):
        s = data["strategies"][name]
        assert set(s) >= {
            "distance_km",
            "duration_h",
            "cost_eur",
            "co2e_kg",
            "vehicles_used",
            "orders_served",
            "orders_unserved",
            "routes",
        }
        assert abs(sum(r["distance_km"] for r in s["routes"]) - s["distance_km"]) < 0.01
        for route in s["routes"]:
            assert route["stops"][0]["type"] == "start"
            assert route["stops"][-1]["type"] == "end"
            assert set(route["stops"][0]) >= {
                "site",
                "type",
                "order",
                "arrival_s",
                "load_kg",
            }
    assert data["strategies"]["separate"]["orders_unserved"][0]["order"] == "o4"
    assert data["baseline"] == "separate"
    assert set(data["savings"]) == {"pooled"}
    assert set(data["savings"]["pooled"]) >= {
        "distance_km",
        "distance_pct",
        "cost_eur",
        "cost_pct",
        "co2e_kg",
        "co2e_pct",
        "strategy",
        "baseline",
    }
    sep, poo = data["strategies"]["separate"], data["strategies"]["pooled"]
    assert (
        abs(data["savings"]["pooled"]["cost_eur"] - (sep["cost_eur"] - poo["cost_eur"]))
        < 0.01
    )
    rows = data["producer_savings"]["pooled"]
    assert {r["producer"] for r in rows} == {"p0", "p1", "p2"}
    assert abs(sum(r["cost_eur"] for r in rows) - poo["cost_eur"]) < 0.05
    with (tmp_path / "out" / "stops.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    n_stops = sum(
        len(r["stops"]) for s in data["strategies"].values() for r in s["routes"]
    )
    assert len(rows) == n_stops


def test_interrupt_while_writing_leaves_the_folder_as_it_was(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the third file is written: no temporary file is left and the
    files already there keep their old content (all three or none change)."""
    from logistics.report import files

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("old", encoding="utf-8")
    real_fsync = os.fsync
    calls = []

    def interrupted_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", interrupted_fsync)
    texts = {"report.json": "new", "routes.csv": "a\n", "stops.csv": "b\n"}
    with pytest.raises(KeyboardInterrupt):
        files._write_all(out, texts)
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text(encoding="utf-8") == "old"


def test_report_lists_sites_with_address_and_metadata(
    tmp_path, three_farms_matrix
) -> None:
    """Extra spreadsheet columns and addresses reach report.json's sites."""
    from logistics.scenario import parse_scenario
    from logistics.travel import NetworkInfo

    from ..conftest import tiny_raw

    raw = tiny_raw()
    raw["delivery_points"][0]["address"] = "5 Rue Carnot, 77000 Melun"
    raw["delivery_points"][0]["metadata"] = {"phone": "01 64 00 00 00"}
    scenario = parse_scenario(raw)
    travel = TravelData(
        three_farms_matrix, NetworkInfo("test geodesic", "geodesic", 0, 0)
    )
    write_report(compare(scenario, travel=travel, use_cache=False), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    sites = {s["id"]: s for s in data["sites"]}
    assert sorted(sites) == ["d1", "d2", "d3", "p0", "p1", "p2"]
    assert sites["d1"] == {
        "id": "d1",
        "role": "delivery_point",
        "name": "",
        "lat": 48.54,
        "lon": 2.65,
        "address": "5 Rue Carnot, 77000 Melun",
        "metadata": {"phone": "01 64 00 00 00"},
        "geocoded": None,
    }
    assert sites["p0"]["role"] == "producer"
    assert sites["p0"]["metadata"] == {}
