"""The README.txt put into export zips and district bundles: what, from where, how, how many.

Korean first, then English: source, export time, whose rights applied, filters, CRS, record
counts per layer (with demo records), files, the Shapefile field mapping, the boundary
attribution and notes. A clear warning heads it when demo records are included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from geo import datasets, vocab
from geo.access import Viewer
from geo.reference import attribution, district_names
from layers.export.fieldmap import mapping_rows
from layers.export.read import EXPORT_CRS, LayerTable, Selection

FILE_NAME = "README.txt"
SOURCE_LINE = (
    "마을 아틀라스 (서울 마을공동체 자원 DB) / Maeul Atlas, Seoul village-community resources"
)
_ROLE_TEXT = {
    "public": (
        "공개 (인적자원은 법정동 대표 위치, 주소·연락처 없음, 직원 전용 기록 제외)",
        "public (people at their legal dong's representative point, no address or contact; "
        "staff-only records left out)",
    ),
    "district_officer": (
        "자치구 담당자 (담당 자치구만 정확한 위치·연락처, 그 밖은 공개 수준)",
        "district officer (exact points and contacts in their own district only; "
        "elsewhere as public)",
    ),
    "planner": ("서울시 담당자 (정확한 위치·연락처 포함)", "city planner (exact points, contacts)"),
    "admin": ("관리자 (정확한 위치·연락처 포함)", "administrator (exact points, contacts)"),
}


def _filters(selection: Selection) -> list[str]:
    names = district_names(selection.districts) if selection.districts else {}
    where = (
        ", ".join(f"{names[c][0]} ({names[c][1]}, {c})" for c in selection.districts if c in names)
        or "서울 전체 / all of Seoul"
    )
    flt = selection.resources
    kinds = ", ".join(f"{vocab.label(vocab.KINDS, k)} ({k})" for k in flt.kinds) or "전체 / all"
    cats = vocab.all_categories()
    categories = ", ".join(f"{vocab.label(cats, c)} ({c})" for c in flt.categories)
    lines = [
        f"- 자치구 / Districts: {where}",
        f"- 자원 유형 / Resource kinds: {kinds}",
        f"- 세부 분류 / Categories: {categories or '전체 / all'}",
        f"- 검색어 / Text: {flt.text.strip() or '없음 / none'}",
    ]
    if selection.open_conflicts_only:
        lines.append("- 갈등: 진행 중인 사례만 / Conflicts: open cases only")
    return lines


def _sources(tables: Sequence[LayerTable]) -> list[str]:
    """One line per source of the exported records: dataset, publisher, edition, licence."""
    counts: dict[str, int] = {}
    for t in tables:
        if "source" not in t.table.column_names:
            continue
        for value in t.table["source"].to_pylist():
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return ["  (없음 / none)"]
    known = datasets.sources().set_index("source")
    lines = []
    for source, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if source in known.index:
            d = known.loc[source]
            parts = [f"{d['title_ko']} / {d['title_en']}"]
            parts += [str(d[c]) for c in ("publisher", "edition", "file_name") if d[c]]
            line = f"  {source}: {n:,} · " + " · ".join(parts)
            if d["licence"]:
                line += f" · {d['licence']}"
        else:
            line = f"  {source}: {n:,}"
        lines.append(line)
    return lines


def render(
    tables: Sequence[LayerTable],
    *,
    viewer: Viewer,
    selection: Selection,
    exported_at: dt.datetime,
    files: Sequence[str],
    formats: Sequence[str],
    encoding: str | None = None,
    notes: Sequence[str] = (),
    title: str = "마을 아틀라스 레이어 내보내기 / Maeul Atlas layer export",
) -> str:
    """The README text for an export of ``tables``."""
    demo = sum(t.demo_rows for t in tables)
    crs = tables[0].crs if tables else 4326
    out = [title, "=" * 60, ""]
    if demo:
        out += [
            f"!! 주의: 시연용 가상 데이터(데모) {demo:,}건이 포함되어 있습니다 (is_demo = true). "
            "실제 현황이 아닙니다.",
            f"!! Note: {demo:,} demo records are included (is_demo = true). They are invented, "
            "not real.",
            "",
        ]
    out += [
        f"출처 / Source: {SOURCE_LINE}",
        f"내보낸 시각 / Exported at: {exported_at.isoformat()}",
        f"권한 / Viewer: {' / '.join(_ROLE_TEXT[viewer.role])}",
        f"형식 / Format: {', '.join(formats)}",
        f"좌표계 / CRS: EPSG:{crs} {EXPORT_CRS[crs][0]} / {EXPORT_CRS[crs][1]}",
        "  CSV: x, y = 같은 좌표계의 좌표 (경위도일 때 x = 경도, y = 위도), 면 레이어는 wkt 열에 "
        "전체 도형과 x, y에 면 위의 한 점.",
        "  CSV: x, y are in the same CRS (for EPSG:4326 x = longitude, y = latitude); area "
        "layers add the whole shape as WKT and a point on the surface as x, y.",
    ]
    if encoding:
        out.append(
            f"Shapefile 인코딩 / encoding: {encoding.upper()} (.cpg 파일에 기록 / stated in .cpg)"
        )
    out += ["", "필터 / Filters:", *_filters(selection), "", "레코드 수 / Record counts:"]
    out.append(f"  {'layer':<20}{'records':>10}{'demo':>10}  이름 / name")
    for t in tables:
        out.append(f"  {t.spec.name:<20}{t.n:>10,}{t.demo_rows:>10,}  {' / '.join(t.spec.label)}")
    generalised = sum(t.generalised_rows for t in tables)
    if generalised:
        out.append(
            f"  인적자원 {generalised:,}건은 위치가 일반화되었습니다 (location_generalised). / "
            f"{generalised:,} people are at a generalised location."
        )
    at_dong = sum(t.dong_precision_rows for t in tables)
    if at_dong:
        out.append(
            f"  {at_dong:,}건은 주소의 법정동 대표 지점에 있습니다 (location_precision = dong, "
            f"정확한 위치 아님). / {at_dong:,} records sit at the label point of their "
            "address's legal dong (location_precision = dong), not at an exact point."
        )
    out += ["", "파일 / Files:", *(f"  {f}" for f in files)]
    renamed = {
        (name, short, meaning)
        for _layer, name, short, meaning in mapping_rows([t.spec for t in tables])
        if name != short
    }
    out += [
        "",
        "Shapefile 필드 이름: DBF는 10자까지라 아래 이름은 고정 대응표로 줄입니다 (전체 표: "
        "fieldmap.csv, docs/export.md). / Shapefile field names: DBF holds 10 characters, so "
        "these names are shortened by a fixed mapping (full table in fieldmap.csv):",
    ]
    for name, short, meaning in sorted(renamed):
        out.append(f"  {name:<22} -> {short:<11} {meaning}")
    out += ["", "자료 출처 / Data sources:", *_sources(tables)]
    out += [
        "",
        "경계 자료 / Boundary data:",
        f"  {attribution('ko')}",
        f"  {attribution('en')}",
    ]
    if notes:
        out += ["", "알림 / Notes:", *(f"  - {n}" for n in notes)]
    return "\r\n".join(out) + "\r\n"
