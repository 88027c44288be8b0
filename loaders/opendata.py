"""Published open data: read the manifest, import each file with the project's importer.

``data/open/manifest.toml`` lists the published files beside it (see its header for the
keys). :func:`load_open_data` imports every listed file through the ordinary import path
(``loaders.plan.prepare`` then ``loaders.ingest.run_import``, one transaction per file),
writes each source's provenance and counts to ``datasets``, links records of different
sources that are the same place (``geo.places.relink``) and removes the generated demo
space, heritage and other records once real ones exist. National files keep only Seoul's
rows: the importer's ``outside_seoul`` rejects are reported as "outside Seoul (national
file)", not as errors. Used by ``loaders.setup`` (files whose sha256 is unchanged are
skipped) and by ``python -m loaders open-data refresh`` (every file re-imported).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from geo import places
from geo.db import get_engine, transaction
from geo.errors import InvalidInput
from geo.messages import Msg
from geo.progress import Progress, no_progress
from loaders.columns import Mapping, mapping_from_dict
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare
from loaders.report import ImportReport

#: The manifest shipped with the project.
MANIFEST = Path(__file__).resolve().parent.parent / "data" / "open" / "manifest.toml"
#: Who the history and import log name for open-data imports.
ACTOR = "open-data"

_SPEC_KEYS = {
    "source",
    "file",
    "title_ko",
    "title_en",
    "publisher",
    "edition",
    "found_at",
    "scope",
    "location",
    "load",
    "note",
    "mapping",
}


@dataclass(frozen=True)
class DatasetSpec:
    """One published file as the manifest describes it."""

    source: str
    path: Path
    title_ko: str
    title_en: str
    publisher: str
    edition: str
    found_at: str
    licence: str
    scope: str = "seoul"
    location: str = "coordinates"
    load: bool = True
    note: str | None = None
    mapping: Mapping = field(default_factory=Mapping)

    @property
    def national(self) -> bool:
        """A national file: only Seoul's rows belong in the atlas."""
        return self.scope == "national"

    def provenance(self) -> dict[str, object]:
        """The ``datasets`` fields the import writes."""
        return {
            "title_ko": self.title_ko,
            "title_en": self.title_en,
            "publisher": self.publisher,
            "edition": self.edition,
            "licence": self.licence,
            "found_at": self.found_at,
            "note": " ".join(self.note.split()) if self.note else None,
            "is_open_data": True,
        }


@dataclass
class DatasetResult:
    """What loading one dataset did."""

    spec: DatasetSpec
    status: str  # "imported", "unchanged", "not_loaded"
    report: ImportReport | None = None
    message: str | None = None
    linked: int = 0
    dong_precision: int = 0

    @property
    def outside(self) -> int:
        """Rows outside Seoul (for a national file: the other regions' rows)."""
        return self.report.rejected_by_reason.get("outside_seoul", 0) if self.report else 0

    @property
    def repeated(self) -> int:
        """Rows repeating an earlier row's record (same name at the same point: e.g. the
        rooms of one facility in the open-facilities file); the record is kept once."""
        return self.report.rejected_by_reason.get("duplicate", 0) if self.report else 0

    @property
    def errors(self) -> int:
        """Rejected rows that are errors: not outside Seoul in a national file, not repeats."""
        if self.report is None:
            return 0
        outside = self.outside if self.spec.national else 0
        return self.report.rejected - outside - self.repeated

    def counts(self) -> dict[str, int]:
        """read, in Seoul, outside, dong precision, linked, errors (for ``datasets``)."""
        r = self.report
        return {
            "read": r.read if r else 0,
            "in_seoul": r.accepted if r else 0,
            "outside": self.outside,
            "dong_precision": self.dong_precision,
            "linked": self.linked,
            "repeated": self.repeated,
            "errors": self.errors,
        }

    def line(self) -> str:
        """One line for the terminal."""
        s = self.spec
        if self.report is None:
            return f"{s.source}: {self.status} — {self.message or ''}".rstrip(" —")
        c = self.counts()
        outside = "outside Seoul (national file)" if s.national else "outside Seoul (rejected)"
        return (
            f"{s.source}: read {c['read']:,} · in Seoul {c['in_seoul']:,} · {outside} "
            f"{c['outside']:,} · dong precision {c['dong_precision']:,} · linked "
            f"{c['linked']:,} · repeated rows {c['repeated']:,} · errors {c['errors']:,} "
            f"(inserted {self.report.inserted:,}, "
            f"updated {self.report.updated:,}, retired {len(self.report.retired):,})"
        )


def read_manifest(path: str | Path = MANIFEST) -> list[DatasetSpec]:
    """The datasets of a manifest, checked; a user-safe error names what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(Msg("opendata.cannot_read", name=path.name, reason=exc)) from exc
    licence = str(data.get("licence", ""))
    specs = []
    for i, raw in enumerate(data.get("dataset", []), 1):
        unknown = set(raw) - _SPEC_KEYS
        missing = {"source", "file", "title_ko", "title_en"} - set(raw)
        if unknown or missing:
            raise InvalidInput(
                Msg("opendata.bad_entry", i=i, unknown=sorted(unknown), missing=sorted(missing))
            )
        specs.append(
            DatasetSpec(
                source=str(raw["source"]),
                path=path.parent / str(raw["file"]),
                title_ko=str(raw["title_ko"]),
                title_en=str(raw["title_en"]),
                publisher=str(raw.get("publisher", "")),
                edition=str(raw.get("edition", "")),
                found_at=str(raw.get("found_at", "")),
                licence=licence,
                scope=str(raw.get("scope", "seoul")),
                location=str(raw.get("location", "coordinates")),
                load=bool(raw.get("load", True)),
                note=raw.get("note"),
                mapping=mapping_from_dict(raw.get("mapping", {})),
            )
        )
    return specs


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _imported_sha(engine: sa.Engine, source: str) -> str | None:
    with transaction(engine) as conn:
        return conn.execute(
            sa.text("SELECT file_sha256 FROM datasets WHERE source = :s AND is_open_data"),
            {"s": source},
        ).scalar()


def load_dataset(
    spec: DatasetSpec,
    engine: sa.Engine,
    *,
    force: bool = False,
    retire_missing: bool = False,
    progress: Progress = no_progress,
) -> DatasetResult:
    """Import one dataset with the ordinary importer (unless unchanged and not ``force``)."""
    if not spec.load:
        return DatasetResult(spec, "not_loaded", message=spec.note)
    if not force and _imported_sha(engine, spec.source) == file_sha256(spec.path):
        return DatasetResult(spec, "unchanged", message="same file as the last import")
    options = ImportOptions(
        source=spec.source,
        mapping=spec.mapping,
        actor=ACTOR,
        dataset=spec.provenance(),
        retire_missing=retire_missing,
    )
    plan = prepare(spec.path, options)
    report = run_import(plan, engine=engine, progress=progress)
    return DatasetResult(spec, "imported", report=report)


def _finish(engine: sa.Engine, results: list[DatasetResult]) -> dict[str, object]:
    """Relink places, record per-source counts, drop demo records real ones replace."""
    with transaction(engine) as conn:
        linked = places.relink(conn)
        per_source = places.linked_per_source(conn)
        for res in results:
            if res.report is None:
                continue
            res.linked = per_source.get(res.spec.source, 0)
            res.dong_precision = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM resources WHERE source = :s "
                        "AND location_precision = 'dong' AND retired_at IS NULL"
                    ),
                    {"s": res.spec.source},
                ).scalar_one()
            )
            conn.execute(
                sa.text(
                    "UPDATE datasets SET counts = counts || CAST(:c AS jsonb) WHERE source = :s"
                ),
                {"s": res.spec.source, "c": _json(res.counts())},
            )
        for source, n in per_source.items():
            conn.execute(
                sa.text(
                    """UPDATE datasets SET counts = COALESCE(counts, '{}'::jsonb)
                           || jsonb_build_object('linked', CAST(:n AS int))
                       WHERE source = :s"""
                ),
                {"s": source, "n": n},
            )
        removed = remove_replaced_demo(conn)
        pairs = places.links_by_source_pair(conn)
    return {"linked": linked, "demo_removed": removed, "pairs": pairs}


def _json(d: dict) -> str:
    import json

    return json.dumps(d)


def remove_replaced_demo(conn: sa.Connection) -> int:
    """Delete generated demo resources other than people once real records exist.

    Demo rows are invented, not records: once real space and heritage data is loaded they
    are deleted (not retired), so that nothing invented sits among real places. Demo
    people, program sites and conflict cases stay: no public data replaces them.
    """
    real = conn.execute(
        sa.text("SELECT EXISTS (SELECT 1 FROM resources WHERE NOT is_demo AND kind <> 'human')")
    ).scalar_one()
    if not real:
        return 0
    return conn.execute(sa.text("DELETE FROM resources WHERE is_demo AND kind <> 'human'")).rowcount


def load_open_data(
    url: str | None = None,
    *,
    manifest: str | Path = MANIFEST,
    force: bool = False,
    retire_missing: bool = False,
    progress: Progress = no_progress,
) -> tuple[list[DatasetResult], dict[str, object]]:
    """Import every dataset of ``manifest``; returns per-dataset results and the link summary.

    Parameters
    ----------
    force
        Re-import files whose sha256 equals the last import's (refresh); without it they
        are skipped, so a second setup changes nothing.
    retire_missing
        Retire records of a source that its (complete) file no longer lists.
    """
    engine = get_engine(url)
    specs = read_manifest(manifest)
    results = []
    for i, spec in enumerate(specs):
        lo, hi = i / len(specs), (i + 1) / len(specs)

        def sub(
            f: float, msg: Msg | str, lo: float = lo, hi: float = hi, name: str = spec.source
        ) -> None:
            progress(lo + (hi - lo) * f, f"{name}: {msg}")

        sub(0.0, spec.path.name)
        results.append(
            load_dataset(spec, engine, force=force, retire_missing=retire_missing, progress=sub)
        )
    summary = _finish(engine, results)
    progress(1.0, f"open data: {summary['linked']:,} records linked across sources")
    return results, summary
