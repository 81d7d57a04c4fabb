"""Scenario -> travel matrix: pick the network source, apply the labelled fallback.

The scenario names its network source. An OSM file is looked up next to the scenario,
then in the ``osm_dirs`` given by ``--osm-dir`` or ``LOGISTICS_OSM_DIR``. A download
uses OSMnx for the sites' bounding box plus a margin. The geodesic estimate
(great-circle x detour factor at an average speed) is used when the scenario asks for
it, or as the labelled last resort when no road source is reachable and the scenario
allows it.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .exceptions import FallbackWarning, NetworkError, SnappingError

if TYPE_CHECKING:
    from .matrix import TravelMatrix
    from .scenario import Scenario

__all__ = ["NetworkInfo", "TravelData", "build_travel", "osm_search_dirs"]

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


@dataclass(frozen=True)
class TravelData:
    """The matrix between all sites and the network description."""

    matrix: TravelMatrix
    network: NetworkInfo


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
    progress
        Called with a short message at each step.

    Returns
    -------
    TravelData
        The matrix and a description of the network used.

    Raises
    ------
    NetworkError
        When no road source is reachable and the geodesic fallback is off.
    SnappingError
        When a site lies outside the road network (never falls back silently).
    """
    from .matrix import build_geodesic_matrix, build_road_matrix
    from .network import load_network

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
            )
            return TravelData(matrix, info)
        except SnappingError:
            raise
        except NetworkError as exc:
            if not settings.geodesic_fallback:
                raise
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
