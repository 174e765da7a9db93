"""Translations: every Russian string has its English and its Kazakh, and the language switch in the footer works.

Russian is the source language (the msgids). After adding or changing a string, refresh the catalogs:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
    .venv/bin/pybabel update -i translations/messages.pot -d translations
    (translate the new entries in translations/{en,kk}/LC_MESSAGES/messages.po, drop their "fuzzy" flags)
    .venv/bin/pybabel compile -d translations
"""

import ast
import os
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template

from kabinet.language import command_line_language
from tests.conftest import PASSWORD, logged_in, make_user, page, stored_user
from tests.factories import make_staff

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
# The languages translated from Russian, with the name each is known by in the failure's message.
TRANSLATED = {"en": "English", "kk": "Kazakh"}
POT = TRANSLATIONS / "messages.pot"
# The keywords kabinet/*.py use besides Babel's defaults (_, gettext, ngettext, N_...): keep in step with the docstring.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext", "lazy_pgettext"}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?([diouxXeEfFgGcrsa%])")
CYRILLIC = re.compile(r"[\u0400-\u04FF]+")

LOGIN_RU = "Войти в личный кабинет"
LOGIN_EN = "Log in to your account"


# --- the catalogs -----------------------------------------------------------------------------------------------


def extract() -> dict:
    """What `pybabel extract -F babel.cfg -k _l -k lazy_gettext .` finds: {msgid: ["file:line", ...]}."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(ROOT / "babel.cfg"))
    found = {}
    # Babel's default directory filter skips .venv (and any dot or underscore folder); babel.cfg names only
    # kabinet/ and templates/, so tests/ and the rest are not read.
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def read_catalog(path: Path):
    with open(path, "rb") as po:
        return read_po(po)


def forms(value) -> tuple:
    """A msgid or msgstr as a tuple of its forms (one, or singular and plurals)."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def placeholders(text: str) -> list:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text) if match.group(2) != "%")


def placeholders_differ(msgid, msgstr) -> bool:
    """Whether a translation loses, adds or retypes a %(name)s: the formatting would fail or show the wrong value."""
    ids, strings = forms(msgid), forms(msgstr)
    if len(ids) == 1:
        return placeholders(ids[0]) != placeholders(strings[0])
    # Plural forms: the singular may spell the number out, the others keep the plural msgid's placeholders.
    allowed = set(placeholders(ids[0])) | set(placeholders(ids[1]))
    return placeholders(strings[-1]) != placeholders(ids[1]) or any(
        not set(placeholders(string)) <= allowed for string in strings
    )


def describe(msgid, where) -> str:
    return f"{forms(msgid)[0]!r} ({', '.join(where[:3])})"


@pytest.fixture(scope="module")
def extracted():
    found = extract()
    assert len(found) > 100, f"the extraction found only {len(found)} strings: is babel.cfg right?"
    return found


@pytest.fixture(scope="session")
def compiled():
    """The .mo files the app reads: compiled here when missing or older than their .po (the Makefile does it too)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = read_catalog(po_path)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)
        os.replace(temporary, mo_path)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_is_translated(extracted, lang):
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    assert po_path.exists(), f"{po_path.relative_to(ROOT)} is missing: run pybabel init -l {lang} (see the docstring)"
    catalog = read_catalog(po_path)
    language = TRANSLATED[lang]
    missing, fuzzy, broken = [], [], []
    for msgid, where in extracted.items():
        entry = catalog.get(msgid)
        if entry is None or not all(part.strip() for part in forms(entry.string)):
            missing.append(describe(msgid, where))
        elif entry.fuzzy:
            fuzzy.append(describe(msgid, where))
        elif placeholders_differ(msgid, entry.string):
            broken.append(f"{describe(msgid, where)} -> {forms(entry.string)[0]!r}")
    problems = []
    if missing:
        problems.append(f"{len(missing)} not translated into {language}:\n  " + "\n  ".join(missing))
    if fuzzy:
        problems.append(f"{len(fuzzy)} marked fuzzy (check and drop the flag):\n  " + "\n  ".join(fuzzy))
    if broken:
        problems.append(f"{len(broken)} with placeholders unlike the original's:\n  " + "\n  ".join(broken))
    assert not problems, (
        f"translations/{lang}/LC_MESSAGES/messages.po is behind the code; run pybabel extract and update (see this "
        "module's docstring), then translate.\n" + "\n".join(problems)
    )


def test_the_template_catalog_is_up_to_date(extracted):
    """translations/messages.pot is what `pybabel update` reads: it must list what the code says today."""
    template = {message.id for message in read_catalog(POT) if message.id}
    new = sorted(describe(msgid, where) for msgid, where in extracted.items() if msgid not in template)
    gone = sorted(repr(forms(msgid)[0]) for msgid in template if msgid not in extracted)
    assert not new and not gone, (
        "translations/messages.pot is stale; run pybabel extract (see this module's docstring).\n"
        f"New in the code: {new}\nNo longer in the code: {gone}"
    )


def test_msgids_are_plain_literals():
    """_(f"...") or _("..." + x) cannot be extracted: the text must be a literal, its variables %(name)s."""

    def is_gettext(node) -> bool:
        if not isinstance(node, ast.Call):
            return False
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        return name in GETTEXT_NAMES

    wrong = []
    for path in sorted((ROOT / "kabinet").rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if is_gettext(node):
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    wrong.append(f"{where}:{node.lineno}: {ast.unparse(node)[:100]}")
            elif isinstance(node, ast.Attribute) and node.attr == "format" and is_gettext(node.value):
                wrong.append(f"{where}:{node.lineno}: .format() on a translation; pass %(name)s values to gettext")
    assert not wrong, "gettext must get a string literal:\n  " + "\n  ".join(wrong)


def test_template_msgids_are_plain_literals():
    """{{ _(variable) }} or {{ _("a" ~ b) }} in a template is skipped by the extraction without a word."""
    from jinja2.ext import babel_extract

    wrong = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        with open(path, "rb") as source:
            for lineno, funcname, message, _comments in babel_extract(source, ("_", "gettext", "ngettext"), [], {}):
                first = message[0] if isinstance(message, tuple) else message
                if not first:
                    wrong.append(f"{path.relative_to(ROOT)}:{lineno}: {funcname}(...) without a literal text")
    assert not wrong, "gettext must get a string literal:\n  " + "\n  ".join(wrong)


# --- the language switch ----------------------------------------------------------------------------------------


def switch(client, lang, next_page="/auth/login"):
    return client.post("/language", data={"lang": lang, "next": next_page})


def test_russian_by_default(compiled, client):
    html = page(client.get("/auth/login"))
    assert '<html lang="ru">' in html
    assert LOGIN_RU in html
    assert LOGIN_EN not in html


def test_switch_to_english_sets_the_cookie_and_the_next_page_is_english(compiled, client):
    response = switch(client, "en")
    assert response.status_code == 302
    assert response.location.endswith("/auth/login")
    assert "lang=en" in response.headers["Set-Cookie"]
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"

    html = page(client.get(response.location))
    assert '<html lang="en">' in html
    assert LOGIN_EN in html
    assert LOGIN_RU not in html

    back = switch(client, "ru")
    assert client.get_cookie("lang").value == "ru"
    html = page(client.get(back.location))
    assert '<html lang="ru">' in html and LOGIN_RU in html


@pytest.mark.parametrize("lang", ["de", "EN", "", "en;ru", "../../etc"])
def test_an_unknown_language_is_ignored(compiled, client, lang):
    response = switch(client, lang)
    assert response.status_code == 302
    assert client.get_cookie("lang") is None
    html = page(client.get("/auth/login"))
    assert '<html lang="ru">' in html and LOGIN_RU in html


def test_an_unknown_language_does_not_undo_the_choice(compiled, client):
    switch(client, "en")
    switch(client, "xx")
    assert client.get_cookie("lang").value == "en"
    assert LOGIN_EN in page(client.get("/auth/login"))


def test_a_forged_cookie_falls_back_to_russian(compiled, client):
    client.set_cookie("lang", "xx")
    html = page(client.get("/auth/login"))
    assert '<html lang="ru">' in html and LOGIN_RU in html


# --- nothing Russian left on English pages ----------------------------------------------------------------------


def russian_left(html: str) -> list:
    # The language switch names each language in itself: "Русский" and "Қазақша" stay as they are on purpose.
    return sorted(set(CYRILLIC.findall(html.replace("Русский", "").replace("Қазақша", ""))))


@pytest.fixture
def english(compiled, make_app):
    """An app whose company has an English name, and a client that chose English."""
    app = make_app(COMPANY_NAME="Our Home Management Ltd")
    client = app.test_client()
    switch(client, "en")
    return app, client


PUBLIC_PAGES = [
    "/",
    "/auth/login",
    "/registration/",
    "/registration/sent",
    "/registration/confirm",
    "/registration/confirm/not-a-token",
    "/registration/resend",
    "/recovery/",
    "/recovery/change",
    "/agreement",
    "/no-such-page",
]


def test_public_pages_in_english_have_no_russian_left(english):
    _app, client = english
    leftovers = {}
    for path in PUBLIC_PAGES:
        found = russian_left(page(client.get(path)))
        if found:
            leftovers[path] = found
    # Forms with their errors: the validators' messages and the password rules.
    posts = {
        "/registration/": {"login": "x", "password": "123", "password_confirm": "1234", "email": "nope", "phone": "1"},
        "/recovery/change": {"login": "nobody", "control": "WRONG", "password": "a", "password_confirm": "a"},
        "/auth/login": {"login": "nobody", "password": "wrong"},
        "/registration/confirm": {"login": "nobody", "code": "WRONG"},
    }
    for path, data in posts.items():
        found = russian_left(page(client.post(path, data=data)))
        if found:
            leftovers[f"POST {path}"] = found
    assert not leftovers, f"Russian words on English pages: {leftovers}"


def test_cabinet_and_profile_in_english_have_no_russian_left(english):
    app, client = english
    make_user(app, first_name="Ivan", last_name="Petrov")
    response = client.post("/auth/login", data={"login": "ivan", "password": "Zelenaya-Lampa-42"})
    assert response.status_code == 302
    leftovers = {}
    for path in ("/cabinet/", "/profile/"):
        html = page(client.get(path))
        assert '<html lang="en">' in html
        found = russian_left(html)
        if found:
            leftovers[path] = found
    found = russian_left(page(client.post("/profile/password", data={"current_password": "x", "password": "qwerty"})))
    if found:
        leftovers["POST /profile/password"] = found
    assert not leftovers, f"Russian words on English pages: {leftovers}"


EMAILS = {
    "registration/confirm": {"code": "ABCD2345", "confirm_url": "http://x/c", "code_url": "http://x/k", "hours": 72},
    "recovery/reset": {"control": "ABCDEFGH2345", "change_url": "http://x/r", "hours": 24},
    "recovery/changed": {"login_url": "http://x/l"},
    "profile/confirm_email": {"new_email": "new@example.org", "confirm_url": "http://x/e", "hours": 72},
    "profile/email_changed": {"new_email": "new@example.org"},
}


def test_emails_in_english_have_no_russian_left(english):
    app, _client = english
    user = SimpleNamespace(login="ivan", email="ivan@example.org", first_name="Ivan", last_name="Petrov")
    leftovers = {}
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        for name, context in EMAILS.items():
            for suffix in (".txt", ".html"):
                found = russian_left(render_template(f"email/{name}{suffix}", user=user, **context))
                if found:
                    leftovers[name + suffix] = found
    assert not leftovers, f"Russian words in English e-mails: {leftovers}"


# --- the user's own language ------------------------------------------------------------------------------------


def test_the_switch_offers_kazakh_and_the_page_follows(compiled, client):
    html = page(client.get("/auth/login"))
    assert 'value="kk" lang="kk"' in html and "Қазақша" in html
    switch(client, "kk")
    assert '<html lang="kk">' in page(client.get("/auth/login"))


def test_a_logged_in_user_who_switches_keeps_the_language_on_another_device(compiled, app, client, user):
    logged_in_client = logged_in(app, "ivan")
    switch(logged_in_client, "en", "/cabinet/")
    assert stored_user(app).language == "en"

    elsewhere = logged_in(app, "ivan")  # a browser that never chose: no cookie
    html = page(elsewhere.get("/cabinet/"))
    assert '<html lang="en">' in html


def test_the_users_language_wins_over_the_browsers_choice(compiled, app, client):
    make_user(app, language="en")
    client.set_cookie("lang", "ru")
    assert LOGIN_RU in page(client.get("/auth/login"))  # a visitor: the browser's choice
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert '<html lang="en">' in page(client.get("/cabinet/"))


def test_a_user_without_a_stored_language_keeps_the_one_they_log_in_with(compiled, app, client, user):
    switch(client, "en")
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert stored_user(app).language == "en"  # their e-mails follow it from now on


def test_a_visitor_switching_stores_nothing(compiled, app, client, user):
    switch(client, "en")
    assert stored_user(app).language is None
    assert '<html lang="en">' in page(client.get("/auth/login"))


@pytest.mark.parametrize("lang", ["ru", "en", "kk"])
def test_registration_keeps_the_pages_language(compiled, app, client, lang):
    switch(client, lang, "/registration/")
    form = {
        "login": "Ivan.Petrov",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan@example.org",
        "phone": "8 (912) 345-67-89",
        "agree": "y",
    }
    assert client.post("/registration/", data=form).status_code == 302
    assert stored_user(app, "Ivan.Petrov").language == lang


def test_a_stored_language_no_longer_offered_falls_back(compiled, app, client):
    make_user(app, language="de")
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert '<html lang="ru">' in page(client.get("/cabinet/"))


# --- the command line and the import's errors -----------------------------------------------------------------

TOO_MANY_ROWS = {
    "ru": "Файл слишком большой: в нём больше 2 строк",
    "en": "The file is too large: it has more than 2 rows",
}


def five_accounts(tmp_path) -> Path:
    path = tmp_path / "accounts.csv"
    rows = "".join(f"{7000 + n};ул. Мира, д. 1;{n}\n" for n in range(5))
    path.write_text("account;address;apartment\n" + rows, encoding="utf-8")
    return path


def command_line_in(monkeypatch, **environment):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("environment", "lang"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "kk_KZ.UTF-8"}, "kk"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "kk_KZ.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "ru"),
        ({"LANG": "de_DE.UTF-8"}, "ru"),
        ({}, "ru"),
    ],
)
def test_the_command_line_speaks_its_environments_language(app, monkeypatch, environment, lang):
    command_line_in(monkeypatch, **environment)
    with app.app_context():
        assert command_line_language() == lang


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_refused_import_on_the_command_line_says_why_in_its_language(compiled, make_app, tmp_path, monkeypatch, lang):
    command_line_in(monkeypatch, LANG="en_US.UTF-8" if lang == "en" else "C.UTF-8")
    app = make_app(IMPORT_MAX_ROWS=2)
    failed = app.test_cli_runner().invoke(args=["import", "accounts", str(five_accounts(tmp_path))])
    assert failed.exit_code == 1 and TOO_MANY_ROWS[lang] in failed.output


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_refused_upload_says_why_in_the_uploaders_language(compiled, make_app, tmp_path, lang):
    app = make_app(IMPORT_MAX_ROWS=2)
    make_staff(app, "accountant", language=lang)
    accountant = logged_in(app, "accountant")  # no language chosen in this browser: the user's own
    data = {"kind": "accounts", "file": (five_accounts(tmp_path).open("rb"), "accounts.csv")}
    assert TOO_MANY_ROWS[lang] in page(accountant.post("/staff/imports/", data=data))


@pytest.mark.parametrize(("kept", "shown"), [(None, "Русский"), ("en", "English"), ("kk", "Қазақша")])
def test_the_profile_says_which_language_the_emails_come_in(compiled, app, kept, shown):
    make_user(app, language=kept)
    html = page(logged_in(app, "ivan").get("/profile/"))
    assert re.search(rf'data-test="language">[^<]*{shown}', html)
