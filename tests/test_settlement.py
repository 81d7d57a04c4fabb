"""Net transfers settling a cost split."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from logistics.exceptions import AllocationError
from logistics.settlement import settle


def _after(balances, transfers):
    left = defaultdict(float, balances)
    for t in transfers:
        assert t.amount_eur > 0
        left[t.payer] -= t.amount_eur
        left[t.payee] += t.amount_eur
    return left


def test_zero_sum_groups_save_a_transfer_over_greedy_pairing():
    """{4, -4} and {3, 2, -5} settle in 3 transfers; largest-first pairing needs 4."""
    balances = {"a": 4.0, "b": 3.0, "c": 2.0, "d": -5.0, "e": -4.0}
    transfers = settle(balances)
    assert len(transfers) == 3
    assert all(abs(v) < 1e-9 for v in _after(balances, transfers).values())
    assert any(t.payer == "a" and t.payee == "e" for t in transfers)


def test_random_balances_are_settled_in_at_most_n_minus_1_transfers():
    """Every balance ends at zero within a cent, with at most n - 1 payments."""
    rng = random.Random(4)
    for _ in range(20):
        n = rng.randint(2, 9)
        raw = [round(rng.uniform(-50, 50), 2) for _ in range(n - 1)]
        balances = {f"p{k}": v for k, v in enumerate(raw)}
        balances[f"p{n - 1}"] = -round(sum(raw), 2)
        transfers = settle(balances)
        assert len(transfers) <= n - 1
        assert all(abs(v) < 0.011 for v in _after(balances, transfers).values())


def test_unbalanced_input_is_refused():
    """Balances that do not add up to zero are an error naming the total."""
    with pytest.raises(AllocationError, match=r"add up to 3\.00 EUR"):
        settle({"a": 5.0, "b": -2.0})
