"""Exception and warning hierarchy of the ``logistics`` package.

Every error the library raises on purpose derives from :class:`LogisticsError`, and each
leaf also derives from the closest built-in exception so callers can catch either.
"""

from __future__ import annotations


class LogisticsError(Exception):
    """Base class of every error raised on purpose by ``logistics``."""


class ScenarioError(LogisticsError, ValueError):
    """A scenario file is missing, unreadable or breaks a validation rule.

    Parameters
    ----------
    problems
        One human-readable message per problem found, each naming the file, the field
        path, the value and the rule.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in scenario:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class UnknownIdError(LogisticsError, KeyError):
    """An id (producer, vehicle type, order, request, site) is unknown where looked up.

    The message names the id and, where short, the known ones.
    """

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument; show the message as written.
        return str(self.args[0]) if self.args else ""


class GeocodingError(LogisticsError, LookupError):
    """Addresses could not be turned into coordinates.

    Parameters
    ----------
    problems
        One message per address without a match or with a low score, and one listing
        the addresses neither cached nor reachable.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} geocoding problem(s):"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class NetworkError(LogisticsError, RuntimeError):
    """The road network cannot be built (missing file, offline download, ...)."""


class SnappingError(NetworkError):
    """A site lies too far from the road network to be reached by it."""


class OutputError(LogisticsError, OSError):
    """Report files cannot be written where asked (folder not writable, disk full).

    The message names the folder and the reason, and says whether anything was
    written (report files are written all or none).
    """

    def __str__(self) -> str:
        # OSError formats (errno, strerror) pairs; show the message as written.
        return str(self.args[0]) if self.args else ""


class SolverError(LogisticsError, RuntimeError):
    """A solver backend failed or returned nothing usable."""


class ExecutorError(LogisticsError, RuntimeError):
    """Work sent to an executor could not run (e.g. a worker process died)."""


class BackendUnavailableError(SolverError):
    """A solver backend is not installed or does not support the model's features."""


class AllocationError(LogisticsError, ValueError):
    """A cost split cannot be computed: a missing coalition value, a bad weight, or
    an LP that fails."""


class InfeasiblePlanError(LogisticsError, AssertionError):
    """The independent feasibility checker rejected a plan.

    Parameters
    ----------
    violations
        One message per violated rule.
    """

    def __init__(self, violations: list[str]) -> None:
        self.violations = list(violations)
        head = f"plan breaks {len(self.violations)} rule(s):"
        super().__init__("\n".join([head, *(f"  - {v}" for v in self.violations[:50])]))


class FallbackWarning(UserWarning):
    """A labelled fallback was used (e.g. geodesic distances instead of roads)."""


class SnappingWarning(UserWarning):
    """A site lies unusually far from its nearest road node."""


class ScalingWarning(UserWarning):
    """Integer scaling for a solver came close to overflow or lost precision."""
