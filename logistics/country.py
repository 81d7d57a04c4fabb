"""Country cost profiles: energy prices, driver wage and currency of a country.

A scenario chooses its profile with ``costs: {country: DE}`` (France by default). The
profile sets the price of the energy carriers of the factor table (diesel, petrol,
electricity) and the driver cost of vehicle types that do not give their own; the
report labels money with its currency. Profiles are rows of
``logistics/data/country_costs.csv``, each with its sources, year and assumptions,
like the factor tables (:mod:`logistics.factors`).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_COUNTRY", "CountryProfile", "country_profile", "country_profiles"]

DEFAULT_COUNTRY = "FR"
"""Profile of a scenario that names none."""

_CSV = "country_costs.csv"
_Price = Annotated[float, Field(gt=0, le=1_000, allow_inf_nan=False)]


class CountryProfile(BaseModel):
    """One row of ``country_costs.csv``.

    Parameters
    ----------
    country
        ISO 3166-1 alpha-2 code, e.g. ``FR``.
    name
        Country name.
    currency
        ISO 4217 code of every amount of money in this profile and in reports.
    diesel_per_l, petrol_per_l
        Pump prices per litre, taxes included.
    electricity_per_kwh
        Price of a kWh for a small business, taxes included.
    driver_per_h
        Cost of an hour of the driver's time, for vehicle types that give none.
    source, year, assumption, note
        Provenance, as for the factor tables.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    diesel_per_l: _Price
    petrol_per_l: _Price
    electricity_per_kwh: _Price
    driver_per_h: _Price
    source: str = Field(min_length=1)
    year: int
    assumption: str
    note: str = ""

    def carrier_prices(self) -> dict[str, float]:
        """Return ``{carrier id of the factor table: price per unit}``."""
        return {
            "diesel": self.diesel_per_l,
            "petrol": self.petrol_per_l,
            "electricity_fr": self.electricity_per_kwh,
        }


@functools.cache
def country_profiles() -> Mapping[str, CountryProfile]:
    """Return every shipped profile by country code (read once, read-only)."""
    path = resources.files("logistics").joinpath("data").joinpath(_CSV)
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    profiles = [CountryProfile.model_validate(row) for row in rows]
    return MappingProxyType({p.country: p for p in profiles})


def country_profile(country: str) -> CountryProfile:
    """Return the profile of ``country`` (an ISO code such as ``DE``).

    Raises
    ------
    ValueError
        If no profile is shipped for it; the message lists the known ones.
    """
    try:
        return country_profiles()[country]
    except KeyError:
        msg = (
            f"country must be one of {sorted(country_profiles())} (a cost profile "
            f"of logistics/data/{_CSV}); got {country!r}"
        )
        raise ValueError(msg) from None
