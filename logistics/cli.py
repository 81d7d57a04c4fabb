"""Command line: ``logistics run|allocate|validate|schema|generate``.

Thin by design: parse arguments, call the library, print. Errors the library raises on
purpose (:class:`~logistics.exceptions.LogisticsError`) become a message on stderr and
exit status 2, never a traceback.

Ctrl-C stops ``run`` within about a second, whatever is running: the worker processes
of its pools are terminated at once, an OR-Tools search stops at its next limit check
(:class:`~logistics.solvers.interrupt.InterruptWatch`), a PyVRP search at its next
iteration. The command then prints ``logistics: interrupted; nothing was written``
and exits with status 130. The report files are written last, all or none: an
interrupt while they are written is held back until they are complete (the message
then names them).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .exceptions import LogisticsError, ScenarioError
from .scenario import Scenario, SolverSettings

if TYPE_CHECKING:
    from rich.console import Console

    from .comparison import Comparison
    from .split import FairSplit
    from .travel import TravelData

__all__ = ["main"]

_RUN_HELP = (
    "Solve a scenario with each strategy (separate and pooled by default), print the "
    "comparison, write reports."
)
_OSM_HELP = (
    "Folder to look for the scenario's OSM file in (after the scenario's own folder); "
    "repeatable. Also read from LOGISTICS_OSM_DIR."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logistics",
        description=(
            "Pooled food deliveries: what sharing vehicles saves, on real roads."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help=_RUN_HELP, description=_RUN_HELP)
    run.add_argument("scenario", type=Path, help="Scenario YAML file.")
    run.add_argument(
        "--out", type=Path, help="Write report.json, routes.csv, stops.csv here."
    )
    run.add_argument(
        "--osm-dir", action="append", default=[], type=Path, help=_OSM_HELP
    )
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
            "Comma-separated strategies to run, e.g. 'separate,pooled' (the default); "
            "savings are measured against 'separate' when it runs."
        ),
    )
    run.add_argument("--quiet", "-q", action="store_true", help="No progress display.")
    run.add_argument(
        "--no-shapley",
        action="store_true",
        help=(
            "Skip the Shapley split shown beside the ISO 14083 split (computed when "
            f"the collective has at most {RUN_SHAPLEY_MAX} producers)."
        ),
    )
    _add_allocate(sub)
    check = sub.add_parser("validate", help="Validate a scenario file and exit.")
    check.add_argument("scenario", type=Path)
    sub.add_parser("schema", help="Print the JSON Schema of scenario files.")
    _add_generate(sub)
    return parser


RUN_SHAPLEY_MAX = 8
"""``logistics run`` adds the exact Shapley split for collectives of at most this
many producers: 2^8 - 1 = 255 coalition solves at the coalition budget, 45 s for
an 8-farm, 60-order collective on 2 cores shared with other jobs (load 10,
``benchmarks/results/2026-12-02-allocation.md``); larger ones use ``logistics
allocate``."""

_ALLOCATE_HELP = (
    "Split the pooled cost among the producers (who pays what), check the split's "
    "stability, find the cheapest grouping, and settle who pays whom."
)


def _add_allocate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .split import METHODS

    cmd = sub.add_parser("allocate", help=_ALLOCATE_HELP, description=_ALLOCATE_HELP)
    cmd.add_argument("scenario", type=Path, help="Scenario YAML file.")
    cmd.add_argument("--method", choices=METHODS, default="shapley")
    cmd.add_argument(
        "--out",
        type=Path,
        help="Write allocation.csv, settlement.csv and report.json's allocation here.",
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
    from .split import fair_split

    if args.scheduler and args.executor != "dask":
        msg = "command line: --scheduler: needs --executor dask"
        raise ScenarioError([msg])
    scenario = load_scenario(args.scenario)
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
            osm_dirs=args.osm_dir,
            executor=pool,
            replicates=args.replicates,
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
    from rich.console import Console

    from .comparison import DEFAULT_STRATEGIES, compare
    from .report import comparison_table, write_report
    from .report.tables import producer_table
    from .scenario import load_scenario
    from .travel import build_travel

    console = Console(stderr=True, quiet=args.quiet)
    out = Console()
    scenario = load_scenario(args.scenario)
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
            progress=progress,
        )
        comparison = compare(
            scenario,
            travel=travel,
            strategies=args.strategies or DEFAULT_STRATEGIES,
            progress=progress,
            use_cache=not args.no_cache,
        )
    out.print(comparison_table(comparison))
    for name, saving in comparison.savings.items():
        out.print(producer_table(comparison, name))
        if saving.co2e_from_fewer_km_kg is not None:
            out.print(
                f"CO2e saved by {name}: {saving.co2e_kg:.1f} kg, of which "
                f"{saving.co2e_from_fewer_km_kg:.1f} kg from fewer km and "
                f"{saving.co2e_from_intensity_kg:.1f} kg from lower kg CO2e per km "
                "(load factor, vehicle mix)."
            )
    for label, result in comparison.results.items():
        for u in result.solution.unserved:
            out.print(
                f"[yellow]{label}: order {u.order} ({u.producer}) unserved: {u.reason}"
            )
    split = _run_split(args, scenario, travel, comparison, console)
    if split is not None:
        from .report.allocation import allocation_table, stability_lines

        out.print(allocation_table(split))
        for line in stability_lines(split):
            out.print(line)
    if args.out is not None:
        with interrupts.held():
            interrupts.written = write_report(comparison, args.out)
            if split is not None:
                from .report.allocation import write_allocation

                interrupts.written += write_allocation(split, args.out)[:2]
        out.print("Wrote " + ", ".join(str(f) for f in interrupts.written))
    return 0


def _run_split(
    args: argparse.Namespace,
    scenario: Scenario,
    travel: TravelData,
    comparison: Comparison,
    console: Console,
) -> FairSplit | None:
    """The Shapley split of ``logistics run`` (see :data:`RUN_SHAPLEY_MAX`)."""
    if (
        args.no_shapley
        or len(scenario.producers) > RUN_SHAPLEY_MAX
        or not {"separate", "pooled"} <= set(comparison.results)
    ):
        return None
    from .split import fair_split

    with console.status("Shapley split: coalition plans", spinner="dots") as status:

        def progress(done: int, total: int) -> None:
            status.update(f"Shapley split: {done}/{total} coalition plans")

        return fair_split(
            scenario,
            method="shapley",
            travel=travel,
            comparison=comparison,
            progress=progress,
            use_cache=not args.no_cache,
        )


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
            from .scenario import load_scenario

            s = load_scenario(args.scenario)
            print(
                f"{args.scenario}: valid ({len(s.producers)} producers, "
                f"{len(s.delivery_points)} delivery points, {len(s.orders)} orders)"
            )
            return 0
        if args.command == "generate":
            return _generate(args)
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
