"""Who pays what under the hub strategy: Melun's 5 farms through a shared hub.

Runs offline on the bundled Melun extract (scenarios/osm/melun.osm.bz2), with a
tiny coalition budget: 31 two-leg hub solves take a few seconds.
"""

from __future__ import annotations

import copy
import csv
import json
from typing import Any

import pytest
import yaml

from logistics.allocation import shapley_exact
from logistics.checker import check_hub_chain, check_solution
from logistics.cli import main
from logistics.coalitions import CoalitionBudget, coalition_values, solve_game
from logistics.comparison import compare
from logistics.context import build_context
from logistics.exceptions import AllocationError
from logistics.factors import outsourcing_tariff
from logistics.scenario import load_scenario, parse_scenario
from logistics.split import fair_split
from logistics.strategies import get_strategy
from logistics.travel import build_travel

from .conftest import ROOT

MELUN = ROOT / "scenarios" / "melun.yaml"
BUDGET = CoalitionBudget(solutions_base=3, solutions_per_producer=0.5, time_base_s=20.0)
"""Searches stop on their solution count (reproducible); the time cap is only a
safety net, generous so that a loaded machine never reaches it."""

HUB: dict[str, Any] = {
    "id": "hub_vaux",
    "name": "Shared shed, Vaux-le-Pénil business park",
    "lat": 48.52935,
    "lon": 2.67942,
    "opening": "04:00-12:00",
    "cold_room": True,
    "handling_cost_eur_per_kg": 0.05,
    "vehicles": [{"type": "small_van_reefer", "count": 2, "max_trips": 3}],
}


def _raw() -> dict[str, Any]:
    raw = yaml.safe_load(MELUN.read_text(encoding="utf-8"))
    raw["hubs"] = [copy.deepcopy(HUB)]
    raw["solver"] = {"time_limit_s": 1, "separate_time_limit_s": 1, "seed": 1}
    return raw


@pytest.fixture(scope="module")
def hub_run():  # type: ignore[no-untyped-def]
    """Melun with a hub: scenario, travel data, the hub strategy's run."""
    scenario = parse_scenario(_raw(), source=MELUN)
    travel = build_travel(scenario, scenario_dir=MELUN.parent)
    comparison = compare(scenario, travel=travel, strategies=("hub",))
    return scenario, travel, comparison


@pytest.fixture(scope="module")
def hub_split(hub_run):  # type: ignore[no-untyped-def]
    scenario, travel, comparison = hub_run
    return fair_split(
        scenario,
        method="shapley",
        strategy="hub",
        travel=travel,
        comparison=comparison,
        budget=BUDGET,
    )


def test_hub_split_shares_add_up_to_the_hub_plans_cost(hub_run, hub_split) -> None:
    """Shapley shares of cost and CO2e add up to c(N), which is at most the hub
    strategy's own plan (its routes, hub handling and outsourced orders); the
    settlement leaves everyone, the collective (hub vans, handling) included,
    having paid its share."""
    scenario, _, comparison = hub_run
    split = hub_split
    assert split.strategy == "hub"
    assert split.exact
    assert split.game.complete
    assert len(split.game.values) == 2**5 - 1
    assert sum(s.cost_eur for s in split.shares) == pytest.approx(
        split.grand_cost_eur, abs=1e-6
    )
    assert sum(s.co2e_kg for s in split.shares) == pytest.approx(
        split.grand_co2e_kg, abs=1e-6
    )
    hub = comparison["hub"]
    tariff = outsourcing_tariff()
    kg = {o.id: o.kg for o in scenario.orders}
    plan_cost = hub.account.cost_eur + sum(
        tariff.cost_eur(kg[u.order]) for u in hub.solution.unserved
    )
    # Accounted on the rounded metre/second matrix: within a few cents.
    assert split.grand_cost_eur <= plan_cost + 0.05
    assert hub.account.hub is not None
    assert hub.account.hub.handling_cost_eur > 0
    # The hub's handling is in c(N) and borne by the collective.
    everyone = split.game.values[frozenset(scenario_ids(scenario))]
    assert everyone.solution.hub is not None
    assert split.collective_bears_eur >= hub.account.hub.handling_cost_eur - 0.05
    paid = {s.producer: s.bears_eur for s in split.shares}
    paid["(collective)"] = split.collective_bears_eur
    for t in split.transfers:
        paid[t.payer] += t.amount_eur
        paid[t.payee] -= t.amount_eur
    for s in split.shares:
        assert paid[s.producer] == pytest.approx(s.cost_eur, abs=0.03)
    assert any("hub split" in note for note in split.notes)


def scenario_ids(scenario) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.id for p in scenario.producers]


def test_every_hub_coalition_plan_goes_through_the_hub_and_is_checked(
    hub_run, hub_split
) -> None:
    """Each coalition's kept plan passes the checker with the hub strategy's fleet
    for that coalition (the hub chain farm -> hub -> customer included), serves
    only the coalition's orders, each through the hub, and lists the rest."""
    scenario, travel, _ = hub_run
    context = build_context(scenario, travel.matrix)
    strategy = get_strategy("hub")
    orders = {o.id: o for o in scenario.orders}
    hubs = {h.id: h for h in scenario.hubs}
    for members, value in hub_split.game.values.items():
        ordered = [p for p in context.producer_ids if p in members]
        solution = value.solution
        fleet = strategy.fleet(context, ordered)
        errors = check_solution(
            scenario, context, solution, fleet=fleet, producers=ordered
        )
        assert errors == []
        assert check_hub_chain(solution, orders, hubs) == []
        mine = {o.id for o in context.orders_of(ordered)}
        drops = {s.order for r in solution.routes for s in r.stops if s.type == "drop"}
        loads = {s.order for r in solution.routes for s in r.stops if s.type == "load"}
        delivered = {o for r in solution.routes for o in r.orders}
        assert drops == loads == delivered <= mine
        assert delivered | set(value.outsourced) == mine
        # Own first legs: only members' vans drive to the hub.
        for route in solution.routes:
            if any(s.type == "drop" for s in route.stops):
                assert route.owner in members


def test_same_seed_gives_the_same_hub_game(hub_run) -> None:
    """Two runs of the hub game without a plan store (every coalition searched
    twice, started from the hub run's plan as the split does) give the same c(S)
    and the same Shapley split; so do two runs from greedy starts."""
    scenario, travel, comparison = hub_run
    context = build_context(scenario, travel.matrix)
    players = context.producer_ids
    every = [
        frozenset(p for k, p in enumerate(players) if mask >> k & 1)
        for mask in range(1, 2 ** len(players))
    ]
    given = {frozenset(players): [("hub plan", comparison["hub"].solution)]}
    runs = [
        coalition_values(
            context, every, budget=BUDGET, strategy="hub", candidates=given
        )
        for _ in range(2)
    ]
    first, second = ({c: v.cost_eur for c, v in r.items()} for r in runs)
    assert first == second
    assert all(v.wall_time_s > 0 for r in runs for v in r.values())
    assert shapley_exact(players, {frozenset(): 0.0, **first}) == shapley_exact(
        players, {frozenset(): 0.0, **second}
    )
    bare = [solve_game(context, budget=BUDGET, strategy="hub") for _ in range(2)]
    assert bare[0].solves == bare[1].solves == 31
    assert bare[0].cost() == bare[1].cost()


def test_hub_split_is_refused_without_a_hub(tmp_path, capsys) -> None:
    """`allocate --strategy hub` on a scenario without a hub fails with one clear
    message naming the scenario and the rule, before any solve; so does the API."""
    code = main(["allocate", str(MELUN), "--strategy", "hub", "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert "strategy hub" in err
    assert "has no hub with delivery vans" in err
    assert "Traceback" not in err
    with pytest.raises(AllocationError, match="no hub with delivery vans"):
        fair_split(load_scenario(MELUN), strategy="hub")
    with pytest.raises(AllocationError, match="strategy must be one of"):
        fair_split(load_scenario(MELUN), strategy="separate")


def test_allocate_strategy_hub_writes_its_own_files(tmp_path, capsys) -> None:
    """`allocate --strategy hub --out` writes allocation_hub.csv and
    settlement_hub.csv and adds allocations.hub to report.json, keeping a pooled
    split already there; its shares add up to its c(N)."""
    path = tmp_path / "melun-hub.yaml"
    path.write_text(yaml.safe_dump(_raw(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    pooled = {"method": "shapley", "strategy": "pooled"}
    (out / "report.json").write_text(
        json.dumps({"allocation": pooled, "allocations": {"pooled": pooled}}),
        encoding="utf-8",
    )
    osm = str(ROOT / "scenarios")
    args = ["allocate", str(path), "--strategy", "hub", "--osm-dir", osm]
    assert main([*args, "-q", "--out", str(out), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "shapley split of the hub cost" in printed
    assert (out / "allocation_hub.csv").is_file()
    assert (out / "settlement_hub.csv").is_file()
    assert not (out / "allocation.csv").exists()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["allocation"] == pooled
    assert report["allocations"]["pooled"] == pooled
    hub = report["allocations"]["hub"]
    assert hub["strategy"] == "hub"
    with (out / "allocation_hub.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["producer"] for r in rows] == [p["id"] for p in _raw()["producers"]]
    total = sum(float(r["cost_eur"]) for r in rows)
    assert total == pytest.approx(hub["grand_cost_eur"], abs=0.01)


def test_hub_split_appears_in_report_html(hub_run, hub_split) -> None:
    """report.html shows the hub split as its own 'Who pays what' table."""
    from logistics.report.files import report_files

    _, _, comparison = hub_run
    files = report_files(comparison, draw=False, more_splits=[hub_split])
    html = str(files["report.html"])
    assert "Who pays what (shapley split of the hub cost)" in html
    assert "split of the pooled cost" not in html
    for s in hub_split.shares:
        assert f"{s.cost_eur:.2f}" in html


def test_run_splits_the_pooled_and_the_hub_cost(tmp_path, capsys) -> None:
    """`logistics run` on 5 producers with a hub shows and writes both Shapley
    splits: the pooled one where it always was, the hub one beside it."""
    path = tmp_path / "melun-hub.yaml"
    path.write_text(yaml.safe_dump(_raw(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    osm = str(ROOT / "scenarios")
    args = ["run", str(path), "-q", "--osm-dir", osm, "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "shapley split of the pooled cost" in printed
    assert "shapley split of the hub cost" in printed
    for name in ("allocation.csv", "allocation_hub.csv", "settlement_hub.csv"):
        assert (out / name).is_file()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["allocation"]["strategy"] == "pooled"
    assert set(report["allocations"]) == {"pooled", "hub"}
    assert report["allocations"]["pooled"] == report["allocation"]
    hub = report["allocations"]["hub"]
    total = sum(p["cost_eur"] for p in hub["producers"])
    assert total == pytest.approx(hub["grand_cost_eur"], abs=0.01)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Who pays what (shapley split of the pooled cost)" in html
    assert "Who pays what (shapley split of the hub cost)" in html


def test_sampled_hub_split_adds_up(hub_run) -> None:
    """Above max_exact the hub split is sampled Shapley through the same coalition
    values; its shares still add up to c(N)."""
    scenario, travel, comparison = hub_run
    split = fair_split(
        scenario,
        strategy="hub",
        travel=travel,
        comparison=comparison,
        budget=BUDGET,
        max_exact=2,
    )
    assert not split.exact
    assert split.strategy == "hub"
    assert sum(s.cost_eur for s in split.shares) == pytest.approx(
        split.grand_cost_eur, abs=1e-6
    )
    assert all(s.std_error_eur >= 0 for s in split.shares)
