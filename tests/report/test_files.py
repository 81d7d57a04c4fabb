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
    expected = [
        "map.html",
        "producer_savings_pooled.png",
        "report.html",
        "report.json",
        "route_sheets.csv",
        "routes.csv",
        "routes.png",
        "stops.csv",
        "totals.png",
    ]
    assert sorted(f.name for f in files) == expected
    # no temporary file left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == expected
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


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_mode_the_umask_gives(tmp_path, umask) -> None:
    """Written files are 0666 less the umask, as open() would make them (not the
    0600 of temporary files), and no temporary file is left."""
    from logistics.report import write_files

    previous = os.umask(umask)
    try:
        written = write_files(tmp_path / "out", {"a.csv": "x\n", "b.png": b"\x89PNG"})
    finally:
        os.umask(previous)
    assert [p.name for p in written] == ["a.csv", "b.png"]
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "out" / "b.png").read_bytes() == b"\x89PNG"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv", "b.png"]


def test_check_writable_refuses_a_file_in_the_path_and_creates_nothing(
    tmp_path,
) -> None:
    """A folder under a regular file cannot be created: the error names both; a
    missing folder under a writable one passes without being created."""
    from logistics.exceptions import OutputError
    from logistics.report import check_writable

    blocker = tmp_path / "report.json"
    blocker.write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match=r"report\.json is a file, not a folder"):
        check_writable(blocker / "out", what="--out")
    with pytest.raises(OutputError, match=r"^output folder .*is a file"):
        check_writable(blocker)
    assert check_writable(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_check_writable_refuses_a_read_only_folder(tmp_path) -> None:
    """A folder where no file can be created (here /proc, read-only even for root)
    is refused with the system's reason."""
    from logistics.exceptions import OutputError
    from logistics.report import check_writable

    with pytest.raises(OutputError, match=r"cannot create files in /proc/sys \("):
        check_writable("/proc/sys/out")


def test_disk_full_while_writing_changes_no_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC on the second file: an OutputError naming the folder and the reason,
    the old file kept, no new file, no temporary file."""
    import errno

    from logistics.exceptions import OutputError
    from logistics.report import files

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("old", encoding="utf-8")
    real_fsync = os.fsync
    calls = []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_disk)
    texts = {"report.json": "new", "routes.csv": "a\n", "stops.csv": "b\n"}
    with pytest.raises(OutputError, match="No space left on device") as exc:
        files.write_files(out, texts)
    assert str(out) in str(exc.value)
    assert "nothing was written" in str(exc.value)
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text(encoding="utf-8") == "old"


def test_csv_files_carry_names_coordinates_and_clock_times(tmp_path, two_trips) -> None:
    """routes.csv and stops.csv put names, coordinates and HH:MM times beside the ids
    and seconds; route_sheets.csv has the documented columns; report.json lists who
    drives per strategy."""
    import re

    from logistics.report.files import ROUTE_COLUMNS, STOP_COLUMNS
    from logistics.report.sheets import SHEET_COLUMNS

    out = tmp_path / "out"
    write_report(two_trips, out)

    def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (out / name).open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)

    hhmm = re.compile(r"^\d{2}:\d{2}$")
    columns, stops = read("stops.csv")
    assert columns == STOP_COLUMNS
    sites = {
        **{p.id: p for p in two_trips.scenario.producers},
        **{d.id: d for d in two_trips.scenario.delivery_points},
    }
    for row in stops:
        site = sites[row["site"]]
        assert row["site_name"] == (site.name or site.id)
        assert float(row["lat"]) == site.lat
        assert float(row["lon"]) == site.lon
        for clock, seconds in (("arrival", "arrival_s"), ("departure", "departure_s")):
            assert hhmm.match(row[clock])
            minutes = round(float(row[seconds]) / 60)
            assert row[clock] == f"{minutes // 60:02d}:{minutes % 60:02d}"
    d1 = [r for r in stops if r["site"] == "d1"]
    assert {r["address"] for r in d1} == {"12 rue Saint-Aspais, 77000 Melun"}
    columns, routes = read("routes.csv")
    assert columns == ROUTE_COLUMNS
    p1 = [r for r in routes if r["owner"] == "p1"]
    assert {r["owner_name"] for r in p1} == {"Ferme des Balzanes"}
    assert all(hhmm.match(r["leaves"]) and hhmm.match(r["back"]) for r in routes)
    columns, _ = read("route_sheets.csv")
    assert columns == SHEET_COLUMNS
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for name in two_trips.strategies:
        driving = data["strategies"][name]["producer_driving"]
        assert [d["producer"] for d in driving] == ["p0", "p1", "p2"]
        assert sum(d["duration_h"] for d in driving) == pytest.approx(
            data["strategies"][name]["duration_h"], abs=0.01
        )


def test_a_folder_named_like_a_report_file_changes_nothing(tmp_path) -> None:
    """A folder where the last file should go: refused before any rename, so the
    earlier files keep their old content, and the message names the folder."""
    from logistics.exceptions import OutputError
    from logistics.report import write_files

    out = tmp_path / "out"
    (out / "stops.csv").mkdir(parents=True)
    (out / "report.json").write_text("old", encoding="utf-8")
    texts = {"report.json": "new", "routes.csv": "a\n", "stops.csv": "b\n"}
    with pytest.raises(OutputError, match=r"a folder has its name.*stops\.csv"):
        write_files(out, texts)
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "stops.csv"]
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
