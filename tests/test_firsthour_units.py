"""Small rules behind issue 15's fixes: one language per message, tidy numbers, file names."""

from __future__ import annotations

import pandas as pd

from geo.messages import Msg, render
from layers.export.bundle import export_stem
from views.common import tidy_numbers


def test_a_message_shows_in_one_language():
    assert Msg("common.done").text("ko") == "완료"
    assert Msg("common.done").text("en") == "done"
    # A slash in a parameter (column names) stays with it, in both languages.
    message = Msg("plan.pair_note", x="X좌표", y="Y좌표", note=Msg("crs.x_y_columns_swapped"))
    assert message.text("ko") == "[X좌표 / Y좌표] X와 Y 열이 서로 바뀌어 있어 바로잡았습니다"
    assert message.text("en") == "[X좌표 / Y좌표] the X and Y columns were swapped; corrected"
    assert render("done", "ko") == "done"  # text that is no message: as it is
    # An English message that quotes a Korean word is English all the same.
    note = Msg("plan.no_category_column_rows")
    assert note.text("en").startswith("no category column: rows are classified")
    assert note.text("ko").startswith("분류 열이 없습니다")


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
