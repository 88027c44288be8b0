"""Messages of layers (part of the one catalog, see geo.messages)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "export.write_failed": ("파일을 쓰지 못했습니다.", "The file could not be written."),
    "cli.bundle_made_one_district": (
        "묶음은 자치구 하나씩 만듭니다",
        "a bundle is made for one district",
    ),
    "cli.role_district_officer_needs": (
        "district_officer에는 --role-district 가 필요합니다",
        "--role district_officer needs --role-district",
    ),
    "export.reading_from_database": ("데이터 읽는 중", "reading from the database"),
    "export.choose_one_district": ("자치구 하나를 고르세요.", "Choose one district."),
    "export.unsupported_encoding": (
        "지원하지 않는 인코딩입니다: {encoding}",
        "unsupported encoding: {encoding}",
    ),
    "export.bundle_zip_file": ("묶음은 .zip 파일입니다: {name}", "a bundle is a .zip file: {name}"),
    "export.packing": ("zip 만드는 중", "packing"),
    "export.values_held_characters_cannot": (
        "{upper}로 저장할 수 없는 문자가 든 값 {replaced:,}개는 해당 문자를 '?'로 바꿨습니다. UTF-8을 선택하면 그대로 저장됩니다.",
        "{replaced:,} values held characters {upper} cannot store; those characters became '?'. Choose UTF-8 to keep them.",
    ),
    "export.shapefile_dbf_text_holds": (
        "Shapefile(DBF) 글자 필드는 {max_bytes}바이트까지라 값 {truncated:,}개를 글자 단위로 잘랐습니다. 전체 값은 GeoPackage·CSV에 있습니다.",
        "Shapefile (DBF) text holds {max_bytes} bytes: {truncated:,} values were cut at a character boundary. GeoPackage and CSV hold them whole.",
    ),
    "export.choose_least_one_layer": (
        "내보낼 레이어를 하나 이상 고르세요.",
        "Choose at least one layer.",
    ),
    "export.folder_does_not_exist": (
        "저장할 폴더가 없습니다: {parent}",
        "the folder does not exist: {parent}",
    ),
    "export.output_file_must_end": (
        "출력 파일 확장자는 {suffix} 이어야 합니다: {name}",
        "the output file must end in {suffix}: {name}",
    ),
    "export.packing_2": ("파일 묶는 중", "packing"),
    "export.writing": ("{format} 쓰는 중", "writing {format}"),
    "export.bundle_title": (
        "마을 아틀라스 {district} 레이어 묶음",
        "Maeul Atlas layers of {district}",
    ),
    "export.unsupported_crs": (
        "지원하지 않는 좌표계입니다: {crs} (가능: {names})",
        "unsupported CRS: {crs} (available: {names})",
    ),
    "export.unknown_layer": (
        "알 수 없는 레이어입니다: {name} (가능: {names})",
        "unknown layer: {name} (available: {names})",
    ),
    "export.fixed_crs": (
        "{format}는 항상 EPSG:{crs} 좌표계입니다.",
        "{format} is always in EPSG:{crs}.",
    ),
    "export.unsupported_encoding_of": (
        "지원하지 않는 인코딩입니다: {encoding} (가능: {names})",
        "unsupported encoding: {encoding} (available: {names})",
    ),
    "export.unsupported_format": (
        "지원하지 않는 형식입니다: {code} (가능: {names})",
        "unsupported format: {code} (available: {names})",
    ),
    # layers/export/readme.py: the README of export zips, every line in both languages
    "readme.source_line": (
        "마을 아틀라스 (서울 마을공동체 자원 DB)",
        "Maeul Atlas, Seoul village-community resources",
    ),
    "readme.role_public": (
        "공개 (인적자원은 법정동 대표 위치, 주소·연락처 없음, 직원 전용 기록 제외)",
        "public (people at their legal dong's representative point, no address or contact; staff-only records left out)",
    ),
    "readme.role_district_officer": (
        "자치구 담당자 (담당 자치구만 정확한 위치·연락처, 그 밖은 공개 수준)",
        "district officer (exact points and contacts in their own district only; elsewhere as public)",
    ),
    "readme.role_planner": (
        "서울시 담당자 (정확한 위치·연락처 포함)",
        "city planner (exact points, contacts)",
    ),
    "readme.role_admin": (
        "관리자 (정확한 위치·연락처 포함)",
        "administrator (exact points, contacts)",
    ),
    "readme.all_seoul": ("서울 전체", "all of Seoul"),
    "readme.all": ("전체", "all"),
    "readme.none": ("없음", "none"),
    "readme.districts": ("자치구", "Districts"),
    "readme.kinds": ("자원 유형", "Resource kinds"),
    "readme.categories": ("세부 분류", "Categories"),
    "readme.text": ("검색어", "Text"),
    "readme.open_conflicts_only": ("갈등: 진행 중인 사례만", "Conflicts: open cases only"),
    "readme.title": ("마을 아틀라스 레이어 내보내기", "Maeul Atlas layer export"),
    "readme.demo_warning": (
        "!! 주의: 시연용 가상 데이터(데모) {n:,}건이 포함되어 있습니다 (is_demo = true). 실제 현황이 아닙니다.",
        "!! Note: {n:,} demo records are included (is_demo = true). They are invented, not real.",
    ),
    "readme.source": ("출처", "Source"),
    "readme.exported_at": ("내보낸 시각", "Exported at"),
    "readme.viewer": ("권한", "Viewer"),
    "readme.format": ("형식", "Format"),
    "readme.crs": ("좌표계", "CRS"),
    "readme.csv_note": (
        "CSV: x, y = 같은 좌표계의 좌표 (경위도일 때 x = 경도, y = 위도), 면 레이어는 wkt 열에 전체 도형과 x, y에 면 위의 한 점.",
        "CSV: x, y are in the same CRS (for EPSG:4326 x = longitude, y = latitude); area layers add the whole shape as WKT and a point on the surface as x, y.",
    ),
    "readme.encoding": (
        "Shapefile 인코딩: {encoding} (.cpg 파일에 기록)",
        "Shapefile encoding: {encoding} (stated in .cpg)",
    ),
    "readme.filters": ("필터", "Filters"),
    "readme.counts": ("레코드 수", "Record counts"),
    "readme.name": ("이름", "name"),
    "readme.generalised": (
        "인적자원 {n:,}건은 위치가 일반화되었습니다 (location_generalised).",
        "{n:,} people are at a generalised location.",
    ),
    "readme.at_dong": (
        "{n:,}건은 주소의 법정동 대표 지점에 있습니다 (location_precision = dong, 정확한 위치 아님).",
        "{n:,} records sit at the label point of their address's legal dong (location_precision = dong), not at an exact point.",
    ),
    "readme.files": ("파일", "Files"),
    "readme.field_names": (
        "Shapefile 필드 이름: DBF는 10자까지라 아래 이름은 고정 대응표로 줄입니다 (전체 표: fieldmap.csv, docs/export.md).",
        "Shapefile field names: DBF holds 10 characters, so these names are shortened by a fixed mapping (full table in fieldmap.csv):",
    ),
    "readme.data_sources": ("자료 출처", "Data sources"),
    "readme.boundaries": ("경계 자료", "Boundary data"),
    "readme.notes": ("알림", "Notes"),
    "hotspots.col_cell": ("셀", "Cell"),
    "hotspots.col_class": ("분류", "Class"),
    "hotspots.col_cases": ("사례 수", "Cases"),
    "hotspots.col_value": ("값", "Value"),
    "hotspots.col_titles": ("사례", "Case titles"),
    "maps.source": ("출처", "Source"),
    "maps.generalised": ("대표 위치 (일반화)", "generalised location"),
    # How a resource at dong precision (location_precision = 'dong') is told apart: a
    # hollow, dashed circle in its kind's colour, and this note in popups and legends.
    "maps.dong_precision": (
        "동 단위 위치 (주소의 법정동 대표 지점, 정확한 위치 아님)",
        "dong-level location (the label point of the address's dong, not exact)",
    ),
    "maps.dong_precision_short": ("동 단위 위치", "dong-level location"),
    "maps.grouped": ("자원 (집계)", "Resources (grouped)"),
    "maps.districts": ("자치구 경계", "Districts"),
    "maps.dongs": ("법정동 경계", "Legal dongs"),
    "ogcapi.collection": (
        "마을 아틀라스 {layer} (공개, 읽기 전용)",
        "Maeul Atlas {layer} (public, read-only)",
    ),
    "ogcapi.title": ("마을 아틀라스 공개 레이어", "Maeul Atlas public layers"),
    "ogcapi.description": (
        "서울 마을공동체 자원·지원사업·공공갈등 (읽기 전용). {boundaries}",
        "Seoul village-community resources, programs and conflicts (read-only). {boundaries}",
    ),
    "import_preview.new": ("새로 추가 ({n:,})", "new ({n:,})"),
    "import_preview.changed": ("변경 ({n:,})", "changed ({n:,})"),
    "import_preview.unchanged": ("변경 없음 ({n:,})", "unchanged ({n:,})"),
}
