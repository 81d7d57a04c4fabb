"""Reports: terminal tables and files (JSON, CSV)."""

from __future__ import annotations

from .files import check_writable, comparison_dict, write_files, write_report
from .tables import comparison_table, summary_text

__all__ = [
    "check_writable",
    "comparison_dict",
    "comparison_table",
    "summary_text",
    "write_files",
    "write_report",
]
