"""``logistics init``: the template set loads, runs, and never overwrites files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logistics.cli import main
from logistics.scenario import load_scenario


def test_init_writes_csv_and_xlsx_versions_of_one_scenario(tmp_path: Path) -> None:
    """The CSV set and the workbook describe the same collective, both valid."""
    assert main(["init", str(tmp_path / "mine")]) == 0
    from_csv = load_scenario(tmp_path / "mine" / "scenario.yaml")
    from_xlsx = load_scenario(tmp_path / "mine" / "scenario_xlsx.yaml")
    assert from_csv.model_dump() == from_xlsx.model_dump()
    assert [len(from_csv.producers), len(from_csv.orders)] == [3, 10]
    assert from_csv.producers[0].metadata == {"phone": "01 00 00 00 01"}
    assert from_csv.orders[3].kg == 12.5
    assert (
        (tmp_path / "mine" / "README.md")
        .read_text(encoding="utf-8")
        .startswith("# Your collective's scenario")
    )


def test_init_template_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The workbook version runs end to end and serves every order."""
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["init", str(tmp_path / "t")]) == 0
    status = main(
        [
            "run",
            str(tmp_path / "t" / "scenario_xlsx.yaml"),
            "--time-limit",
            "1",
            "--out",
            str(tmp_path / "out"),
            "-q",
        ]
    )
    assert status == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    for name in ("separate", "pooled"):
        assert report["strategies"][name]["orders_served"] == 10
    assert "note:" in capsys.readouterr().err  # the kept 'phone' column


def test_init_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second init in the same folder stops with a message, files untouched."""
    assert main(["init", str(tmp_path)]) == 0
    (tmp_path / "orders.csv").write_text("mine\n", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert (tmp_path / "orders.csv").read_text(encoding="utf-8") == "mine\n"
