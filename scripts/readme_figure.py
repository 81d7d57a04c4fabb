"""Regenerate the README's figure: the Melun routes, separate vs pooled, on the roads.

Usage, from the repository root (or ``make figure``)::

    python scripts/readme_figure.py            # writes docs/melun_routes.png

It runs ``scenarios/melun.yaml`` as ``logistics run`` does (the plan store in the
cache makes a rerun quick), draws ``routes.png`` with
:func:`logistics.report.figures.render_figures` at a lower resolution, and keeps the
file small with a 256-colour palette. The same scenario gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "melun.yaml"
TARGET = ROOT / "docs" / "melun_routes.png"
DPI = 80
COLOURS = 256


def main(argv: Sequence[str] | None = None) -> int:
    """Solve Melun, draw its routes figure, write it as a palette PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="PNG to write")
    args = parser.parse_args(argv)

    from PIL import Image

    sys.path.insert(0, str(ROOT))  # this checkout's package, whatever is installed
    from logistics import compare, load_scenario
    from logistics._cache import atomic_write_bytes
    from logistics.report.figures import render_figures

    comparison = compare(load_scenario(SCENARIO))
    png = render_figures(comparison, dpi=DPI)["routes.png"]
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    atomic_write_bytes(args.out, buffer.getvalue())
    print(f"wrote {args.out} ({len(buffer.getvalue()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
