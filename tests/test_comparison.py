"""Comparison: strategies by name, typed savings, the plan store on reruns."""

from __future__ import annotations

import pytest

from logistics.comparison import compare
from logistics.exceptions import UnknownIdError
from logistics.report import summary_text
from logistics.travel import build_travel


def test_savings_are_baseline_minus_strategy(three_farms) -> None:
    """Savings are separate minus pooled, in absolute and percent terms."""
    result = compare(three_farms, travel=build_travel(three_farms), use_cache=False)
    assert result.baseline == "separate"
    assert result.strategies == ("separate", "pooled")
    sep, poo = result["separate"].account, result["pooled"].account
    saving = result.savings["pooled"]
    assert saving.distance_km == sep.distance_km - poo.distance_km
    assert saving.cost_pct == pytest.approx(
        100 * (sep.cost_eur - poo.cost_eur) / sep.cost_eur
    )
    assert saving.vehicles_used == sep.vehicles_used - poo.vehicles_used
    assert "Distance (km)" in summary_text(result)


def test_unknown_strategy_fails_before_any_work(three_farms) -> None:
    """A misspelt strategy name is refused with the known names."""
    with pytest.raises(UnknownIdError, match="unknown strategy 'pooling'"):
        compare(three_farms, strategies=["separate", "pooling"])


def test_rerun_reuses_stored_plans(three_farms, monkeypatch) -> None:
    """A second identical run takes its plans from the store: no solver runs."""
    travel = build_travel(three_farms)
    first = compare(three_farms, travel=travel)

    def no_solving(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("solver called although the plan was stored")

    import logistics.strategies.base as base

    monkeypatch.setattr(base, "solve", no_solving)
    second = compare(three_farms, travel=travel)
    for name in first.strategies:
        assert second[name].solution.routes == first[name].solution.routes
        assert second[name].solution.unserved == first[name].solution.unserved
