"""Units and scale factors shared by the pipeline.

The solvers work on integers. Everything handed to them goes through these scales so a
single place documents the precision:

- distances are integer **metres**;
- durations and times of day are integer **seconds** (times of day counted from
  midnight);
- money is integer **micro-euros** (``COST_SCALE`` units per euro), so that a per-second
  driver cost of 15 €/h (4,167 µ€/s) keeps four significant digits;
- quantities are integer **grams** for mass and whole crates.
"""

from __future__ import annotations

VERSION = "0.1.0"
"""Package version; part of every cache key."""

COST_SCALE = 1_000_000
"""Solver cost units per euro (micro-euros)."""

MASS_SCALE = 1_000
"""Solver mass units per kilogram (grams)."""

SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400

UNSERVED_PENALTY_EUR = 10_000.0
"""Objective penalty for leaving one order unserved.

Far above any route's cost so that the solver drops an order only when it cannot be
served at all.
"""

SNAP_WARN_M = 300.0
"""A site farther than this from its nearest road node triggers a warning.

The warning is a :class:`SnappingWarning`.
"""

SNAP_ERROR_M = 3_000.0
"""A site farther than this from its nearest road node is outside the network.

Such a site is an error.
"""

SOLVER_RESULTS_VERSION = 17
"""Version of everything in this package that changes a solver's plan for a given
problem and settings (model building, backend translation, search policy). Bump it with
such a change: it keys the plan store, so stored plans of an older version are not
reused. Editing docstrings, reports or accounting does not change it."""
