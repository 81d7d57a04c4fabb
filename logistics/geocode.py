"""Sites given by postal address: geocoding through geopy, cached on disk.

A producer, delivery point or hub may give ``address`` instead of ``lat``/``lon``.
:func:`geocode_sites` turns the addresses into coordinates with geopy's
:class:`~geopy.geocoders.BANFrance` (the Base Adresse Nationale, France's national
address base: free, no key, a match score per answer) or, as an option,
:class:`~geopy.geocoders.Nominatim` (OpenStreetMap, worldwide). Requests are
rate-limited with geopy's :class:`~geopy.extra.rate_limiter.RateLimiter` and every
answer is cached under the logistics cache folder, so a rerun makes no request and
works offline. A missing match or a score below ``min_score`` is an error naming the
site and its address; when the service cannot be reached, the addresses missing from
the cache are listed in one message.

Every geopy call stays in this module: geopy is untyped (see the style guide).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import _cache
from .exceptions import GeocodingError

__all__ = [
    "DEFAULT_DOMAINS",
    "GeocodedAddress",
    "GeocodingSettings",
    "geocode_sites",
    "write_geocoded_copy",
]

logger = logging.getLogger(__name__)

DEFAULT_DOMAINS = {
    "ban": "api-adresse.data.gouv.fr",
    "nominatim": "nominatim.openstreetmap.org",
}
"""Public service of each provider."""

_DEFAULT_DELAY_S = {"ban": 0.1, "nominatim": 1.0}
# BAN allows 50 requests/s per IP; Nominatim's usage policy asks for at most 1/s.
_USER_AGENT = "logistics/0.1 (pooled food deliveries optimiser)"
_CACHE_VERSION = "geocode-v1"


class GeocodingSettings(BaseModel):
    """How addresses are turned into coordinates (scenario section ``geocoding``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    provider: Literal["ban", "nominatim"] = Field(
        default="ban",
        description=(
            "'ban': Base Adresse Nationale (France, match score 0-1); 'nominatim': "
            "OpenStreetMap's geocoder (worldwide; it gives no match score)."
        ),
    )
    min_score: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="BAN answers scoring below this are refused (0.5: BAN's advice).",
    )
    domain: str | None = Field(
        default=None,
        description=(
            "Host (and port) of the service, e.g. a self-hosted BAN (addok); default: "
            "the public one."
        ),
    )
    scheme: Literal["https", "http"] = "https"
    min_delay_s: float | None = Field(
        default=None,
        ge=0,
        le=60,
        description="Seconds between requests; default 0.1 (BAN), 1 (Nominatim).",
    )
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    offline: bool = Field(
        default=False, description="Use the cache only; never send a request."
    )

    @property
    def host(self) -> str:
        """The service's host as used: ``domain`` or the provider's public one."""
        return self.domain or DEFAULT_DOMAINS[self.provider]

    @property
    def service(self) -> str:
        """Name and address of the service, for messages."""
        name = "BAN" if self.provider == "ban" else "Nominatim"
        return f"{name} ({self.scheme}://{self.host})"


@dataclass(frozen=True)
class GeocodedAddress:
    """One address and what the geocoder matched it to."""

    address: str
    lat: float
    lon: float
    score: float | None
    """Match score 0-1 (BAN); ``None`` for Nominatim, which gives none."""
    label: str
    """The matched address as the service writes it."""
    provider: str


def geocode_sites(
    sites: Sequence[tuple[str, str, str]], settings: GeocodingSettings
) -> list[GeocodedAddress]:
    """Geocode site addresses, from the cache where possible.

    Parameters
    ----------
    sites
        ``(site id, address, where)`` triples; ``where`` names the file (and row) in
        messages.
    settings
        Provider, score threshold, service address, rate limit, offline mode.

    Returns
    -------
    list of GeocodedAddress
        One per site, in order.

    Raises
    ------
    GeocodingError
        With one message per address without a match or with a low score, and one
        message listing every address neither cached nor reachable.
    """
    cache = _Cache(settings)
    lookup = _Lookup(settings)
    results: list[GeocodedAddress | None] = []
    for _, address, _ in sites:
        key = _normalise(address)
        if not key:
            results.append(None)
            continue
        if key not in cache.entries:
            cache.store(key, lookup(address))
        results.append(cache.get(key, address))
    cache.save()
    problems = _problems(sites, results, cache, lookup, settings)
    if problems:
        raise GeocodingError(problems)
    return [r for r in results if r is not None]


def _problems(
    sites: Sequence[tuple[str, str, str]],
    results: list[GeocodedAddress | None],
    cache: _Cache,
    lookup: _Lookup,
    settings: GeocodingSettings,
) -> list[str]:
    """One message per bad match, one for all addresses neither cached nor reached."""
    problems: list[str] = []
    unreached: list[str] = []
    for (site_id, address, where), match in zip(sites, results, strict=True):
        key = _normalise(address)
        if not key:
            problems.append(f"{where}: site {site_id!r}: the address is empty")
        elif key not in cache.entries:
            unreached.append(f"site {site_id!r} ({address!r})")
        elif "refused" in cache.entries[key]:
            problems.append(
                f"{where}: site {site_id!r}: {settings.service} refuses the address "
                f"{address!r} ({cache.entries[key]['refused']}); write it in full"
            )
        elif match is None:
            problems.append(
                f"{where}: site {site_id!r}: address {address!r} has no match in "
                f"{settings.service}; check it, or give lat/lon instead"
            )
        elif match.score is not None and match.score < settings.min_score:
            problems.append(
                f"{where}: site {site_id!r}: address {address!r} matched "
                f"{match.label!r} with score {match.score:.2f}, below min_score "
                f"{settings.min_score:g}; write the address in full (number, street, "
                "postcode, town) or give lat/lon"
            )
    if unreached:
        why = (
            "geocoding.offline is set"
            if settings.offline
            else f"{settings.service} cannot be reached ({lookup.failure})"
        )
        problems.append(
            f"{why}, and {len(unreached)} address(es) are not in the cache "
            f"{cache.path}: {'; '.join(unreached)}. Geocode them when online "
            "(`logistics geocode SCENARIO`), or give their lat/lon"
        )
    return problems


def _normalise(address: str) -> str:
    """Cache key of an address: case and spacing do not change the answer."""
    return re.sub(r"\s+", " ", address).strip().casefold()


class _Lookup:
    """Rate-limited requests to the service; stops asking after it is unreachable.

    Returns a JSON-able answer (``{"lat", "lon", "score", "label"}``, ``{}`` for no
    match, ``{"refused": reason}`` for a query the service rejects), or ``None`` when
    the service could not answer (then nothing is cached).
    """

    def __init__(self, settings: GeocodingSettings) -> None:
        self.settings = settings
        self.failure: str = ""
        self._call: Any = None

    def __call__(self, address: str) -> dict[str, Any] | None:
        if self.settings.offline or self.failure:
            return None
        from geopy.exc import GeocoderQueryError, GeocoderServiceError

        try:
            location = self._geocode()(address)
        except GeocoderQueryError as exc:
            # HTTP 400: the service refuses this query (e.g. too short); it would
            # refuse it again, so the refusal is an answer, cached like one.
            return {"refused": str(exc)[:200]}
        except (GeocoderServiceError, OSError) as exc:
            # Unreachable, timed out or a server error: ask no more.
            self.failure = _reason(exc)
            logger.debug("geocoder unreachable: %s", exc)
            return None
        if location is None:
            return {}
        return _answer(location, self.settings.provider)

    def _geocode(self) -> Any:
        if self._call is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import BANFrance, Nominatim

            kind = BANFrance if self.settings.provider == "ban" else Nominatim
            geocoder = kind(
                domain=self.settings.host,
                scheme=self.settings.scheme,
                timeout=self.settings.timeout_s,
                user_agent=_USER_AGENT,
            )
            delay = self.settings.min_delay_s
            if delay is None:
                delay = _DEFAULT_DELAY_S[self.settings.provider]
            # No retry: an unreachable service fails at once (offline runs must not
            # wait), and RateLimiter would log a traceback before retrying.
            self._call = RateLimiter(
                geocoder.geocode,
                min_delay_seconds=delay,
                max_retries=0,
                swallow_exceptions=False,
            )
        return self._call


def _reason(exc: Exception) -> str:
    """A short reason for a failed request (geopy's messages nest whole URLs)."""
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    short = errno.group(1).strip() if errno else text[:160]
    return f"{type(exc).__name__}: {short}"


def _answer(location: Any, provider: str) -> dict[str, Any]:
    """Keep what a geopy Location says: coordinates, label and the match score."""
    raw = location.raw if isinstance(location.raw, dict) else {}
    score = raw.get("properties", {}).get("score") if provider == "ban" else None
    return {
        "lat": float(location.latitude),
        "lon": float(location.longitude),
        "score": None if score is None else float(score),
        "label": str(location.address),
    }


class _Cache:
    """Answers by normalised address, one JSON file per provider and service."""

    def __init__(self, settings: GeocodingSettings) -> None:
        self.settings = settings
        key = _cache.cache_key(_CACHE_VERSION, settings.provider, settings.host)
        self.path = _cache.cache_dir() / "geocode" / f"{settings.provider}.{key}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = dict(data.get("answers", {}))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("Ignoring unreadable geocoding cache %s: %s", self.path, exc)

    def store(self, key: str, answer: dict[str, Any] | None) -> None:
        if answer is not None:
            self.entries[key] = answer
            self._dirty = True

    def get(self, key: str, address: str) -> GeocodedAddress | None:
        answer = self.entries.get(key)
        if not answer or "refused" in answer:
            return None
        return GeocodedAddress(
            address=address,
            lat=float(answer["lat"]),
            lon=float(answer["lon"]),
            score=answer.get("score"),
            label=str(answer.get("label", "")),
            provider=self.settings.provider,
        )

    def save(self) -> None:
        if not self._dirty:
            return
        data = {
            "provider": self.settings.provider,
            "service": self.settings.service,
            "answers": dict(sorted(self.entries.items())),
        }
        _cache.atomic_write_text(self.path, json.dumps(data, indent=1) + "\n")


def write_geocoded_copy(
    source: Path, out: Path, *, settings: GeocodingSettings | None = None
) -> dict[str, GeocodedAddress]:
    """Write a copy of a scenario with the coordinates of its addresses filled in.

    The copy is one YAML file with every table inline (spreadsheet rows included), so
    it needs neither the tables nor the geocoder; each geocoded site's ``metadata``
    records the match and its score. A relative ``osm_file`` is rewritten relative to
    the copy's folder. Comments of the original are not kept.

    Parameters
    ----------
    source
        The scenario file.
    out
        Where to write the copy (atomically); must not be ``source``.
    settings
        Geocoding settings; default: the scenario's ``geocoding`` section.

    Returns
    -------
    dict of str to GeocodedAddress
        The sites geocoded, by id.

    Raises
    ------
    ScenarioError, GeocodingError
        If the scenario is invalid or an address cannot be geocoded.
    """
    import yaml

    from .exceptions import LogisticsError
    from .scenario import load_scenario_mapping

    if Path(out).resolve() == Path(source).resolve():
        msg = f"{out}: the copy must not overwrite the scenario it is made from"
        raise LogisticsError(msg)
    scenario, raw = load_scenario_mapping(source, geocoding=settings)
    for rows in (raw.get(t) for t in ("producers", "delivery_points", "hubs")):
        for row in rows if isinstance(rows, list) else []:
            match = scenario.geocoded.get(str(row.get("id")))
            if match is not None:
                row.setdefault("metadata", {})["geocoded"] = _provenance(match)
    _relocate_osm_file(raw, Path(source).parent, Path(out).parent)
    header = (
        f"# Written by `logistics geocode` from {Path(source).name}: tables inline, "
        f"{len(scenario.geocoded)} site(s) geocoded\n# by "
        f"{(settings or scenario.geocoding).service}.\n"
    )
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=88)
    _cache.atomic_write_text(Path(out), header + text)
    return scenario.geocoded


def _provenance(match: GeocodedAddress) -> str:
    score = "no score" if match.score is None else f"score {match.score:.2f}"
    return f"{match.provider} {score}: {match.label}"


def _relocate_osm_file(raw: dict[str, Any], old_dir: Path, new_dir: Path) -> None:
    """Keep a relative ``network.osm_file`` pointing at the same file from the copy."""
    network = raw.get("network")
    if not isinstance(network, dict) or not isinstance(network.get("osm_file"), str):
        return
    name = Path(network["osm_file"])
    if name.is_absolute() or not (old_dir / name).exists():
        return  # found through --osm-dir / LOGISTICS_OSM_DIR: leave as written
    target = (old_dir / name).resolve()
    network["osm_file"] = os.path.relpath(target, new_dir.resolve())
