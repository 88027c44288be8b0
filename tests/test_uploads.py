"""Uploads: a configurable size limit, zip bombs refused, upload names never choose paths."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from geo.access import Viewer
from geo.db import transaction
from geo.errors import InvalidInput
from loaders import population
from loaders.plan import ImportOptions, prepare
from loaders.readers import UnreadableFile, ZipTooLarge
from loaders.uploads import UploadTooLarge, save_upload

ADMIN = Viewer("admin", "upload.admin")
PLANNER = Viewer("planner", "upload.planner")
CSV = "이름,위도,경도\n망원 회의실,37.556,126.9045\n".encode()


def test_an_upload_beyond_the_limit_is_refused_with_the_limit_named(monkeypatch):
    monkeypatch.setenv("MAEUL_MAX_UPLOAD_MB", "1")
    with pytest.raises(UploadTooLarge) as err:
        save_upload(b"x" * (1024**2 + 1), "big.csv", allowed=[".csv"])
    assert "1 MB" in err.value.user_msg
    assert save_upload(CSV, "small.csv", allowed=[".csv"]).read_bytes() == CSV


def test_the_population_upload_has_the_same_limit(monkeypatch, engine):
    monkeypatch.setenv("MAEUL_MAX_UPLOAD_MB", "1")
    with pytest.raises(UploadTooLarge), transaction() as conn:
        population.import_file(conn, b"x" * (2 * 1024**2), source="big.csv", viewer=PLANNER)


@pytest.mark.parametrize(
    "name",
    ["../../etc/cron.d/evil.csv", "/tmp/abs.csv", "..\\..\\windows\\evil.csv", "a/../../b.CSV"],
)
def test_upload_names_never_choose_the_path(name):
    path = save_upload(CSV, name, allowed=[".csv"])
    assert path.name == "upload.csv"
    assert path.parent.name.startswith("maeul-upload-")
    assert path.read_bytes() == CSV


def test_an_upload_of_another_type_is_refused():
    with pytest.raises(InvalidInput) as err:
        save_upload(CSV, "script.py", allowed=[".csv", ".zip"])
    assert ".py" in err.value.user_msg


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(monkeypatch):
    monkeypatch.setenv("MAEUL_MAX_UNZIPPED_MB", "10")
    bomb = _zip({"points.csv": CSV + b"0" * (50 * 1024**2)})  # 50 MB of zeros: ~50 kB zipped
    assert len(bomb) < 1024**2
    path = save_upload(bomb, "points.zip", allowed=[".zip"])
    with pytest.raises(ZipTooLarge) as err:
        prepare(path, ImportOptions(viewer=ADMIN, kind="space", category="hall"))
    assert "10 MB" in err.value.user_msg
    # A zip within the limit is read as usual.
    fine = save_upload(_zip({"points.csv": CSV}), "points.zip", allowed=[".zip"])
    plan = prepare(fine, ImportOptions(viewer=ADMIN, kind="space", category="hall"))
    assert len(plan.table.frame) == 1


def test_a_zip_member_cannot_write_outside_its_folder():
    evil = _zip({"../../escaped.csv": CSV})
    path = save_upload(evil, "evil.zip", allowed=[".zip"])
    with pytest.raises(UnreadableFile):
        prepare(path, ImportOptions(viewer=ADMIN, kind="space", category="hall"))
    assert not (path.parent.parent / "escaped.csv").exists()
    assert not Path("/tmp/escaped.csv").exists()
