"""Command line: ``logistics run|allocate|validate|schema|generate|init|geocode``.

Thin by design: parse arguments, call the library, print. Errors the library raises on
purpose (:class:`~logistics.exceptions.LogisticsError`) become a message on stderr and
exit status 2, never a traceback.

Ctrl-C stops ``run`` within about a second, whatever is running: the worker processes
of its pools are terminated at once, an OR-Tools search stops at its next limit check
(:class:`~logistics.solvers.interrupt.InterruptWatch`), a PyVRP search at its next
iteration. The command then prints ``logistics: interrupted; nothing was written``
and exits with status 130. The report files are written all or none, before the
tables are printed: an interrupt while they are written is held back until they are
complete (the message then names them), and a reader of stdout that stops early
(``logistics run ... | head -1``) cannot lose them (the command then exits with
status 0). ``--out`` is checked writable before any solving.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

from .constants import SNAP_ERROR_M, SNAP_WARN_M, VERSION
from .exceptions import LogisticsError, NetworkError, ScenarioError
from .scenario import Scenario, SolverSettings

if TYPE_CHECKING:
    from rich.console import Console

    from .comparison import Comparison
    from .split import FairSplit
    from .travel import TravelData

__all__ = ["main"]

_RUN_HELP = (
    "Solve a scenario with each strategy (separate and pooled by default, and hub "
    "when the scenario has a hub with vans), print the comparison, write reports."
)
_OSM_HELP = (
    "Folder to look for the scenario's OSM file in (after the scenario's own folder); "
    "repeatable. Also read from LOGISTICS_OSM_DIR."
)
_GEODESIC_HELP = (
    "If the road network cannot be built (OSM file missing or damaged, download "
    "offline), go on with the geodesic estimate (great-circle x detour factor), "
    "labelled FALLBACK in the table and report.json. Without it that is an error."
)
_VALIDATE_HELP = (
    "Validate a scenario file; with a road source, also load its OSM file and "
    "check that it covers every site (all far sites listed with their distance)."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logistics",
        description=(
            "Pooled food deliveries: what sharing vehicles saves, on real roads."
        ),
    )
    parser.add_argument("--version", action="version", version=f"logistics {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help=_RUN_HELP, description=_RUN_HELP)
    run.add_argument("scenario", type=Path, help="Scenario YAML file.")
    run.add_argument(
        "--out",
        type=Path,
        help=(
            "Write report.html, map.html, report.json, routes.csv, stops.csv, "
            "route_sheets.csv and PNG figures here (checked writable before solving)."
        ),
    )
    run.add_argument(
        "--osm-dir", action="append", default=[], type=Path, help=_OSM_HELP
    )
    run.add_argument("--allow-geodesic", action="store_true", help=_GEODESIC_HELP)
    run.add_argument(
        "--time-limit", type=float, help="Pooled solver budget in seconds."
    )
    run.add_argument(
        "--backend", choices=["auto", "ortools", "pyvrp"], help="Solver backend."
    )
    run.add_argument(
        "--objective",
        choices=["cost", "distance", "time", "cost_carbon"],
        help="What the routing minimises (default: the scenario's, else cost).",
    )
    run.add_argument(
        "--carbon-price",
        type=float,
        help="EUR per tonne CO2e added to the cost (implies --objective cost_carbon).",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="Rebuild network and matrix and solve again.",
    )
    run.add_argument(
        "--strategies",
        type=_strategy_list,
        default=None,
        help=(
            "Comma-separated strategies to run, e.g. 'separate,pooled,hub' (default: "
            "separate,pooled, plus hub when the scenario has a hub with vans); "
            "savings are measured against 'separate' when it runs."
        ),
    )
    run.add_argument("--quiet", "-q", action="store_true", help="No progress display.")
    run.add_argument(
        "--no-shapley",
        action="store_true",
        help=(
            "Skip the Shapley splits shown beside the ISO 14083 split (of the pooled "
            "cost, and of the hub cost when hub runs; computed when the collective "
            f"has at most {RUN_SHAPLEY_MAX} producers)."
        ),
    )
    _add_allocate(sub)
    check = sub.add_parser("validate", help=_VALIDATE_HELP, description=_VALIDATE_HELP)
    check.add_argument("scenario", type=Path)
    check.add_argument(
        "--osm-dir", action="append", default=[], type=Path, help=_OSM_HELP
    )
    check.add_argument(
        "--no-network",
        action="store_true",
        help="Check the file alone, without loading the road network.",
    )
    sub.add_parser("schema", help="Print the JSON Schema of scenario files.")
    _add_generate(sub)
    init = sub.add_parser("init", help=_INIT_HELP, description=_INIT_HELP)
    init.add_argument("folder", type=Path, help="Folder to write the template into.")
    _add_geocode(sub)
    return parser


_GEOCODE_HELP = (
    "Geocode the sites given by address (BAN by default, cached on disk) and write a "
    "copy of the scenario with their coordinates, tables inline."
)


def _add_geocode(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    geo = sub.add_parser("geocode", help=_GEOCODE_HELP, description=_GEOCODE_HELP)
    geo.add_argument("scenario", type=Path, help="Scenario YAML file.")
    geo.add_argument(
        "--out", type=Path, help="The copy (default: SCENARIO_geocoded.yaml beside it)."
    )
    geo.add_argument(
        "--provider",
        choices=["ban", "nominatim"],
        help="Geocoder (default: the scenario's, else ban).",
    )
    geo.add_argument(
        "--geocoder-url",
        help="Service address, e.g. http://127.0.0.1:7878 (a self-hosted BAN).",
    )
    geo.add_argument(
        "--min-score", type=float, help="Refuse BAN matches scoring below this."
    )
    geo.add_argument("--offline", action="store_true", help="Use cached answers only.")


def _geocode(args: argparse.Namespace) -> int:
    from urllib.parse import urlparse

    import yaml

    from .geocode import GeocodingSettings, write_geocoded_copy

    try:
        raw = yaml.safe_load(args.scenario.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        raw = {}  # load_scenario reports it properly below
    section = raw.get("geocoding") if isinstance(raw, dict) else None
    options = dict(section) if isinstance(section, dict) else {}
    if args.provider is not None:
        options["provider"] = args.provider
    if args.geocoder_url is not None:
        url = urlparse(args.geocoder_url)
        options["scheme"] = url.scheme or "https"
        options["domain"] = url.netloc or url.path
    if args.min_score is not None:
        options["min_score"] = args.min_score
    if args.offline:
        options["offline"] = True
    try:
        settings = GeocodingSettings.model_validate(options)
    except ValidationError as exc:
        problems = [
            f"geocoding.{'.'.join(map(str, e['loc']))}: value {e['input']!r}: "
            f"{e['msg']}"
            for e in exc.errors()
        ]
        raise ScenarioError(problems) from None
    out = args.out or args.scenario.with_name(f"{args.scenario.stem}_geocoded.yaml")
    found = write_geocoded_copy(args.scenario, out, settings=settings)
    for site, match in found.items():
        score = "" if match.score is None else f" (score {match.score:.2f})"
        print(f"{site}: {match.lat:.6f}, {match.lon:.6f}  {match.label}{score}")
    print(f"wrote {out} ({len(found)} site(s) geocoded by {settings.service})")
    return 0


_INIT_HELP = (
    "Write a template scenario to fill in: CSV tables and the same as an .xlsx "
    "workbook, with a short README; it loads and runs as written."
)


RUN_SHAPLEY_MAX = 8
"""``logistics run`` adds the exact Shapley split for collectives of at most this
many producers: 2^8 - 1 = 255 coalition solves at the coalition budget, 31 s for
an 8-farm, 60-order collective on 2 cores shared with another 2-worker job
(``benchmarks/results/2026-12-03-allocation-pyvrp.md``); larger ones use
``logistics allocate``. When the hub strategy runs, its cost is split too, under
the same rule: 255 two-leg hub solves took 72 s for 8 farms and 60 orders through
a hub on 2 cores at load 5.5 (``benchmarks/README.md``, fair split of the hub
cost)."""

_ALLOCATE_HELP = (
    "Split the pooled cost among the producers (who pays what), check the split's "
    "stability, find the cheapest grouping, and settle who pays whom."
)


def _add_allocate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .split import BANDED_FROM, MAX_EXACT, METHODS, SAMPLED_STRATA, SPLIT_STRATEGIES

    cmd = sub.add_parser("allocate", help=_ALLOCATE_HELP, description=_ALLOCATE_HELP)
    cmd.add_argument("scenario", type=Path, help="Scenario YAML file.")
    cmd.add_argument("--method", choices=METHODS, default="shapley")
    cmd.add_argument(
        "--strategy",
        choices=SPLIT_STRATEGIES,
        default="pooled",
        help=(
            "Whose cost to split: the pooled routes (default) or the hub chain "
            "(needs a hub with vans; writes allocation_hub.csv, settlement_hub.csv)."
        ),
    )
    cmd.add_argument(
        "--out",
        type=Path,
        help=(
            "Write allocation.csv, settlement.csv and report.json's allocation here "
            "(allocation_hub.csv ... with --strategy hub)."
        ),
    )
    cmd.add_argument(
        "--osm-dir", action="append", default=[], type=Path, help=_OSM_HELP
    )
    cmd.add_argument(
        "--executor",
        choices=["process", "dask"],
        default="process",
        help="Where coalition solves run: a local process pool, or Dask.",
    )
    cmd.add_argument(
        "--scheduler",
        help="Dask scheduler address (default: a LocalCluster on this machine).",
    )
    cmd.add_argument("--workers", type=int, help="Worker processes (default: cores).")
    cmd.add_argument(
        "--replicates",
        type=int,
        default=1,
        help="Solve the game with this many seeds and show each share's spread.",
    )
    cmd.add_argument(
        "--max-exact",
        type=int,
        default=MAX_EXACT,
        help=f"Most producers for an exact game (default {MAX_EXACT}); beyond, "
        "the Shapley value is sampled.",
    )
    cmd.add_argument(
        "--tolerance",
        type=float,
        default=0.5,
        help="Sampled Shapley stops when every standard error is at most this "
        "(EUR; default 0.5).",
    )
    cmd.add_argument(
        "--max-samples",
        type=int,
        default=20_000,
        help="... or after this many marginal costs (default 20,000).",
    )
    cmd.add_argument(
        "--strata",
        type=int,
        default=None,
        help="Strata per producer of sampled Shapley: coalition sizes grouped into "
        f"this many bands (default: one per size below {BANDED_FROM} producers, "
        f"{SAMPLED_STRATA} bands from there).",
    )
    cmd.add_argument(
        "--no-cache", action="store_true", help="Rebuild and solve everything again."
    )
    cmd.add_argument("--quiet", "-q", action="store_true", help="No progress display.")


def _allocate(args: argparse.Namespace, interrupts: _Interrupts) -> int:
    from contextlib import ExitStack

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .executors import dask_executor, local_executor
    from .report.allocation import allocation_table, stability_lines, write_allocation
    from .scenario import load_scenario
    from .split import check_split_strategy, fair_split

    if args.scheduler and args.executor != "dask":
        msg = "command line: --scheduler: needs --executor dask"
        raise ScenarioError([msg])
    scenario = load_scenario(args.scenario)
    check_split_strategy(scenario, args.strategy)  # before any network or solve
    out = Console()
    bar = Progress(
        "coalitions",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "ETA",
        TimeRemainingColumn(),
        console=Console(stderr=True, quiet=args.quiet),
        transient=True,
    )
    task = bar.add_task("coalitions", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with ExitStack() as stack:
        if args.executor == "dask":
            pool = stack.enter_context(
                dask_executor(args.scheduler, workers=args.workers)
            )
        else:
            pool = stack.enter_context(local_executor(args.workers))
        stack.enter_context(bar)
        split = fair_split(
            scenario,
            method=args.method,
            strategy=args.strategy,
            osm_dirs=args.osm_dir,
            executor=pool,
            replicates=args.replicates,
            max_exact=args.max_exact,
            tolerance_eur=args.tolerance,
            max_samples=args.max_samples,
            strata=args.strata,
            progress=progress,
            use_cache=not args.no_cache,
        )
    out.print(allocation_table(split))
    for line in stability_lines(split):
        out.print(line)
    if args.out is not None:
        with interrupts.held():
            interrupts.written = write_allocation(split, args.out)
        out.print("Wrote " + ", ".join(str(f) for f in interrupts.written))
    return 0


_GENERATE_HELP = (
    "Write a scenario of a generated collective on an OSM road network: farms on "
    "rural roads around a town, delivery points in it (rules: scenarios/README.md)."
)


def _add_generate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gen = sub.add_parser("generate", help=_GENERATE_HELP, description=_GENERATE_HELP)
    gen.add_argument(
        "--osm", required=True, help="OSM file (path, or a name found in --osm-dir)."
    )
    gen.add_argument(
        "--osm-dir", action="append", default=[], type=Path, help=_OSM_HELP
    )
    gen.add_argument("--producers", type=int, required=True, help="Farms.")
    gen.add_argument("--points", type=int, required=True, help="Delivery points.")
    gen.add_argument("--orders", type=int, required=True, help="Orders.")
    gen.add_argument("--seed", type=int, required=True, help="Random seed.")
    gen.add_argument("--out", type=Path, help="Scenario file (default: stdout).")
    gen.add_argument(
        "--centre",
        type=_pair,
        help="Town centre LAT,LON (default: the densest cluster of road nodes).",
    )
    gen.add_argument(
        "--chilled-share", type=float, default=0.25, help="Share of chilled orders."
    )
    gen.add_argument(
        "--urban-radius-km",
        type=float,
        default=3.0,
        help="Delivery points lie within this distance of the centre.",
    )
    gen.add_argument(
        "--farm-ring-km",
        type=_pair,
        help="MIN,MAX distance of farms from the centre (default: 2 x urban, 30).",
    )
    gen.add_argument(
        "--farm-spacing-km",
        type=float,
        default=1.0,
        help="Wanted distance between farms.",
    )
    gen.add_argument("--name", help="Scenario name.")


def _pair(text: str) -> tuple[float, float]:
    """Parse ``A,B`` into two floats."""
    try:
        a, b = (float(x) for x in text.split(","))
    except ValueError:
        msg = f"expected two numbers A,B; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return a, b


def _generate(args: argparse.Namespace) -> int:
    from ._cache import atomic_write_text
    from .generate import generate_yaml, parse_options
    from .network import load_network
    from .travel import osm_search_dirs

    _check_osm_dirs(args.osm_dir)
    osm = Path(args.osm)
    options = parse_options(
        osm_file=osm.name,
        producers=args.producers,
        points=args.points,
        orders=args.orders,
        seed=args.seed,
        centre=args.centre,
        chilled_share=args.chilled_share,
        urban_radius_km=args.urban_radius_km,
        farm_ring_km=args.farm_ring_km,
        farm_spacing_km=args.farm_spacing_km,
        name=args.name,
    )
    network = load_network(
        osm_file=osm, search_dirs=osm_search_dirs(Path.cwd(), args.osm_dir)
    )
    text = generate_yaml(network, options)
    if args.out is None:
        print(text, end="")
    else:
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _strategy_list(text: str) -> tuple[str, ...]:
    """Parse ``--strategies``: registered names, comma-separated."""
    from .strategies import STRATEGIES

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in STRATEGIES]
    if not names or unknown:
        msg = (
            f"unknown strategy {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(sorted(STRATEGIES))}"
        )
        raise argparse.ArgumentTypeError(msg)
    return names


class _Interrupts:
    """SIGINT handling of ``logistics run`` (see the module docstring).

    The handler terminates the workers of local pools before raising
    :class:`KeyboardInterrupt` (unwinding would otherwise wait for their searches),
    ignores further Ctrl-C while stopping, and, inside :meth:`held`, only notes the
    signal until the block is done.
    """

    def __init__(self) -> None:
        self.received = False
        self.written: list[Path] = []
        self._holding = False
        self._installed = False
        self._previous: object = None

    def __enter__(self) -> _Interrupts:
        # Signal handlers can only be set from the main thread.
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received:
            return
        self.received = True
        if not self._holding:
            self._stop()

    def _stop(self) -> None:
        from .executors import terminate_local_workers

        terminate_local_workers()
        raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold Ctrl-C back inside the block; stop right after it if one came."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self.received:
            self._stop()

    def message(self) -> str:
        """What the interrupted command tells the user."""
        if self.written:
            files = ", ".join(str(f) for f in self.written)
            return f"logistics: interrupted after writing the report ({files})"
        return "logistics: interrupted; nothing was written"


def _run(args: argparse.Namespace, interrupts: _Interrupts) -> int:
    from .comparison import compare, default_strategies
    from .report import check_writable, write_files
    from .report.files import report_files
    from .scenario import load_scenario
    from .travel import build_travel

    t0 = time.perf_counter()
    # log_path=False: progress lines without the source-code column (cli.py:92).
    console = _console(stderr=True, quiet=args.quiet, log_path=False)
    _check_osm_dirs(args.osm_dir)
    if args.out is not None:
        check_writable(args.out, what="--out")  # before any solving
    scenario = load_scenario(args.scenario)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)  # even with --quiet
    scenario = _with_solver_overrides(scenario, args)
    with console.status("starting", spinner="dots") as status:

        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        travel = build_travel(
            scenario,
            scenario_dir=args.scenario.resolve().parent,
            osm_dirs=args.osm_dir,
            use_cache=not args.no_cache,
            allow_geodesic=args.allow_geodesic,
            progress=progress,
        )
        comparison = compare(
            scenario,
            travel=travel,
            strategies=args.strategies or default_strategies(scenario),
            progress=progress,
            use_cache=not args.no_cache,
        )
    splits = _run_splits(args, scenario, travel, comparison, console)
    # Files first: a reader of stdout that stops early (| head) cannot lose them.
    if args.out is not None:
        # Rendered outside the held block, so Ctrl-C stays prompt until the writes.
        pooled = next((s for s in splits if s.strategy == "pooled"), None)
        files = report_files(
            comparison, split=pooled, more_splits=[s for s in splits if s is not pooled]
        )
        from .report.allocation import allocation_files

        for split in splits:
            files.update(allocation_files(split, str(files["report.json"])))
        with interrupts.held():
            interrupts.written = write_files(args.out, files)
    _print_results(comparison, interrupts.written, time.perf_counter() - t0, splits)
    return 0


def _print_results(
    comparison: Comparison,
    written: list[Path],
    total_s: float,
    splits: Sequence[FairSplit] = (),
) -> None:
    """Print the comparison, the per-producer tables (with the Shapley splits when
    computed), and what was written."""
    from .report import comparison_table
    from .report.tables import driving_table, hub_lines, producer_table

    out = _console()
    out.print(comparison_table(comparison))
    for name, saving in comparison.savings.items():
        out.print(producer_table(comparison, name))
        out.print(driving_table(comparison, name))
        if saving.co2e_from_fewer_km_kg is not None:
            out.print(
                f"CO2e saved by {name}: {saving.co2e_kg:.1f} kg, of which "
                f"{saving.co2e_from_fewer_km_kg:.1f} kg from fewer km and "
                f"{saving.co2e_from_intensity_kg:.1f} kg from lower kg CO2e per km "
                "(load factor, vehicle mix)."
            )
    for line in hub_lines(comparison):
        out.print(line, highlight=False)
    names = {p.id: p.name or p.id for p in comparison.scenario.producers}
    for label, result in comparison.results.items():
        for u in result.solution.unserved:
            out.print(
                f"{label}: order {u.order} ({names[u.producer]}) unserved: {u.reason}",
                style="yellow",
                markup=False,
            )
    for split in splits:
        from .report.allocation import allocation_table, stability_lines

        out.print(allocation_table(split))
        for line in stability_lines(split):
            out.print(line, markup=False)
    if written:
        out.print("Wrote " + ", ".join(str(f) for f in written), markup=False)
    out.print(
        f"Total time {total_s:.1f} s (solving and checking "
        f"{comparison.wall_time_s:.1f} s)."
    )


def _console(**options: Any) -> Console:
    """Return a rich console that goes quiet when its reader has gone.

    Rich's own reaction to a closed pipe is to exit with status 1 (and to silence
    stdout even for a stderr console); here the run carries on, writes its files
    and exits cleanly.
    """
    from rich.console import Console

    class _PipeSafeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            _silence(self.file)

    return _PipeSafeConsole(**options)


def _silence(stream: IO[str]) -> None:
    """Point a closed stream's descriptor at /dev/null so later writes and the
    interpreter's final flush succeed instead of raising BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file (e.g. captured by a test): nothing to flush at exit


def _check_osm_dirs(folders: list[Path]) -> None:
    """Refuse ``--osm-dir`` folders that do not exist (a typo would go unnoticed)."""
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        names = ", ".join(str(f) for f in missing)
        msg = (
            f"--osm-dir: folder(s) not found: {names}; give an existing folder that "
            "holds the scenario's OSM file"
        )
        raise NetworkError(msg)


def _validate(args: argparse.Namespace) -> int:
    """``logistics validate``: the file, then its road network and snapping."""
    from .scenario import load_scenario
    from .travel import check_network

    _check_osm_dirs(args.osm_dir)
    s = load_scenario(args.scenario)
    for note in s.notes:
        print(f"note: {note}")
    print(
        f"{args.scenario}: valid ({len(s.producers)} producers, "
        f"{len(s.delivery_points)} delivery points, {len(s.orders)} orders)"
    )
    if args.no_network:
        return 0
    check = check_network(
        s, scenario_dir=args.scenario.resolve().parent, osm_dirs=args.osm_dir
    )
    if check is None:
        print("network: geodesic estimate (source: geodesic), no road file to check")
        return 0
    worst = max(check.snap_distance_m.values(), default=0.0)
    print(
        f"network: {check.source}, {check.nodes:,} nodes; "
        f"{len(check.snap_distance_m)} sites snapped, farthest {worst:,.0f} m"
    )
    for site, distance in check.far:
        if distance <= SNAP_ERROR_M:
            print(
                f"warning: site {site!r} is {distance:,.0f} m from the nearest road "
                f"node (more than {SNAP_WARN_M:,.0f} m)"
            )
    if check.outside:
        sites = "; ".join(f"{site!r} {d:,.0f} m" for site, d in check.outside)
        msg = (
            f"{len(check.outside)} site(s) farther than {SNAP_ERROR_M:,.0f} m from "
            f"the road network ({check.source}): {sites}. Check their coordinates "
            "(latitude and longitude swapped?) or use an OSM file that covers them."
        )
        raise NetworkError(msg)
    return 0


def _run_splits(
    args: argparse.Namespace,
    scenario: Scenario,
    travel: TravelData,
    comparison: Comparison,
    console: Console,
) -> list[FairSplit]:
    """The Shapley splits of ``logistics run`` (see :data:`RUN_SHAPLEY_MAX`): of
    the pooled cost when separate and pooled ran, of the hub cost when hub ran."""
    if args.no_shapley or len(scenario.producers) > RUN_SHAPLEY_MAX:
        return []
    from .split import fair_split

    ran = set(comparison.results)
    wanted = [
        name
        for name, needs in (("pooled", {"separate", "pooled"}), ("hub", {"hub"}))
        if needs <= ran
    ]
    splits = []
    for name in wanted:
        label = f"Shapley split of the {name} cost"
        with console.status(f"{label}: coalition plans", spinner="dots") as status:

            def progress(done: int, total: int, label: str = label) -> None:
                status.update(f"{label}: {done}/{total} coalition plans")

            splits.append(
                fair_split(
                    scenario,
                    method="shapley",
                    strategy=name,
                    travel=travel,
                    comparison=comparison,
                    progress=progress,
                    use_cache=not args.no_cache,
                )
            )
    return splits


def _with_solver_overrides(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """Apply --time-limit, --backend, --objective, --carbon-price (validated)."""
    overrides: dict[str, object] = {}
    if args.time_limit is not None:
        overrides["time_limit_s"] = args.time_limit
    if args.backend is not None:
        overrides["backend"] = args.backend
    if args.objective is not None:
        overrides["objective"] = args.objective
    if args.carbon_price is not None:
        overrides["carbon_price_eur_per_t"] = args.carbon_price
        overrides.setdefault("objective", "cost_carbon")
    if not overrides:
        return scenario
    raw = {**scenario.solver.model_dump(), **overrides}
    try:
        solver = SolverSettings.model_validate(raw)
    except ValidationError as exc:
        flags = {
            "time_limit_s": "--time-limit",
            "carbon_price_eur_per_t": "--carbon-price",
        }
        problems = [
            f"command line: {flags.get(str(e['loc'][0]), '--' + str(e['loc'][0]))}: "
            f"value {e['input']!r}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ScenarioError(problems) from None
    updated = scenario.model_copy(update={"solver": solver})
    updated._source = scenario._source
    return updated


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    warnings.simplefilter("default")
    interrupts = _Interrupts()
    try:
        if args.command == "schema":
            from .scenario import scenario_json_schema

            print(json.dumps(scenario_json_schema(), indent=2))
            return 0
        if args.command == "validate":
            return _validate(args)
        if args.command == "generate":
            return _generate(args)
        if args.command == "geocode":
            return _geocode(args)
        if args.command == "init":
            from .template import write_template

            for written in write_template(args.folder):
                print(f"wrote {written}")
            return 0
        with interrupts:
            if args.command == "allocate":
                return _allocate(args, interrupts)
            return _run(args, interrupts)
    except LogisticsError as exc:
        print(f"logistics: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # generate writes its one file atomically: nothing is written either.
        print(interrupts.message(), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout was closed by its reader (logistics run ... | head -1). Report files
        # are written before anything is printed, so nothing is lost: exit cleanly,
        # after pointing stdout at /dev/null for the interpreter's final flush.
        _silence(sys.stdout)
        return 0
