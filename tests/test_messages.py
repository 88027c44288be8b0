"""The one catalog of interface text: complete in both languages, and the code agrees with it.

Every key has Korean and English with the same placeholders; every key the code names exists
(``Msg("...")``, ``text("...")``, an error class's ``key``, a page's ``t("...")``); every key
is used; no "한국어 / English" sentence is left inline in the code; an error raised in
``geo`` reaches a page in the interface language. No database needed.
"""

from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.errors import InvalidInput, NotFound
from geo.messages import CATALOG, Joined, Msg, Pair
from loaders.bounded import ImportTooLarge

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
#: Application code that may name message keys (the catalog itself excluded).
CODE = [
    *sorted(
        p
        for d in ("geo", "loaders", "layers", "views")
        for p in (REPO / d).rglob("*.py")
        if "messages" not in p.parts and "migrations" not in p.parts
    ),
    REPO / "app.py",
    REPO / "maeul.py",
]
NAMESPACES = {key.split(".")[0] for key in CATALOG}
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_HANGUL = "\uac00-\ud7a3"
#: "한국어 / English": Korean, then " / ", then a Latin word, in one literal.
BILINGUAL = re.compile(rf"[{_HANGUL}][^\n]*? / [^\n{_HANGUL}]*[A-Za-z]{{2}}")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_key_is_namespaced_and_has_both_languages_with_the_same_placeholders():
    problems = []
    for key, pair in CATALOG.items():
        if not KEY_SHAPE.match(key):
            problems.append(f"{key}: not a namespaced key (area.name)")
        if len(pair) != 2 or not all(isinstance(s, str) and s.strip() for s in pair):
            problems.append(f"{key}: needs non-empty Korean and English")
            continue
        ko, en = pair
        if _placeholders(ko) != _placeholders(en):
            problems.append(f"{key}: {_placeholders(ko)} != {_placeholders(en)}")
    assert problems == []


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _page_of(tree: ast.Module) -> str | None:
    """``"nearby"`` for a module with ``t = translator("nearby")``; ``None`` otherwise."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "translator"
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
        ):
            return node.value.args[0].value
    return None


def _t_keys(page: str | None, name: str) -> tuple[str, ...]:
    """The catalog keys a page's ``t(name)`` may mean, in lookup order."""
    return ((f"page.{page}.{name}",) if page else ()) + (f"ui.{name}",)


def scan(source: str, where: str) -> tuple[list[str], set[str], list[re.Pattern]]:
    """Problems (keys named but missing), keys named, and patterns of keys built at run time.

    Named: the first argument of ``Msg``/``text`` calls, ``key = "..."`` in classes, any
    constant shaped like a key of a known namespace, and ``t("...")`` in views (resolved
    through the page's ``translator``); ``t(f"level_{v}")`` gives a pattern.
    """
    tree = ast.parse(source)
    page = _page_of(tree)
    uses_t = page is not None or any(
        isinstance(node, ast.ImportFrom)
        and node.module == "views.i18n"
        and any(alias.name == "t" for alias in node.names)
        for node in tree.body
    )
    imports_text = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "geo.messages"
        and any(alias.name == "text" for alias in node.names)
        for node in tree.body
    )
    missing: list[str] = []
    named: set[str] = set()
    patterns: list[re.Pattern] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if KEY_SHAPE.match(value) and value.split(".")[0] in NAMESPACES:
                named.add(value)
                if value not in CATALOG:
                    missing.append(f"{where}:{node.lineno}: {value}")
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0]
        if (
            (fname == "Msg" or (fname == "text" and isinstance(func, ast.Name) and imports_text))
            and isinstance(first, ast.Constant)
            and first.value not in CATALOG
        ):
            missing.append(f"{where}:{first.lineno}: {first.value}")
        if fname == "t" and isinstance(func, ast.Name) and uses_t:
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                keys = _t_keys(page, first.value)
                found = [k for k in keys if k in CATALOG]
                named.update(found[:1])
                if not found:
                    missing.append(f"{where}:{node.lineno}: t({first.value!r}) -> {keys}")
            elif isinstance(first, ast.JoinedStr):
                parts = [
                    re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                    for v in first.values
                ]
                shapes = [
                    re.compile(re.escape(k[: -len("x")]) + "".join(parts) + "$")
                    for k in _t_keys(page, "x")
                ]
                if not any(s.match(k) for s in shapes for k in CATALOG):
                    missing.append(f"{where}:{node.lineno}: no key fits {ast.unparse(first)}")
                patterns += shapes
    return sorted(set(missing)), named, patterns


def mismatched_params(source: str, where: str) -> list[str]:
    """``Msg("key", a=...)`` calls whose keyword names differ from the key's placeholders."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        first = node.args[0]
        if name != "Msg" or not isinstance(first, ast.Constant) or first.value not in CATALOG:
            continue
        given = {kw.arg for kw in node.keywords}
        if None in given:  # **params: not known here
            continue
        wanted = _placeholders(CATALOG[first.value][0])
        if given != wanted:
            out.append(f"{where}:{node.lineno}: {first.value} takes {wanted}, given {given}")
    return out


def test_every_message_is_given_exactly_its_placeholders():
    problems = []
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        problems += mismatched_params(source, str(path.relative_to(REPO)))
    assert problems == []
    assert mismatched_params('Msg("common.no_such_file", file="a")', "x.py") != []


def _scan_code() -> tuple[list[str], set[str], list[re.Pattern], dict[Path, str]]:
    missing, named, patterns, sources = [], set(), [], {}
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        sources[path] = source
        m, n, p = scan(source, str(path.relative_to(REPO)))
        missing += m
        named |= n
        patterns += p
    return missing, named, patterns, sources


def test_every_key_the_code_names_exists():
    missing, named, _, _ = _scan_code()
    assert named, "the scan found no keys at all"
    assert missing == []


def test_the_scan_finds_a_key_that_is_not_in_the_catalog():
    """The check above can fail: a typo in each way of naming a key is caught."""
    source = (
        "from geo.messages import Msg\n"
        "from views.i18n import translator\n"
        't = translator("nearby")\n'
        'a = Msg("error.no_such_thing")\n'
        'b = t("no_such_label")\n'
        'c = t(f"no_such_{x}")\n'
        "class E(Exception):\n"
        '    key = "error.not_founf"\n'
    )
    missing, _, _ = scan(source, "example.py")
    assert len(missing) == 4, missing
    # ... and the same names spelled right pass.
    fine = source.replace("error.no_such_thing", "error.not_found").replace(
        "no_such_label", "title"
    )
    fine = fine.replace("no_such_", "col_").replace("error.not_founf", "error.forbidden")
    assert scan(fine, "example.py")[0] == []


def test_every_key_is_used_somewhere():
    _, named, patterns, sources = _scan_code()
    views = {p.stem: s for p, s in sources.items() if p.parent.name == "views"}
    everything = "\n".join(sources.values())

    def used(key: str) -> bool:
        if key in named or any(p.match(key) for p in patterns):
            return True
        short = key.rsplit(".", 1)[1]
        quoted = (f'"{short}"', f"'{short}'")
        if key.startswith("page."):  # a label named in a table of the page (t(label))
            page = key.split(".")[1]
            return any(q in views.get(page, "") for q in quoted)
        if key.startswith("ui."):
            return any(q in everything for q in quoted)
        return False

    assert sorted(k for k in CATALOG if not used(k)) == []


def test_no_bilingual_sentence_is_left_inline():
    found = []
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in docs or id(node) in parts:
                continue
            if isinstance(node, ast.JoinedStr):
                value = "".join(
                    v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
                )
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
            else:
                continue
            if BILINGUAL.search(value):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {value[:60]!r}")
    assert found == []


def test_the_bilingual_check_sees_an_inline_sentence():
    assert BILINGUAL.search("파일이 없습니다 / no such file")
    assert BILINGUAL.search("{what}: 비어 있음 / {what}: empty")
    assert not BILINGUAL.search("[X좌표 / Y좌표]")  # column names, no English after
    assert not BILINGUAL.search("완료")


def test_a_message_renders_its_parameters_in_its_own_language():
    stage = Pair("검토", "review")
    msg = Msg("conflicts.only_stage_after", stage=stage)
    assert msg.text("ko") == "'검토' 다음 단계만 고를 수 있습니다"
    assert msg.text("en") == "only a stage after 'review'"
    assert str(msg) == f"{msg.text('ko')} / {msg.text('en')}"  # the CLI's form
    several = Joined((Msg("columns.unknown_field", name="x"), "kind: 'y'"))
    outer = Msg("columns.check_mapping", problems=several)
    assert outer.text("en") == "check the mapping: unknown field 'x'; kind: 'y'"
    assert outer.text("ko") == "매핑을 확인하세요: 알 수 없는 필드 'x'; kind: 'y'"


def test_a_missing_key_fails_where_it_is_made():
    with pytest.raises(KeyError, match=r"error\.no_such_thing"):
        Msg("error.no_such_thing")


def test_errors_carry_a_key_and_parameters_and_cross_processes_whole():
    exc = InvalidInput(Msg("common.no_such_file", path="a.csv"), detail="stat failed")
    assert exc.key == "common.no_such_file" and exc.params == {"path": "a.csv"}
    assert exc.text("en") == "no such file: a.csv"
    assert exc.text("ko") == "파일이 없습니다: a.csv"
    assert exc.user_msg == f"{exc.text('ko')} / {exc.text('en')}"
    assert NotFound().key == "error.not_found"  # the class's own message
    # An import's child process sends its errors through a pipe (loaders.bounded).
    for err in (exc, ImportTooLarge(64, detail="rss")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert (back.key, back.params, back.detail) == (err.key, err.params, err.detail)
        assert back.text("en") == err.text("en") and str(back) == str(err)


@pytest.mark.parametrize(
    ("lang", "shown", "absent"),
    [
        ("ko", "데이터베이스에 연결할 수 없습니다", "The database is not reachable"),
        ("en", "The database is not reachable", "데이터베이스"),
    ],
)
def test_an_error_raised_in_geo_reaches_the_page_in_the_interface_language(
    monkeypatch, lang, shown, absent
):
    from geo.db import get_engine

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://maeul@127.0.0.1:1/none")
    get_engine.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        if lang != "ko":  # the sidebar toggle stores the choice here
            at.session_state["lang"] = lang
        at.run()
    finally:
        get_engine.cache_clear()
    assert not at.exception
    assert len(at.error) == 1
    assert shown in at.error[0].value and absent not in at.error[0].value
