"""The command line, one main([...]) call per subcommand."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

import logistics
from logistics.cli import main
from logistics.exceptions import FallbackWarning

from .conftest import ROOT, TEST_DATA, tiny_raw


def test_run_prints_comparison_and_writes_reports(tmp_path, capsys) -> None:
    """`logistics run` prints the table and writes the three report files."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "separate vs pooled" in out
    assert "Saved by pooled" in out
    assert (tmp_path / "out" / "report.json").is_file()


def test_strategies_flag_selects_what_runs(tmp_path, capsys) -> None:
    """--strategies separate runs the baseline alone; an unknown name is refused."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(["run", str(path), "-q", "--strategies", "separate", "--out", str(out)])
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    assert list(report["strategies"]) == ["separate"]
    assert report["savings"] == {}
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["run", str(path), "-q", "--strategies", "separate,hubb"])
    assert exc.value.code == 2
    assert "unknown strategy 'hubb'" in capsys.readouterr().err


def test_bad_scenario_exits_2_with_message_not_traceback(tmp_path, capsys) -> None:
    """Validation errors become one line each on stderr and exit status 2."""
    raw = tiny_raw()
    raw["orders"][0]["kg"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "orders[0].kg (id 'o1'): value -1" in err
    assert "Traceback" not in err
    assert main(["run", str(path), "-q"]) == 2


def test_schema_prints_json_schema(capsys) -> None:
    """`logistics schema` prints a JSON Schema with the scenario's fields."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "producers" in schema["properties"]


def test_missing_osm_file_is_a_clear_error(tmp_path, capsys) -> None:
    """An OSM file that cannot be found stops the run (exit 2) naming the folders
    looked in and what to do; nothing is computed on straight lines."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "nowhere.osm.bz2"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    (tmp_path / "osm").mkdir()
    out = tmp_path / "out"
    assert main(["run", str(path), "-q", "--osm-dir", str(tmp_path / "osm")]) == 2
    err = capsys.readouterr().err
    assert "OSM file 'nowhere.osm.bz2' not found" in err
    assert str(tmp_path / "osm") in err
    assert "--allow-geodesic" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_osm_dir_folder_is_flagged(tmp_path, capsys) -> None:
    """A --osm-dir folder that does not exist is an error, before any work."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    missing = tmp_path / "no-such-folder"
    for command in ("run", "validate"):
        assert (
            main(
                [
                    command,
                    str(path),
                    "-q" if command == "run" else "--no-network",
                    "--osm-dir",
                    str(missing),
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert f"--osm-dir: folder(s) not found: {missing}" in err


def test_allow_geodesic_runs_and_labels_the_fallback(tmp_path, capsys) -> None:
    """--allow-geodesic turns the missing file into the labelled estimate: the table
    and report.json say FALLBACK and why."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "nowhere.osm.bz2"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(path), "-q", "--allow-geodesic", "--out", str(out)]
    with pytest.warns(FallbackWarning, match="nowhere.osm.bz2"):
        assert main(argv) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "(GEODESIC ESTIMATE, not road distances)" in shown
    assert "FALLBACK: no road network reachable" in shown
    network = json.loads((out / "report.json").read_text())["network"]
    assert network["kind"] == "geodesic"
    assert "FALLBACK" in network["source"]
    assert "nowhere.osm.bz2" in network["fallback_reason"]


def test_validate_checks_coverage_listing_every_far_site(tmp_path, capsys) -> None:
    """validate loads the OSM file and lists every site off the network with its
    distance in one message (exit 2), and warns for the merely far ones."""
    raw = tiny_raw()
    raw["network"] = {"source": "osm_file", "osm_file": "melun_centre.osm.bz2"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["validate", str(path), "--osm-dir", str(TEST_DATA)]) == 2
    captured = capsys.readouterr()
    assert "network: OpenStreetMap file melun_centre.osm.bz2" in captured.out
    assert "warning: site 'p0' is 1,756 m from the nearest road node" in captured.out
    assert "warning: site 'p2' is 1,151 m" in captured.out
    assert "1 site(s) farther than 3,000 m from the road network" in captured.err
    assert "'p1' 4,190 m" in captured.err
    # The bundled Melun scenario is covered: valid, exit 0.
    assert main(["validate", str(ROOT / "scenarios" / "melun.yaml")]) == 0
    assert "farthest" in capsys.readouterr().out


def test_version_flag_prints_the_version(capsys) -> None:
    """`logistics --version` prints the package version."""
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"logistics {logistics.__version__}"


def test_carbon_price_flag_sets_the_objective(tmp_path) -> None:
    """--carbon-price switches to cost + carbon, recorded in report.json."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(["run", str(path), "--out", str(out), "-q", "--carbon-price", "500"]) == 0
    )
    solver = json.loads((out / "report.json").read_text())["solver"]
    assert solver["objective"] == "cost_carbon"
    assert solver["carbon_price_eur_per_t"] == 500


def test_bad_flag_value_is_a_clear_error(tmp_path, capsys) -> None:
    """A negative time limit is refused naming the flag, not with a traceback."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    assert main(["run", str(path), "-q", "--time-limit", "-3"]) == 2
    assert "--time-limit: value -3.0: Input should be greater than 0" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "worker-processes"])
def test_ctrl_c_stops_within_2_s_and_writes_nothing(tmp_path, workers) -> None:
    """SIGINT two seconds into a 30 s pooled search: exit status 130 within 2 s,
    a one-line message, no traceback, no report files (searches in this process,
    OR-Tools' C++ one included, or in worker processes that must be terminated)."""
    raw = tiny_raw()
    raw["solver"]["workers"] = workers
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "logistics", "run", str(path), "--out", str(out)]
    env = {**os.environ, "LOGISTICS_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [*command, "--time-limit", "30", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    watchdog = threading.Timer(120, proc.kill)  # a hung run must not hang the suite
    watchdog.start()
    try:
        assert proc.stderr is not None
        # The progress log names each strategy as it starts.
        for line in proc.stderr:
            if line.startswith("[") and "pooled:" in line:
                break
        time.sleep(2)
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=10)
        stopped_after = time.perf_counter() - sent
        err = proc.stderr.read()
    finally:
        watchdog.cancel()
        proc.kill()
        proc.communicate()
    assert status == 130
    assert stopped_after < 2
    assert "logistics: interrupted; nothing was written" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
