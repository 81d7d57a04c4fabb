"""Repair of coalition values: monotone and subadditive c from derived, checked plans.

The searches of :mod:`logistics.coalitions` are heuristic and cheap, so a larger
coalition's search may find a plan that a smaller coalition's search missed:
c(T - {i}) > c(T) (not monotone), or c(A + B) > c(A) + c(B) for disjoint A, B
(not subadditive). :func:`repair_values` removes such gaps with plans derived from
the better ones, never with numbers alone:

- **Downward (monotonicity).** For T and i in T with c(T - {i}) > c(T), T's plan with
  i's orders taken out: each route keeps the order of its remaining visits (a route
  left empty is dropped, an emptied trip merged into the next), is re-scheduled on
  T - {i}'s problem, checked by the independent checker against T - {i}'s fleet and
  priced; kept when cheaper, labelled ``"derived from S + <i>"``. A route still
  carrying others' orders on a vehicle T - {i}'s fleet does not have (i's own van)
  is moved to a vehicle of T - {i}'s fleet that the plan leaves unused (same type
  first; at most :data:`MOVES_TRIED` assignments, the first the checker accepts),
  labelled ``"derived from S + <i> (<i's van>'s route on <vehicle>)"``; with no
  such vehicle, or none accepted, that pair is left as it is.
- **Upward (subadditivity).** For S and every split S = A + B with c(A) + c(B) <
  c(S), the union of A's and B's plans (when their vehicles do not clash), checked
  against S's fleet and priced; the cheapest union that passes is kept, labelled
  ``"union of <A> and <B>"``.

A repaired value can open another repair (a cheaper T - {i} makes a cheaper union
above it, a cheaper union makes a larger coalition cheaper than one of its subsets),
so the two passes alternate until nothing changes, at most ``max_rounds`` times
(:data:`MAX_ROUNDS`). Every value changes only to a strictly cheaper, checked plan,
so the rounds stop; the bound only caps the work. Nothing is solved: a round costs
evaluations and checks. Coalitions are visited in a fixed order (by size, then by
scenario positions), so the result does not depend on set iteration order.

The upward pass looks at every split of every valued coalition whose two parts are
valued: 3^n / 2 comparisons for a complete game of n producers (about 2.4 million
for 14), cheap next to the solves.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .checker import check_solution
from .coalitions import STRATEGY, Coalition, CoalitionValue, price_solution
from .factors import OutsourcingTariff, outsourcing_tariff
from .solution import Route, Solution, Stop, merge_solutions, to_solution
from .strategies import get_strategy, plan_from_solution

if TYPE_CHECKING:
    from .context import PlanningContext
    from .fleet import FleetVehicle
    from .problem import RoutingProblem

__all__ = ["MAX_ROUNDS", "GameRepair", "repair_values"]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 10
"""Most rounds of downward then upward repair (a fixed point usually comes in 2)."""

MOVES_TRIED = 12
"""Most assignments of i's routes to free vehicles tried for one pair (T, i)."""

IMPROVEMENT_EUR = 1e-3
"""A derived plan replaces a value only when cheaper by more than this (so that
rounding cannot make the passes cycle)."""


@dataclass(frozen=True)
class GameRepair:
    """What :func:`repair_values` changed.

    Attributes
    ----------
    derived
        Values improved by the downward repair (a larger coalition's plan without
        one producer's orders).
    unions
        Values improved by the upward repair (the union of two parts' plans).
    rounds
        Rounds run (the last changed nothing unless ``max_rounds`` was reached).
    fixed_point
        True when the last round changed nothing.
    not_derivable
        Pairs (T, i) with c(T - {i}) > c(T) left as they are after the last round:
        the plan of T without i's orders is not a plan of T - {i} (a route on i's
        vehicle carries others' orders and no free vehicle of T - {i} takes it) or
        the checker rejects it.
    rejected
        Derived or united plans the checker rejected (never kept).
    """

    derived: int = 0
    unions: int = 0
    rounds: int = 0
    fixed_point: bool = True
    not_derivable: int = 0
    rejected: int = 0


def repair_values(
    context: PlanningContext,
    values: Mapping[Coalition, CoalitionValue],
    *,
    max_rounds: int = MAX_ROUNDS,
    upward: bool = True,
    move_routes: bool = True,
) -> tuple[dict[Coalition, CoalitionValue], GameRepair]:
    """Make c monotone and subadditive where derived, checked plans allow it.

    Parameters
    ----------
    context
        The planning context the values were computed in.
    values
        c(S) by coalition (any set of coalitions; pairs with a missing side are
        skipped).
    max_rounds
        Most rounds of downward then upward repair.
    upward
        False: the downward repair alone (monotonicity only).
    move_routes
        Let the downward repair move a route left on i's own vehicle to a vehicle
        of S that the plan leaves unused (False: such a pair is not derivable).

    Returns
    -------
    dict, GameRepair
        The values (improved ones replaced, each with its checked plan) and what
        changed.
    """
    if max_rounds < 1:
        msg = f"max_rounds must be >= 1; got {max_rounds!r}"
        raise ValueError(msg)
    work = _Work(context, dict(values), move_routes=move_routes)
    derived = unions = rounds = 0
    changed = True
    while changed and rounds < max_rounds:
        rounds += 1
        down = work.downward()
        up = work.upward() if upward else 0
        derived, unions = derived + down, unions + up
        changed = bool(down or up)
    report = GameRepair(
        derived=derived,
        unions=unions,
        rounds=rounds,
        fixed_point=not changed,
        not_derivable=work.not_derivable(),
        rejected=work.rejected,
    )
    if derived or unions:
        logger.info("coalition values repaired: %s", report)
    return work.values, report


class _Work:
    """The values being repaired, with the problems and fleets built so far."""

    def __init__(
        self,
        context: PlanningContext,
        values: dict[Coalition, CoalitionValue],
        *,
        move_routes: bool = True,
    ) -> None:
        self.context = context
        self.move_routes = move_routes
        self.values = values
        self.rejected = 0
        self.position = {p: k for k, p in enumerate(context.producer_ids)}
        self.tariff: OutsourcingTariff = outsourcing_tariff()
        self._problems: dict[
            Coalition, tuple[RoutingProblem, tuple[FleetVehicle, ...], list[str]]
        ] = {}
        self._orders = {
            p: frozenset(o.id for o in context.orders_of([p]))
            for p in context.producer_ids
        }

    # -- ordering and problems ---------------------------------------------------

    def ordered(self, members: Coalition) -> list[str]:
        """Members in scenario order."""
        return sorted(members, key=self.position.__getitem__)

    def key(self, members: Coalition) -> tuple[int, tuple[int, ...]]:
        """Sort key: size, then scenario positions."""
        return len(members), tuple(sorted(self.position[p] for p in members))

    def problem(
        self, members: Coalition
    ) -> tuple[RoutingProblem, tuple[FleetVehicle, ...], list[str]]:
        """S's routing problem, fleet and ordered members (as the solves built them)."""
        if members not in self._problems:
            ordered = self.ordered(members)
            fleet = tuple(get_strategy(STRATEGY).fleet(self.context, ordered))
            name = f"{self.context.scenario.name} / " + "+".join(ordered)
            problem = self.context.problem(ordered, fleet, name=name)
            self._problems[members] = (problem, fleet, ordered)
        return self._problems[members]

    def checked(self, members: Coalition, solution: Solution) -> bool:
        """True when the checker accepts ``solution`` for S (else counted)."""
        _, fleet, ordered = self.problem(members)
        errors = check_solution(
            self.context.scenario,
            self.context,
            solution,
            fleet=fleet,
            producers=ordered,
        )
        if errors:
            self.rejected += 1
            logger.debug("repair candidate for %s rejected: %s", ordered, errors[:3])
        return not errors

    def keep(self, members: Coalition, solution: Solution, label: str) -> None:
        """Replace S's value by the priced ``solution`` (the solve's record kept)."""
        old = self.values[members]
        new = price_solution(self.context, self.tariff, members, solution, label)
        self.values[members] = replace(
            new, time_bound=old.time_bound, wall_time_s=old.wall_time_s
        )

    # -- downward: T's plan without i --------------------------------------------

    def downward(self) -> int:
        """One pass, larger coalitions first; returns the values improved."""
        improved = 0
        for t in sorted(self.values, key=self.key, reverse=True):
            if len(t) < 2:
                continue
            for i in self.ordered(t):
                s = t - {i}
                if s not in self.values:
                    continue
                c_t = self.values[t].cost_eur
                if self.values[s].cost_eur <= c_t + IMPROVEMENT_EUR:
                    continue
                for label, derived in self.without(t, i):
                    if not self.checked(s, derived):
                        continue
                    priced = price_solution(
                        self.context, self.tariff, s, derived, label
                    )
                    if priced.cost_eur < self.values[s].cost_eur - IMPROVEMENT_EUR:
                        self.keep(s, derived, label)
                        improved += 1
                    break  # the first checked derivation, cheaper or not
        return improved

    def without(self, t: Coalition, i: str) -> Iterator[tuple[str, Solution]]:
        """T's plan with i's orders taken out, re-scheduled on T - {i}'s problem,
        labelled. When routes left non-empty run on i's vehicles (not in T - {i}'s
        fleet) and ``self.move_routes``, each is moved to a vehicle of T - {i}'s
        fleet that T's plan leaves unused (same type first, then fleet order): one
        candidate per assignment, at most :data:`MOVES_TRIED`; else none."""
        s = t - {i}
        problem, fleet, _ = self.problem(s)
        removed = self._orders[i]
        source = self.values[t].solution
        routes = [r for r in (_strip(route, removed) for route in source.routes) if r]
        label = f"derived from S + {i}"
        ids = {v.id for v in fleet}
        orphans = [k for k, r in enumerate(routes) if r.vehicle not in ids]
        if not orphans:
            solution = self._scheduled(problem, source, routes, removed)
            if solution is not None:
                yield label, solution
            return
        if not self.move_routes:
            return
        used = {r.vehicle for r in routes}
        first_type = routes[orphans[0]].vehicle_type
        free = sorted(
            (v for v in fleet if v.id not in used),
            key=lambda v: v.type != first_type,  # stable: fleet order otherwise
        )
        assignments = itertools.permutations(free, len(orphans))
        for chosen in itertools.islice(assignments, MOVES_TRIED):
            moved = list(routes)
            for k, vehicle in zip(orphans, chosen, strict=True):
                moved[k] = replace(routes[k], vehicle=vehicle.id)
            note = ", ".join(
                f"{routes[k].vehicle}'s route on {v.id}"
                for k, v in zip(orphans, chosen, strict=True)
            )
            solution = self._scheduled(problem, source, moved, removed)
            if solution is not None:
                yield f"{label} ({note})", solution

    def _scheduled(
        self,
        problem: RoutingProblem,
        source: Solution,
        routes: Sequence[Route],
        removed: frozenset[str],
    ) -> Solution | None:
        """``routes`` as a plan of ``problem``, re-scheduled (None when they are
        not one)."""
        kept = Solution(
            strategy=STRATEGY,
            routes=tuple(routes),
            unserved=tuple(u for u in source.unserved if u.order not in removed),
            objective=0.0,
            backend=source.backend,
            wall_time_s=0.0,
        )
        plan = plan_from_solution(problem, kept)
        if plan is None:
            return None
        return to_solution(self.context.scenario, problem, plan, strategy=STRATEGY)

    def not_derivable(self) -> int:
        """Pairs (T, i) still with c(T - {i}) > c(T) (see :class:`GameRepair`)."""
        return sum(
            1
            for t, v in self.values.items()
            for i in t
            if (s := t - {i}) in self.values
            and self.values[s].cost_eur > v.cost_eur + IMPROVEMENT_EUR
        )

    # -- upward: unions of two parts ---------------------------------------------

    def upward(self) -> int:
        """One pass, smaller coalitions first; returns the values improved."""
        improved = 0
        for s in sorted(self.values, key=self.key):
            if len(s) < 2:
                continue
            c_s = self.values[s].cost_eur
            splits = sorted(
                (
                    (self.values[a].cost_eur + self.values[s - a].cost_eur, k, a)
                    for k, a in enumerate(self.parts(s))
                    if a in self.values and s - a in self.values
                ),
                key=lambda item: (item[0], item[1]),
            )
            for cost, _, a in splits:
                if cost >= c_s - IMPROVEMENT_EUR:
                    break
                union = self.union(s, a)
                if union is not None:
                    self.keep(s, union, self.union_label(a, s - a))
                    improved += 1
                    break
        return improved

    def parts(self, s: Coalition) -> list[Coalition]:
        """Each split of S into two non-empty parts once: the part A holding S's
        first member (scenario order), in a fixed order."""
        ordered = self.ordered(s)
        first, rest = ordered[0], ordered[1:]
        found = []
        for mask in range(2 ** len(rest) - 1):  # all of rest would leave B empty
            found.append(
                frozenset([first, *(p for k, p in enumerate(rest) if mask >> k & 1)])
            )
        return found

    def union(self, s: Coalition, a: Coalition) -> Solution | None:
        """The union of A's and (S - A)'s plans, if a checked plan of S."""
        left, right = self.values[a].solution, self.values[s - a].solution
        used = {r.vehicle for r in left.routes}
        if any(r.vehicle in used for r in right.routes):
            return None
        union = merge_solutions(STRATEGY, [left, right])
        problem, _, _ = self.problem(s)
        if plan_from_solution(problem, union) is None:
            return None
        return union if self.checked(s, union) else None

    def union_label(self, a: Coalition, b: Coalition) -> str:
        """``"union of p1+p2 and p3"`` in scenario order."""
        return f"union of {'+'.join(self.ordered(a))} and {'+'.join(self.ordered(b))}"


def _strip(route: Route, removed: frozenset[str]) -> Route | None:
    """``route`` without the stops of ``removed`` orders (times left stale: the
    caller re-schedules), None when no order is left. A return to base that no
    longer separates two trips with visits is dropped."""
    stops = [s for s in route.stops if s.order is None or s.order not in removed]
    if not any(s.order is not None for s in stops):
        return None
    kept: list[Stop] = []
    for stop in stops:
        if stop.type == "base" and not _visits_since_base(kept):
            continue  # an emptied trip: nothing was delivered since the last start
        kept.append(stop)
    return replace(route, stops=tuple(kept))


def _visits_since_base(stops: Sequence[Stop]) -> bool:
    """True when an order stop follows the last start or base stop."""
    for stop in reversed(stops):
        if stop.order is not None:
            return True
        if stop.type in ("start", "base"):
            return False
    return False
