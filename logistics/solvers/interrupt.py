"""Ctrl-C during a search in C++ that never returns to Python on its own.

OR-Tools' routing search runs in C++ and holds the GIL: Python's SIGINT handler (and
any watcher thread) only runs once the search returns, at the end of its budget. The
watch here swaps in a handler that just notes the signal, hands the search a cheap
Python check (OR-Tools calls it at each limit check, and running Python code lets the
handler run), and, once the search has stopped, passes the signal on to the handler
it replaced (by default: raise :class:`KeyboardInterrupt`).
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType, TracebackType

__all__ = ["InterruptWatch"]


class InterruptWatch:
    """Note SIGINT while a native search runs; re-deliver it when the watch ends.

    Only active in the main thread (the only one Python signal handlers run in) and
    when SIGINT has a Python handler: a worker that ignores SIGINT (race workers are
    stopped by their parent) gets no watch and pays nothing.

    Examples
    --------
    >>> with InterruptWatch() as watch:  # doctest: +SKIP
    ...     search(stop_when=watch.interrupted)
    """

    def __init__(self) -> None:
        self._hits: list[FrameType | None] = []
        self._previous: Any = None
        self.active = False

    def interrupted(self) -> bool:
        """Whether SIGINT arrived since the watch began (the search's stop test)."""
        return bool(self._hits)

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self._hits.append(frame)

    def __enter__(self) -> InterruptWatch:
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if callable(previous):
            self._previous = previous
            signal.signal(signal.SIGINT, self._note)
            self.active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.active:
            return
        signal.signal(signal.SIGINT, self._previous)
        self.active = False
        if self._hits:
            # Usually raises KeyboardInterrupt, which replaces any error of the
            # stopped search: the user asked to stop.
            self._previous(signal.SIGINT, self._hits[0])
