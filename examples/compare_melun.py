"""Separate vs pooled deliveries on the Melun scenario, through the Python API."""

from __future__ import annotations

import argparse
from pathlib import Path

from logistics import compare, load_scenario, summary_text

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Print the comparison table, the savings and each producer's share."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--osm-dir",
        action="append",
        default=[],
        help="extra folder to look for the OSM file in (repeatable); the scenario's "
        "bundled extract, scenarios/osm/melun.osm.bz2, needs none",
    )
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "melun.yaml")
    result = compare(scenario, osm_dirs=tuple(args.osm_dir))
    print(summary_text(result))
    saving = result.savings["pooled"]
    print(
        f"\npooling saves {saving.distance_km:.1f} km ({saving.distance_pct:.1f} %),"
        f" {saving.cost_eur:.2f} EUR ({saving.cost_pct:.1f} %),"
        f" {saving.co2e_kg:.1f} kg CO2e ({saving.co2e_pct:.1f} %)"
    )
    for row in result.producer_savings("pooled"):
        print(
            f"  {row['producer']:<12} cost {row['cost_baseline_eur']:7.2f} -> "
            f"{row['cost_eur']:7.2f} EUR"
        )


if __name__ == "__main__":
    main()
