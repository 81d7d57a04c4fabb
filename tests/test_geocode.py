"""Geocoding against a local server answering like the BAN (real geopy, real HTTP)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from logistics.cli import main
from logistics.exceptions import GeocodingError, ScenarioError
from logistics.geocode import GeocodingSettings, geocode_sites
from logistics.geocode_replay import ReplayServer
from logistics.scenario import load_scenario, parse_scenario

from .conftest import TEST_DATA, tiny_raw

ANSWERS = TEST_DATA / "geocode" / "ban_melun.json"
CARNOT = "5 Rue Carnot, 77000 Melun"
ASPAIS = "12 Rue Saint-Aspais, 77000 Melun"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty logistics cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    """The BAN-like server on 127.0.0.1, answering from tests/data/geocode."""
    with ReplayServer(ANSWERS) as running:
        yield running


def _settings(server: ReplayServer, **options: Any) -> GeocodingSettings:
    return GeocodingSettings(
        domain=server.domain, scheme="http", min_delay_s=0, **options
    )


def test_addresses_get_coordinates_and_score(cache: Path, server: ReplayServer) -> None:
    """Each address gets the served point, label and BAN match score."""
    found = geocode_sites(
        [("a", ASPAIS, "here"), ("b", CARNOT, "here")], _settings(server)
    )
    assert [(m.lat, m.lon, m.score) for m in found] == [
        (48.53863, 2.65951, 0.96),
        (48.53962, 2.65905, 0.95),
    ]
    assert found[1].label == "5 Rue Carnot 77000 Melun"
    assert server.queries == [ASPAIS, CARNOT]


def test_rerun_makes_no_request(cache: Path, server: ReplayServer) -> None:
    """Answers are cached on disk: a rerun (spacing or case aside) asks nothing."""
    geocode_sites([("a", ASPAIS, "here")], _settings(server))
    again = geocode_sites(
        [("a", "12  rue SAINT-ASPAIS, 77000 Melun ", "here")], _settings(server)
    )
    assert len(server.queries) == 1
    assert (again[0].lat, again[0].score) == (48.53863, 0.96)
    assert len(list((cache / "geocode").glob("ban.*.json"))) == 1


def test_low_score_and_no_match_are_errors_naming_site_and_address(
    cache: Path, server: ReplayServer
) -> None:
    """A vague address (score 0.31) and an unknown one are refused together."""
    with pytest.raises(GeocodingError) as err:
        geocode_sites(
            [
                ("ok", CARNOT, "f.csv row 2"),
                ("vague", "Rue Imaginaire Melun", "f.csv row 3"),
                ("lost", "Nowhere at all", "f.csv row 4"),
            ],
            _settings(server),
        )
    assert err.value.problems == [
        "f.csv row 3: site 'vague': address 'Rue Imaginaire Melun' matched 'Melun' "
        "with score 0.31, below min_score 0.5; write the address in full (number, "
        "street, postcode, town) or give lat/lon",
        "f.csv row 4: site 'lost': address 'Nowhere at all' has no match in BAN "
        f"({server.url}); check it, or give lat/lon instead",
    ]


def test_min_score_is_a_setting(cache: Path, server: ReplayServer) -> None:
    """Lowering min_score accepts the vague match, with its score kept."""
    found = geocode_sites(
        [("vague", "Rue Imaginaire Melun", "x")], _settings(server, min_score=0.3)
    )
    assert found[0].score == 0.31


def test_offline_uses_the_cache_and_lists_the_rest_in_one_message(
    cache: Path,
) -> None:
    """Service gone: cached addresses work, the others are listed in one message."""
    with ReplayServer(ANSWERS) as server:
        settings = _settings(server)
        geocode_sites([("a", ASPAIS, "x")], settings)
    # The server is stopped: the same service is now unreachable.
    assert geocode_sites([("a", ASPAIS, "x")], settings)[0].lat == 48.53863
    wanted = [("a", ASPAIS, "x"), ("b", CARNOT, "x"), ("c", "8 Quai Pasteur", "x")]
    started = time.monotonic()
    with pytest.raises(GeocodingError) as err:
        geocode_sites(wanted, settings)
    assert time.monotonic() - started < 5
    (message,) = err.value.problems
    assert message.startswith(f"{settings.service} cannot be reached (")
    assert "and 2 address(es) are not in the cache" in message
    assert f"site 'b' ({CARNOT!r}); site 'c' ('8 Quai Pasteur')" in message
    assert "site 'a'" not in message
    offline = settings.model_copy(update={"offline": True})
    with pytest.raises(
        GeocodingError, match=r"(?s)^1 geocoding problem.*geocoding.offline is set"
    ):
        geocode_sites(wanted, offline)


def test_unreachable_service_fails_fast_with_one_message(cache: Path) -> None:
    """Nothing listening: one message naming the service and every address."""
    down = GeocodingSettings(domain="127.0.0.1:9", scheme="http", min_delay_s=0)
    started = time.monotonic()
    with pytest.raises(GeocodingError) as err:
        geocode_sites([("a", ASPAIS, "x"), ("b", CARNOT, "x")], down)
    assert time.monotonic() - started < 5
    (message,) = err.value.problems
    assert message.startswith(
        "BAN (http://127.0.0.1:9) cannot be reached (GeocoderUnavailable: "
    )
    assert "2 address(es) are not in the cache" in message


def test_nominatim_option(cache: Path, server: ReplayServer) -> None:
    """Nominatim is asked in its own format; it gives no score, so none is kept."""
    found = geocode_sites([("b", CARNOT, "x")], _settings(server, provider="nominatim"))
    assert (found[0].lat, found[0].lon, found[0].score) == (48.53962, 2.65905, None)
    assert found[0].provider == "nominatim"


def _addressed_scenario(tmp_path: Path, server: ReplayServer) -> Path:
    """The tiny scenario with two delivery points given by address in a CSV."""
    raw = tiny_raw()
    lines = ["id,kind,address,time_windows"]
    lines += [f'd1,shop,"{ASPAIS}",07:00-10:00', f'd2,canteen,"{CARNOT}",07:00-09:00']
    lines += ["d3,restaurant,Nowhere at all,08:00-11:00"]
    (tmp_path / "points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw["delivery_points"] = "points.csv"
    raw["geocoding"] = {"domain": server.domain, "scheme": "http", "min_delay_s": 0}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_load_scenario_geocodes_and_names_the_csv_row(
    tmp_path: Path, cache: Path, server: ReplayServer
) -> None:
    """A site without a match is reported at its CSV row; fixed, the file loads."""
    path = _addressed_scenario(tmp_path, server)
    with pytest.raises(
        GeocodingError, match=r"points\.csv \(comma-separated\) row 4: "
    ):
        load_scenario(path)
    text = (tmp_path / "points.csv").read_text(encoding="utf-8")
    unquoted = text.replace("Nowhere at all", "8 Quai Pasteur, 77000 Melun")
    (tmp_path / "points.csv").write_text(unquoted, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"row 4: 5 cells but the header has 4"):
        load_scenario(path)  # refused before any request for a misread cell
    assert len(server.queries) == 3
    quoted = text.replace("Nowhere at all", '"8 Quai Pasteur, 77000 Melun"')
    (tmp_path / "points.csv").write_text(quoted, encoding="utf-8")
    scenario = load_scenario(path)
    assert (scenario.delivery_points[2].lat, scenario.delivery_points[2].lon) == (
        48.53811,
        2.65719,
    )
    assert scenario.geocoded["d1"].score == 0.96
    assert scenario.delivery_points[0].address == ASPAIS


def test_address_without_geocoding_is_a_clear_error() -> None:
    """parse_scenario does not geocode: it says what to do instead."""
    raw = tiny_raw()
    del raw["producers"][0]["lat"], raw["producers"][0]["lon"]
    raw["producers"][0]["address"] = CARNOT
    with pytest.raises(ScenarioError, match="was not geocoded: read the file with"):
        parse_scenario(raw)


def test_geocode_command_writes_a_copy_that_needs_no_geocoder(
    tmp_path: Path, cache: Path, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`logistics geocode` writes a standalone copy with coordinates and provenance."""
    path = _addressed_scenario(tmp_path, server)
    text = (tmp_path / "points.csv").read_text(encoding="utf-8")
    (tmp_path / "points.csv").write_text(
        text.replace("Nowhere at all", '"8 Quai Pasteur, 77000 Melun"'),
        encoding="utf-8",
    )
    out = tmp_path / "elsewhere" / "copy.yaml"
    assert main(["geocode", str(path), "--out", str(out)]) == 0
    asked = len(server.queries)
    assert asked == 3
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(tmp_path / "empty-cache"))
    copy = load_scenario(out)  # no address left to geocode: no request, no cache
    assert len(server.queries) == asked
    assert [(d.lat, d.lon) for d in copy.delivery_points] == [
        (48.53863, 2.65951),
        (48.53962, 2.65905),
        (48.53811, 2.65719),
    ]
    assert copy.delivery_points[1].metadata == {
        "geocoded": "ban score 0.95: 5 Rue Carnot 77000 Melun"
    }
    assert main(["geocode", str(path), "--out", str(path)]) == 2


def test_query_the_service_refuses_is_named_not_taken_for_an_outage(
    cache: Path, server: ReplayServer
) -> None:
    """BAN's 400 for a too short query names that address; the others still work."""
    with pytest.raises(GeocodingError) as err:
        geocode_sites(
            [("short", "ab", "f.csv row 2"), ("b", CARNOT, "f.csv row 3")],
            _settings(server),
        )
    (message,) = err.value.problems
    assert message.startswith(
        f"f.csv row 2: site 'short': BAN ({server.url}) refuses the address 'ab' ("
    )
    assert server.queries == ["ab", CARNOT]
