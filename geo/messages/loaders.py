"""Messages of loaders (part of the one catalog, see geo.messages)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "import.failed": (
        "저장 중 오류가 나서 가져오기를 취소했습니다. 데이터베이스는 바뀌지 않았습니다.",
        "The import failed while writing and was rolled back: nothing was changed.",
    ),
    "readers.unreadable": ("파일을 읽을 수 없습니다.", "The file cannot be read."),
    "cli.passwords_differ": ("비밀번호가 서로 다릅니다.", "The passwords differ."),
    "cli.name_one_district": ("자치구 하나를 지정하세요.", "Name one district."),
    "bounded.reading_file_needs_more": (
        "이 파일을 읽으려면 가져오기 한 번에 허용된 메모리({limit_mb:,} MB)보다 많이 필요합니다. 데이터베이스는 바뀌지 않았습니다. 파일을 나누거나 CSV로 저장해 다시 올려 주세요.",
        "Reading this file needs more memory than one import may use ({limit_mb:,} MB). Nothing was changed. Split the file or save it as CSV (which streams) and try again.",
    ),
    "columns.unknown_mapping_keys": (
        "매핑 파일의 알 수 없는 항목: {keys}",
        "unknown mapping keys: {keys}",
    ),
    "columns.must_table": ("매핑 파일의 [{what}]는 표여야 합니다", "[{what}] must be a table"),
    "ingest.staging_rows": ("행을 임시 테이블에 적재", "staging rows"),
    "ingest.checking_every_row_district": (
        "행 검사, 자치구·법정동 공간 결합",
        "checking every row, district and dong",
    ),
    "ingest.rows_outside_seoul_duplicates": ("서울 밖·중복 행", "rows outside Seoul, duplicates"),
    "ingest.report": ("보고서", "report"),
    "ingest.copy_streaming_file_postgresql": (
        "COPY: 파일을 데이터베이스로 보내는 중",
        "COPY: streaming the file to PostgreSQL",
    ),
    "ingest.rows_got_their_category": (
        "{category_from_name:,}개 행은 이름 끝말로 분류했습니다 (○○경로당 → 경로당 등)",
        "{category_from_name:,} rows got their category from the ending of their name",
    ),
    "ingest.unknown_values_rows_those": (
        "'{col}' 열의 모르는 값 {n_unknown_categories:,}종 ({n:,}행, 이름으로도 분류 못 한 행은 미분류): 관리 화면에서 분류를 연결하면 다시 가져올 때 분류됩니다",
        "{n_unknown_categories:,} unknown values in '{col}' ({n:,} rows; those whose name did not tell either are unclassified): map them to a category on the Administration page and import again",
    ),
    "ingest.no_category_column_rows": (
        "분류 열이 없어 {unclassified:,}개 행을 미분류로 가져옵니다",
        "no category column: {unclassified:,} rows are imported as unclassified",
    ),
    "ingest.unclassified_rows_kind_other": (
        "미분류 {int:,}개 행의 자원 유형은 '기타'입니다 (자원 유형을 지정하면 바뀝니다)",
        "{int:,} unclassified rows are of kind 'other' (choose a kind to change it)",
    ),
    "ingest.rows_have_coordinate_pairs": (
        "{n:,}개 행은 좌표쌍끼리 {agree_m:.0f} m 넘게 다릅니다 (서울·자치구에 맞는 쪽을 씀)",
        "{n:,} rows have coordinate pairs more than {agree_m:.0f} m apart (the pair in Seoul and in the named district was used)",
    ),
    "ingest.rows_have_no_coordinates": (
        "{at_dong:,}개 행은 좌표가 없어 주소의 법정동 대표 지점에 놓았습니다 (동 단위 위치, 정확한 위치 아님)",
        "{at_dong:,} rows have no coordinates and were placed at the label point of the 법정동 their address names (dong-level location, not exact)",
    ),
    "ingest.corrected_rows_whose_latitude": (
        "위도와 경도가 바뀐 {stats:,}개 행을 바로잡았습니다",
        "corrected {stats:,} rows whose latitude and longitude were swapped",
    ),
    "ingest.areas_lines_imported_point": (
        "면·선 {stats:,}개는 도형 안의 한 점으로 가져옵니다",
        "{stats:,} areas or lines are imported as a point on their surface",
    ),
    "ingest.rows_just_outside_seoul": (
        "서울 경계 바로 밖(최대 {far:.1f} m)의 {n:,}개 행을 가장 가까운 법정동에 넣었습니다",
        "{n:,} rows just outside Seoul's outline (up to {far:.1f} m) were placed in the nearest dong",
    ),
    "ingest.rows_name_another_district": (
        "{n_mismatches:,}개 행은 파일의 자치구와 실제 위치의 자치구가 다릅니다 (위치를 따름)",
        "{n_mismatches:,} rows name another district than the one they fall in (the location wins)",
    ),
    "ingest.writing": ("저장", "writing"),
    "ingest.what_would_change": ("변경 예상", "what would change"),
    "json_records.no_list_records_json": (
        "JSON 파일에서 레코드 목록을 찾지 못했습니다 ({{...}} 목록, DESCRIPTION/DATA, 또는 GeoJSON이어야 합니다)",
        "no list of records in the JSON file (expected a list of objects, an open-data plaza DESCRIPTION/DATA file, or GeoJSON)",
    ),
    "json_records.json_file_holds_no": (
        "JSON 파일에 레코드가 없습니다",
        "the JSON file holds no records",
    ),
    "jsonfiles.name_lat_lon_table": (
        "이름 -> [위도, 경도] 표; {crowded:,}개 항목이 다른 항목과 같은 좌표를 씁니다",
        "a name -> [lat, lon] table; {crowded:,} entries share their exact point with others",
    ),
    "ingest.rows_got_the_chosen_category": (
        "분류를 스스로 정하지 못한 {n:,}개 행은 고른 분류 '{category}'(으)로 가져옵니다",
        "{n:,} rows that did not tell their category get the chosen '{category}'",
    ),
    "plan.no_category_column_rows_chosen": (
        "분류 열이 없습니다: 이름 끝말(○○경로당 등)로 분류하고, 나머지는 고른 분류 '{category}'(으)로 가져옵니다",
        "no category column: rows are classified by the ending of their names (○○경로당, ...) where possible, the rest as the chosen '{category}'",
    ),
    "plan.no_category_column_rows": (
        "분류 열이 없습니다: 이름 끝말(○○경로당 등)로 분류하고, 나머지는 미분류로 가져옵니다",
        "no category column: rows are classified by the ending of their names (○○경로당, ...) where possible, the rest are imported as unclassified",
    ),
    "plan.no_coordinate_columns_each": (
        "좌표 열이 없어 각 행을 주소에 적힌 법정동의 대표 지점에 놓습니다 (동 단위 위치)",
        "no coordinate columns: each row is placed at the label point of the 법정동 its address names (dong-level location)",
    ),
    "plan.coordinate_columns_hold_no": (
        "좌표 열에 숫자가 없습니다: {primary}, {primary_2}",
        "the coordinate columns hold no numbers: {primary}, {primary_2}",
    ),
    "plan.category_not_kind": (
        "분류 '{category}'은(는) 유형 '{kind}'에 속하지 않습니다",
        "category '{category}' is not of kind '{kind}'",
    ),
    "plan.coordinate_columns_hold_no_2": (
        "좌표 열 {xc}, {yc}에 숫자가 없어 쓰지 않습니다",
        "the coordinate columns {xc}, {yc} hold no numbers: not used",
    ),
    "population.unknown_text_encoding_expected": (
        "파일 인코딩을 알 수 없습니다 (UTF-8 또는 CP949).",
        "Unknown text encoding (expected UTF-8 or CP949).",
    ),
    "population.file_html_table_save": (
        "HTML로 저장된 표입니다. 엑셀에서 XLSX나 CSV로 다시 저장해 올려 주세요.",
        "The file is an HTML table; save it as XLSX or CSV and upload that.",
    ),
    "population.no_column_district_names": (
        "자치구 이름(예: 종로구)이 있는 열을 찾지 못했습니다.",
        "No column with district names (e.g. 종로구) was found.",
    ),
    "population.unknown_period_format": (
        "기간 형식을 알 수 없습니다: {period}",
        "unknown period format: {period}",
    ),
    "population.no_total_population_column": (
        "인구 합계 열(인구 > 합계 > 계)을 찾지 못했습니다.",
        "No total-population column (인구 > 합계 > 계) was found.",
    ),
    "common.file_empty": ("빈 파일입니다", "the file is empty"),
    "population.table_empty": ("빈 표입니다", "the table is empty"),
    "population.not_one_district_population": (
        "자치구와 인구를 한 줄도 읽지 못했습니다.",
        "Not one district with its population was read.",
    ),
    "common.no_such_file": ("파일이 없습니다: {path}", "no such file: {path}"),
    "population.table_cannot_read_xlsx": (
        "표를 읽을 수 없습니다 (XLSX, XLS, CSV).",
        "The table cannot be read (XLSX, XLS, CSV).",
    ),
    "population.no_rows_period": ("파일에 {chosen} 자료가 없습니다", "no rows for period {chosen}"),
    "population.no_period_2023_4": (
        "파일에서 기간(예: 2023 4/4)을 찾지 못했습니다. 기간을 지정해 주세요 (--period 2023Q4).",
        "No period (e.g. 2023 4/4) found in the file: give one (--period 2023Q4).",
    ),
    "population.matches": ("일치", "matches"),
    "population.differs": ("불일치", "differs"),
    "readers.file_neither_utf_8": (
        "파일의 문자 인코딩을 알 수 없습니다 (UTF-8도 CP949도 아님)",
        "the file is neither UTF-8 nor CP949 (EUC-KR) text",
    ),
    "readers.first_line_longer_than": (
        "첫 줄이 {mb} MB보다 깁니다",
        "the first line is longer than {mb} MB: is this a CSV file?",
    ),
    "readers.no_file": ("{what}가 없습니다", "no {what} in the file"),
    "readers.no_shp_file_folder": ("폴더에 .shp 파일이 없습니다", "no .shp file in the folder"),
    "readers.encoding": ("인코딩: {note}", "encoding: {note}"),
    "readers.zip_would_expand_mb": (
        "압축을 풀면 {total:,.0f} MB가 되어 한도 {limit_mb:,} MB를 넘습니다.",
        "The zip would expand to {total:,.0f} MB, beyond the limit of {limit_mb:,} MB.",
    ),
    "readers.too_many_columns_most": (
        "열이 너무 많습니다 ({n:,}개, 최대 {most:,})",
        "too many columns ({n:,}; at most {most:,})",
    ),
    "readers.no_cpg_detected_from": (
        ".cpg 없음, 내용으로 판단: {encoding}",
        "no .cpg, detected from the text: {encoding}",
    ),
    "readers.zip_must_hold_shapefile": (
        "zip 안에 Shapefile이나 읽을 수 있는 파일이 하나여야 합니다",
        "the zip must hold a shapefile or exactly one readable file",
    ),
    "readers.malformed_csv": ("CSV 형식 오류: {exc}", "malformed CSV: {exc}"),
    "readers.sheet_too_large_over": (
        "시트가 너무 큽니다 (셀 {most:,}개 초과). CSV로 저장해 올려 주세요.",
        "The sheet is too large (over {most:,} cells): save it as CSV and import that.",
    ),
    "uploads.file_too_large_mb": (
        "파일이 너무 큽니다 ({size:,.1f} MB). 최대 {limit_mb:,} MB까지 올릴 수 있습니다.",
        "The file is too large ({size:,.1f} MB); the limit is {limit_mb:,} MB.",
    ),
    "columns.unknown_value": (
        "'{field}' 값 '{value}'을(를) 알 수 없습니다. 가능한 값: {codes}",
        "unknown value '{value}' for '{field}': {codes}",
    ),
    "columns.cannot_read_mapping": (
        "매핑 파일을 읽을 수 없습니다: {name}: {reason}",
        "cannot read the mapping file {name}: {reason}",
    ),
    "columns.unknown_field": ("알 수 없는 필드 '{name}'", "unknown field '{name}'"),
    "columns.no_such_column": (
        "'{name}': 파일에 없는 열 '{column}'",
        "'{name}': no column '{column}' in the file",
    ),
    "columns.check_mapping": ("매핑을 확인하세요: {problems}", "check the mapping: {problems}"),
    "ingest.copy_refused": (
        "COPY가 파일을 거부해 한 줄씩 다시 읽었습니다 ({why})",
        "COPY refused the file ({why}); read it row by row instead",
    ),
    "json_records.records": ("JSON ({shape}): {n:,}개 레코드", "JSON ({shape}): {n:,} records"),
    "json_records.records_labelled": (
        "JSON ({shape}): {n:,}개 레코드 · 열 이름은 DESCRIPTION의 한글 이름",
        "JSON ({shape}): {n:,} records · columns named by DESCRIPTION's labels",
    ),
    "opendata.cannot_read": (
        "매니페스트를 읽을 수 없습니다: {name}: {reason}",
        "cannot read {name}: {reason}",
    ),
    "opendata.bad_entry": (
        "매니페스트 {i}번째 항목: 모르는 항목 {unknown}, 빠진 항목 {missing}",
        "manifest entry {i}: unknown {unknown}, missing {missing}",
    ),
    "plan.required_not_found": (
        "파일에서 찾지 못한 필수 항목: {names}. 어느 열에 있는지 열 연결에서 골라 주세요",
        "required and not found in the file: {names}. Choose the column that holds each in the column mapping",
    ),
    "plan.coordinates_blank": (
        "좌표 열 {x}, {y}이(가) 모두 비어 있어 각 행을 주소의 법정동 대표 지점에 놓습니다 (동 단위 위치)",
        "the coordinate columns {x}, {y} are blank: each row is placed at the label point of the 법정동 its address names (dong-level)",
    ),
    "plan.given_crs_outside": (
        "지정한 {given}(으)로는 좌표 대부분이 서울 밖입니다; 값은 {fits}에 맞습니다",
        "with the given {given} most points fall outside Seoul; the values fit {fits}",
    ),
    "plan.no_coordinate_columns": (
        "좌표 열(위도/경도, X/Y)을 찾지 못했습니다. 매핑으로 x, y 열을 지정하세요. 열: {columns}",
        "no coordinate columns found (lat/lon, X/Y): map x and y. Columns: {columns}",
    ),
    "population.period_column": (
        "기간: {period} · 열: {column}",
        "period: {period} · column: {column}",
    ),
    "population.matched": (
        "일치한 자치구: {n}/25 — {names}",
        "districts matched: {n}/25 — {names}",
    ),
    "population.missing": ("파일에 없는 자치구: {names}", "districts missing: {names}"),
    "population.unmatched": ("읽지 못한 행: {names}", "rows not understood: {names}"),
    "population.other_periods": ("다른 기간(건너뜀): {names}", "other periods skipped: {names}"),
    "population.totals": (
        "합계 행: {total_row:,} · 자치구 합: {total:,} ({verdict})",
        "total row: {total_row:,} · sum of districts: {total:,} ({verdict})",
    ),
    "readers.header_row": ("머리글: {row}행", "header: row {row}"),
    "readers.header_rows": ("머리글: {first}행~{last}행", "header: row {first}-{last}"),
    "readers.layer_chosen": (
        "레이어 {n}개({names}) 중 '{chosen}'을(를) 읽었습니다 (--layer로 선택)",
        "the file has {n} layers ({names}); read '{chosen}' (choose with --layer)",
    ),
    "readers.shapefile_chosen": (
        "Shapefile {n}개({names}) 중 '{chosen}'을(를) 읽었습니다 (--layer로 선택)",
        "{n} shapefiles ({names}); read '{chosen}' (choose with --layer)",
    ),
    "readers.no_such_part": (
        "'{wanted}' {what}가 없습니다. 파일에 있는 것: {names}",
        "no {what} '{wanted}'; the file has: {names}",
    ),
    "readers.unsupported_format": (
        "지원하지 않는 형식입니다 '{suffix}'. 가능한 형식: {names}",
        "unsupported format '{suffix}'; supported: {names}",
    ),
    "report.import_run": ("가져오기 번호", "import run"),
    "report.skipped": ("합계·주석 행", "total or note rows"),
    "report.retired": ("파일에 없어 퇴역", "gone from the file"),
    "report.snapped": (
        "경계 밖 {m:.0f} m 이내 -> 가장 가까운 법정동",
        "within {m:.0f} m outside -> nearest dong",
    ),
    "targets.unknown": (
        "가져올 대상은 {names} 중 하나입니다: {name}",
        "target must be one of {names}: {name}",
    ),
    "uploads.unsupported_type": (
        "지원하지 않는 파일 형식입니다 '{suffix}'. 가능한 형식: {names}",
        "unsupported file type '{suffix}': {names}",
    ),
    "plan.pair_note": ("[{x} / {y}] {note}", "[{x} / {y}] {note}"),
    "locate.no_address": ("없음", "missing"),
    "locate.ambiguous_dong": (
        "여러 자치구에 있는 동 이름, 자치구 없음",
        "dong name in several districts, no district named",
    ),
    "report.dry_run": ("미리보기 (저장 안 함)", "dry run (nothing written)"),
    "report.pair": ("좌표쌍", "pair"),
    "report.at_dong": ("동 단위 위치 (주소)", "dong-level (address)"),
    "plan.origin_detected": ("값으로 판단", "detected from the values"),
    "plan.origin_declared": ("파일에 명시", "declared by the file"),
    "plan.origin_given": ("사용자 지정", "given by the user"),
    "plan.by_address": ("주소의 법정동 (동 단위 위치)", "the dong the address names (dong-level)"),
    "plan.file_geometry": ("파일의 도형", "the file's geometry"),
    "plan.format": ("형식", "Format"),
    "plan.encoding": ("인코딩", "Encoding"),
    "plan.crs": ("좌표계", "CRS"),
    "plan.coordinates": ("좌표", "Coordinates"),
    "plan.source": ("출처 이름", "Source"),
    "plan.coordinates_n": ("좌표 {i}", "Coordinates {i}"),
    "plan.address_location": ("주소 위치", "Address location"),
    "plan.layer": ("레이어", "Layer"),
    "plan.sheet": ("시트", "Sheet"),
    "plan.header_row": ("머리글 행", "Header row"),
    # loaders/validate.py: why a row was rejected (REASONS)
    "reason.malformed_row": ("행을 열로 나눌 수 없음", "row cannot be split into columns"),
    "reason.no_name": ("이름 없음", "no name"),
    "reason.no_coordinates": ("좌표 없음", "no coordinates"),
    "reason.no_location": (
        "좌표 없음, 주소에 동 이름 없음",
        "no coordinates and the address names no dong",
    ),
    "reason.bad_number": ("좌표가 숫자가 아님", "coordinate is not a number"),
    "reason.invalid_geometry": (
        "도형 오류 (복구 불가)",
        "invalid geometry that cannot be repaired",
    ),
    "reason.bad_value": ("값 오류", "invalid or missing value"),
    "reason.outside_seoul": ("서울 밖", "outside Seoul"),
    "reason.other_district": ("담당 자치구 밖", "outside your district"),
    "reason.duplicate": ("파일 안에서 중복", "duplicated in the file"),
    # loaders/recognise.py: why a column was taken for a field
    "recognise.header_is": ("머리글 '{header}'", "header is '{header}'"),
    "recognise.kinds": (
        "머리글 '{header}', 값 {share}가 자원 유형",
        "header '{header}', {share} of values are kinds",
    ),
    "recognise.header_has": ("머리글에 '{word}'", "header has '{word}'"),
    "recognise.categories": (
        "머리글에 '{word}', 값 {share}가 알려진 분류",
        "header has '{word}', {share} of values are known categories",
    ),
    "recognise.no_known_category": (
        "머리글에 '{word}', 아는 분류 값은 아직 없음 (보고서에 목록)",
        "header has '{word}'; no value is a known category yet (listed in the report)",
    ),
    "recognise.address": ("주소", "address"),
    "recognise.road_address": ("도로명주소", "road address"),
    "recognise.lot_address": ("지번주소", "lot address"),
    "recognise.filled": ("{what}, {share} 채워짐", "{what}, {share} filled"),
    "recognise.districts": (
        "값 {share}가 자치구·시군구 이름",
        "{share} of values are district names",
    ),
    "recognise.known_header": ("알려진 머리글 '{header}'", "known header '{header}'"),
    "recognise.header_ends": ("머리글이 {end}(으)로 끝남", "header ends in {end}"),
    "recognise.distinct": ("{head}, 값 {share} 서로 다름", "{head}, {share} distinct"),
    "recognise.name_part": (
        "'{col}'만으로는 {alone}, '{other}' 열과 함께 {together} 서로 다름",
        "'{col}' alone is {alone} distinct, with '{other}' {together}",
    ),
    "plan.chosen_by_you": ("사용자가 지정", "chosen by you"),
    "columns.given_by_mapping": ("매핑에서 지정", "given by the mapping"),
    "plan.one_value": ("{value} (파일 전체에 한 값)", "{value} (one value for the file)"),
    "plan.no_category_column": (
        "(열 없음: 이름 끝말로 추정, 나머지는 {rest})",
        "(no column: inferred from name endings, else {rest})",
    ),
    "plan.unclassified": ("미분류", "unclassified"),
}
