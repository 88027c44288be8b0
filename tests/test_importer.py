"""The Import page: staff only; upload, see what was detected, check, import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo.access import Viewer
from tests.import_fixtures import outside_points, true_points

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SOURCE = "t-page"


def _csv(n: int) -> bytes:
    pts = true_points(n, seed=51)
    out = outside_points().iloc[:1]
    lines = ["시설명,자치구,위도,경도"] + [
        f"{r.name},{r.district},{r.lat},{r.lon}" for r in [*pts.itertuples(), *out.itertuples()]
    ]
    return ("\n".join(lines) + "\n").encode("cp949")


def _page(staff: bool) -> AppTest:
    from views.common import SESSION_KEY

    at = AppTest.from_file(APP, default_timeout=120)
    if staff:
        at.session_state[SESSION_KEY] = (Viewer("admin", "page.tester"), dt.datetime.now(dt.UTC))
    at.run()
    at.switch_page("views/importer.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM resources WHERE source = :s"), {"s": SOURCE}
        ).scalar_one()


def test_the_public_cannot_import(db_url):
    at = _page(staff=False)
    assert any("로그인" in i.body for i in at.info)
    assert len(at.get("file_uploader")) == 0


def test_staff_upload_check_then_import(db_url, engine, cleanup):
    at = _page(staff=True)
    at.get("file_uploader")[0].set_value(("마을공간.csv", _csv(6), "text/csv"))
    at.run()
    _by_label(at.text_input, "출처 이름").set_value(SOURCE)
    _by_label(at.selectbox, "세부 분류").set_value("library")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    detected = at.dataframe[0].value
    assert "CP949 (EUC-KR)" in detected.iloc[:, 1].tolist()
    assert any("EPSG:4326" in v for v in detected.iloc[:, 1])

    _by_label(at.button, "검사 (저장 안 함)").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _metrics(at)["추가"] == "6" and _metrics(at)["제외"] == "1"
    assert any("아무것도 저장하지" in i.body for i in at.info)
    assert _count(engine) == 0

    cleanup.source(SOURCE)
    _by_label(at.button, "가져오기 실행").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _metrics(at)["추가"] == "6"
    assert any("가져오기 완료" in s.body for s in at.success)
    assert _count(engine) == 6
    rejected = at.dataframe[-1].value
    assert rejected["행"].tolist() == [8]


def test_a_file_without_a_category_is_checked_as_unclassified(db_url):
    at = _page(staff=True)
    at.get("file_uploader")[0].set_value(("a.csv", _csv(2), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    detected = dict(at.dataframe[0].value.values.tolist())
    # Fields by their label in the interface language, not their code ("name ←").
    assert detected["이름 ←"].startswith("시설명: 알려진 머리글 '시설명'")
    assert detected["세부 분류 ←"].startswith("(열 없음")
    assert any("자원 유형과 분류 열이 없습니다" in i.body for i in at.info)  # asked
    _by_label(at.button, "검사 (저장 안 함)").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _metrics(at)["추가"] == "2"
    assert any("미분류로 가져옵니다" in w.body and " 2개 행" in w.body for w in at.warning)
