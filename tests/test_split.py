"""Who pays what on a tiny scenario: every method, the report files, the CLI."""

from __future__ import annotations

import csv
import json
import re

import pytest
import yaml

from logistics.cli import main
from logistics.coalitions import CoalitionBudget
from logistics.exceptions import AllocationError
from logistics.report.allocation import write_allocation
from logistics.split import (
    BANDED_FROM,
    METHODS,
    SAMPLED_STRATA,
    allocate,
    default_strata,
    fair_split,
)

from .conftest import tiny_raw

BUDGET = CoalitionBudget(solutions_base=3, solutions_per_producer=0.5)


@pytest.fixture(scope="module")
def splits(three_farms):
    """The split of the three-farm scenario by every method (plans cached)."""
    return {
        m: fair_split(three_farms, method=m, budget=BUDGET, replicates=1)
        for m in METHODS
    }


def test_every_method_splits_the_pooled_cost_exactly(splits):
    """Shares add up to c(N) for cost and CO2e; stand-alone costs are c({i})."""
    for split in splits.values():
        assert split.exact
        total = sum(s.cost_eur for s in split.shares)
        assert total == pytest.approx(split.grand_cost_eur, abs=1e-6)
        co2e = sum(s.co2e_kg for s in split.shares)
        assert co2e == pytest.approx(split.grand_co2e_kg, abs=1e-6)
        for s in split.shares:
            alone = split.game.values[frozenset({s.producer})].cost_eur
            assert s.standalone_cost_eur == alone


def test_grand_coalition_keeps_the_pooled_plan_when_cheaper(splits, three_farms):
    """c(N) is at most the pooled strategy's plan (accounted on the rounded
    metre/second matrix: within a cent of the report's float-matrix figure)."""
    split = splits["shapley"]
    iso_total = sum(s.iso_cost_eur for s in split.shares)
    assert split.grand_cost_eur <= iso_total + 0.01


def test_settlement_brings_every_balance_to_zero(splits):
    """Owners bore the routes; after the transfers everyone has paid its share."""
    split = splits["shapley"]
    paid = {s.producer: s.bears_eur for s in split.shares}
    for t in split.transfers:
        paid[t.payer] = paid.get(t.payer, 0.0) + t.amount_eur
        paid[t.payee] = paid.get(t.payee, 0.0) - t.amount_eur
    for s in split.shares:
        assert paid[s.producer] == pytest.approx(s.cost_eur, abs=0.011)


def test_best_partition_costs_no_more_than_everyone_together(splits):
    """The cheapest grouping is at most c(N) and covers every producer once."""
    split = splits["nucleolus"]
    assert split.partition_cost_eur <= split.grand_cost_eur + 1e-9
    members = sorted(p for g in split.partition for p in g)
    assert members == ["p0", "p1", "p2"]


def test_allocate_returns_a_dataframe(three_farms):
    """The API returns one row per producer with the documented columns."""
    df = allocate(three_farms, method="proportional-kg", budget=BUDGET)
    assert list(df["producer"]) == ["p0", "p1", "p2"]
    assert {"standalone_cost_eur", "cost_eur", "saving_pct", "co2e_kg"} <= set(df)
    assert df["cost_eur"].sum() == pytest.approx(df.attrs["grand_cost_eur"])
    kg = df.set_index("producer")["kg"]
    cost = df.set_index("producer")["cost_eur"]
    assert cost["p1"] / cost["p0"] == pytest.approx(kg["p1"] / kg["p0"])


def test_unknown_method_is_refused(three_farms):
    """A method name outside METHODS is one clear error."""
    with pytest.raises(AllocationError, match="method must be one of"):
        fair_split(three_farms, method="banzhaf")


def test_allocation_files_merge_into_an_existing_report(splits, tmp_path):
    """report.json keeps its other keys and gains 'allocation'; CSVs are written."""
    (tmp_path / "report.json").write_text(json.dumps({"scenario": "x"}))
    written = write_allocation(splits["epm"], tmp_path)
    assert {p.name for p in written} == {
        "allocation.csv",
        "settlement.csv",
        "report.json",
    }
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scenario"] == "x"
    assert report["allocation"]["method"] == "epm"
    # An exact game is repaired to a fixed point: monotone, checked plans only.
    repaired = report["allocation"]["coalitions"]["repaired"]
    assert repaired["fixed_point"] is True
    assert repaired["rounds"] >= 1
    assert report["allocation"]["monotonicity_violations"] == 0
    text = (tmp_path / "allocation.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["producer"] for r in rows] == ["p0", "p1", "p2"]
    total = sum(float(r["cost_eur"]) for r in rows)
    assert total == pytest.approx(report["allocation"]["grand_cost_eur"], abs=0.01)


def test_cli_allocate_prints_the_table_and_writes_files(tmp_path, capsys):
    """`logistics allocate` on a scenario file: table, stability lines, files."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_raw()))
    code = main(
        ["allocate", str(scenario), "--method", "shapley", "--out", str(tmp_path)]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Who pays what" in out
    assert "Cheapest grouping" in out
    assert (tmp_path / "settlement.csv").is_file()
    assert main(["allocate", str(scenario), "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler: needs --executor dask" in capsys.readouterr().err


def test_cli_allocate_sampled_prints_its_stopping_rule_outcome(tmp_path, capsys):
    """Above --max-exact the Shapley value is sampled: the output states the
    stopping rule (tolerance, sample budget) and how it ended (samples used, largest
    standard error), for cost and CO2e; bad stopping values are refused."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_raw()))
    args = ["allocate", str(scenario), "--max-exact", "2", "-q"]
    assert main([*args, "--tolerance", "0", "--max-samples", "40"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # undo the console's wrapping
    assert "Who pays what: shapley split" in out
    assert "(sampled)" in out
    assert "stopping rule: every standard error at most 0.00 EUR, or 40" in out
    # 3 players: the first round alone (4 per open stratum, 1 per closed one: 18
    # samples) then rounds of 9 until 40 are reached; the tolerance 0 is not met.
    assert re.search(
        r"sample budget reached first after 4\d marginal costs, largest standard "
        r"error [0-9.e+-]+ EUR",
        out,
    )
    assert "CO2e (at most 0.000 kg): sample budget reached first" in out
    assert main([*args, "--max-samples", "0"]) == 2
    assert "max_samples must be >= 1" in " ".join(capsys.readouterr().err.split())


def test_collective_van_only_pool_settles_with_the_collective():
    """With one collective reefer and no producer vans in the pool, the separate
    plans cannot seed c({i}), unions would share the van, and the van's route cost
    is owed to the collective in the settlement."""
    from logistics.scenario import parse_scenario
    from logistics.split import COLLECTIVE

    raw = tiny_raw()
    raw["pooled_fleet"] = {
        "include_producer_vehicles": False,
        "vehicles": [{"type": "reefer", "count": 1, "start": "p1"}],
    }
    split = fair_split(parse_scenario(raw), method="shapley", budget=BUDGET)
    assert split.collective_bears_eur > 0
    assert all(s.bears_eur == pytest.approx(0.0) for s in split.shares)
    received = sum(t.amount_eur for t in split.transfers if t.payee == COLLECTIVE)
    assert received == pytest.approx(split.collective_bears_eur, abs=0.02)
    assert not any(v.kept.startswith("union") for v in split.game.values.values())


def test_sampled_path_and_replicates_on_a_small_collective(three_farms):
    """Above max_exact the Shapley value is sampled (standard errors, shares still
    add up to c(N)) and the nucleolus is refused; replicates
    report a spread per producer."""
    split = fair_split(three_farms, method="shapley", budget=BUDGET, max_exact=2)
    assert not split.exact
    assert sum(s.cost_eur for s in split.shares) == pytest.approx(
        split.grand_cost_eur, abs=1e-6
    )
    assert all(s.std_error_eur >= 0 for s in split.shares)
    assert any("one stratum per coalition size" in note for note in split.notes)
    assert split.game.repair is None  # sampled values are read as they come
    with pytest.raises(AllocationError, match="strata must be >= 1"):
        fair_split(three_farms, method="shapley", max_exact=2, strata=0)
    with pytest.raises(AllocationError, match="nucleolus needs every coalition"):
        fair_split(three_farms, method="nucleolus", max_exact=2)
    twice = fair_split(three_farms, method="shapley", budget=BUDGET, replicates=2)
    assert twice.replicates == (1, 2)
    assert all(s.spread_eur >= 0 for s in twice.shares)


def test_run_shows_the_shapley_split_for_a_small_collective(tmp_path, capsys):
    """`logistics run` on 3 producers adds the Shapley split to the terminal and to
    report.json; --no-shapley leaves it out."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_raw()))
    out = tmp_path / "out"
    assert main(["run", str(scenario), "-q", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Who pays what: shapley split" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["allocation"]["method"] == "shapley"
    assert "strategies" in report
    assert (out / "allocation.csv").is_file()
    bare = tmp_path / "bare"
    assert main(["run", str(scenario), "-q", "--no-shapley", "--out", str(bare)]) == 0
    assert "Who pays what" not in capsys.readouterr().out
    assert "allocation" not in json.loads((bare / "report.json").read_text())


def test_sampled_shapley_groups_sizes_into_bands_for_large_collectives():
    """From BANDED_FROM producers the first round would need 4 n (n - 2) marginal
    costs with one stratum per coalition size: bands take over."""
    assert default_strata(BANDED_FROM - 1) is None
    assert default_strata(BANDED_FROM) == SAMPLED_STRATA
    assert default_strata(40) == SAMPLED_STRATA
