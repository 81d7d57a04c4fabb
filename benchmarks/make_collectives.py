"""Regenerate the collectives benchmark family and check every instance.

Usage::

    python -m benchmarks.make_collectives                 # write all, check all
    python -m benchmarks.make_collectives --check-only    # check the committed files
    python -m benchmarks.make_collectives --only melun-p05-o30

Each instance is written by ``logistics generate`` with the exact arguments of
:data:`INSTANCES` (the README lists the same commands), then checked: it loads, its
travel matrix builds on its OSM file, no site lies more than
:data:`MAX_SNAP_M` from the road network, and every order is servable by some vehicle
of the pooled fleet on a route of its own (capacity, refrigeration, windows, route
duration). The instance table of ``benchmarks/collectives/README.md`` is rewritten
between its ``<!-- instances -->`` markers.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from logistics._cache import atomic_write_text
from logistics.cli import main as logistics_main
from logistics.context import build_context
from logistics.plan import allowed_vehicles, solo_obstacle
from logistics.scenario import Scenario, load_scenario
from logistics.strategies import get_strategy
from logistics.travel import build_travel

HERE = Path(__file__).resolve().parent / "collectives"
OSM_DIR = Path("/work/shared/data/osm")
MAX_SNAP_M = 300.0

AJACCIO = "41.9192,8.7386"
BASTIA = "42.6970,9.4500"
VADUZ = "47.1410,9.5209"


@dataclass(frozen=True)
class Instance:
    """One generated instance: its name and the ``logistics generate`` arguments."""

    name: str
    osm: str
    producers: int
    points: int
    orders: int
    seed: int
    place: tuple[str, ...]
    """Placement options (centre, radii); counts and seed are added from the fields."""

    def argv(self, out: Path) -> list[str]:
        """Arguments of ``logistics generate`` writing this instance to ``out``."""
        return [
            "generate",
            "--osm",
            self.osm,
            "--producers",
            str(self.producers),
            "--points",
            str(self.points),
            "--orders",
            str(self.orders),
            "--seed",
            str(self.seed),
            *self.place,
            "--name",
            self.name,
            "--out",
            str(out),
        ]

    def command(self) -> str:
        """The shell command, as the README shows it."""
        args = self.argv(Path(f"benchmarks/collectives/{self.name}.yaml"))
        return "logistics " + " ".join(args) + " --osm-dir ../shared/data/osm"


_MELUN = ("--urban-radius-km", "2", "--farm-ring-km", "3.5,7")
_VADUZ = ("--centre", VADUZ, "--urban-radius-km", "2.5", "--farm-ring-km", "4,15")
_AJACCIO = ("--centre", AJACCIO, "--urban-radius-km", "4", "--farm-ring-km", "8,30")
_BASTIA = ("--centre", BASTIA, "--urban-radius-km", "3", "--farm-ring-km", "6,30")

INSTANCES: tuple[Instance, ...] = (
    Instance("melun-p05-o30", "melun.osm.bz2", 5, 20, 30, 1, _MELUN),
    Instance("melun-p08-o60", "melun.osm.bz2", 8, 35, 60, 2, _MELUN),
    Instance("melun-p10-o80", "melun.osm.bz2", 10, 40, 80, 3, _MELUN),
    Instance("vaduz-p05-o30", "liechtenstein-latest.osm.pbf", 5, 20, 30, 4, _VADUZ),
    Instance("vaduz-p08-o60", "liechtenstein-latest.osm.pbf", 8, 35, 60, 5, _VADUZ),
    Instance("vaduz-p14-o126", "liechtenstein-latest.osm.pbf", 14, 60, 126, 6, _VADUZ),
    Instance("vaduz-p20-o200", "liechtenstein-latest.osm.pbf", 20, 90, 200, 7, _VADUZ),
    Instance("ajaccio-p10-o80", "corsica.osm.bz2", 10, 40, 80, 8, _AJACCIO),
    Instance("ajaccio-p20-o200", "corsica.osm.bz2", 20, 90, 200, 9, _AJACCIO),
    Instance("ajaccio-p30-o300", "corsica.osm.bz2", 30, 140, 300, 13, _AJACCIO),
    Instance("ajaccio-p40-o400", "corsica.osm.bz2", 40, 180, 400, 10, _AJACCIO),
    Instance("bastia-p14-o126", "corsica.osm.bz2", 14, 60, 126, 11, _BASTIA),
    Instance("bastia-p30-o300", "corsica.osm.bz2", 30, 140, 300, 12, _BASTIA),
)
"""The family, smallest first within each town: 5 producers / 30 orders to
40 producers / 400 orders on the three shared OSM files."""


def check_instance(path: Path, osm_dirs: list[Path]) -> list[str]:
    """Return the problems of one instance file (empty when it is fine)."""
    scenario = load_scenario(path)
    travel = build_travel(scenario, scenario_dir=path.parent, osm_dirs=osm_dirs)
    problems = [
        f"{path.name}: site {site} is {d:.0f} m from the road network"
        for site, d in travel.network.snap_distance_m.items()
        if d > MAX_SNAP_M
    ]
    if travel.network.kind == "geodesic":
        problems.append(f"{path.name}: no road network ({travel.network.source})")
    return problems + unservable_orders(scenario, travel.matrix)


def unservable_orders(scenario: Scenario, matrix: object) -> list[str]:
    """Orders no vehicle of the pooled fleet can serve even on a route of its own."""
    context = build_context(scenario, matrix)  # type: ignore[arg-type]
    pooled = get_strategy("pooled")
    everyone = context.producer_ids
    problem = context.problem(everyone, pooled.fleet(context, everyone))
    return [
        f"{scenario.name}: order {req.id} cannot be served by any pooled vehicle"
        for r, req in enumerate(problem.requests)
        if all(
            solo_obstacle(problem, r, k) is not None
            for k in allowed_vehicles(problem, r)
        )
    ]


def _table() -> list[str]:
    lines = [
        "| file | OSM file | producers | points | orders | kg | chilled orders "
        "| vans (reefer) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for inst in INSTANCES:
        s = load_scenario(HERE / f"{inst.name}.yaml")
        vans = [
            s.vehicle_type(e.type)
            for p in s.producers
            for e in p.vehicles
            for _ in range(e.count)
        ]
        chilled = sum(o.temperature == "chilled" for o in s.orders)
        kg = sum(o.kg for o in s.orders)
        lines.append(
            f"| `{inst.name}.yaml` | `{inst.osm}` | {len(s.producers)} "
            f"| {len(s.delivery_points)} | {len(s.orders)} | {kg:,.0f} | {chilled} "
            f"| {len(vans)} ({sum(v.refrigerated for v in vans)}) |"
        )
    lines += ["", "Commands (run from the repository root):", "", "```sh"]
    lines += [inst.command() for inst in INSTANCES]
    return [*lines, "```"]


def _write_readme_table() -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = "<!-- instances -->\n" + "\n".join(_table()) + "\n<!-- /instances -->"
    new = re.sub(
        r"<!-- instances -->.*?<!-- /instances -->", lambda _m: block, text, flags=re.S
    )
    atomic_write_text(readme, new)


def main(argv: list[str] | None = None) -> int:
    """Regenerate (unless ``--check-only``) and check the instances."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.make_collectives")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--only", nargs="+", default=None, help="instance names")
    parser.add_argument("--osm-dir", type=Path, default=OSM_DIR)
    args = parser.parse_args(argv)
    chosen = [i for i in INSTANCES if args.only is None or i.name in args.only]
    failures: list[str] = []
    for inst in chosen:
        path = HERE / f"{inst.name}.yaml"
        t0 = time.perf_counter()
        if not args.check_only:
            argv_gen = [*inst.argv(path), "--osm-dir", str(args.osm_dir)]
            if logistics_main(argv_gen) != 0:
                failures.append(f"{inst.name}: generate failed")
                continue
        problems = check_instance(path, [args.osm_dir])
        failures += problems
        status = "ok" if not problems else f"{len(problems)} problems"
        print(
            f"{inst.name:20s} {status} ({time.perf_counter() - t0:.1f} s)", flush=True
        )
    if args.only is None:
        _write_readme_table()
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
