"""Who pays whom: net transfers settling a cost split with the fewest payments.

After a pooled day, each vehicle's owner has borne its route's cost (fuel, driver
time, the van's day) and each producer owes its allocated share. A party's balance is
what it owes minus what it bore; the transfers move money from positive to negative
balances. The fewest transfers for n parties with non-zero balance is n minus the
largest number of disjoint groups whose balances add up to zero (each group settles
within itself with one transfer fewer than its size): :func:`settle` finds those
groups exactly by a dynamic programme over subsets (up to 16 parties, in whole cents)
and pairs the largest debtor with the largest creditor inside each group; beyond 16
parties, the same pairing over everyone (at most n - 1 transfers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .exceptions import AllocationError

__all__ = ["Transfer", "settle"]

EXACT_PARTIES = 16
"""Most parties with a non-zero balance settled by the exact programme (2^16 states)."""


@dataclass(frozen=True)
class Transfer:
    """One payment: ``payer`` gives ``amount_eur`` to ``payee``."""

    payer: str
    payee: str
    amount_eur: float


def settle(balances: Mapping[str, float]) -> tuple[Transfer, ...]:
    """Return the transfers that bring every balance to zero, as few as possible.

    Parameters
    ----------
    balances
        Amount each party owes (positive) or is owed (negative), in euros; they must
        add up to zero within a cent per party.

    Raises
    ------
    AllocationError
        When the balances do not add up to zero.
    """
    cents = _to_cents(balances)
    parties = [p for p in sorted(cents) if cents[p] != 0]
    if len(parties) <= EXACT_PARTIES:
        groups = _zero_sum_groups(parties, cents)
    else:
        groups = [parties]
    transfers = [t for g in groups for t in _pair_off(g, cents)]
    return tuple(transfers)


def _to_cents(balances: Mapping[str, float]) -> dict[str, int]:
    """Balances in whole cents, the rounding residue given to the largest debtor."""
    total = sum(balances.values())
    if abs(total) > 0.01 * max(1, len(balances)):
        msg = f"balances must add up to zero; they add up to {total:.2f} EUR"
        raise AllocationError(msg)
    cents = {p: round(b * 100) for p, b in balances.items()}
    residue = sum(cents.values())
    if residue and cents:
        top = max(sorted(cents), key=lambda p: cents[p])
        cents[top] -= residue
    return cents


def _zero_sum_groups(
    parties: Sequence[str], cents: Mapping[str, int]
) -> list[list[str]]:
    """Split the parties into the most disjoint groups of zero total (exact DP).

    best[mask] = the most zero-sum groups a chain of masks ending in ``mask`` can
    close: add parties one at a time; each time the running set sums to zero a group
    closes. The sets where the chain closes a group, in order, are the groups.
    """
    n = len(parties)
    if n == 0:
        return []
    sums = [0] * (1 << n)
    for mask in range(1, 1 << n):
        low = (mask & -mask).bit_length() - 1
        sums[mask] = sums[mask & (mask - 1)] + cents[parties[low]]
    best = [0] * (1 << n)
    came = [0] * (1 << n)
    for mask in range(1, 1 << n):
        top, prev = -1, 0
        bits = mask
        while bits:
            bit = bits & -bits
            bits ^= bit
            if best[mask ^ bit] > top:
                top, prev = best[mask ^ bit], mask ^ bit
        best[mask] = top + (1 if sums[mask] == 0 else 0)
        came[mask] = prev
    groups: list[list[str]] = []
    mask, end = (1 << n) - 1, (1 << n) - 1
    while mask:
        prev = came[mask]
        if sums[prev] == 0:  # the chain closed a group between prev and end
            group = end ^ prev
            groups.append([parties[k] for k in range(n) if group >> k & 1])
            end = prev
        mask = prev
    return groups[::-1]


def _pair_off(group: Sequence[str], cents: Mapping[str, int]) -> list[Transfer]:
    """Largest debtor pays largest creditor until the group is settled."""
    left = {p: cents[p] for p in group}
    out: list[Transfer] = []
    while True:
        debtors = sorted((p for p in left if left[p] > 0), key=lambda p: (-left[p], p))
        creditors = sorted((p for p in left if left[p] < 0), key=lambda p: (left[p], p))
        if not debtors or not creditors:
            return out
        d, c = debtors[0], creditors[0]
        amount = min(left[d], -left[c])
        out.append(Transfer(d, c, amount / 100))
        left[d] -= amount
        left[c] += amount
