"""Copy the map front-end files (JS, CSS, images, fonts) from node_modules into static/vendor.

Run after ``npm ci --ignore-scripts``; Streamlit then serves them at ``/app/static/vendor/``
and ``layers.assets.localize`` points folium maps at them. The script is idempotent: it
rewrites only files whose content changed and deletes files that are no longer wanted, so
``static/vendor`` holds exactly what the tables below list (dotfiles, e.g. a Makefile
stamp, are left alone).

Usage: ``python scripts/vendor_assets.py [--check]``
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"
FOLIUM_DIR = Path(folium.__file__).resolve().parent

# npm package -> [(path inside the package, destination under static/vendor)]. A folder is
# copied whole. Layouts keep the relative url()s of the CSS (images/, ../webfonts/, ../fonts/).
NPM_COPIES: dict[str, list[tuple[str, str]]] = {
    "leaflet": [
        ("dist/leaflet.js", "leaflet/leaflet.js"),
        ("dist/leaflet.css", "leaflet/leaflet.css"),
        ("dist/images", "leaflet/images"),
        ("LICENSE", "leaflet/LICENSE"),
    ],
    "jquery": [
        ("dist/jquery.min.js", "jquery/jquery.min.js"),
        ("LICENSE.txt", "jquery/LICENSE.txt"),
    ],
    "bootstrap": [
        ("dist/js/bootstrap.bundle.min.js", "bootstrap/js/bootstrap.bundle.min.js"),
        ("dist/css/bootstrap.min.css", "bootstrap/css/bootstrap.min.css"),
        ("LICENSE", "bootstrap/LICENSE"),
    ],
    "bootstrap3": [  # npm alias of bootstrap@3: only its Glyphicons fonts (CSS is cut below)
        ("dist/fonts", "glyphicons/fonts"),
        ("LICENSE", "glyphicons/LICENSE"),
    ],
    "@fortawesome/fontawesome-free": [
        ("css/all.min.css", "fontawesome/css/all.min.css"),
        ("webfonts", "fontawesome/webfonts"),
        ("LICENSE.txt", "fontawesome/LICENSE.txt"),
    ],
    "leaflet.awesome-markers": [
        ("dist/leaflet.awesome-markers.js", "awesome-markers/leaflet.awesome-markers.js"),
        ("dist/leaflet.awesome-markers.css", "awesome-markers/leaflet.awesome-markers.css"),
        ("dist/images", "awesome-markers/images"),
        ("LICENSE", "awesome-markers/LICENSE"),
    ],
    "leaflet.markercluster": [
        ("dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"),
        ("dist/MarkerCluster.css", "markercluster/MarkerCluster.css"),
        ("dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"),
        ("MIT-LICENCE.txt", "markercluster/MIT-LICENCE.txt"),
    ],
    "swagger-ui-dist": [  # the OGC API's /openapi page (pygeoapi's template)
        ("swagger-ui.css", "swagger-ui/swagger-ui.css"),
        ("swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
        ("swagger-ui-standalone-preset.js", "swagger-ui/swagger-ui-standalone-preset.js"),
        ("favicon-16x16.png", "swagger-ui/favicon-16x16.png"),
        ("favicon-32x32.png", "swagger-ui/favicon-32x32.png"),
        ("LICENSE", "swagger-ui/LICENSE"),
        ("NOTICE", "swagger-ui/NOTICE"),
    ],
    "leaflet.fullscreen": [
        ("Control.FullScreen.js", "fullscreen/Control.FullScreen.js"),
        ("Control.FullScreen.css", "fullscreen/Control.FullScreen.css"),
        ("icon-fullscreen.svg", "fullscreen/icon-fullscreen.svg"),
        ("LICENSE", "fullscreen/LICENSE"),
    ],
    "leaflet.locatecontrol": [
        ("dist/L.Control.Locate.min.js", "locatecontrol/L.Control.Locate.min.js"),
        ("dist/L.Control.Locate.min.css", "locatecontrol/L.Control.Locate.min.css"),
        ("LICENSE", "locatecontrol/LICENSE"),
    ],
    "leaflet-draw": [
        ("dist/leaflet.draw.js", "leaflet-draw/leaflet.draw.js"),
        ("dist/leaflet.draw.css", "leaflet-draw/leaflet.draw.css"),
        ("dist/images", "leaflet-draw/images"),
    ],
}

# Files taken from the installed folium wheel (the CDN serves these from folium's repository).
FOLIUM_COPIES: list[tuple[str, str]] = [
    ("templates/leaflet_heat.min.js", "folium/leaflet_heat.min.js"),
]

GLYPHICONS_SOURCE = NODE_MODULES / "bootstrap3/dist/css/bootstrap.css"
GLYPHICONS_DEST = "glyphicons/css/bootstrap-glyphicons.css"
ROTATE_DEST = "folium/leaflet.awesome.rotate.min.css"

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def glyphicons_css(bootstrap3_css: str) -> str:
    """Cut the Glyphicons part (``@font-face`` and ``.glyphicon*`` rules) out of Bootstrap 3.

    Parameters
    ----------
    bootstrap3_css : str
        Text of Bootstrap 3's unminified ``dist/css/bootstrap.css``.

    Returns
    -------
    str
        A stylesheet equivalent to the standalone ``bootstrap-glyphicons.css`` folium links
        to; its fonts are expected at ``../fonts/``.

    Raises
    ------
    ValueError
        If the section is not found (a Bootstrap 3 release with another layout).
    """
    start = bootstrap3_css.find('@font-face {\n  font-family: "Glyphicons Halflings"')
    if start < 0:
        raise ValueError("Glyphicons @font-face not found in Bootstrap 3 CSS")
    rules: list[str] = []
    for match in _RULE.finditer(bootstrap3_css, start):
        selector = match.group(1).strip()
        if not (selector.startswith("@font-face") or selector.startswith(".glyphicon")):
            break
        rules.append(f"{selector} {{{match.group(2)}}}")
    if len(rules) < 200:
        raise ValueError(f"only {len(rules)} Glyphicons rules found in Bootstrap 3 CSS")
    return "/* Glyphicons from Bootstrap 3 (MIT), cut by scripts/vendor_assets.py */\n" + (
        "\n".join(rules) + "\n"
    )


def rotate_css() -> str:
    """Build the stylesheet behind folium's ``Icon(angle=...)`` (class ``fa-rotate-<angle>``).

    Returns
    -------
    str
        One ``transform: rotate()`` rule per whole degree from 0 to 360.
    """
    rules = (f".fa-rotate-{d}{{transform:rotate({d}deg)}}" for d in range(361))
    return "".join(rules) + "\n"


def wanted_files() -> Iterator[tuple[str, bytes]]:
    """Yield ``(destination, content)`` for every file ``static/vendor`` must hold.

    Raises
    ------
    FileNotFoundError
        If a source is missing (``npm ci`` not run, or a package changed its layout).
    """
    copies = [(FOLIUM_DIR / src, dest) for src, dest in FOLIUM_COPIES]
    for package, files in NPM_COPIES.items():
        copies += [(NODE_MODULES / package / src, dest) for src, dest in files]
    for source, dest in copies:
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                yield f"{dest}/{path.relative_to(source).as_posix()}", path.read_bytes()
        elif source.is_file():
            yield dest, source.read_bytes()
        else:
            raise FileNotFoundError(f"{source} is missing: run `npm ci --ignore-scripts` first")
    licenses = [f for f in metadata.files("folium") or [] if f.name.startswith("LICENSE")]
    if licenses:
        yield "folium/LICENSE.txt", Path(str(licenses[0].locate())).read_bytes()
    yield GLYPHICONS_DEST, glyphicons_css(GLYPHICONS_SOURCE.read_text("utf-8")).encode()
    yield ROTATE_DEST, rotate_css().encode()


def vendor(target: Path = VENDOR, *, check: bool = False) -> list[str]:
    """Make ``target`` hold exactly the wanted files.

    Parameters
    ----------
    target : Path
        Folder to fill (``static/vendor``).
    check : bool, default False
        Only report what would change, touch nothing.

    Returns
    -------
    list of str
        Changes made (or needed), as ``"write <path>"`` / ``"delete <path>"``.
    """
    wanted = dict(wanted_files())
    changes: list[str] = []
    for dest, content in wanted.items():
        path = target / dest
        if path.is_file() and path.read_bytes() == content:
            continue
        changes.append(f"write {dest}")
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    existing = sorted(target.rglob("*"), reverse=True) if target.is_dir() else []
    for path in existing:
        rel = path.relative_to(target).as_posix()
        if path.name.startswith("."):  # stamps such as the Makefile's .done are not ours
            continue
        if path.is_file() and rel not in wanted:
            changes.append(f"delete {rel}")
            if not check:
                path.unlink()
        elif path.is_dir() and not check and not any(path.iterdir()):
            path.rmdir()
    return changes


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if static/vendor is not up to date"
    )
    args = parser.parse_args(argv)
    changes = vendor(check=args.check)
    for change in changes:
        print(change)
    total = sum(p.is_file() and not p.name.startswith(".") for p in VENDOR.rglob("*"))
    print(f"static/vendor: {len(changes)} change(s), {total} file(s)")
    return 1 if args.check and changes else 0


if __name__ == "__main__":
    sys.exit(main())
