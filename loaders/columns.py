"""Column mapping: recognise the column names Korean portals use, and read mapping files.

A :class:`Mapping` says, for each field of the target (see ``loaders.targets``) and for
the coordinates, which column of the file holds it, or which one value applies to the whole
file. :func:`detect_mapping` fills it from the usual names (``위도``/``경도``, ``X좌표``,
``LC_LA``/``LC_LO``, ``시설명``, ``소재지도로명주소``...); a mapping file (TOML or JSON, see
:func:`read_mapping_file`) or the import page overrides any part of it.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from geo import vocab
from geo.errors import InvalidInput
from geo.messages import Joined, Msg
from loaders.targets import Target

#: Coordinate roles: ``x`` is the easting or longitude, ``y`` the northing or latitude.
COORDINATES = ("x", "y")

#: A second column that completes the name, when the name column alone repeats for records
#: that differ (a room ``개방장소명`` of a building ``개방시설명``): the record is named
#: "building room". Mapped like a field (``[columns] name_part = "개방장소명"``).
NAME_PART = "name_part"

#: Field -> column names that mean it (compared after :func:`norm_key`), best first.
ALIASES: dict[str, tuple[str, ...]] = {
    "y": (
        "위도",
        "lat",
        "latitude",
        "lcla",
        "la",
        "wgs84위도",
        "위도wgs84",
        "y",
        "y좌표",
        "ycrd",
        "y좌표값",
        "좌표y",
        "좌표정보y",
        "coordy",
        "ycoord",
        "pointy",
        "gisy",
        "mapy",
        "tmy",
        "ypos",
    ),
    "x": (
        "경도",
        "lon",
        "lng",
        "long",
        "longitude",
        "lclo",
        "lo",
        "lot",
        "wgs84경도",
        "경도wgs84",
        "x",
        "x좌표",
        "xcrd",
        "x좌표값",
        "좌표x",
        "좌표정보x",
        "coordx",
        "xcoord",
        "pointx",
        "gisx",
        "mapx",
        "tmx",
        "xpos",
    ),
    "name": (
        "이름",
        "명칭",
        "시설명",
        "자원명",
        "공간명",
        "장소명",
        "기관명",
        "단체명",
        "상호명",
        "사업장명",
        "도서관명",
        "대상지명",
        "대상지",
        "마을명",
        "사업지명",
        "성명",
        "name",
        "nm",
        "fcltynm",
        "bplcnm",
    ),
    "title": ("갈등명", "갈등사안", "사안명", "제목", "과제명", "title", "name", "이름", "명칭"),
    "kind": ("자원유형", "유형", "자원구분", "대분류", "kind", "type"),
    "category": (
        "세부분류",
        "분류",
        "소분류",
        "중분류",
        "시설유형",
        "시설구분",
        "종류",
        "category",
    ),
    "description": ("설명", "내용", "소개", "개요", "비고", "description", "desc", "remark"),
    "address": (
        "주소",
        "소재지도로명주소",
        "소재지전체주소",
        "도로명전체주소",
        "도로명주소",
        "소재지",
        "소재지주소",
        "소재지지번주소",
        "지번주소",
        "위치",
        "address",
        "addr",
        "rdnmadr",
        "lnmadr",
        "sitewhladdr",
        "rdnwhladdr",
        "시설주소",
        "시설소재지",
    ),
    "contact": ("연락처", "전화번호", "대표전화", "전화", "이메일", "contact", "tel", "phone"),
    "visibility": ("공개여부", "공개범위", "공개", "visibility"),
    "source_id": (
        "관리번호",
        "고유번호",
        "시설코드",
        "자원번호",
        "대상지번호",
        "사례번호",
        "id",
        "source_id",
        "sourceid",
        "mgtno",
        "code",
    ),
    "district": (
        "자치구",
        "자치구명",
        "구",
        "구명",
        "시군구",
        "시군구명",
        "구청",
        "district",
        "gu",
        "gunm",
        "signgu",
        "signgunm",
        "sgg",
        "sggnm",
    ),
    "program_no": ("사업번호", "지원사업번호", "지원사업", "사업연번", "program", "programno"),
    "stage": ("단계", "추진단계", "진행단계", "stage"),
    "year": ("연도", "년도", "사업연도", "선정연도", "지원연도", "year"),
    "grant_mkrw": (
        "지원금",
        "지원금액",
        "지원금백만원",
        "보조금",
        "사업비",
        "grant",
        "grantmkrw",
    ),
    "city_project": ("관련사업", "시사업", "관련시사업", "사업명", "cityproject", "project"),
    "department": ("담당부서", "소관부서", "부서", "주관부서", "department", "dept"),
    "conflict_type": ("갈등유형", "유형", "conflicttype", "type"),
    "severity": ("심각도", "갈등강도", "강도", "등급", "severity"),
    "stakeholders": ("이해관계자", "관계자", "stakeholders"),
    "opened_on": ("발생일", "시작일", "접수일", "발생일자", "openedon", "opened", "startdate"),
    "closed_on": ("종결일", "종료일", "종결일자", "closedon", "closed", "enddate"),
}

#: Extra spellings of vocabulary values seen in files (normalised key -> code). Category
#: spellings are not here: they live in the database (``category_spellings``, migration 0009).
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "kind": {
        "인적": "human",
        "사람": "human",
        "인물": "human",
        "공간": "space",
        "시설": "space",
        "인문": "heritage",
        "역사": "heritage",
        "문화유산": "heritage",
    },
    "stage": {
        "씨앗": "seed",
        "새싹": "sprout",
        "희망": "hope",
        "사전대응": "prevention_plan",
        "영향분석": "impact_analysis",
        "검토회의": "review_meeting",
        "조정협의회": "mediation_council",
        "종결": "closed",
        "합의": "closed",
    },
    "visibility": {"공개": "public", "비공개": "staff", "y": "public", "n": "staff"},
}

_PARENS = re.compile(r"[(\[{（［].*?[)\]}）］]")
#: Compare-form of a name or value: NFKC, lower case, no spaces or punctuation (the rule
#: lives with the vocabularies, whose spellings are stored in this form; the same rule
#: runs in SQL in ``loaders.validate`` for values in the file).
norm_key = vocab.norm_key


def column_key(name: str) -> str:
    """Compare-form of a column name: parenthesised notes (``(GRS80TM)``) dropped."""
    return norm_key(_PARENS.sub("", unicodedata.normalize("NFKC", str(name))))


@dataclass
class Mapping:
    """Which column holds each field, or which value applies to the whole file.

    ``columns`` maps a field name (or ``x``/``y``) to a column name of the file;
    ``values`` maps a field name to one value for every row (``kind = "space"``);
    ``codes`` maps a field name to extra {value in the file: code} pairs.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    crs: str | None = None
    source: str | None = None
    #: Why each column was chosen: field -> message, for the report.
    evidence: dict[str, Msg] = field(default_factory=dict)
    #: Every coordinate pair as (x column, y column), the primary (``columns['x']``,
    #: ``columns['y']``) first; filled by ``loaders.plan`` (see ``coordinate_pairs``).
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def merged(self, other: Mapping) -> Mapping:
        """This mapping overridden by ``other`` (a field or column named in ``other`` wins)."""
        taken = set(other.columns.values())
        columns = {
            k: v for k, v in self.columns.items() if k not in other.values and v not in taken
        }
        values = {k: v for k, v in self.values.items() if k not in other.columns}
        evidence = {k: v for k, v in self.evidence.items() if k in columns}
        given = {k: Msg("columns.given_by_mapping") for k in other.columns}
        return replace(
            self,
            evidence=evidence | other.evidence | given,
            columns=columns | other.columns,
            values=values | other.values,
            codes=self.codes | other.codes,
            crs=other.crs or self.crs,
            source=other.source or self.source,
        )

    def to_dict(self) -> dict:
        """JSON-able form (same layout as a mapping file)."""
        out: dict = {"columns": self.columns, "values": self.values}
        if self.codes:
            out["codes"] = self.codes
        if self.crs:
            out["crs"] = self.crs
        if self.source:
            out["source"] = self.source
        return out


#: Longest text taken for a column name when looking for the header row.
MAX_NAME_LENGTH = 200


def header_score(cells: Sequence[object], target: Target) -> int:
    """How many cells of a row are known column names of ``target`` (to find the header)."""
    names = (str(c) for c in cells if c not in (None, ""))
    # A cell longer than any column name (a long description) is not normalised at all.
    keys = {k(n) for n in names if len(n) <= MAX_NAME_LENGTH for k in (column_key, norm_key)}
    known = {norm_key(a) for f in (*target.names, *COORDINATES) for a in ALIASES.get(f, ())}
    return len(keys & known)


def detect_mapping(
    columns: Sequence[str],
    target: Target,
    *,
    has_geometry: bool,
    frame: pd.DataFrame | None = None,
    codes: dict[str, dict[str, str]] | None = None,
) -> Mapping:
    """Map the target's fields (and ``x``/``y`` unless the file has geometry) to columns.

    Exact aliases first, then the shapes publishers use, judged by the values when
    ``frame`` is given: see :func:`loaders.recognise.recognise`.
    """
    from loaders.recognise import recognise

    return recognise(columns, target, has_geometry=has_geometry, frame=frame, codes=codes)


def read_mapping_file(path: str | Path) -> Mapping:
    """Read a mapping file: TOML (``.toml``) or JSON (``.json``).

    Layout (every table optional)::

        crs = 5174                 # EPSG of the coordinates, when the file does not say
        source = "seoul-libraries" # records are matched on (source, source_id)
        [columns]                  # field = column of the file
        name = "시설명"
        x = "X좌표"
        y = "Y좌표"
        [values]                   # field = one value for the whole file
        kind = "space"
        category = "library"
        [codes.category]           # value in the file = code
        "작은 도서관" = "library"
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(Msg("columns.cannot_read_mapping", name=path.name, reason=exc)) from exc
    return mapping_from_dict(data)


def mapping_from_dict(data: dict) -> Mapping:
    """A :class:`Mapping` from the layout of a mapping file; unknown keys are an error."""
    unknown = set(data) - {"columns", "values", "codes", "crs", "source"}
    if unknown:
        raise InvalidInput(Msg("columns.unknown_mapping_keys", keys=sorted(unknown)))

    def strings(d: object, what: str) -> dict[str, str]:
        if not isinstance(d, dict):
            raise InvalidInput(Msg("columns.must_table", what=what))
        return {str(k): str(v) for k, v in d.items()}

    columns = strings(data.get("columns", {}), "columns")
    for alias, name in (("lon", "x"), ("lat", "y"), ("longitude", "x"), ("latitude", "y")):
        if alias in columns:
            columns[name] = columns.pop(alias)
    codes = {k: strings(v, f"codes.{k}") for k, v in data.get("codes", {}).items()}
    crs = data.get("crs")
    return Mapping(
        columns=columns,
        values=strings(data.get("values", {}), "values"),
        codes=codes,
        crs=str(crs) if crs is not None else None,
        source=str(data["source"]) if data.get("source") else None,
    )


def check_mapping(mapping: Mapping, columns: Sequence[str], target: Target) -> None:
    """Raise a user-safe error naming every mapping problem (unknown field or column)."""
    problems = []
    allowed = set(target.names) | set(COORDINATES) | {NAME_PART}
    for name, col in mapping.columns.items():
        if name not in allowed:
            problems.append(Msg("columns.unknown_field", name=name))
        elif col not in columns:
            problems.append(Msg("columns.no_such_column", name=name, column=col))
    for name in mapping.values:
        if name not in allowed - set(COORDINATES) - {NAME_PART}:
            problems.append(Msg("columns.unknown_field", name=name))
    if problems:
        raise InvalidInput(Msg("columns.check_mapping", problems=Joined(tuple(problems))))


def code_lookup(
    target: Target, mapping: Mapping, *, spellings: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """For every code field: normalised spelling -> code (codes, labels, synonyms, mapping).

    ``spellings`` are the category spellings of the database (``category_spellings``),
    read by the caller in its transaction; ``None`` reads them now.
    """
    out: dict[str, dict[str, str]] = {}
    for f in target.fields:
        if f.type != "code":
            continue
        codes = f.code_table()
        table: dict[str, str] = {}
        for code, (ko, en) in codes.items():
            for spelling in (code, ko, en):
                table.setdefault(norm_key(spelling), str(code))
        synonyms = VALUE_SYNONYMS.get(f.name, {})
        if f.name == "category":
            synonyms = spellings if spellings is not None else category_spellings()
        for spelling, code in synonyms.items():
            if code in codes:
                table.setdefault(norm_key(spelling), code)
        for spelling, code in mapping.codes.get(f.name, {}).items():
            table[norm_key(spelling)] = resolve_code(codes, code, f.name)
        out[f.name] = table
    return out


def category_spellings() -> dict[str, str]:
    """The database's category spellings (compare-form -> code), read now."""
    from geo.db import connect

    with connect() as conn:
        return vocab.read_spellings(conn)


def resolve_code(codes: dict, value: str, field_name: str) -> str:
    """The code ``value`` stands for (code or label in either language), or an error."""
    key = norm_key(value)
    for code, (ko, en) in codes.items():
        if key in (norm_key(code), norm_key(ko), norm_key(en)):
            return str(code)
    synonyms = VALUE_SYNONYMS.get(field_name, {})
    if field_name == "category":
        synonyms = category_spellings()
    synonym = synonyms.get(key)
    if synonym is not None and synonym in codes:
        return synonym
    raise InvalidInput(
        Msg(
            "columns.unknown_value",
            field=field_name,
            value=value,
            codes=", ".join(map(str, codes)),
        )
    )


def kind_of_category() -> dict[str, str | None]:
    """Category code -> its kind code (``None``: any kind, e.g. ``unclassified``)."""
    return vocab.kind_of_category()
