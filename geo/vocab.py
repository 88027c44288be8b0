"""Controlled vocabularies: resource kinds and categories, stages, conflict types, with labels.

Each table maps a stable code (stored in the database) to its Korean and English label.
The database enforces the codes with CHECK constraints built from these same tables.
"""

from __future__ import annotations

Label = tuple[str, str]  # (Korean, English)

#: Resource kinds, exactly as the plan lists them (seed section 2-1).
KINDS: dict[str, Label] = {
    "human": ("인적자원", "Human"),
    "space": ("공간자원", "Space"),
    "heritage": ("인문자원", "Heritage"),
    "other": ("기타", "Other"),
}

#: Categories per kind, from the plan's examples.
CATEGORIES: dict[str, dict[str, Label]] = {
    "human": {
        "artist": ("문화·예술가", "Artist"),
        "activist": ("마을활동가", "Village activist"),
        "civic_group": ("시민단체", "Civic group"),
    },
    "space": {
        "meeting_room": ("회의실·다목적실", "Meeting room"),
        "hall": ("강당·공연장", "Hall"),
        "library": ("도서관·작은도서관", "Library"),
        "book_cafe": ("북카페", "Book café"),
        "garden": ("마을텃밭·정원", "Community garden"),
    },
    "heritage": {
        "village_story": ("마을역사·이야기", "Village history and stories"),
        "cultural_property": ("문화재", "Cultural property"),
    },
    "other": {
        "local_feature": ("지역특성", "Local characteristic"),
        "resident_need": ("주민욕구", "Residents' need"),
        "case_study": ("성공·실패사례", "Success or failure case"),
    },
}

#: Who may see a record at all. Human resources are additionally generalised for the public.
VISIBILITY: dict[str, Label] = {
    "public": ("공개", "Public"),
    "staff": ("직원 전용", "Staff only"),
}

#: Stages of a funded village project (표준절차).
SITE_STAGES: dict[str, Label] = {
    "seed": ("씨앗마을", "Seed"),
    "sprout": ("새싹마을", "Sprout"),
    "hope": ("희망마을", "Hope"),
}

#: Quarterly evaluation criteria (분기별 평가), each scored 0-100.
EVALUATION_CRITERIA: dict[str, Label] = {
    "resident_led": ("주민주도 추진", "Resident leadership"),
    "governance": ("민관거버넌스", "Public-private governance"),
    "local_resources": ("지역자원 활용", "Use of local resources"),
}

#: Stages of the conflict process in the plan (seed section 3), in order.
CONFLICT_STAGES: dict[str, Label] = {
    "prevention_plan": ("사전 대응계획", "Prevention plan"),
    "impact_analysis": ("갈등영향분석", "Conflict impact analysis"),
    "review_meeting": ("갈등현안 검토회의", "Review meeting"),
    "mediation_council": ("갈등조정협의회", "Mediation council"),
    "closed": ("합의·종결", "Agreed / closed"),
}

#: Conflict types used by the register.
CONFLICT_TYPES: dict[str, Label] = {
    "facility_siting": ("시설 입지", "Facility siting"),
    "redevelopment": ("개발·재개발", "Development and redevelopment"),
    "environment": ("환경", "Environment"),
    "traffic_parking": ("교통·주차", "Traffic and parking"),
    "parks_green": ("공원·녹지", "Parks and green space"),
    "interests": ("이해관계", "Competing interests"),
}

#: Severity 1 (low) to 5 (critical).
SEVERITY: dict[int, Label] = {
    1: ("낮음", "Low"),
    2: ("보통", "Moderate"),
    3: ("높음", "High"),
    4: ("매우 높음", "Very high"),
    5: ("심각", "Critical"),
}


def all_categories() -> dict[str, Label]:
    """Every category code of every kind, flattened."""
    return {code: label for cats in CATEGORIES.values() for code, label in cats.items()}


def label(table: dict, code, lang: str = "ko") -> str:
    """Label of ``code`` in ``table`` in ``lang`` ("ko" or "en"); the code itself if unknown."""
    pair = table.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "ko" else pair[1]
