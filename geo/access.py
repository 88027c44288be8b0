"""Who is asking: the viewer passed to every query, and what each role may read.

The query layer picks its source relation from the viewer: public viewers read the
``resources_public`` view (people generalised to their dong, no address or contact, no
staff-only records); only staff read the ``resources`` table itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import Forbidden
from geo.messages import Msg

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
        """Signed in (what each staff role may do is :data:`RIGHTS`)."""
        return self.role != "public"


PUBLIC = Viewer()

#: What a role may do. ``"all"``: anywhere in Seoul; ``"own"``: in the user's own district
#: only; ``"public"``: what the public views show (people generalised, no contacts);
#: ``None``: refused. ``manage_vocabulary`` (categories and their spellings, shared by
#: every import) is an administrator's task. ``import_population`` (the city-wide population
#: table) is a planner's task; the other actions are the issue's list. Every write and
#: export function checks this table (:func:`require`); reads get their rows from
#: :func:`resource_source`, which follows the same rules.
RIGHTS: dict[str, dict[str, str | None]] = {
    "public": {
        "view": "public",
        "exact_point": None,
        "contact": None,
        "edit": None,
        "import": None,
        "export": "public",
        "manage_users": None,
        "manage_vocabulary": None,
        "import_population": None,
    },
    "district_officer": {
        "view": "all",
        "exact_point": "own",
        "contact": "own",
        "edit": "own",
        "import": "own",
        "export": "own",
        "manage_users": None,
        "manage_vocabulary": None,
        "import_population": None,
    },
    "planner": {
        "view": "all",
        "exact_point": "all",
        "contact": "all",
        "edit": None,
        "import": None,
        "export": "all",
        "manage_users": None,
        "manage_vocabulary": None,
        "import_population": "all",
    },
    "admin": {
        "view": "all",
        "exact_point": "all",
        "contact": "all",
        "edit": "all",
        "import": "all",
        "export": "all",
        "manage_users": "all",
        "manage_vocabulary": "all",
        "import_population": "all",
    },
}
ACTIONS = tuple(RIGHTS["public"])

#: User-facing refusal per action (Korean / English).
_REFUSED = {
    "edit": Msg("access.you_may_not_add"),
    "import": Msg("access.you_may_not_import"),
    "export": Msg("access.you_may_not_export"),
    "manage_users": Msg("access.administrators_only"),
    "manage_vocabulary": (Msg("access.only_administrators_may_change")),
    "import_population": (Msg("access.only_planners_administrators_may")),
}
_OTHER_DISTRICT = Msg("access.you_may_only_work")


def scope(viewer: Viewer, action: str) -> str | None:
    """How far ``viewer`` may do ``action``: ``"all"``, ``"own"``, ``"public"`` or ``None``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action: {action}")
    return RIGHTS[viewer.role][action]


def allowed(viewer: Viewer, action: str, district_code: str | None = None) -> bool:
    """Whether ``viewer`` may do ``action`` on a record of ``district_code``.

    With ``district_code=None`` the question is whether the action is open to the viewer at
    all (somewhere). A record without a district (outside every dong) is nobody's "own".
    """
    where = scope(viewer, action)
    if where is None:
        return False
    if where == "own" and district_code is not None:
        return district_code == viewer.district_code
    return True


def require(viewer: Viewer, action: str, district_code: str | None = None) -> None:
    """Raise :class:`~geo.errors.Forbidden` unless :func:`allowed`."""
    if allowed(viewer, action, district_code):
        return
    if scope(viewer, action) == "own":
        raise Forbidden(_OTHER_DISTRICT, detail=f"{viewer.username}: {action} {district_code}")
    raise Forbidden(_REFUSED.get(action, Msg(Forbidden.key)), detail=f"{viewer.role}: {action}")


def require_districts(viewer: Viewer, action: str, districts: tuple[str, ...]) -> tuple[str, ...]:
    """The districts ``viewer`` may ``action`` in, from the requested ``districts``.

    A district officer asking for all of Seoul (``()``) gets their own district; asking for
    another district is refused.
    """
    require(viewer, action)
    if scope(viewer, action) != "own":
        return districts
    if not districts:
        return (viewer.district_code or "",)  # no district: matches none
    for code in districts:
        require(viewer, action, code)
    return districts


def resource_source(viewer: Viewer) -> str:
    """The relation resource queries read for ``viewer``, with the same column names.

    Chosen by the viewer's ``exact_point`` right (contacts go with it in every role): the
    public view, the table itself, or for a district officer the table in their district
    and the public view elsewhere. Retired records are in none of them (the editing page
    reads them from ``resources``).

    All expose ``public_id, kind, category, name, description, address, contact, geom,
    location_generalised, district_code, dong_code, source, source_id, is_demo,
    location_precision`` (``'dong'``: placed at its address's dong, not an exact point):
    no ``id`` (it follows the importer's spatial order), and the public view has no
    ``source_id`` for people (migration 0012). Identify and order rows by ``public_id``.
    """
    where = scope(viewer, "exact_point")
    if where is None:
        return "resources_public"
    exact = (
        "(SELECT r.public_id, r.kind, r.category, r.name, r.description, r.address, r.contact,"
        " r.geom, false AS location_generalised, r.district_code, r.dong_code, r.source,"
        " r.source_id, r.is_demo, r.location_precision FROM resources r"
        " WHERE r.retired_at IS NULL)"
    )
    if where == "own":
        return (
            "(SELECT e.public_id, e.kind, e.category, e.name, e.description, e.address, e.contact,"
            " e.geom, e.location_generalised, e.district_code, e.dong_code, e.source,"
            " e.source_id, e.is_demo, e.location_precision FROM " + exact + " e"
            " WHERE e.district_code = "
            ":viewer_district UNION ALL SELECT p.public_id, p.kind, p.category, p.name,"
            " p.description, p.address, p.contact, p.geom, p.location_generalised,"
            " p.district_code, p.dong_code, p.source, p.source_id, p.is_demo,"
            " p.location_precision FROM resources_public p"
            " WHERE p.district_code IS DISTINCT FROM :viewer_district)"
        )
    return exact


def count_filter(viewer: Viewer) -> str:
    """Which rows of ``resource_counts`` (alias ``c``) ``viewer`` counts: the same records
    :func:`resource_source` gives them (active ones; public only, for the public; a district
    officer all of their own district and the public ones elsewhere). Bind
    :func:`source_params`."""
    where = scope(viewer, "exact_point")
    if where is None:
        return "c.visibility = 'public'"
    if where == "own":
        return "(c.district_code = :viewer_district OR c.visibility = 'public')"
    return "true"


def source_params(viewer: Viewer) -> dict[str, str | None]:
    """Bind parameters the relation from :func:`resource_source` needs."""
    if scope(viewer, "exact_point") == "own":
        return {"viewer_district": viewer.district_code}
    return {}
