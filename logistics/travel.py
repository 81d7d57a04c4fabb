"""Scenario -> travel matrix: pick the network source, strictly.

The scenario names its network source. An OSM file is looked up next to the scenario,
then in the ``osm_dirs`` given by ``--osm-dir`` or ``LOGISTICS_OSM_DIR``. A download
uses OSMnx for the sites' bounding box plus a margin. A road source that is missing,
unreadable, offline or does not cover the sites is an error: the geodesic estimate
(great-circle x detour factor at an average speed) is used only when the scenario asks
for it (``network.source: geodesic``), or as the labelled last resort when the caller
allows it (``allow_geodesic=True``, ``logistics run --allow-geodesic``). Sites off the
network never fall back.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .constants import SNAP_ERROR_M, SNAP_WARN_M
from .exceptions import FallbackWarning, NetworkError, SnappingError

if TYPE_CHECKING:
    from .matrix import TravelMatrix
    from .network import RoadNetwork
    from .scenario import Scenario

__all__ = [
    "NetworkCheck",
    "NetworkInfo",
    "TravelData",
    "build_travel",
    "check_network",
    "osm_search_dirs",
]

_ALLOW_HINT = (
    "To run anyway on the labelled straight-line estimate (great-circle x detour "
    "factor, not roads), pass --allow-geodesic or set network.source: geodesic."
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkInfo:
    """What network the matrix comes from, for the report.

    ``source`` is the one provenance label, the same as the matrix's
    ``description``: it says ``FALLBACK`` only when the geodesic estimate replaced
    an unreachable road network (``fallback_reason`` then says why).
    """

    source: str
    kind: str
    nodes: int
    edges: int
    fallback_reason: str = ""
    snap_distance_m: Mapping[str, float] = field(default_factory=dict)
    """Distance from each site to the road node it snapped to (empty if geodesic)."""
    osm_file: str = ""
    """Name of the OSM file the roads come from (empty otherwise)."""
    osm_sha256: str = ""
    """SHA-256 of that file's bytes (empty otherwise)."""


@dataclass(frozen=True)
class TravelData:
    """The matrix between all sites and the network description.

    ``road`` is the road network the matrix was built on (``None`` for a geodesic
    estimate): maps and figures draw its roads and the paths driven along them
    (:mod:`logistics.paths`).
    """

    matrix: TravelMatrix
    network: NetworkInfo
    road: RoadNetwork | None = field(default=None, repr=False, compare=False)


def osm_search_dirs(
    scenario_dir: Path | None, osm_dirs: Sequence[str | Path] = ()
) -> list[Path]:
    """Return the folders to look for OSM files in, in order.

    The scenario's folder first, then ``osm_dirs``, then ``LOGISTICS_OSM_DIR``
    (``os.pathsep``-separated).
    """
    dirs = [scenario_dir] if scenario_dir is not None else []
    dirs += [Path(d) for d in osm_dirs]
    env = os.environ.get("LOGISTICS_OSM_DIR", "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d]
    return [d for d in dirs if d is not None]


def _bbox(scenario: Scenario) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the sites, widened by the scenario's margin."""
    coords = scenario.site_coordinates().values()
    lats = [c[0] for c in coords]
    lons = [c[1] for c in coords]
    margin_deg = scenario.network.margin_km / 111.0
    return (
        min(lons) - margin_deg,
        min(lats) - margin_deg,
        max(lons) + margin_deg,
        max(lats) + margin_deg,
    )


def build_travel(
    scenario: Scenario,
    *,
    scenario_dir: Path | None = None,
    osm_dirs: Sequence[str | Path] = (),
    use_cache: bool = True,
    allow_geodesic: bool = False,
    progress: Callable[[str], None] | None = None,
) -> TravelData:
    """Build the travel matrix between all the scenario's sites.

    Parameters
    ----------
    scenario
        The validated scenario.
    scenario_dir
        Folder of the scenario file (first place to look for its OSM file).
    osm_dirs
        Further folders to look in.
    use_cache
        Reuse graphs and matrices cached on disk.
    allow_geodesic
        When the road source fails (missing or damaged file, offline download), use
        the geodesic estimate instead, labelled ``FALLBACK`` in ``source`` and with
        the reason in ``fallback_reason``. Off by default: the failure is an error.
    progress
        Called with a short message at each step.

    Returns
    -------
    TravelData
        The matrix and a description of the network used.

    Raises
    ------
    NetworkError
        When the road source fails and ``allow_geodesic`` is off; the message says
        what was searched and what to do.
    SnappingError
        When a site lies outside the road network (never falls back).
    """
    from .matrix import build_geodesic_matrix, build_road_matrix
    from .network import load_network
    from .provenance import file_sha256

    say = progress or (lambda _msg: None)
    sites = scenario.site_coordinates()
    ids = list(sites)
    lats = [sites[i][0] for i in ids]
    lons = [sites[i][1] for i in ids]
    settings = scenario.network
    fallback_reason = ""
    if settings.source != "geodesic":
        try:
            say("loading road network")
            network = load_network(
                osm_file=settings.osm_file if settings.source == "osm_file" else None,
                search_dirs=osm_search_dirs(scenario_dir, osm_dirs),
                download_bbox=_bbox(scenario)
                if settings.source == "download"
                else None,
                clip_bbox=_bbox(scenario),  # a regional .osm.pbf is clipped to it
                use_cache=use_cache,
                progress=progress,
            )
            say(f"computing travel matrix for {len(ids)} sites")
            matrix = build_road_matrix(network, ids, lats, lons, use_cache=use_cache)
            snaps = {
                sid: round(float(d), 1)
                for sid, d in zip(ids, matrix.snap_distance_m, strict=True)
            }
            info = NetworkInfo(
                matrix.description,
                network.kind,
                network.n_nodes,
                network.n_edges,
                "",
                snaps,
                Path(network.path).name if network.path else "",
                file_sha256(network.path) if network.path else "",
            )
            return TravelData(matrix, info, network)
        except SnappingError:
            raise
        except NetworkError as exc:
            if not allow_geodesic:
                if "--allow-geodesic" in str(exc):
                    raise  # the message already says how to accept the estimate
                msg = f"{exc}\n{_ALLOW_HINT}"
                raise NetworkError(msg) from exc
            fallback_reason = str(exc)
            warnings.warn(
                f"no road network reachable ({exc}); falling back to the geodesic "
                "estimate: distances are great-circle x detour factor",
                FallbackWarning,
                stacklevel=2,
            )
    label = (
        f"geodesic estimate: great-circle x {settings.detour_factor:g} detour at "
        f"{settings.speed_kmh:g} km/h"
        + (" (FALLBACK: no road network reachable)" if fallback_reason else "")
    )
    matrix = build_geodesic_matrix(
        ids,
        lats,
        lons,
        detour_factor=settings.detour_factor,
        speed_kmh=settings.speed_kmh,
        description=label,
    )
    return TravelData(matrix, NetworkInfo(label, "geodesic", 0, 0, fallback_reason))


@dataclass(frozen=True)
class NetworkCheck:
    """How a scenario's sites sit on its road network (``logistics validate``).

    ``snap_distance_m`` maps each site to its distance from the nearest road node;
    ``far`` lists the sites beyond :data:`~logistics.constants.SNAP_WARN_M` and
    ``outside`` those beyond :data:`~logistics.constants.SNAP_ERROR_M` (both sorted by
    distance, farthest first).
    """

    source: str
    nodes: int
    edges: int
    snap_distance_m: Mapping[str, float]

    @property
    def far(self) -> list[tuple[str, float]]:
        """Sites farther than the warning distance, farthest first."""
        return self._beyond(SNAP_WARN_M)

    @property
    def outside(self) -> list[tuple[str, float]]:
        """Sites farther than the error distance, farthest first."""
        return self._beyond(SNAP_ERROR_M)

    def _beyond(self, limit_m: float) -> list[tuple[str, float]]:
        rows = [(s, d) for s, d in self.snap_distance_m.items() if d > limit_m]
        return sorted(rows, key=lambda row: (-row[1], row[0]))


def check_network(
    scenario: Scenario,
    *,
    scenario_dir: Path | None = None,
    osm_dirs: Sequence[str | Path] = (),
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> NetworkCheck | None:
    """Load the scenario's road network and snap every site, without failing early.

    Parameters
    ----------
    scenario
        The validated scenario.
    scenario_dir, osm_dirs, use_cache, progress
        As for :func:`build_travel`.

    Returns
    -------
    NetworkCheck or None
        The network and every site's snapping distance (all far sites at once);
        ``None`` when the scenario asks for the geodesic estimate.

    Raises
    ------
    NetworkError
        If the OSM file is missing or unreadable, or the download fails.
    """
    from .network import load_network, nearest_nodes

    settings = scenario.network
    if settings.source == "geodesic":
        return None
    network: RoadNetwork = load_network(
        osm_file=settings.osm_file if settings.source == "osm_file" else None,
        search_dirs=osm_search_dirs(scenario_dir, osm_dirs),
        download_bbox=_bbox(scenario) if settings.source == "download" else None,
        use_cache=use_cache,
        progress=progress,
    )
    sites = scenario.site_coordinates()
    lats = np.array([c[0] for c in sites.values()])
    lons = np.array([c[1] for c in sites.values()])
    _, snap_m = nearest_nodes(network, lats, lons)
    snaps = {sid: round(float(d), 1) for sid, d in zip(sites, snap_m, strict=True)}
    return NetworkCheck(network.source, network.n_nodes, network.n_edges, snaps)
