"""Reports: terminal tables and files (JSON, CSV, an HTML map, PNG figures)."""

from __future__ import annotations

from .files import comparison_dict, write_report
from .tables import comparison_table, summary_text

__all__ = ["comparison_dict", "comparison_table", "summary_text", "write_report"]
