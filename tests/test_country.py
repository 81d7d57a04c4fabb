"""Country cost profiles: France by default, Germany on request, each cited."""

from __future__ import annotations

import pytest

from logistics.accounting import account
from logistics.comparison import compare
from logistics.country import country_profile, country_profiles
from logistics.exceptions import ScenarioError
from logistics.factors import factors, vehicle_rates
from logistics.report.files import comparison_dict
from logistics.scenario import VehicleType, parse_scenario
from logistics.travel import build_travel

from .conftest import tiny_raw


def test_french_profile_is_the_shipped_factor_table() -> None:
    """The default profile holds the factor table's own prices and the old driver
    default, so French results do not change."""
    table = factors()
    france = country_profile("FR")
    for carrier, price in france.carrier_prices().items():
        assert table.carriers[carrier].price_eur_per_unit == price
    assert (table.country, table.currency, table.driver_eur_per_h) == (
        "FR",
        "EUR",
        13.5,
    )
    assert factors(country="FR") is table


def test_every_profile_is_cited_with_a_url_and_a_year() -> None:
    """Profiles carry their sources like the factor tables: a URL and a year."""
    assert set(country_profiles()) >= {"FR", "DE"}
    for profile in country_profiles().values():
        assert "https://" in profile.source
        assert 2020 <= profile.year <= 2030
        assert profile.assumption


def test_german_profile_prices_energy_and_driver_time() -> None:
    """Under DE, diesel costs 1.72 EUR/L: a class-priced van runs 0.05 EUR/L x its
    litres per km dearer than in France; a type without its own driver cost gets
    the German 14.86 EUR/h, one with its own keeps it."""
    fr, de = factors(), factors(country="DE")
    assert de.carriers["diesel"].price_eur_per_unit == 1.72
    assert de.carriers["electricity_fr"].price_eur_per_unit == 0.3052
    assert "Germany cost profile" in de.carriers["diesel"].note
    van = VehicleType(id="v", capacity_kg=700, emission_class="small_van")
    litres_per_km = float(
        fr.vehicle_class("small_van").energy_per_km(0.5, refrigerated=False)
    )
    fr_rates, de_rates = vehicle_rates(van, fr), vehicle_rates(van, de)
    assert de_rates.running_eur_per_km - fr_rates.running_eur_per_km == (
        pytest.approx(litres_per_km * (1.72 - 1.67))
    )
    assert (fr_rates.driver_eur_per_h, de_rates.driver_eur_per_h) == (13.5, 14.86)
    own = VehicleType(id="w", capacity_kg=700, driver_cost_per_h_eur=20)
    assert vehicle_rates(own, de).driver_eur_per_h == 20


def test_scenario_overrides_win_over_the_profile() -> None:
    """A factors: override of the diesel price beats the country profile."""
    table = factors({"carriers": {"diesel": {"price_eur_per_unit": 2.0}}}, country="DE")
    assert table.carriers["diesel"].price_eur_per_unit == 2.0
    assert table.carriers["petrol"].price_eur_per_unit == 1.79
    assert table.driver_eur_per_h == 14.86


def test_unknown_country_is_refused_naming_the_known_ones() -> None:
    """costs.country must be a shipped profile."""
    raw = tiny_raw()
    raw["costs"] = {"country": "XX"}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(raw)
    assert caught.value.problems == [
        "<scenario>: costs: value {'country': 'XX'}: country must be one of "
        "['DE', 'FR'] (a cost profile of logistics/data/country_costs.csv); got 'XX'"
    ]


def test_german_scenario_costs_driver_hours_at_the_german_wage() -> None:
    """The same plan costs exactly its paid hours x (14.86 - 13.5) more in Germany
    (the tiny scenario's vans give no driver cost and no emission class), and the
    report labels the profile and its currency."""
    french = parse_scenario(tiny_raw())
    raw = tiny_raw()
    raw["costs"] = {"country": "DE"}
    german = parse_scenario(raw)
    travel = build_travel(french)
    result = compare(french, travel=travel, strategies=["separate"], use_cache=False)
    solution = result["separate"].solution
    fr = account(french, solution, travel.matrix)
    de = account(german, solution, travel.matrix)
    assert de.cost_eur - fr.cost_eur == pytest.approx(fr.duration_h * 1.36)
    assert de.co2e_kg == fr.co2e_kg
    report = comparison_dict(result)
    assert report["costs"]["country"] == "FR"
    assert report["costs"]["currency"] == "EUR"
    german_run = compare(german, travel=travel, strategies=["separate"])
    costs = comparison_dict(german_run)["costs"]
    assert (costs["country"], costs["currency"], costs["driver_per_h"]) == (
        "DE",
        "EUR",
        14.86,
    )
