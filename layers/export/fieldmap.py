"""The fixed mapping of export field names to Shapefile (DBF) names of at most 10 characters.

DBF field names hold 10 bytes. Letting a writer cut names (``description`` -> ``descriptio``,
``district_code`` and ``district_name`` -> ``district_c`` / ``district_n``) makes names that
change with the column order; this table never does. It is documented in docs/export.md
and written as ``fieldmap.csv`` into every Shapefile zip and district bundle.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from layers.export.read import LayerSpec

#: Export field name -> Shapefile field name (ASCII, at most 10 characters).
SHAPEFILE_FIELDS: dict[str, str] = {
    "id": "id",
    "public_id": "public_id",
    "kind": "kind",
    "kind_ko": "kind_ko",
    "category": "category",
    "category_ko": "cat_ko",
    "name": "name",
    "description": "descr",
    "address": "address",
    "contact": "contact",
    "location_generalised": "loc_gen",
    "location_precision": "loc_prec",
    "district_code": "dist_code",
    "district_name": "dist_name",
    "dong_code": "dong_code",
    "dong_name": "dong_name",
    "source": "source",
    "source_id": "source_id",
    "is_demo": "is_demo",
    "source_title": "src_title",
    "publisher": "publisher",
    "edition": "edition",
    "licence": "licence",
    "place_id": "place_id",
    "program_no": "prog_no",
    "program_name": "prog_name",
    "stage": "stage",
    "stage_ko": "stage_ko",
    "year": "year",
    "grant_mkrw": "grant_mkrw",
    "title": "title",
    "city_project": "city_proj",
    "department": "dept",
    "conflict_type": "conf_type",
    "conflict_type_ko": "conf_ty_ko",
    "severity": "severity",
    "stakeholders": "stakehold",
    "opened_on": "opened_on",
    "closed_on": "closed_on",
    "code": "code",
    "name_ko": "name_ko",
    "name_en": "name_en",
    "area_km2": "area_km2",
}


def dbf_name(field: str) -> str:
    """The Shapefile name of export field ``field``."""
    return SHAPEFILE_FIELDS[field]


def mapping_rows(specs: Iterable[LayerSpec], *, lang: str = "ko") -> list[tuple[str, ...]]:
    """(layer, field, shapefile field, meaning) for every field of ``specs``."""
    i = 0 if lang == "ko" else 1
    return [
        (spec.name, col.name, dbf_name(col.name), col.label[i])
        for spec in specs
        for col in spec.columns
    ]


def mapping_csv(specs: Iterable[LayerSpec]) -> bytes:
    """The mapping as CSV (UTF-8 with BOM, opens in Korean Excel), as put into zips."""
    specs = list(specs)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["layer", "field", "shapefile_field", "설명", "meaning"])
    ko = mapping_rows(specs, lang="ko")
    en = mapping_rows(specs, lang="en")
    for row_ko, row_en in zip(ko, en, strict=True):
        writer.writerow([*row_ko, row_en[3]])
    return buf.getvalue().encode("utf-8-sig")
