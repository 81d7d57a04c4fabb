"""Fair split of the hub strategy's cost (issue #13, part 4): a measurement, not a test.

Runs the hub strategy (and pooled, for reference) on a hub scenario, then the exact
Shapley split of the hub cost from an empty plan store at the default
:class:`~logistics.coalitions.CoalitionBudget` (every coalition searched), on a
local process pool of ``--workers`` workers; then the pooled split the same way.
Prints and appends to ``<prefix>.json`` / ``<prefix>.md``: coalitions valued and
searched, wall time, cores, load, c(N) against the hub run's own cost, the shares.

    python -m benchmarks.hub_allocation
    python -m benchmarks.hub_allocation \
        --scenario benchmarks/collectives/melun-p08-o60.yaml \
        --hub-from benchmarks/collectives/melun-p05-o30-hub.yaml

``--hub-from`` copies another scenario's ``hubs`` (same town) into the scenario, for
a hub case of another size. ``grand_search_cost_eur`` is c(N) from the coalition
search alone at the coalition budget (no candidate, no start: greedy trips; no plan
store), beside the run's own plan.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OSM_DIRS = [ROOT.parent / "shared" / "data" / "osm"]
DEFAULT = "benchmarks/collectives/melun-p05-o30-hub.yaml"


def _scenario(path: Path, hub_from: Path | None) -> Any:
    import yaml

    from logistics.scenario import load_scenario, parse_scenario

    if hub_from is None:
        return load_scenario(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = yaml.safe_load(hub_from.read_text(encoding="utf-8"))
    raw["hubs"] = source["hubs"]
    known = {t["id"] for t in raw["vehicle_types"]}
    raw["vehicle_types"] += [t for t in source["vehicle_types"] if t["id"] not in known]
    raw["name"] = f"{raw['name']}-hub"
    return parse_scenario(raw, source=path)


def _measure(path: Path, workers: int, hub_from: Path | None) -> dict[str, Any]:
    from logistics import build_context, build_travel
    from logistics.coalitions import coalition_values
    from logistics.comparison import compare
    from logistics.executors import local_executor, usable_cores
    from logistics.factors import outsourcing_tariff
    from logistics.split import fair_split

    scenario = _scenario(path, hub_from)
    travel = build_travel(scenario, scenario_dir=path.parent, osm_dirs=OSM_DIRS)
    t0 = time.perf_counter()
    comparison = compare(
        scenario, travel=travel, strategies=("separate", "pooled", "hub")
    )
    run_s = time.perf_counter() - t0
    tariff = outsourcing_tariff()
    kg = {o.id: o.kg for o in scenario.orders}

    def plan_cost(name: str) -> float:
        result = comparison[name]
        return result.account.cost_eur + sum(
            tariff.cost_eur(kg[u.order]) for u in result.solution.unserved
        )

    found: dict[str, Any] = {
        "scenario": str(path.relative_to(ROOT))
        + ("" if hub_from is None else f" + hubs of {hub_from.name}"),
        "producers": len(scenario.producers),
        "orders": len(scenario.orders),
        "workers": workers,
        "cores": usable_cores(),
        "strategies_run_s": round(run_s, 1),
    }
    for name in ("hub", "pooled"):
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        with local_executor(workers) as pool:
            split = fair_split(
                scenario,
                method="shapley",
                strategy=name,
                travel=travel,
                comparison=comparison,
                executor=pool,
            )
        wall = time.perf_counter() - t0
        everyone = split.game.values[frozenset(p.id for p in scenario.producers)]
        bare = build_context(scenario, travel.matrix)  # no plan store
        searched = coalition_values(bare, [everyone.members], strategy=name)
        found[name] = {
            "coalitions_valued": len(split.game.values),
            "coalitions_searched": split.game.solves,
            "time_bound": split.game.time_bound,
            "wall_s": round(wall, 1),
            "sum_solve_wall_s": round(
                sum(v.wall_time_s for v in split.game.values.values()), 1
            ),
            "load_1min_before_after": [
                round(load_before, 2),
                round(os.getloadavg()[0], 2),
            ],
            "grand_cost_eur": round(split.grand_cost_eur, 2),
            "grand_kept": everyone.kept,
            "grand_search_cost_eur": round(searched[everyone.members].cost_eur, 2),
            "run_plan_cost_eur": round(plan_cost(name), 2),
            "standalone_sum_eur": round(
                sum(s.standalone_cost_eur for s in split.shares), 2
            ),
            "monotonicity_violations": split.monotonicity_violations,
            "core_violations": len(split.core_violations),
            "shares_eur": {s.producer: round(s.cost_eur, 2) for s in split.shares},
            "pays_more_than_alone": [
                s.producer for s in split.shares if s.pays_more_than_alone
            ],
        }
        print(name, json.dumps(found[name], indent=1), flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / DEFAULT)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hub-from", type=Path)
    parser.add_argument(
        "--prefix",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "2026-12-02-hub-allocation",
    )
    args = parser.parse_args()
    # An empty plan store: every coalition is searched (the travel matrix is
    # rebuilt in the same fresh cache).
    os.environ["LOGISTICS_CACHE_DIR"] = tempfile.mkdtemp(prefix="hub-allocation-")
    hub_from = None if args.hub_from is None else args.hub_from.resolve()
    found = _measure(args.scenario.resolve(), args.workers, hub_from)
    json_path = args.prefix.with_suffix(".json")
    runs = json.loads(json_path.read_text()) if json_path.exists() else []
    runs.append(found)
    json_path.write_text(json.dumps(runs, indent=2) + "\n")
    lines = [
        f"## {found['scenario']} ({found['producers']} producers, "
        f"{found['orders']} orders; {found['workers']} workers on "
        f"{found['cores']} cores)",
        "",
        "| split | coalitions valued / searched | wall | load before, after | "
        "c(N) | run's own plan | c(N) searched from greedy | kept for c(N) | "
        "monotonicity / core violations |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("hub", "pooled"):
        r = found[name]
        lines.append(
            f"| {name} | {r['coalitions_valued']} / {r['coalitions_searched']} | "
            f"{r['wall_s']} s | {r['load_1min_before_after']} | "
            f"{r['grand_cost_eur']} EUR | {r['run_plan_cost_eur']} EUR | "
            f"{r['grand_search_cost_eur']} EUR | {r['grand_kept']} | "
            f"{r['monotonicity_violations']} / "
            f"{r['core_violations']} |"
        )
    with args.prefix.with_suffix(".md").open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
