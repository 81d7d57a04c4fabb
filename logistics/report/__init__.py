"""Reports: terminal tables, files (JSON, CSV, HTML) and route sheets."""

from __future__ import annotations

from .driving import ProducerDriving, driving_rows, producer_driving
from .files import check_writable, comparison_dict, write_files, write_report
from .html import render_html
from .sheets import VehicleSheet, route_sheets
from .tables import comparison_table, driving_table, producer_table, summary_text

__all__ = [
    "ProducerDriving",
    "VehicleSheet",
    "check_writable",
    "comparison_dict",
    "comparison_table",
    "driving_rows",
    "driving_table",
    "producer_driving",
    "producer_table",
    "render_html",
    "route_sheets",
    "summary_text",
    "write_files",
    "write_report",
]
