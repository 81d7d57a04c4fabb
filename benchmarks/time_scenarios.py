"""Wall time of `logistics run` on the shipped scenarios: cold cache, then a rerun.

Usage::

    python -m benchmarks.time_scenarios [--osm-dir ../shared/data/osm] [scenarios ...]

Each scenario runs twice as a user would (the installed ``logistics`` command, in a
fresh process): first with an empty cache folder (network parsed, matrix computed, both
strategies solved), then again with the same cache (everything reused, plans
re-checked).
The ratio rerun / cold is measured in the same run, so it holds on a noisy machine.
Writes ``benchmarks/results/<date>-scenario-timing.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run_benchmarks import machine_description, write_markdown

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cache: Path) -> tuple[float, float | None]:
    """Wall time (s) and peak resident memory (MB, via GNU time when installed)."""
    env = {**os.environ, "LOGISTICS_CACHE_DIR": str(cache)}
    gnu_time = shutil.which("time") or (
        "/usr/bin/time" if Path("/usr/bin/time").exists() else None
    )
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [gnu_time, "-f", "%M", "-o", rss.name, *cmd] if gnu_time else cmd
        start = time.perf_counter()
        subprocess.run(full, check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        text = Path(rss.name).read_text().strip().splitlines()
    # GNU time reports the largest resident set of the process tree's biggest
    # member, in kB (worker processes are separate processes).
    peak = float(text[-1]) / 1024 if gnu_time and text else None
    return wall, peak


def main(argv: list[str] | None = None) -> int:
    """Time each scenario cold and warm; write a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios",
        nargs="*",
        default=["scenarios/ajaccio.yaml", "scenarios/melun.yaml"],
    )
    parser.add_argument(
        "--osm-dir", default=str(ROOT.parent / "shared" / "data" / "osm")
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--label", default="scenario-timing")
    args = parser.parse_args(argv)
    exe = shutil.which("logistics") or str(Path(sys.executable).parent / "logistics")
    rows = []
    for scenario in args.scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            cmd = [
                exe,
                "run",
                scenario,
                "-q",
                "--osm-dir",
                args.osm_dir,
                "--out",
                str(Path(tmp) / "out"),
            ]
            cold, peak = _run(cmd, cache)
            warm, _ = _run(cmd, cache)
        rows.append((scenario, cold, warm, peak))
        print(
            f"{scenario}: cold {cold:.1f} s (peak {peak} MB), rerun {warm:.1f} s",
            flush=True,
        )
    today = dt.date.today().isoformat()
    lines = [
        "# `logistics run` wall time: cold cache vs rerun",
        "",
        f"- Date: {today}; machine: {machine_description()}",
        f"- Command: `python -m benchmarks.time_scenarios {' '.join(args.scenarios)}`",
        "- Each run is the installed `logistics run SCENARIO -q --osm-dir ... "
        "--out ...` "
        "in a fresh process; cold = empty LOGISTICS_CACHE_DIR (network parsed, matrix "
        "and both strategies solved), rerun = same cache (network, matrix and plans "
        "reused; plans still re-checked).",
        "",
        "Peak memory: the largest resident set of the `logistics` process itself "
        "(GNU time; worker processes are counted separately and are smaller).",
        "",
        "| scenario | cold s | rerun s | rerun / cold | peak MB (cold) |",
        "|---|---|---|---|---|",
        *[
            f"| {s} | {c:.1f} | {w:.1f} | {w / c:.3f} | "
            f"{'' if m is None else f'{m:.0f}'} |"
            for s, c, w, m in rows
        ],
        "",
    ]
    write_markdown(args.out, f"{today}-{args.label}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
