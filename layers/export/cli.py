"""The export command lines: ``maeul export`` and ``maeul bundle`` (also
``python -m layers export|bundle``).

Examples::

    maeul export --district 마포구 --layers resources,program_sites \\
        --format gpkg --crs 5186 -o mapo.gpkg
    maeul bundle --district Mapo-gu --crs 5186 --encoding cp949 -o mapo.zip

Districts are given by Korean name, romanised name or code (``마포구``, ``Mapo-gu``, ``11440``).
Exports follow the rights of ``--role`` (default ``public``: people generalised, no contacts).
:func:`add_commands` puts both on a parser; :mod:`layers.__main__` runs them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from geo.access import ROLES, Viewer
from geo.auth import account_viewer
from geo.errors import InvalidInput
from geo.messages import Msg
from geo.progress import print_progress
from geo.queries import ResourceFilter
from geo.reference import resolve_districts
from layers.export.read import BUNDLE_LAYERS, EXPORT_CRS, LAYERS, Selection

#: Subcommand -> one line of help (``maeul --help`` lists them too).
HELP = {
    "export": "export layers to one file (GeoJSON, GPKG, Shapefile zip, KML, CSV)",
    "bundle": "one district's layers as GeoPackage+Shapefile+CSV zip",
}


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _viewer(args: argparse.Namespace) -> Viewer:
    if args.user and args.role == "public":
        # An account's own rights (a district officer: their district only).
        return account_viewer(args.user)
    district = None
    if args.role == "district_officer":
        codes = resolve_districts([args.role_district or ""])
        if len(codes) != 1:
            raise InvalidInput(Msg("cli.role_district_officer_needs"))
        district = codes[0]
    return Viewer(args.role, args.user, district)


def _filter(args: argparse.Namespace) -> ResourceFilter:
    return ResourceFilter(
        kinds=tuple(_split(args.kinds)),
        categories=tuple(_split(args.categories)),
        text=args.text or "",
    )


def export(args: argparse.Namespace) -> None:
    from layers.export.writers import ExportRequest, export_layers

    districts = _split(args.district)
    selection = Selection(
        districts=resolve_districts(districts) if districts else (),
        resources=_filter(args),
        open_conflicts_only=args.open_conflicts_only,
    )
    request = ExportRequest(
        layers=tuple(_split(args.layers)) or BUNDLE_LAYERS,
        format=args.format,
        crs=args.crs,
        selection=selection,
        encoding=args.encoding,
    )
    result = export_layers(request, viewer=_viewer(args), out=args.output, progress=print_progress)
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    print(f"wrote {result.path}: {counts}")
    for note in result.notes:
        print(f"note: {note}")
    if any(result.demo_counts.values()):
        print(f"note: includes {sum(result.demo_counts.values()):,} demo records (is_demo)")


def bundle(args: argparse.Namespace) -> None:
    from layers.export.bundle import export_bundle

    districts = _split(args.district)
    if len(districts) != 1:
        raise InvalidInput(Msg("cli.bundle_made_one_district"))
    result = export_bundle(
        districts[0],
        viewer=_viewer(args),
        out=args.output,
        crs=args.crs,
        encoding=args.encoding,
        resources=_filter(args),
        progress=print_progress,
    )
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    print(f"wrote {result.path} ({result.district[1]}): {counts}")
    for note in result.notes:
        print(f"note: {note}")


def _add_common(p: argparse.ArgumentParser, *, default_crs: int) -> None:
    p.add_argument("--crs", type=int, default=default_crs, choices=sorted(EXPORT_CRS))
    p.add_argument("--encoding", default="cp949", choices=("cp949", "utf-8"), help="Shapefile text")
    p.add_argument("--kinds", action="append", help="resource kinds, e.g. human,space")
    p.add_argument("--categories", action="append", help="resource categories")
    p.add_argument("--text", help="resources whose name or description contains this")
    p.add_argument("--role", default="public", choices=ROLES, help="whose rights apply")
    p.add_argument("--role-district", help="the district of a district_officer")
    p.add_argument(
        "--user",
        help="export as this account, with its rights (alone), or the name recorded for --role",
    )
    p.add_argument("-o", "--output", required=True, type=Path, help="file to write")


Command = Callable[[argparse.Namespace], None]


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Command]:
    """Add ``export`` and ``bundle`` to ``sub``; returns subcommand -> function."""
    from layers.export.writers import FORMATS

    p = sub.add_parser("export", help=HELP["export"])
    p.add_argument("--district", action="append", help="district(s); default all of Seoul")
    p.add_argument("--layers", action="append", help=f"comma-separated, of: {', '.join(LAYERS)}")
    p.add_argument("--format", required=True, choices=sorted(FORMATS))
    p.add_argument("--open-conflicts-only", action="store_true")
    _add_common(p, default_crs=4326)
    p = sub.add_parser("bundle", help=HELP["bundle"])
    p.add_argument("--district", action="append", required=True)
    _add_common(p, default_crs=5186)
    return {"export": export, "bundle": bundle}
