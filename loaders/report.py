"""The report of an import: counts, rejected rows with reasons, warnings; as text, JSON, CSV.

Made by ``loaders.ingest.run_import`` for real and dry runs alike; the CLI prints
:meth:`ImportReport.summary`, writes :meth:`ImportReport.write_json` and the rejected rows
(:meth:`ImportReport.write_rejected`), and the import page shows the same object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.areas import SNAP_M
from geo.csvsafe import write_frame_csv
from geo.messages import Msg, text
from loaders.validate import REASONS


def reason_label(code: str, lang: str = "ko") -> str:
    """The label of a rejection reason in ``lang``."""
    return text(REASONS[code], lang) if code in REASONS else code


@dataclass
class ImportReport:
    """What an import read, wrote and refused, and why."""

    target: str
    source: str
    file: str
    dry_run: bool
    detected: dict[str, str] = field(default_factory=dict)
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    #: Rows that are not records (total and note rows): (row, reason).
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[Msg] = field(default_factory=list)
    #: One row per rejected row: row, reason (the first), reasons (all), detail, the cells.
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Rows imported whose named district differs from where they fall: row, named, found.
    mismatches: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Valid rows per coordinate pair used ("X / Y" column names -> rows), primary first.
    by_pair: dict[str, int] = field(default_factory=dict)
    #: Valid rows placed at the label point of their address's 법정동 (not exact).
    at_dong: int = 0
    #: Valid rows whose pairs disagree by more than 50 m: row, name, used (pair), distance_m
    #: and one "lat, lon" column per pair.
    disagreements: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Rows imported from just outside Seoul's outline into the nearest dong: row,
    #: distance_m, dong_code, dong.
    snapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: A sample of the rows to import (name, status, geometry), for the preview map.
    preview: gpd.GeoDataFrame | None = None
    run_id: int | None = None
    #: Records of this source that the file no longer lists and that were retired
    #: (``retire_missing``): source id and name.
    retired: list[tuple[str, str]] = field(default_factory=list)
    #: Resources: type values that are no known category, with their row counts.
    unknown_categories: list[tuple[str, int]] = field(default_factory=list)
    #: Resources: rows whose category came from the ending of their name.
    category_from_name: int = 0
    #: Resources: rows imported as ``unclassified``.
    unclassified: int = 0

    @property
    def rejected(self) -> int:
        """Rows rejected, all reasons."""
        return sum(self.rejected_by_reason.values())

    @property
    def accepted(self) -> int:
        """Rows that passed every check (inserted, updated or unchanged)."""
        return self.inserted + self.updated + self.unchanged

    def counts(self) -> dict[str, object]:
        """The headline figures."""
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "skipped": len(self.skipped),
            "district_mismatches": len(self.mismatches),
            "retired": len(self.retired),
            "category_from_name": self.category_from_name,
            "unclassified": self.unclassified,
            "rows_by_pair": dict(self.by_pair),
            "located_at_dong": self.at_dong,
            "pair_disagreements": len(self.disagreements),
            "snapped": len(self.snapped),
        }

    def summary(self, lang: str = "ko") -> list[str]:
        """A few lines for the terminal: counts, reasons, warnings."""
        head = text("report.dry_run", lang)
        lines = [
            f"{self.file} -> {self.target} [{self.source}]" + (f" · {head}" if self.dry_run else "")
        ]
        lines += [f"  {k}: {v}" for k, v in self.detected.items()]
        lines.append(
            f"read {self.read:,} · inserted {self.inserted:,} · updated {self.updated:,} · "
            f"unchanged {self.unchanged:,} · rejected {self.rejected:,}"
        )
        if self.run_id is not None:
            lines.append(
                f"  {text('report.import_run', lang)} #{self.run_id} "
                f"(python -m loaders import-added / undo-import {self.run_id})"
            )
        for code, n in self.rejected_by_reason.items():
            lines.append(f"  rejected {code} ({reason_label(code, lang)}): {n:,}")
        if self.skipped:
            rows = ", ".join(str(r) for r, _ in self.skipped[:10])
            lines.append(f"  skipped ({Msg('report.skipped')}): {len(self.skipped)} (row {rows})")
        if len(self.mismatches):
            lines.append(
                f"  district mismatch (자치구 불일치): {len(self.mismatches):,} "
                f"(e.g. row {self.mismatches.iloc[0]['row']}: "
                f"{self.mismatches.iloc[0]['named']} -> {self.mismatches.iloc[0]['found']})"
            )
        if self.retired:
            shown = ", ".join(f"{name} ({sid})" for sid, name in self.retired[:10])
            more = f" ... +{len(self.retired) - 10}" if len(self.retired) > 10 else ""
            lines.append(
                f"  retired ({Msg('report.retired')}): {len(self.retired):,}: {shown}{more}"
            )
        for pair, n in self.by_pair.items():
            lines.append(f"  {text('report.pair', lang)} {pair}: {n:,}")
        if self.at_dong:
            lines.append(f"  {text('report.at_dong', lang)}: {self.at_dong:,}")
        for rec in _records(self.disagreements)[:10]:
            lines.append("  ≠ " + ", ".join(f"{k}={v}" for k, v in rec.items()))
        if len(self.snapped):
            first = self.snapped.iloc[0]
            lines.append(
                f"  snapped ({Msg('report.snapped', m=SNAP_M)}): {len(self.snapped):,} "
                f"(e.g. row {first['row']}: {first['distance_m']:.1f} m -> {first['dong']})"
            )
        lines += [f"  ! {w}" for w in self.warnings]
        if self.unknown_categories:
            lines.append("  unknown category values (모르는 분류 값):")
            first = self.unknown_categories[:20]
            lines += [f"    {value}: {n:,}" for value, n in first]
            if len(self.unknown_categories) > len(first):
                lines.append(f"    … {len(self.unknown_categories) - len(first):,} more")
        return lines

    def to_dict(self) -> dict:
        """JSON-able report (rejected rows and mismatches included, the preview not)."""
        return {
            "target": self.target,
            "source": self.source,
            "file": self.file,
            "dry_run": self.dry_run,
            "detected": self.detected,
            **self.counts(),
            "skipped_rows": [{"row": r, "reason": why} for r, why in self.skipped],
            "warnings": [str(w) for w in self.warnings],  # both languages
            "unknown_categories": [{"value": v, "rows": n} for v, n in self.unknown_categories],
            "rejected_rows": _records(self.rejected_rows),
            "district_mismatches": _records(self.mismatches),
            "pair_disagreement_rows": _records(self.disagreements),
            "snapped_rows": _records(self.snapped),
            "run_id": self.run_id,
            "retired_records": [{"source_id": i, "name": n} for i, n in self.retired],
        }

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as UTF-8 JSON."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), "utf-8")
        return path

    def write_rejected(self, path: str | Path) -> Path:
        """Write the rejected rows as CSV (UTF-8 with BOM, opens in Korean Excel); cells a
        spreadsheet would run as formulas are neutralised (:mod:`geo.csvsafe`)."""
        return write_frame_csv(self.rejected_rows, path)


def _records(df: pd.DataFrame) -> list[dict]:
    if df is None or df.empty:
        return []
    return json.loads(df.to_json(orient="records", force_ascii=False))
