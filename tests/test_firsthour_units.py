"""Small rules behind issue 15's fixes: one language per message, tidy numbers, file names."""

from __future__ import annotations

import pandas as pd

from layers.export.bundle import export_stem
from views.common import tidy_numbers
from views.i18n import in_lang


def test_a_bilingual_message_shows_in_one_language():
    assert in_lang("완료 / done", "ko") == "완료"
    assert in_lang("완료 / done", "en") == "done"
    # A slash inside the Korean part stays with it.
    message = "X좌표 / Y좌표: 값으로 판단 / X / Y: detected"
    assert in_lang(message, "ko") == "X좌표 / Y좌표: 값으로 판단"
    assert in_lang(message, "en") == "X / Y: detected"
    assert in_lang("done", "ko") == "done"  # nothing to split: as it is
    # An English half that quotes a Korean word is still the English half.
    note = "이름 끝말(○○경로당 등)로 분류 / classified by name endings (○○경로당, ...)"
    assert in_lang(note, "ko") == "이름 끝말(○○경로당 등)로 분류"
    assert in_lang(note, "en") == "classified by name endings (○○경로당, ...)"


def test_counts_become_integers_and_other_numbers_are_rounded():
    df = pd.DataFrame(
        {"sites": [64.0, 3.0, None], "share": [25.806451612903224, 1.0, 2.5], "name": list("abc")}
    )
    out = tidy_numbers(df)
    assert out["sites"].tolist()[:2] == [64, 3] and pd.isna(out["sites"].iloc[2])
    assert str(out["sites"].dtype) == "Int64"
    assert out["share"].tolist() == [25.81, 1.0, 2.5]
    assert out["name"].tolist() == ["a", "b", "c"]
    assert "64.0" not in out.to_csv(index=False)


def test_export_file_names_say_what_is_inside():
    assert (
        export_stem([("11440", "Mapo-gu")], ["resources", "program_sites"], 5186)
        == "maeul_11440_mapo-gu_resources-program_sites_epsg5186"
    )
    assert export_stem([], ["conflict_cases"], 4326) == "maeul_seoul_conflict_cases_epsg4326"
    four = [("11110", "Jongno-gu"), ("11140", "Jung-gu"), ("11170", "Yongsan-gu"), ("1", "x")]
    assert export_stem(four, ["resources"], 5179).startswith("maeul_4-districts_")
