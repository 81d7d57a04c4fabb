"""Where the work runs: usable cores and the default local executor.

Everything that solves many problems (the separate strategy's producers, later the
coalitions of a fair split) takes a :class:`concurrent.futures.Executor`: the local
process pool of :func:`local_executor` by default, or any other executor, such as a
Dask client's (``client.get_executor()``). Work sent to an executor is a module-level
function and picklable arguments, so it runs the same under the ``fork``, ``spawn``
and ``forkserver`` start methods and on remote workers.

Stopping: a running job of a :class:`~concurrent.futures.ProcessPoolExecutor` cannot
be cancelled, and ``shutdown`` waits for it. Workers of :func:`local_executor` ignore
SIGINT (a Ctrl-C in a terminal reaches every process of the group; the parent
decides), and :func:`terminate_workers` / :func:`terminate_local_workers` end them at
once, e.g. on Ctrl-C or when a race's deadline has passed.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from .exceptions import ExecutorError

__all__ = [
    "dask_executor",
    "local_executor",
    "map_jobs",
    "terminate_local_workers",
    "terminate_workers",
    "usable_cores",
]

_LIVE_POOLS: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
"""Pools made by :func:`local_executor` that are still referenced somewhere."""

T = TypeVar("T")
R = TypeVar("R")


def usable_cores() -> int:
    """Return the number of cores this process may run on.

    The affinity mask where the platform has one (a container or ``taskset`` may
    allow fewer cores than the machine has), else the CPU count.
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def local_executor(max_workers: int | None = None) -> ProcessPoolExecutor:
    """Return a local process pool that is safe whatever the caller's threads.

    It uses the ``forkserver`` start method where available (POSIX), else ``spawn``:
    both start workers from a clean process, so solver threads or locks held by the
    parent never leak into them (``fork`` can deadlock there).

    Parameters
    ----------
    max_workers
        Number of worker processes; :func:`usable_cores` by default.
    """
    methods = multiprocessing.get_all_start_methods()
    context: multiprocessing.context.BaseContext
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # The server imports the solvers once; each worker forks from it warm
        # (a no-op once the server runs).
        context.set_forkserver_preload(["logistics.solvers"])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers or usable_cores(), mp_context=context, initializer=_ignore_sigint
    )
    _LIVE_POOLS.add(pool)
    return pool


@contextmanager
def dask_executor(
    scheduler: str | None = None, *, workers: int | None = None
) -> Iterator[Executor]:
    """Yield the executor of a Dask distributed client, closed on exit.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); ``None`` starts a
        ``LocalCluster`` of worker processes with one thread each on this machine.
    workers
        Worker processes of the local cluster (:func:`usable_cores` by default).

    Raises
    ------
    ExecutorError
        When Dask is not installed (``pip install "logistics[dask]"``) or the
        scheduler cannot be reached.
    """
    try:
        # Imported as Any: distributed's annotations are partial (mypy strict).
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        msg = (
            "--executor dask needs dask.distributed: pip install 'logistics[dask]' "
            f"({exc})"
        )
        raise ExecutorError(msg) from None
    # distributed logs at INFO, and warns when a busy worker takes over 4 s to
    # stop at close (it is then killed, harmlessly): only errors reach the user.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    try:
        if scheduler is None:
            cluster = distributed.LocalCluster(
                n_workers=workers or usable_cores(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never a clash
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout=10)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        msg = f"cannot reach the Dask scheduler {scheduler!r}: {exc}"
        raise ExecutorError(msg) from None
    try:
        # pure=False: each job runs; hashing the planning context would cost time.
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _ignore_sigint() -> None:
    """Worker initializer: leave Ctrl-C to the parent, which terminates the workers
    (a worker's own KeyboardInterrupt would print a traceback from an idle worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down now: cancel queued jobs and terminate running workers.

    Futures of running jobs end with ``BrokenProcessPool``. Python 3.14 has
    ``ProcessPoolExecutor.terminate_workers``; before it, the worker processes are
    only reachable through the pool's private ``_processes``.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=1)
    _LIVE_POOLS.discard(pool)


def terminate_local_workers() -> None:
    """Terminate the workers of every live pool made by :func:`local_executor`
    (the command line does so on Ctrl-C, before unwinding)."""
    for pool in list(_LIVE_POOLS):
        terminate_workers(pool)


def map_jobs(
    fn: Callable[[T], R], items: Iterable[T], executor: Executor | None
) -> list[R]:
    """Apply ``fn`` to every item, on ``executor`` when given, else in this process.

    Results come back in the order of ``items``; the first failure is raised.
    """
    jobs = list(items)
    if executor is None or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    try:
        return list(executor.map(fn, jobs))
    except BrokenProcessPool as exc:
        raise ExecutorError(_BROKEN_POOL_HINT) from exc


_BROKEN_POOL_HINT = (
    "a worker process died before finishing its job. When this happens as soon as "
    "the workers start, the calling script most likely lacks an "
    '`if __name__ == "__main__":` guard around its main code: worker processes '
    "(forkserver or spawn) import the script again and must not re-run it."
)
