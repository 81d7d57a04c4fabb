"""The command line, one main([...]) call per subcommand."""

from __future__ import annotations

import json
import os
import re
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
    """`logistics run` prints the tables (who drives too) and writes the report
    files, report.html and the route sheets among them."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "separate vs pooled" in out
    assert "Saved by pooled" in out
    assert "Who drives, separate → pooled" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "allocation.csv",  # the Shapley split: at most 8 producers
        "map.html",
        "producer_savings_pooled.png",
        "report.html",
        "report.json",
        "route_sheets.csv",
        "routes.csv",
        "routes.png",
        "settlement.csv",
        "stops.csv",
        "totals.png",
    ]
    # The Shapley split is in report.json, beside the ISO split in report.html,
    # and its shares are the ones allocation.csv lists.
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    shares = {r["producer"]: r["cost_eur"] for r in report["allocation"]["producers"]}
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "Who pays what (shapley split of the pooled cost)" in html
    for cost in shares.values():
        # report.json keeps 3 decimals, the page shows 2 of the unrounded share: a
        # share of 22.585 in the JSON may be 22.58 or 22.59 on the page.
        assert f"{cost - 0.0005:.2f}" in html or f"{cost + 0.0005:.2f}" in html


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


def test_unwritable_out_is_refused_before_any_solving(tmp_path, capsys) -> None:
    """--out under a regular file: exit 2 at once (not after a 30 s search) with one
    line naming the flag, the folder and the rule, and no traceback."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    blocker = tmp_path / "taken"
    blocker.write_text("", encoding="utf-8")
    started = time.perf_counter()
    status = main(
        ["run", str(path), "-q", "--time-limit", "30", "--out", str(blocker / "out")]
    )
    assert status == 2
    assert time.perf_counter() - started < 5
    err = capsys.readouterr().err
    assert err.startswith(f"logistics: error: --out {blocker / 'out'}: ")
    assert "is a file, not a folder" in err
    assert "Traceback" not in err


def test_full_disk_exits_2_and_changes_no_file(
    tmp_path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No space left while the report files are written: exit 2, a message naming
    the folder and saying nothing was written, and the folder as it was."""
    import errno

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("old", encoding="utf-8")
    real_fsync = os.fsync

    def full_in_out(fd: int) -> None:
        # Only the report files' disk is full (caches elsewhere still write).
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(out)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_in_out)
    assert main(["run", str(path), "-q", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write the report files in {out} (No space left" in err
    assert "nothing was written" in err
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text(encoding="utf-8") == "old"


@pytest.mark.parametrize("closed", ["stdout", "stdout-and-stderr"])
def test_closed_pipe_keeps_the_files_and_exits_0(tmp_path, closed) -> None:
    """stdout (and with 2>&1 the progress log too) read by nobody, as after
    `| head -1`: the run still writes every report file, exits 0, no traceback."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "LOGISTICS_CACHE_DIR": str(tmp_path / "cache")}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    err_file = tmp_path / "stderr.txt"
    with err_file.open("w") as err:
        proc = subprocess.run(
            [sys.executable, "-m", "logistics", "run", str(path), "--out", str(out)],
            stdout=write_end,
            stderr=write_end if closed == "stdout-and-stderr" else err,
            env=env,
            timeout=120,
            check=False,
        )
    os.close(write_end)
    assert proc.returncode == 0
    assert "Traceback" not in err_file.read_text()
    assert (out / "report.json").is_file()
    assert (out / "stops.csv").is_file()


def test_terminal_shows_total_time_and_no_source_column(tmp_path) -> None:
    """Progress lines carry no `cli.py:NN` column; the end prints the total time."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_raw()), encoding="utf-8")
    env = {**os.environ, "LOGISTICS_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "logistics", "run", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "separate: each producer" in proc.stderr
    assert ".py:" not in proc.stderr
    assert re.search(r"Total time \d+\.\d s", proc.stdout)
