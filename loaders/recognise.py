"""Recognise which column holds each field from its header and its values, and say why.

Korean publishers name columns in a few regular shapes rather than from a fixed list: a
name sits under a header ending in 명, 명칭, 이름, NM or NAME (``…시설명``, ``쉼터명칭``,
``FCLTY_NM``, ``FACILITY_NAME``), a type under one holding 분류/구분/유형/종류 or ending in
CL_NM/TYPE, an address under 주소/소재지/ADDR, a district under 자치구/시군구/SIGNGU. Headers
alone mislead (``시군구명`` and ``시설종류명`` end in 명 too), so each candidate is also
judged by its values: how many are distinct, how many are numbers, how many are known
categories or district names. The exact aliases of ``loaders.columns.ALIASES`` stay the
strongest evidence. :func:`recognise` returns a :class:`~loaders.columns.Mapping` whose
``evidence`` says, per field, which column was chosen and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo import crs as kcrs
from geo.messages import Msg
from loaders.columns import ALIASES, COORDINATES, NAME_PART, Mapping, column_key, norm_key
from loaders.targets import Target

#: Fields chosen here from headers and values; the others take their exact aliases only.
_SMART = ("district", "address", "kind", "category")

_NUMBER = re.compile(r"^\s*[+-]?\d[\d,]*(\.\d*)?\s*$")
_PARENS = re.compile(r"[(\[{（［](.*?)[)\]}）］]")
_DISTRICT_VALUE = re.compile(r"^(서울특별시|서울시|서울)?\s*\S{1,6}(구|군|시)$")

#: Header words that make a column something other than a name.
_NOT_NAME = (
    "분류", "구분", "유형", "종류", "시군구", "자치구", "시도", "signgu", "sido", "ctprvn",
    "sgg", "주소", "addr", "도로명", "소재지", "지번", "법정동", "행정동", "읍면동", "기관",
    "부서", "담당", "대표", "시설장", "관리자", "제공", "운영", "데이터", "사진", "홈페이지",
    "전화", "기준", "파일", "상품", "품목",
)  # fmt: skip
_NOT_NAME_END = ("clnm", "type", "코드", "code", "cd")
_NAME_ENDS: tuple[tuple[str, float, str], ...] = (
    ("시설명", 2.0, "시설명"),
    ("명칭", 2.0, "명칭"),
    ("이름", 2.0, "이름"),
    ("name", 2.0, "NAME"),
    ("nm", 1.5, "NM"),
    ("명", 1.5, "명"),
)
_CATEGORY_WORDS = (("유형", 0.3), ("종류", 0.3), ("분류", 0.3), ("구분", 0.2))
_CATEGORY_ENDS = ("clnm", "type", "category")
_NOT_CATEGORY = ("여부", "방법", "이용", "사용", "신청", "운영", "휴관", "요일", "자치구", "시도")
_ADDRESS_WORDS = ("주소", "소재지", "addr")
_NOT_ADDRESS = ("홈페이지", "이메일", "email", "url", "ip", "코드", "code", "우편")
_ROAD_WORDS = ("도로명", "신주소", "road", "rdnm")
_DISTRICT_WORDS = ("자치구", "시군구", "signgu", "sgg")
_NOT_DISTRICT = ("코드", "code", "구분", "cd")

Why = Msg  # why a column was chosen, for the plan shown to the user


@dataclass(frozen=True)
class _Stats:
    """What a column's values look like (non-blank values only, except ``filled``)."""

    filled: float
    distinct: float
    numeric: float
    n: int

    @classmethod
    def of(cls, values: pd.Series) -> _Stats:
        texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not texts:
            return cls(0.0, 0.0, 0.0, 0)
        numeric = sum(1 for t in texts if _NUMBER.match(t)) / len(texts)
        filled = len(texts) / max(len(values), 1)
        return cls(filled, len(set(texts)) / len(texts), numeric, len(texts))


def _keys(column: str) -> list[str]:
    """Compare-forms of a header: without its notes, each note, and each without digits."""
    text = unicodedata.normalize("NFKC", column)
    keys = [column_key(column)] + [norm_key(p) for p in _PARENS.findall(text)]
    keys = [k for k in keys if k]
    return keys + [k.rstrip("0123456789") for k in keys if k[-1:].isdigit()]


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


def _share(values: pd.Series, test: Callable[[str], bool]) -> float:
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return sum(1 for t in texts if test(t)) / len(texts) if texts else 0.0


def value_key(text: str) -> tuple[str, str]:
    """Compare-forms of a value: whole, and without parenthesised notes (``(노인) 경로당``)."""
    return norm_key(text), norm_key(_PARENS.sub("", unicodedata.normalize("NFKC", text)))


class _Recogniser:
    def __init__(
        self,
        columns: Sequence[str],
        frame: pd.DataFrame | None,
        target: Target,
        codes: dict[str, dict[str, str]],
    ) -> None:
        self.columns = list(columns)
        self.frame = frame
        self.target = target
        self.codes = codes
        self.used: set[str] = set()
        self.mapping = Mapping()
        self.by_key: dict[str, str] = {}
        for col in self.columns:
            self.by_key.setdefault(norm_key(col), col)
        for col in self.columns:
            for key in _keys(col):
                self.by_key.setdefault(key, col)

    # --- helpers ---------------------------------------------------------------------------

    def values(self, col: str) -> pd.Series:
        if self.frame is None or col not in self.frame:
            return pd.Series([], dtype=object)
        return self.frame[col]

    def free(self) -> list[str]:
        return [c for c in self.columns if c not in self.used]

    def take(self, name: str, col: str, why: Why) -> None:
        self.mapping.columns[name] = col
        self.mapping.evidence[name] = why
        self.used.add(col)

    def alias_of(self, name: str) -> tuple[str, str] | None:
        """The first free column whose header is an exact alias of ``name`` (and the alias)."""
        for alias in ALIASES.get(name, ()):
            col = self.by_key.get(norm_key(alias))
            if col is not None and col not in self.used:
                return col, alias
        return None

    def code_share(self, col: str, field_name: str) -> float:
        table = self.codes.get(field_name, {})
        return _share(self.values(col), lambda t: any(k in table for k in value_key(t)))

    # --- passes ----------------------------------------------------------------------------

    def aliases(self, names: Sequence[str]) -> None:
        for name in names:
            found = self.alias_of(name)
            if found:
                self.take(name, found[0], Msg("recognise.header_is", header=found[1]))

    def kind(self) -> None:
        found = self.alias_of("kind")
        if found and self.frame is None:
            self.take("kind", found[0], Msg("recognise.header_is", header=found[1]))
        elif found and self.code_share(found[0], "kind") >= 0.5:
            share = _pct(self.code_share(found[0], "kind"))
            why = Msg("recognise.kinds", header=found[1], share=share)
            self.take("kind", found[0], why)

    def category(self) -> None:
        best = None
        for col in self.free():
            keys = _keys(col)
            words = [(w, s) for w, s in _CATEGORY_WORDS if any(w in k for k in keys)]
            ends = [e for e in _CATEGORY_ENDS if any(k.endswith(e) for k in keys)]
            alias = any(k in {norm_key(a) for a in ALIASES["category"]} for k in keys)
            if not (words or ends or alias) or any(n in k for n in _NOT_CATEGORY for k in keys):
                continue
            stats = _Stats.of(self.values(col))
            if self.frame is not None and (stats.n == 0 or stats.numeric > 0.5):
                continue
            share = self.code_share(col, "category")
            weight = max([s for _, s in words] + [0.3] * bool(ends or alias))
            few = self.frame is None or stats.distinct <= 0.5 or stats.n <= 20
            score = 3 * share + weight + 0.2 * few + 0.1 * alias
            word = words[0][0] if words else (ends[0].upper() if ends else "분류")
            if best is None or score > best[0]:
                best = (score, col, share, word, few)
        if best is None:
            return
        _, col, share, word, few = best
        if share == 0 and not few:
            return
        if self.frame is None:
            why = Msg("recognise.header_has", word=word)
        elif share > 0:
            why = Msg("recognise.categories", word=word, share=_pct(share))
        else:
            why = Msg("recognise.no_known_category", word=word)
        self.take("category", col, why)

    def address(self) -> None:
        aliases = {norm_key(a) for a in ALIASES["address"]}
        best = None
        for col in self.free():
            keys = _keys(col)
            alias = any(k in aliases for k in keys)
            word = next((w for w in _ADDRESS_WORDS if any(w in k for k in keys)), None)
            if not (alias or word) or any(n in k for n in _NOT_ADDRESS for k in keys):
                continue
            stats = _Stats.of(self.values(col))
            if self.frame is not None and (stats.n == 0 or stats.numeric > 0.5):
                continue
            road = any(w in k for w in _ROAD_WORDS for k in keys)
            lot = any(w in k for w in ("지번", "구주소", "lotno", "lnm") for k in keys)
            score = stats.filled + 0.5 * road + 0.2 * alias - 0.1 * lot
            if best is None or score > best[0]:
                best = (score, col, stats, road, lot)
        if best is None:
            return
        _, col, stats, road, lot = best
        what = "recognise.address"
        if road or lot:
            what = "recognise.road_address" if road else "recognise.lot_address"
        self.take("address", col, Msg("recognise.filled", what=Msg(what), share=_pct(stats.filled)))

    def district(self) -> None:
        names = set(kcrs.district_codes_by_name())

        def is_district(text: str) -> bool:
            t = re.sub(r"^(서울특별시|서울시|서울)\s*", "", text.strip())
            return t in names or bool(_DISTRICT_VALUE.match(text.strip()))

        aliases = {norm_key(a) for a in ALIASES["district"]}
        best = None
        for col in self.free():
            keys = _keys(col)
            alias = any(k in aliases for k in keys)
            word = any(w in k for w in _DISTRICT_WORDS for k in keys)
            if not (alias or word) or any(n in k for n in _NOT_DISTRICT for k in keys):
                continue
            share = _share(self.values(col), is_district) if self.frame is not None else 1.0
            if share < 0.5:
                continue
            score = share + 0.5 * alias
            if best is None or score > best[0]:
                best = (score, col, share)
        if best is not None:
            _, col, share = best
            why = Msg("recognise.districts", share=_pct(share))
            self.take("district", col, why)

    def name(self, name: str) -> None:
        aliases = {norm_key(a) for a in ALIASES.get(name, ())}
        candidates: list[tuple[float, str, _Stats, str | None, Any]] = []
        for i, col in enumerate(self.free()):
            keys = _keys(col)
            alias = next((k for k in keys if k in aliases), None)
            end = next(
                ((w, s, shown) for w, s, shown in _NAME_ENDS for k in keys if k.endswith(w)), None
            )
            if alias is None and end is None:
                continue
            if alias is None and (
                any(n in k for n in _NOT_NAME for k in keys)
                or any(k.endswith(e) for e in _NOT_NAME_END for k in keys)
            ):
                continue
            stats = _Stats.of(self.values(col))
            if self.frame is not None and (stats.n == 0 or stats.numeric > 0.5):
                continue
            if self.frame is not None and alias is None and stats.distinct < 0.3:
                continue
            strength = 3.0 if alias or end is None else end[1]
            score = strength + stats.distinct + 0.5 * stats.filled - 0.01 * i
            candidates.append((score, col, stats, alias, end))
        if not candidates:
            return
        _, col, stats, alias, end = max(candidates, key=lambda c: c[0])
        if alias:
            head = Msg("recognise.known_header", header=col)
        else:
            head = Msg("recognise.header_ends", end=end[2])
        if self.frame is None:
            self.take(name, col, head)
            return
        why = Msg("recognise.distinct", head=head, share=_pct(stats.distinct))
        self.take(name, col, why)
        self._name_part(col, stats, [c[1] for c in candidates if c[1] != col])

    def _name_part(self, col: str, stats: _Stats, others: list[str]) -> None:
        """A second name column when the name alone repeats for records it tells apart.

        Taken when name and part together are at least 10 points more distinct than the
        name alone (rooms of one building: ``개방시설명`` + ``개방장소명``).
        """
        if stats.distinct >= 0.95:
            return
        names = self.values(col)
        best = None
        for other in others:
            parts = self.values(other)
            both = [
                f"{str(a).strip()}\x1f{str(b).strip() if b is not None else ''}"
                for a, b in zip(names, parts, strict=True)
                if a is not None and str(a).strip()
            ]
            share = len(set(both)) / len(both) if both else 0.0
            if share >= stats.distinct + 0.1 and (best is None or share > best[0]):
                best = (share, other)
        if best is not None:
            alone, together = _pct(stats.distinct), _pct(best[0])
            self.take(
                NAME_PART,
                best[1],
                Msg("recognise.name_part", col=col, alone=alone, other=best[1], together=together),
            )


def recognise(
    columns: Sequence[str],
    target: Target,
    *,
    has_geometry: bool,
    frame: pd.DataFrame | None = None,
    codes: dict[str, dict[str, str]] | None = None,
) -> Mapping:
    """Map the target's fields (and ``x``/``y`` unless the file has geometry) to columns.

    Parameters
    ----------
    columns
        The file's column names.
    target
        What the file is imported into.
    has_geometry
        The file has its own geometry (no coordinate columns wanted).
    frame
        The cells (or a sample of them): values decide between candidate columns. Without
        them, headers alone decide.
    codes
        Normalised spelling -> code per code field (``loaders.columns.code_lookup``), to
        judge which column holds the vocabulary.
    """
    r = _Recogniser(columns, frame, target, codes or {})
    if not has_geometry:
        r.aliases(COORDINATES)
        _loose_coordinates(r)
    names = set(target.names)
    smart = [f for f in _SMART if f in names]
    r.aliases([f for f in target.names if f not in smart and f != target.name_field])
    for step in smart:
        getattr(r, step)()
    r.name(target.name_field)
    return r.mapping


def _loose_coordinates(r: _Recogniser) -> None:
    """Names that end with a coordinate word (e.g. "WGS84 위도값", "좌표 X (중부원점)")."""
    for name, words in (("y", ("위도", "y좌표", "lat")), ("x", ("경도", "x좌표", "lon"))):
        if name in r.mapping.columns:
            continue
        for col in r.free():
            if any(w in column_key(col) for w in words):
                r.take(name, col, Msg("recognise.header_has", word=words[0]))
                break
