"""Every message of mes exists in French, and nothing meant for a person escapes translation.

Three nets: the catalogue has a translation for every marked message and every help text
(``python -m mes_cli.i18n.extract --check`` prints the same list); a scan refuses English
sentences written straight into the calls that show text (``say``, ``ask``, ``MesError`` …)
without ``_()``; and the compiled catalogue the package loads is the one built from the
``.po`` source.
"""

from __future__ import annotations

import ast
import string

import pytest

from mes_cli import i18n
from mes_cli.i18n import extract

PACKAGE = extract.PACKAGE


def test_every_message_has_a_french_translation():
    missing = extract.untranslated()
    assert not missing, f"{len(missing)} messages have no French translation " \
                        f"(run `python -m mes_cli.i18n.extract`, then fill mes.po): {missing[:15]}"


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_translations_keep_the_placeholders_of_their_message():
    catalogue = extract.read()
    wrong = []
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(_fields(text) for text in ids))
        for text in strings:
            if _fields(text) - expected or (len(ids) == 1 and _fields(text) != expected):
                wrong.append((ids[0], text))
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_is_the_one_built_from_the_source():
    """The .mo is compiled when the package is built; a stale one means the install is older than mes.po."""
    catalogue = extract.read()
    expected = {entry.id if isinstance(entry.id, str) else entry.id[0]: entry.string
                for entry in catalogue if entry.id and entry.string and not entry.fuzzy}
    loaded = i18n._translations("fr")
    assert loaded.__class__.__name__ == "GNUTranslations", "mes.mo was not built: reinstall with `pip install -e .`"
    for message_id, translation in expected.items():
        if isinstance(translation, tuple):
            assert loaded._catalog[(message_id, 0)] == translation[0], message_id
        else:
            assert loaded._catalog.get(message_id) == translation, \
                f"mes.mo is older than mes.po ({message_id!r}): reinstall with `pip install -e .`"


# -- the scan: sentences shown to people go through _() ------------------------------------------
# call name → position of the message argument (keyword names are checked too)
_SHOWN = {"say": 0, "confirm": 0, "MesError": 1, "invalid": 1, "BadParameter": 0, "item": 0}
_SHOWN_KEYWORDS = {"prompt", "help_text", "message", "question"}
_SCANNED = ["cli", "client", "domain", "contract", "server/services", "server/http", "server/notify",
            "server/store", "server/runner.py", "server/settings.py", "server/security.py"]


def _is_literal_sentence(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value) and " " in node.value.strip()
    if isinstance(node, ast.JoinedStr):
        return any(_is_literal_sentence(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _is_literal_sentence(node.left) or _is_literal_sentence(node.right)
    return False


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _stderr_write(node: ast.Call) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr == "write" and isinstance(func.value, ast.Attribute) \
        and func.value.attr == "stderr"


def _untranslated_sentences() -> list[str]:
    found = []
    files = []
    for part in _SCANNED:
        path = PACKAGE / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            candidates = []
            if name in _SHOWN and len(node.args) > _SHOWN[name]:
                candidates.append(node.args[_SHOWN[name]])
            if _stderr_write(node) and node.args:
                candidates.append(node.args[0])
            candidates += [kw.value for kw in node.keywords if kw.arg in _SHOWN_KEYWORDS]
            for candidate in candidates:
                if _is_literal_sentence(candidate):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_sentences_shown_to_people_are_marked_for_translation():
    found = _untranslated_sentences()
    assert not found, f"wrap these messages in _() (mes_cli.i18n): {found}"


# -- choosing the language ---------------------------------------------------------------------

@pytest.mark.parametrize("variables, expected", [
    ({}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_GB.UTF-8", "LC_ALL": "fr_CA.UTF-8"}, "fr"),
    ({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "fr_FR"}, "fr"),
    ({"LANG": "en_US.UTF-8", "LANGUAGE": "de:fr:en"}, "fr"),
    ({"LANG": "C", "LANGUAGE": "fr"}, "en"),  # gettext ignores LANGUAGE in the C locale
])
def test_language_from_the_locale_variables(variables, expected):
    assert i18n.from_environment(variables) == expected


@pytest.mark.parametrize("header, expected", [
    (None, "en"), ("", "en"), ("fr", "fr"), ("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("de, en;q=0.5, fr;q=0.7", "fr"),
    ("en-GB, fr;q=0.9", "en"), ("fr;q=0", "en"), ("fr;q=abc, en", "en"), ("*", "en"),
])
def test_language_from_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_plural_forms_follow_french_rules():
    token = i18n.use("fr")
    try:
        assert i18n._translations("fr").plural(0) == 0 and i18n._translations("fr").plural(2) == 1
    finally:
        i18n.restore(token)
