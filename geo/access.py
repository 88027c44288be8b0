"""Who is asking: the viewer passed to every query, and what each role may read.

The query layer picks its source relation from the viewer: public viewers read the
``resources_public`` view (people generalised to their dong, no address or contact, no
staff-only records); only staff read the ``resources`` table itself.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("public", "district_officer", "planner", "admin")


@dataclass(frozen=True)
class Viewer:
    """The current user as the query layer sees it.

    Parameters
    ----------
    role
        One of :data:`ROLES`.
    username
        Recorded as the actor of writes; ``None`` for the public.
    district_code
        The district of a district officer.
    """

    role: str = "public"
    username: str | None = None
    district_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role: {self.role}")

    @property
    def is_staff(self) -> bool:
        """Staff may see exact points and contacts (a district officer: of their district)."""
        return self.role != "public"


PUBLIC = Viewer()


def resource_source(viewer: Viewer) -> str:
    """The relation resource queries read for ``viewer``, with the same column names.

    Both relations expose ``id, kind, category, name, description, address, contact, geom,
    location_generalised, district_code, dong_code, source, source_id, is_demo``.
    """
    if not viewer.is_staff:
        return "resources_public"
    exact = (
        "(SELECT r.id, r.kind, r.category, r.name, r.description, r.address, r.contact,"
        " r.geom, false AS location_generalised, r.district_code, r.dong_code, r.source,"
        " r.source_id, r.is_demo FROM resources r)"
    )
    if viewer.role == "district_officer":
        # Exact data of their own district only; elsewhere they see what the public sees.
        return (
            "(SELECT e.id, e.kind, e.category, e.name, e.description, e.address, e.contact,"
            " e.geom, e.location_generalised, e.district_code, e.dong_code, e.source,"
            " e.source_id, e.is_demo FROM " + exact + " e WHERE e.district_code = "
            ":viewer_district UNION ALL SELECT p.id, p.kind, p.category, p.name,"
            " p.description, p.address, p.contact, p.geom, p.location_generalised,"
            " p.district_code, p.dong_code, p.source, p.source_id, p.is_demo"
            " FROM resources_public p WHERE p.district_code IS DISTINCT FROM :viewer_district)"
        )
    return exact


def source_params(viewer: Viewer) -> dict[str, str]:
    """Bind parameters the relation from :func:`resource_source` needs."""
    return {"viewer_district": viewer.district_code} if viewer.role == "district_officer" else {}
