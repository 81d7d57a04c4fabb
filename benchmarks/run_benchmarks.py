"""Run the project and its peers on public benchmark instances; write CSV and Markdown.

Usage::

    python -m benchmarks.run_benchmarks --smoke
    python -m benchmarks.run_benchmarks --time-limit 10
    python -m benchmarks.run_benchmarks --families solomon --instances R101 RC101

Each (instance, solver) result is re-checked with :func:`logistics.checker.check_plan`;
an infeasible plan, a plan with unserved requests or an exception counts as not solved.
See ``benchmarks/README.md`` for the columns and the cost convention of each family.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from logistics._cache import atomic_write_text
from logistics.checker import check_plan

from .instances import (
    DEFAULT_ROOT,
    FAMILIES,
    BenchmarkInstance,
    family_cost,
    load_instance,
)
from .peers import PEERS

FULL_SUBSET: dict[str, tuple[str, ...]] = {
    "solomon": (
        "C101",
        "C105",
        "C201",
        "R101",
        "R105",
        "R201",
        "R209",
        "RC101",
        "RC105",
        "RC201",
    ),
    "cvrp_x": (
        "X-n101-k25",
        "X-n110-k13",
        "X-n120-k6",
        "X-n129-k18",
        "X-n153-k22",
        "X-n167-k10",
        "X-n200-k36",
        "X-n256-k16",
        "X-n303-k21",
        "X-n401-k29",
    ),
    "lilim_pdptw": (
        "lc101",
        "lc105",
        "lc201",
        "lr101",
        "lr105",
        "lr201",
        "lrc101",
        "lrc105",
        "lrc201",
        "lrc205",
    ),
    "cordeau_mdvrp": (
        "p01",
        "p04",
        "p06",
        "p08",
        "p11",
        "p13",
        "p16",
        "p21",
        "pr01",
        "pr05",
    ),
}
"""The "full" run: 10 instances per family (40 x 4 solvers x 10 s ~ 30 min on 2 cores);
all 162 instances would take about 2 h at 10 s. Chosen to cover every series: Solomon
C/R/RC with tight (1) and wide (2) windows, incl. R101 and RC101; X from n = 101 to 401,
short and long routes; Li & Lim lc/lr/lrc 1 and 2, incl. lr101 and lrc101; Cordeau with
(p08, p11, p13, p16, pr01, pr05) and without (p01, p04, p06, p21) a route-duration
limit, 2 to 9 depots."""

SMOKE_SUBSET: dict[str, tuple[str, ...]] = {
    "solomon": ("R101", "RC101"),
    "cvrp_x": ("X-n101-k25", "X-n120-k6"),
    "lilim_pdptw": ("lr101", "lrc101"),
    "cordeau_mdvrp": ("p01", "p08"),
}
"""The smoke run: 2 instances per family at 5 s (~3 min)."""

SMOKE_TIME_LIMIT_S = 5.0


@dataclass(frozen=True)
class Result:
    """One solver on one instance (a CSV row; see README for the columns)."""

    family: str
    instance: str
    solver: str
    status: str
    cost: float | None
    bks_cost: float
    gap_pct: float | None
    vehicles: int | None
    bks_vehicles: int | None
    wall_s: float
    unserved: int | None
    note: str


def run_one(instance: BenchmarkInstance, solver: str, time_limit_s: float) -> Result:
    """Solve, check and score one instance with one solver."""
    t0 = time.perf_counter()
    try:
        plan = PEERS[solver](instance.problem, time_limit_s)
    except Exception as exc:
        return Result(
            instance.family,
            instance.name,
            solver,
            "error",
            None,
            instance.bks_cost,
            None,
            None,
            instance.bks_vehicles,
            time.perf_counter() - t0,
            None,
            f"{type(exc).__name__}: {exc}"[:200],
        )
    wall = time.perf_counter() - t0
    errors = check_plan(instance.problem, plan)
    status = "infeasible" if errors else ("incomplete" if plan.unserved else "solved")
    cost = family_cost(instance, plan)
    gap = (
        100.0 * (cost - instance.bks_cost) / instance.bks_cost
        if status == "solved"
        else None
    )
    return Result(
        instance.family,
        instance.name,
        solver,
        status,
        cost,
        instance.bks_cost,
        gap,
        len(plan.routes),
        instance.bks_vehicles,
        wall,
        len(plan.unserved),
        "; ".join([f"backend={plan.backend}", *errors[:2]])[:200],
    )


def write_markdown(out_dir: Path, name: str, lines: Sequence[str]) -> Path:
    """Write a Markdown report ``out_dir/name`` atomically; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    atomic_write_text(path, "\n".join(lines))
    print(f"wrote {path}")
    return path


def machine_description() -> str:
    """Return ``nproc`` and the CPU model from ``/proc/cpuinfo``."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc={os.cpu_count()}, {model}"


def _versions() -> str:
    from importlib.metadata import version

    names = ("ortools", "pyvrp", "pyvroom", "vrplib")
    return ", ".join(f"{n} {version(n)}" for n in names)


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _cell(x: int | None) -> str:
    return "—" if x is None else str(x)


def markdown_table(results: Sequence[Result], header: Sequence[str]) -> str:
    """Render the per-instance table and the per-family summary as Markdown."""
    lines = [*header, "", "## Per family and solver", ""]
    lines += [
        "| family | solver | solved | mean gap % (solved) | mean gap % (solved by all) "
        "| same vehicles as BKS | mean wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    families = dict.fromkeys(r.family for r in results)
    solvers = dict.fromkeys(r.solver for r in results)
    for fam in families:
        fam_rows = [r for r in results if r.family == fam]
        names = dict.fromkeys(r.instance for r in fam_rows)
        common = [
            n
            for n in names
            if all(r.status == "solved" for r in fam_rows if r.instance == n)
        ]
        for s in solvers:
            rows = [r for r in fam_rows if r.solver == s]
            ok = [r for r in rows if r.status == "solved"]
            gaps = [r.gap_pct for r in ok if r.gap_pct is not None]
            common_gaps = [
                r.gap_pct for r in ok if r.instance in common and r.gap_pct is not None
            ]
            same = sum(r.vehicles == r.bks_vehicles for r in ok if r.bks_vehicles)
            same_txt = (
                f"{same}/{len(ok)}" if any(r.bks_vehicles for r in rows) else "n/a"
            )
            lines.append(
                f"| {fam} | {s} | {len(ok)}/{len(rows)} "
                f"| {_fmt(_mean(gaps))} "
                f"| {_fmt(_mean(common_gaps))} "
                f"({len(common)} inst.) | {same_txt} "
                f"| {_fmt(sum(r.wall_s for r in rows) / max(1, len(rows)), 1)} |"
            )
    lines += [
        "",
        "## Per instance",
        "",
        "| family | instance | solver | status | cost | BKS | gap % | vehicles "
        "| BKS veh. | wall s | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.family} | {r.instance} | {r.solver} | {r.status} | {_fmt(r.cost)} "
            f"| {r.bks_cost:g} | {_fmt(r.gap_pct)} | {_cell(r.vehicles)} "
            f"| {_cell(r.bks_vehicles)} | {r.wall_s:.1f} "
            f"| {r.note.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    msg = "Benchmark the project and peers (PyVRP, VROOM, OR-Tools) on public sets."
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_benchmarks", description=msg
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="2 instances per family at 5 s (under 5 minutes)",
    )
    parser.add_argument(
        "--families", nargs="+", choices=FAMILIES, default=list(FAMILIES)
    )
    parser.add_argument(
        "--instances",
        nargs="+",
        default=None,
        help="instance names (default: the documented subset)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every instance of the chosen families (about 2 h at 10 s)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per solver and instance (default 10; smoke 5)",
    )
    parser.add_argument(
        "--solvers",
        default=",".join(PEERS),
        help=f"comma-separated subset of {','.join(PEERS)}",
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument(
        "--label", default=None, help="file label (default: smoke, full, all or custom)"
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    return parser.parse_args(argv)


def _selection(args: argparse.Namespace) -> tuple[list[tuple[str, str]], str, str]:
    """Return (family, instance) pairs, a file label and a header note."""
    from .instances import list_instances

    pairs: list[tuple[str, str]] = []
    for fam in args.families:
        names = list_instances(fam, root=args.root)
        if args.instances:
            chosen = [n for n in args.instances if n in names]
        elif args.all:
            chosen = names
        else:
            chosen = list((SMOKE_SUBSET if args.smoke else FULL_SUBSET)[fam])
        pairs += [(fam, n) for n in chosen]
    if args.instances:
        return pairs, "custom", "Instances chosen on the command line."
    if args.all:
        return pairs, "all", "Every instance of the chosen families."
    if args.smoke:
        return pairs, "smoke", "Smoke subset: 2 instances per family (SMOKE_SUBSET)."
    return (
        pairs,
        "full",
        (
            "Documented representative subset, 10 instances per family (FULL_SUBSET in "
            "benchmarks/run_benchmarks.py), so that the run takes under an hour; all "
            "instances would take about 2 h at 10 s."
        ),
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``<out>/<date>-<label>.{csv,md}``."""
    args = _parse(argv)
    limit = args.time_limit or (SMOKE_TIME_LIMIT_S if args.smoke else 10.0)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in solvers if s not in PEERS]
    if unknown:
        print(f"unknown solvers {unknown}; choose from {list(PEERS)}", file=sys.stderr)
        return 2
    pairs, label, note = _selection(args)
    label = args.label or label
    today = dt.date.today().isoformat()
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"{today}-{label}.csv"
    md_path = args.out / f"{today}-{label}.md"
    command = "python -m benchmarks.run_benchmarks " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    header = [
        f"# Benchmark results — {label}",
        "",
        f"- Date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- Machine: {machine_description()}",
        f"- Command: `{command}`",
        f"- Time limit: {limit:g} s per solver and instance; "
        f"solvers: {', '.join(solvers)}",
        f"- Versions: {_versions()}",
        f"- Instances ({len(pairs)}): {note} "
        + ", ".join(f"{f}/{n}" for f, n in pairs),
        "- Gap % = 100 (cost - BKS) / BKS, cost in the family's convention, only for "
        "solved (checked, complete) plans. Li & Lim BKS is hierarchical: compare its "
        "distance gap only where vehicles = BKS veh. (fewer vehicles can cost "
        "distance).",
    ]
    results: list[Result] = []
    fields = list(Result.__dataclass_fields__)
    with open(csv_path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for fam, name in pairs:
            instance = load_instance(fam, name, root=args.root)
            for solver in solvers:
                res = run_one(instance, solver, limit)
                results.append(res)
                writer.writerow(asdict(res))
                fh.flush()
                print(
                    f"{fam:14s} {name:12s} {solver:16s} {res.status:10s} "
                    f"gap={_fmt(res.gap_pct)} veh={res.vehicles} {res.wall_s:.1f}s",
                    flush=True,
                )
                atomic_write_text(md_path, markdown_table(results, header))
    print(f"wrote {csv_path} and {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
