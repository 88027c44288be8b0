"""Deterministic demo data: resources, program sites, evaluations and conflicts across Seoul.

Everything made here is invented and flagged ``is_demo`` (source ``demo``); the app says so
on every page while such records exist. Points are drawn inside real dong polygons; each
program's grants add up to less than its real budget. Same seed, same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import shapely
import sqlalchemy as sa

from geo import vocab
from geo.areas import assign_areas
from geo.reference import Area, read_boundaries
from loaders.programs import read_programs

DEMO_SOURCE = "demo"

#: Categories the demo draws from, per kind: the plan's examples (all in the seed of
#: migration 0009; the foreign key refuses anything else).
_DEMO_CATEGORIES: dict[str, tuple[str, ...]] = {
    "human": ("artist", "activist", "civic_group"),
    "space": ("meeting_room", "hall", "library", "book_cafe", "garden"),
    "heritage": ("village_story", "cultural_property"),
    "other": ("local_feature", "resident_need", "case_study"),
}

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = "민서준지현우수영하은도윤예진성호재원유나혜연동훈승희"

_NAME_TEMPLATES: dict[str, list[str]] = {
    "meeting_room": [
        "{dong} 주민센터 다목적실",
        "{dong} 마을회관 회의실",
        "{dong} 공유공간 모임방",
    ],
    "hall": ["{dong} 주민센터 강당", "{dong} 청소년문화의집 공연장", "{dong} 복지관 대강당"],
    "library": ["{dong} 작은도서관", "{dong} 새마을문고", "{dong} 어린이도서관"],
    "book_cafe": ["{dong} 마을북카페", "북카페 {dong} 사랑방", "{dong} 책놀이터 카페"],
    "garden": ["{dong} 공동체 텃밭", "{dong} 옥상농원", "{dong} 상자텃밭 정원"],
    "village_story": ["{dong} 마을 유래 이야기", "{dong} 옛 우물터 이야기", "{dong} 골목길 기억"],
    "cultural_property": ["{dong} 근대 한옥", "{dong} 옛 정자터", "{dong} 향토유적 비석"],
    "local_feature": ["{dong} 전통시장 상권", "{dong} 하천변 산책로", "{dong} 1인가구 밀집지역"],
    "resident_need": ["{dong} 주민욕구: 돌봄 공간", "{dong} 주민욕구: 청소년 쉼터"],
    "case_study": ["{dong} 공동육아 성공사례", "{dong} 마을축제 운영사례"],
}
_HUMAN_ROLES: dict[str, list[str]] = {
    "artist": ["도예 작가", "마을 벽화 작가", "생활 음악인", "연극 연출가", "사진 작가"],
    "activist": ["마을활동가 (돌봄)", "마을활동가 (도시농업)", "마을활동가 (청소년)"],
    "civic_group": ["주민 모임 대표", "환경 시민단체 활동가", "협동조합 이사"],
}
_CONFLICT_TITLES: dict[str, list[str]] = {
    "facility_siting": ["{dong} 공공시설 입지 갈등", "{dong} 요양시설 건립 반대"],
    "redevelopment": ["{dong} 재개발 정비구역 갈등", "{dong} 뉴타운 출구 갈등"],
    "environment": ["{dong} 소음·분진 민원 갈등", "{dong} 하천 복원 방식 갈등"],
    "traffic_parking": ["{dong} 거주자 주차구역 갈등", "{dong} 자전거도로 설치 갈등"],
    "parks_green": ["{dong} 근린공원 조성 갈등", "{dong} 마을뒷산 공원 이용 갈등"],
    "interests": ["{dong} 전통시장 상인 갈등", "{dong} 노점 정비 갈등"],
}
_STAKEHOLDERS = [
    "지역주민",
    "상인회",
    "주민자치위원회",
    "시민단체",
    "토지 소유자",
    "세입자 모임",
    "시공사",
    "자치구",
    "학부모회",
    "환경단체",
]
_PROJECTS = ["정비사업", "공원 조성", "시설 건립", "도로 개선"]
_DEPARTMENTS = [
    "도시계획과",
    "주거환경과",
    "공원조성과",
    "보행자전거과",
    "주차계획과",
    "녹색에너지과",
    "문화정책과",
    "노인복지과",
    "마을공동체담당관",
]


@dataclass
class DemoData:
    """Rows ready to insert, one list per table (geometries as WKT)."""

    resources: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    stage_events: list[dict] = field(default_factory=list)


def _point_in(area: Area, rng: np.random.Generator) -> shapely.Point:
    minx, miny, maxx, maxy = area.geom.bounds
    while True:
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.geom.contains(p):
            return p


def _person(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(list(_GIVEN), size=2))
    return f"{rng.choice(list(_SURNAMES))}{given}"


class _Places:
    """Draws a dong (by area, within a district or city-wide) and a point inside it."""

    def __init__(self, dongs: list[Area]) -> None:
        self.dongs = dongs
        self.by_district: dict[str, list[Area]] = {}
        for d in dongs:
            self.by_district.setdefault(d.code[:5], []).append(d)

    def draw(self, rng: np.random.Generator, district: str | None = None):
        pool = self.by_district[district] if district else self.dongs
        weights = np.array([d.geom.area for d in pool])
        dong = pool[rng.choice(len(pool), p=weights / weights.sum())]
        return dong, _point_in(dong, rng)


def generate(seed: int, *, n_resources: int = 5000, n_conflicts: int = 150) -> DemoData:
    """Make the demo dataset for ``seed`` (pure: no database, same seed same result)."""
    rng = np.random.default_rng(seed)
    districts, dongs = read_boundaries()
    places = _Places(dongs)
    out = DemoData()
    _resources(out, rng, places, [d.code for d in districts], n_resources)
    _sites(out, rng, places)
    _conflicts(out, rng, places, [d.code for d in districts], n_conflicts)
    return out


def _resources(out, rng, places, district_codes, n) -> None:
    kinds = list(vocab.KINDS)
    kind_p = [0.3, 0.35, 0.15, 0.2]
    # Uneven but plausible: each district gets a share between 0.6x and 1.4x the mean.
    share = rng.uniform(0.6, 1.4, len(district_codes))
    counts = np.floor(share / share.sum() * n).astype(int)
    counts[: n - counts.sum()] += 1
    i = 0
    for district, count in zip(district_codes, counts, strict=True):
        for _ in range(count):
            i += 1
            kind = kinds[rng.choice(4, p=kind_p)]
            category = rng.choice(list(_DEMO_CATEGORIES[kind]))
            dong, point = places.draw(rng, district)
            row = {
                "kind": kind,
                "category": str(category),
                "geom": point.wkt,
                "source": DEMO_SOURCE,
                "source_id": f"demo-r-{i:05d}",
                "visibility": "staff" if rng.random() < 0.05 else "public",
                "address": f"서울특별시 {_district_name(dong)} {dong.name_ko} "
                f"{rng.integers(1, 900)}-{rng.integers(1, 40)}",
                "contact": None,
            }
            if kind == "human":
                role = rng.choice(_HUMAN_ROLES[category])
                row["name"] = _person(rng)
                row["description"] = f"{role}, {dong.name_ko} 활동 (데모)"
                row["contact"] = f"maeul.demo.{i:05d}@example.org"
            else:
                row["name"] = str(rng.choice(_NAME_TEMPLATES[category])).format(dong=dong.name_ko)
                row["description"] = f"{vocab.label(vocab.all_categories(), category)} (데모)"
                if kind == "space":
                    row["contact"] = f"02-{rng.integers(200, 999)}-{rng.integers(1000, 9999)}"
            out.resources.append(row)


_DISTRICT_NAMES: dict[str, str] = {}


def _district_name(dong: Area) -> str:
    if not _DISTRICT_NAMES:
        _DISTRICT_NAMES.update({d.code: d.name_ko for d in read_boundaries()[0]})
    return _DISTRICT_NAMES[dong.code[:5]]


def _sites(out, rng, places) -> None:
    stages = list(vocab.SITE_STAGES)
    i = 0
    for program in read_programs():
        budget = program["budget_mkrw"]
        if budget == 0:
            continue  # planning and in-kind programs fund no village projects
        n = int(np.clip(round(np.sqrt(budget) / 3), 4, 40))
        # Grants use 50-90% of the budget, split unevenly, rounded down to 0.1 million KRW.
        used = budget * rng.uniform(0.5, 0.9)
        grants = np.floor(rng.dirichlet(np.ones(n) * 2) * used * 10) / 10
        for grant in grants:
            i += 1
            dong, point = places.draw(rng)
            year = int(rng.choice([2012, 2013, 2014], p=[0.5, 0.3, 0.2]))
            stage = stages[rng.choice(3, p=[0.5, 0.3, 0.2])]
            out.sites.append(
                {
                    "program_no": program["no"],
                    "name": f"{dong.name_ko} {program['name']}",
                    "geom": point.wkt,
                    "stage": stage,
                    "year": year,
                    "grant_mkrw": float(grant),
                    "source": DEMO_SOURCE,
                    "source_id": f"demo-s-{i:04d}",
                }
            )
            base = rng.normal(68, 8, 3)
            for q in range(int(rng.integers(2, 7))):
                quarter = (q % 4) + 1
                scores = np.clip(base + q * rng.normal(1.5, 1.0, 3) + rng.normal(0, 4, 3), 0, 100)
                out.evaluations.append(
                    {
                        "site_source_id": f"demo-s-{i:04d}",
                        "year": year + q // 4,
                        "quarter": quarter,
                        "method": "field" if q % 2 else "document",
                        **dict(
                            zip(
                                vocab.EVALUATION_CRITERIA, np.round(scores, 1).tolist(), strict=True
                            )
                        ),
                    }
                )


def _conflicts(out, rng, places, district_codes, n) -> None:
    types = list(vocab.CONFLICT_TYPES)
    stages = list(vocab.CONFLICT_STAGES)
    hot = list(rng.choice(district_codes, size=3, replace=False))
    for i in range(1, n + 1):
        district = hot[rng.integers(3)] if rng.random() < 0.4 else rng.choice(district_codes)
        dong, point = places.draw(rng, district)
        ctype = types[rng.integers(len(types))]
        stage_idx = int(rng.integers(len(stages)))
        opened = dt.date(2012, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
        geom = point.wkt
        if rng.random() < 0.15:  # a project area rather than a spot: ~300 m square
            dx, dy = 150 / (111_320 * np.cos(np.radians(point.y))), 150 / 110_540
            geom = shapely.box(point.x - dx, point.y - dy, point.x + dx, point.y + dy).wkt
        day = opened
        for s in stages[: stage_idx + 1]:
            out.stage_events.append(
                {
                    "case_source_id": f"demo-c-{i:03d}",
                    "stage": s,
                    "entered_on": day,
                    "changed_by": "demo",
                }
            )
            day = day + dt.timedelta(days=int(rng.integers(20, 120)))
        out.conflicts.append(
            {
                "title": str(rng.choice(_CONFLICT_TITLES[ctype])).format(dong=dong.name_ko),
                "city_project": f"{dong.name_ko} {rng.choice(_PROJECTS)}",
                "department": str(rng.choice(_DEPARTMENTS)),
                "geom": geom,
                "conflict_type": ctype,
                "stage": stages[stage_idx],
                "severity": int(rng.choice(5, p=[0.2, 0.3, 0.25, 0.15, 0.1]) + 1),
                "stakeholders": sorted(set(rng.choice(_STAKEHOLDERS, size=3).tolist())),
                "opened_on": opened,
                "closed_on": day - dt.timedelta(days=1) if stages[stage_idx] == "closed" else None,
                "source": DEMO_SOURCE,
                "source_id": f"demo-c-{i:03d}",
            }
        )


def is_empty(conn: sa.Connection) -> bool:
    """True when no resource, program site or conflict case exists (demo goes only there)."""
    return not conn.execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM resources) OR EXISTS (SELECT 1 FROM program_sites)"
            " OR EXISTS (SELECT 1 FROM conflict_cases)"
        )
    ).scalar_one()


def load_demo(conn: sa.Connection, data: DemoData) -> dict[str, int]:
    """Insert ``data`` and assign areas by spatial join, in the caller's transaction."""
    conn.execute(sa.text("SET LOCAL maeul.actor = 'demo-generator'"))
    conn.execute(
        sa.text(
            """INSERT INTO resources (kind, category, name, description, address, geom,
                   visibility, contact, source, source_id, is_demo)
               VALUES (:kind, :category, :name, :description, :address,
                   ST_GeomFromText(:geom, 4326), :visibility, :contact, :source, :source_id,
                   true)"""
        ),
        data.resources,
    )
    conn.execute(
        sa.text(
            """INSERT INTO program_sites (program_no, name, geom, stage, year, grant_mkrw,
                   source, source_id, is_demo)
               VALUES (:program_no, :name, ST_GeomFromText(:geom, 4326), :stage, :year,
                   :grant_mkrw, :source, :source_id, true)"""
        ),
        data.sites,
    )
    conn.execute(
        sa.text(
            """INSERT INTO site_evaluations (site_id, year, quarter, resident_led, governance,
                   local_resources, method)
               SELECT s.id, :year, :quarter, :resident_led, :governance, :local_resources,
                   :method FROM program_sites s WHERE s.source = 'demo'
                   AND s.source_id = :site_source_id"""
        ),
        data.evaluations,
    )
    conn.execute(
        sa.text(
            """INSERT INTO conflict_cases (title, city_project, department, geom, conflict_type,
                   stage, severity, stakeholders, opened_on, closed_on, source, source_id,
                   is_demo)
               VALUES (:title, :city_project, :department, ST_GeomFromText(:geom, 4326),
                   :conflict_type, :stage, :severity, :stakeholders, :opened_on, :closed_on,
                   :source, :source_id, true)"""
        ),
        data.conflicts,
    )
    conn.execute(
        sa.text(
            """INSERT INTO conflict_stage_events (case_id, stage, entered_on, changed_by)
               SELECT c.id, :stage, :entered_on, :changed_by FROM conflict_cases c
               WHERE c.source = 'demo' AND c.source_id = :case_source_id"""
        ),
        data.stage_events,
    )
    for table in ("resources", "program_sites", "conflict_cases"):
        assign_areas(conn, table, only_missing=True)
    return {
        "resources": len(data.resources),
        "program_sites": len(data.sites),
        "site_evaluations": len(data.evaluations),
        "conflict_cases": len(data.conflicts),
    }
