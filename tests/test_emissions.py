"""Tests of the GLEC / ISO 14083 emission and cost layer (``logistics.emissions``).

Hand computations use the shipped defaults (see ``docs/emissions.md``):

- ``van_3t5_diesel``: 0.094 L/km empty, 0.106 L/km full, payload 1,200 kg, +15 % reefer,
  maintenance 0.28 EUR/km;
- ``van_3t5_electric``: 0.25 kWh/km empty, 0.28 kWh/km full, payload 1,000 kg;
- diesel: WTW 3.16 = WTT 0.67 + TTW 2.49 kg CO2e/L, 1.67 EUR/L;
- electricity_fr: WTW 0.053 = WTT 0.053 + TTW 0 kg CO2e/kWh.
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.emissions import Legs, RouteEmissions, allocate_iso14083, route_emissions
from logistics.factors import FactorTable, factors


def _leg(distance_km, load_kg, capacity_kg, vehicle_class, *, refrigerated, table=None):  # type: ignore[no-untyped-def]
    """One leg as a route of one leg."""
    return route_emissions(
        [distance_km],
        [load_kg],
        capacity_kg,
        vehicle_class,
        refrigerated=refrigerated,
        table=table,
    )


def leg_energy(*args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    """Energy of one leg."""
    return _leg(*args, **kwargs).energy


def leg_co2e_kg(*args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    """WTW kg CO2e of one leg."""
    return _leg(*args, **kwargs).co2e_kg


def leg_co2e_split(*args, **kwargs) -> RouteEmissions:  # type: ignore[no-untyped-def]
    """The route of one leg, with its WTW/WTT/TTW totals."""
    return _leg(*args, **kwargs)


def leg_cost_eur(*args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    """Running cost (energy + maintenance) of one leg."""
    return _leg(*args, **kwargs).running_cost_eur


VAN = "van_3t5_diesel"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "emissions.md"

# Worked example of docs/emissions.md: one diesel 3.5 t van, three orders.
EXAMPLE_LEGS_KM = [12.0, 25.0, 3.0, 30.0]
EXAMPLE_LOADS_KG = [300.0, 600.0, 100.0, 0.0]
EXAMPLE_ORDERS = ["o1", "o2", "o3"]
EXAMPLE_MASS_KG = [300.0, 200.0, 100.0]
EXAMPLE_SFD_KM = [32.0, 25.0, 26.0]
EXAMPLE_RIDDEN_KM = [37.0, 25.0, 28.0]  # distance each order actually rode


def test_empty_diesel_van_over_10_km() -> None:
    """An empty van uses the empty rate: 10 km x 0.094 L/km."""
    # energy = 10 x 0.094 = 0.94 L
    # WTW = 0.94 x 3.16 = 2.9704 kg
    # WTT = 0.94 x 0.67 = 0.6298 kg; TTW = 0.94 x 2.49 = 2.3406 kg
    assert leg_energy(10, 0, 1200, VAN, refrigerated=False) == pytest.approx(0.94)
    split = leg_co2e_split(10, 0, 1200, VAN, refrigerated=False)
    assert split.co2e_kg == pytest.approx(2.9704)
    assert split.wtt_co2e_kg == pytest.approx(0.6298)
    assert split.ttw_co2e_kg == pytest.approx(2.3406)
    assert split.wtt_co2e_kg + split.ttw_co2e_kg == pytest.approx(split.co2e_kg)


def test_full_diesel_van_over_10_km() -> None:
    """A full van uses the full rate: 10 km x 0.106 L/km."""
    # energy = 10 x 0.106 = 1.06 L; WTW = 1.06 x 3.16 = 3.3496 kg
    assert leg_energy(10, 1200, 1200, VAN, refrigerated=False) == pytest.approx(1.06)
    assert leg_co2e_kg(10, 1200, 1200, VAN, refrigerated=False) == pytest.approx(3.3496)


def test_half_loaded_diesel_van_is_the_linear_midpoint() -> None:
    """Energy is linear in load: half load gives the mean of empty and full."""
    # 0.094 + (0.106 - 0.094) x 600/1200 = 0.100 L/km -> 1.00 L over 10 km
    assert leg_energy(10, 600, 1200, VAN, refrigerated=False) == pytest.approx(1.0)
    # capacity_kg=None takes the class payload (1,200 kg)
    assert leg_energy(10, 600, None, VAN, refrigerated=False) == pytest.approx(1.0)


def test_refrigerated_diesel_van_gets_the_reefer_uplift() -> None:
    """Refrigeration multiplies energy by 1 + 15 % for a van."""
    # full: 1.06 L x 1.15 = 1.219 L; WTW = 1.219 x 3.16 = 3.85204 kg
    assert leg_energy(10, 1200, 1200, VAN, refrigerated=True) == pytest.approx(1.219)
    assert leg_co2e_kg(10, 1200, 1200, VAN, refrigerated=True) == pytest.approx(3.85204)
    # empty: 0.94 L x 1.15 = 1.081 L; WTW = 1.081 x 3.16 = 3.41596 kg
    assert leg_co2e_kg(10, 0, 1200, VAN, refrigerated=True) == pytest.approx(3.41596)


def test_electric_van_emissions_are_all_upstream() -> None:
    """A half-loaded e-van emits only WTT (power generation), no TTW."""
    # 0.25 + (0.28 - 0.25) x 500/1000 = 0.265 kWh/km -> 2.65 kWh over 10 km
    # WTW = 2.65 x 0.053 = 0.14045 kg = WTT; TTW = 0
    energy = leg_energy(10, 500, 1000, "van_3t5_electric", refrigerated=False)
    assert energy == pytest.approx(2.65)
    split = leg_co2e_split(10, 500, 1000, "van_3t5_electric", refrigerated=False)
    assert split.co2e_kg == pytest.approx(0.14045)
    assert split.wtt_co2e_kg == pytest.approx(0.14045)
    assert split.ttw_co2e_kg == 0


def test_cargo_bike_without_motor_uses_no_energy() -> None:
    """A cargo bike without motor has zero energy, CO2e and energy cost."""
    assert leg_energy(15, 80, 100, "cargo_bike", refrigerated=True) == 0
    assert leg_co2e_kg(15, 80, 100, "cargo_bike", refrigerated=False) == 0
    # only wear: 15 km x 0.03 EUR/km = 0.45 EUR
    assert leg_cost_eur(15, 80, 100, "cargo_bike", refrigerated=False) == (
        pytest.approx(0.45)
    )


def test_leg_cost_is_energy_times_price_plus_maintenance() -> None:
    """Running cost of an empty 10 km van leg."""
    # 0.94 L x 1.67 EUR/L + 0.28 EUR/km x 10 km = 1.5698 + 2.80 = 4.3698 EUR
    assert leg_cost_eur(10, 0, 1200, VAN, refrigerated=False) == pytest.approx(4.3698)


def test_worked_example_route_matches_the_method_document() -> None:
    """The route of docs/emissions.md gives the figures printed there."""
    route = route_emissions(
        EXAMPLE_LEGS_KM, EXAMPLE_LOADS_KG, 1200, VAN, refrigerated=False
    )
    # per km: 0.094 + 0.012 x (0.25, 0.5, 1/12, 0) = 0.097, 0.100, 0.095, 0.094 L/km
    # legs: 12 x 0.097 = 1.164; 25 x 0.100 = 2.500; 3 x 0.095 = 0.285;
    #       30 x 0.094 = 2.820 L
    assert route.leg_energy.tolist() == pytest.approx([1.164, 2.5, 0.285, 2.82])
    # total 6.769 L; WTW 6.769 x 3.16 = 21.39004 kg;
    # WTT 6.769 x 0.67 = 4.53523 kg; TTW 6.769 x 2.49 = 16.85481 kg
    assert route.energy == pytest.approx(6.769)
    assert route.co2e_kg == pytest.approx(21.39004)
    assert route.wtt_co2e_kg == pytest.approx(4.53523)
    assert route.ttw_co2e_kg == pytest.approx(16.85481)
    # t·km = 0.3 x 12 + 0.6 x 25 + 0.1 x 3 + 0 x 30 = 18.9; capacity 1.2 t x 70 km = 84
    legs = route.legs
    assert legs.total_km == pytest.approx(70)
    assert legs.tonne_km == pytest.approx(18.9)
    assert legs.capacity_tonne_km == pytest.approx(84)
    assert legs.load_factor == pytest.approx(0.225)  # 18.9 / 84
    assert legs.empty_running_share == pytest.approx(30 / 70)
    # energy cost 6.769 x 1.67 = 11.30423; + maintenance 0.28 x 70 = 19.60 -> 30.90423
    assert route.energy_cost_eur == pytest.approx(11.30423)
    assert route.running_cost_eur == pytest.approx(30.90423)


def test_route_arrays_are_read_only() -> None:
    """Per-leg arrays of a RouteEmissions cannot be changed in place."""
    route = route_emissions([1.0], [0.0], 1200, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="read-only"):
        route.leg_energy[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        route.legs.load_kg[0] = 0.0


def test_allocation_over_three_orders_uses_mass_times_sfd() -> None:
    """The worked example's allocation: shares 9600 : 5000 : 2600 of 17200."""
    total = 21.39004
    # weights m x SFD: 300 x 32 = 9600; 200 x 25 = 5000; 100 x 26 = 2600; sum 17200
    # o1 = 21.39004 x 9600/17200 = 11.938627; o2 = x 5000/17200 = 6.218035;
    # o3 = x 2600/17200 = 3.233378
    shares = allocate_iso14083(total, EXAMPLE_ORDERS, EXAMPLE_MASS_KG, EXAMPLE_SFD_KM)
    assert list(shares) == EXAMPLE_ORDERS
    assert shares["o1"] == pytest.approx(11.938627, abs=1e-6)
    assert shares["o2"] == pytest.approx(6.218035, abs=1e-6)
    assert shares["o3"] == pytest.approx(3.233378, abs=1e-6)
    assert math.isclose(sum(shares.values()), total, rel_tol=1e-9)


def test_allocation_is_not_proportional_to_the_detour_actually_ridden() -> None:
    """Order 1 rode 37 km via another farm, but is charged on its 32 km SFD."""
    total = 21.39004
    shares = allocate_iso14083(total, EXAMPLE_ORDERS, EXAMPLE_MASS_KG, EXAMPLE_SFD_KM)
    # By ridden distance o1 would get 300 x 37 / (11100 + 5000 + 2800) = 0.5873 of it.
    by_ridden = allocate_iso14083(
        total, EXAMPLE_ORDERS, EXAMPLE_MASS_KG, EXAMPLE_RIDDEN_KM
    )
    assert by_ridden["o1"] == pytest.approx(total * 11100 / 18900)
    assert shares["o1"] == pytest.approx(total * 9600 / 17200)
    assert shares["o1"] < by_ridden["o1"]


def test_allocation_falls_back_to_mass_then_equal_split() -> None:
    """With every SFD zero the split is by mass; with every mass zero, equal."""
    assert allocate_iso14083(9.0, ["a", "b"], [1.0, 2.0], [0.0, 0.0]) == (
        pytest.approx({"a": 3.0, "b": 6.0})
    )
    assert allocate_iso14083(9.0, ["a", "b", "c"], [0, 0, 0], [5, 0, 1]) == (
        pytest.approx({"a": 3.0, "b": 3.0, "c": 3.0})
    )
    assert allocate_iso14083(0.0, [], [], []) == {}


def test_allocation_rejects_bad_inputs() -> None:
    """Repeated ids, negative masses, mismatched lengths and no orders raise."""
    with pytest.raises(ValueError, match="unique"):
        allocate_iso14083(1.0, ["a", "a"], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="order_mass_kg"):
        allocate_iso14083(1.0, ["a"], [-1], [1])
    with pytest.raises(ValueError, match="equal lengths"):
        allocate_iso14083(1.0, ["a", "b"], [1], [1])
    with pytest.raises(ValueError, match="no orders"):
        allocate_iso14083(1.0, [], [], [])


def test_overload_raises_instead_of_clipping() -> None:
    """A load above the capacity is an error, not silently clipped."""
    with pytest.raises(ValueError, match=r"load_kg of leg 0 must be <= capacity_kg"):
        leg_energy(10, 1200.5, 1200, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="leg 1"):
        route_emissions([1, 1], [0, 1300], 1200, VAN, refrigerated=False)
    # float noise of summed order masses (well under a milligram) is tolerated
    noisy = 0.1 + 0.2 + 1199.7  # == 1200.0000000000002
    assert leg_energy(10, noisy, 1200, VAN, refrigerated=False) == pytest.approx(1.06)


def test_negative_or_invalid_leg_inputs_raise() -> None:
    """Negative distance or load, zero capacity and length mismatches raise."""
    with pytest.raises(ValueError, match="distance_km"):
        leg_energy(-1, 0, 1200, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="load_kg of leg 0 must be finite and >= 0"):
        leg_energy(1, -5, 1200, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="capacity_kg must be > 0"):
        leg_energy(1, 0, 0, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="equal lengths"):
        route_emissions([1, 2], [0], 1200, VAN, refrigerated=False)
    with pytest.raises(ValueError, match="vehicle_class must be one of"):
        leg_energy(1, 0, 1200, "hovercraft", refrigerated=False)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"vehicle_class": {}}, "vehicle_class"),
        ({"vehicle_classes": {"van_9t": {"payload_kg": 1}}}, "van_9t"),
        ({"vehicle_classes": {VAN: {"fuel_per_km": 0.1}}}, "fuel_per_km"),
        ({"carriers": {"hydrogen": {"price_eur_per_unit": 1}}}, "hydrogen"),
        ({"carriers": {"diesel": {"wtw": 3.0}}}, "wtw"),
        ({"carriers": {"diesel": {"carrier": "gazole"}}}, "carrier"),
    ],
)
def test_unknown_override_key_raises(overrides: dict[str, object], key: str) -> None:
    """Every unknown section, class, carrier or field is named in the error."""
    with pytest.raises(ValueError, match=key):
        factors(overrides)


def test_invalid_override_value_raises_with_its_path() -> None:
    """A value that breaks a rule is reported with its path in the factors block."""
    with pytest.raises(ValueError, match=r"factors\.vehicle_classes\.van_3t5_diesel"):
        factors({"vehicle_classes": {VAN: {"energy_full_per_km": 0.01}}})
    with pytest.raises(ValueError, match=r"price_eur_per_unit: .*valid number"):
        factors({"carriers": {"diesel": {"price_eur_per_unit": "cheap"}}})
    with pytest.raises(ValueError, match="must be a number; got True"):
        factors({"carriers": {"diesel": {"price_eur_per_unit": True}}})


def test_overrides_change_only_the_scenario_table() -> None:
    """Overrides apply to the returned table and leave the shipped one untouched."""
    table = factors(
        {
            "vehicle_classes": {VAN: {"energy_full_per_km": 0.12}},
            "carriers": {"diesel": {"wtw_kgco2e_per_unit": 3.10}},
        }
    )
    # full 10 km: 10 x 0.12 = 1.2 L; WTW 1.2 x 3.10 = 3.72 kg
    assert leg_energy(10, 1200, 1200, VAN, refrigerated=False, table=table) == (
        pytest.approx(1.2)
    )
    assert leg_co2e_kg(10, 1200, 1200, VAN, refrigerated=False, table=table) == (
        pytest.approx(3.72)
    )
    # WTW alone moves the upstream share: TTW stays 2.49, WTT = 3.10 - 2.49 = 0.61
    diesel = table.carriers["diesel"]
    assert diesel.ttw_kgco2e_per_unit == pytest.approx(2.49)
    assert diesel.wtt_kgco2e_per_unit == pytest.approx(0.61)
    assert "Scenario override: wtw_kgco2e_per_unit=3.1" in diesel.note
    assert factors().carriers["diesel"].wtw_kgco2e_per_unit == 3.16
    assert factors().vehicle_class(VAN).energy_full_per_km == 0.106
    assert factors({}) is factors()


def test_overriding_the_split_recomputes_wtw() -> None:
    """Overriding TTW alone keeps WTT and recomputes WTW = WTT + TTW."""
    table = factors({"carriers": {"diesel": {"ttw_kgco2e_per_unit": 2.5}}})
    assert table.carriers["diesel"].wtw_kgco2e_per_unit == pytest.approx(3.17)


def test_factor_table_is_read_only() -> None:
    """The shipped table's mappings cannot be modified."""
    table = factors()
    with pytest.raises(TypeError):
        table.vehicle_classes["x"] = table.vehicle_class(VAN)  # type: ignore[index]


def test_rigid_classes_reproduce_french_level_1_values_at_their_average_load() -> None:
    """Calibration: arrêté 2012 L/km at its average load (incl. empty running)."""
    # 7.5 t: 0.207 + 0.036 x 900/2500 = 0.21996 ~ 0.220 L/km
    # 12 t:  0.220 + 0.061 x 1800/5500 = 0.23996 ~ 0.240 L/km
    # 19 t:  0.243 + 0.104 x 2500/9500 = 0.27037 ~ 0.270 L/km
    for class_id, load_kg, level_1 in [
        ("rigid_7t5", 900, 0.220),
        ("rigid_12t", 1800, 0.240),
        ("rigid_19t", 2500, 0.270),
    ]:
        per_km = leg_energy(1, load_kg, None, class_id, refrigerated=False)
        assert per_km == pytest.approx(level_1, abs=5e-4)


def test_rigid_full_to_empty_ratios_follow_defra() -> None:
    """Full/empty ratios are DEFRA's 1.17 / 1.28 / 1.43 to within rounding."""
    table = factors()
    for class_id, ratio in [
        ("rigid_7t5", 1.17),
        ("rigid_12t", 1.28),
        ("rigid_19t", 1.43),
    ]:
        assert table.vehicle_class(class_id).full_to_empty_ratio == pytest.approx(
            ratio, abs=0.005
        )


def test_indicators_handle_zero_denominators() -> None:
    """Ratios with nothing driven are nan, not an error; loads within a milligram of
    zero count as empty running."""
    empty = Legs(np.zeros(1), np.zeros(1), 1200)
    assert math.isnan(empty.load_factor)
    assert math.isnan(Legs(np.zeros(0), np.zeros(0), 1200).empty_running_share)
    noisy = Legs(np.array([2.0, 3.0]), np.array([5e-7, 10.0]), 1200)
    assert noisy.empty_km == 2.0
    assert noisy.empty_running_share == pytest.approx(0.4)


def test_every_class_row_has_a_source_and_an_assumption_flag() -> None:
    """Each CSV row cites a source and says yes/no about assumptions."""
    for name in ("vehicle_classes.csv", "energy_carriers.csv"):
        text = resources.files("logistics").joinpath("data").joinpath(name)
        rows = list(csv.DictReader(text.read_text(encoding="utf-8").splitlines()))
        assert rows
        for row in rows:
            assert row["source"].strip()
            assert row["assumption"].startswith(("yes", "no"))


def test_method_document_embeds_the_current_factor_table() -> None:
    """docs/emissions.md shows exactly the factors the CSVs ship."""
    assert factors().summary() in DOCS.read_text(encoding="utf-8")


# -- properties ------------------------------------------------------------------------

_amount = st.floats(
    0, 1e4, allow_nan=False, allow_infinity=False, allow_subnormal=False
)


@st.composite
def _orders(draw: st.DrawFn) -> tuple[float, list[int], list[float], list[float]]:
    n = draw(st.integers(1, 25))
    total = draw(_amount)
    masses = draw(st.lists(_amount, min_size=n, max_size=n))
    sfds = draw(st.lists(_amount, min_size=n, max_size=n))
    return total, list(range(n)), masses, sfds


@given(_orders())
def test_allocation_sums_to_the_route_total(
    orders: tuple[float, list[int], list[float], list[float]],
) -> None:
    """For any non-negative masses and SFDs the allocations add up to the total."""
    total, ids, masses, sfds = orders
    shares = allocate_iso14083(total, ids, masses, sfds)
    assert list(shares) == ids
    assert math.isclose(sum(shares.values()), total, rel_tol=1e-9)
    assert all(share >= -1e-9 * max(total, 1.0) for share in shares.values())


@given(
    class_id=st.sampled_from(sorted(factors().vehicle_classes)),
    distance_km=st.floats(0, 1_000, allow_subnormal=False),
    fractions=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    refrigerated=st.booleans(),
)
def test_emissions_never_decrease_with_load(
    class_id: str,
    distance_km: float,
    fractions: tuple[float, float],
    refrigerated: bool,
) -> None:
    """More load on the same leg never lowers energy, CO2e or cost."""
    vc = factors().vehicle_class(class_id)
    low, high = sorted(f * vc.payload_kg for f in fractions)
    for fn in (leg_energy, leg_co2e_kg, leg_cost_eur):
        light = fn(distance_km, low, None, vc, refrigerated=refrigerated)
        heavy = fn(distance_km, high, None, vc, refrigerated=refrigerated)
        assert light <= heavy


@given(
    legs=st.lists(
        st.tuples(st.floats(0, 200, allow_subnormal=False), st.floats(0, 1)),
        max_size=12,
    ),
    refrigerated=st.booleans(),
)
def test_route_totals_equal_the_sum_of_legs(
    legs: list[tuple[float, float]], refrigerated: bool
) -> None:
    """Route energy, CO2e and running cost are the sums of the single-leg values."""
    distances = [d for d, _ in legs]
    loads = [f * 1200 for _, f in legs]
    route = route_emissions(distances, loads, 1200, VAN, refrigerated=refrigerated)
    co2e = [
        leg_co2e_kg(d, q, 1200, VAN, refrigerated=refrigerated)
        for d, q in zip(distances, loads, strict=True)
    ]
    costs = [
        leg_cost_eur(d, q, 1200, VAN, refrigerated=refrigerated)
        for d, q in zip(distances, loads, strict=True)
    ]
    assert route.co2e_kg == pytest.approx(math.fsum(co2e))
    assert route.running_cost_eur == pytest.approx(math.fsum(costs))
    assert route.wtt_co2e_kg + route.ttw_co2e_kg == pytest.approx(route.co2e_kg)


def test_custom_vehicle_class_objects_are_accepted() -> None:
    """A VehicleClass built by the caller works with the table's carriers."""
    base = factors().vehicle_class(VAN)
    custom = base.model_copy(update={"class_id": "my_van", "energy_empty_per_km": 0.1})
    # 10 km empty: 10 x 0.1 = 1.0 L
    assert leg_energy(10, 0, 1200, custom, refrigerated=False) == pytest.approx(1.0)
    assert isinstance(factors(), FactorTable)
