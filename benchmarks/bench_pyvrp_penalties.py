"""PyVRP's penalty bounds and give-up share on the collectives (#9).

Usage::

    python -m benchmarks.bench_pyvrp_penalties OUT.jsonl SECONDS INSTANCE:SETTING,...

A setting is ``SCALE[pPERT][sSHARE]``: the search with every request required runs
with PyVRP's default penalty bounds (0.1 to 1e5) times ``SCALE`` (``auto``: the
project's :func:`logistics.solvers.pyvrp_solver._required_params`), at most ``PERT``
perturbations per iteration (default 25) and gives up after ``SHARE`` of the budget
(default: the project's ``_REQUIRED_SHARE``) when it has met no feasible solution;
then the search with optional requests runs as the project's. ``fell_back`` says
whether that happened. PyVRP seed 1, one core; every plan re-checked; one JSON line
per search.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from logistics.checker import check_plan
from logistics.constants import COST_SCALE
from logistics.plan import evaluate
from logistics.solvers import SolveParams
from logistics.solvers import pyvrp_solver as backend

from .run_collectives import instance_paths, prepare, published_pyvrp


class _FellBack(logging.Handler):
    """Notices the backend's "do not all fit together" message."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        if "do not all fit" in record.getMessage():
            self.seen = True


def _setting(text: str) -> tuple[str, int, float | None]:
    rest, _, share = text.partition("s")
    scale, _, pert = rest.partition("p")
    return scale, int(pert or 25), float(share) if share else None


def run(out: Path, limit_s: float, specs: list[str]) -> None:
    """Run ``INSTANCE:SETTING,...`` specs; append one JSON line per search."""
    import pyvrp
    import pyvrp.search

    watch = _FellBack()
    log = logging.getLogger(backend.__name__)
    log.addHandler(watch)
    log.setLevel(logging.INFO)
    project_params, project_share = backend._required_params, backend._REQUIRED_SHARE
    with out.open("a") as sink:
        for spec in specs:
            name, settings = spec.split(":")
            prep = prepare(name, instance_paths()[name], 20.0)
            for text in settings.split(","):
                scale, pert, share = _setting(text)

                def required(problem: Any, scale: str = scale, pert: int = pert) -> Any:
                    penalty = project_params(problem).penalty
                    if scale != "auto":
                        s = float(scale)
                        penalty = pyvrp.PenaltyParams(
                            min_penalty=0.1 * s, max_penalty=1e5 * s
                        )
                    return pyvrp.SolveParams(
                        penalty=penalty,
                        perturbation=pyvrp.search.PerturbationParams(1, pert),
                    )

                backend._required_params = required
                backend._REQUIRED_SHARE = project_share if share is None else share
                watch.seen = False
                t0 = time.perf_counter()
                plan = published_pyvrp().solve(
                    prep.problem, SolveParams(time_limit_s=limit_s, seed=1)
                )
                row = {
                    "instance": name,
                    "setting": text,
                    "cost": round(evaluate(prep.problem, plan) / COST_SCALE, 2),
                    "unserved": len(plan.unserved),
                    "ok": not check_plan(prep.problem, plan),
                    "fell_back": watch.seen,
                    "wall": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), file=sink, flush=True)
    backend._required_params, backend._REQUIRED_SHARE = project_params, project_share


if __name__ == "__main__":
    run(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:])
