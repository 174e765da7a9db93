"""Accessibility in a real browser: axe-core finds nothing serious or critical on any page a visitor, a tenant or a
staff user can open, on a desktop and on a phone; after a failed submit the focus is on the error summary (issue 10).

The pages come from the app's URL map (every GET rule, its arguments given real ids as tests/test_staff_matrix.py
gives them), so a new page is checked without being listed here; the pages only a failed submit shows are listed.
"""

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from playwright.sync_api import expect

from kabinet.accounts import codewords
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Account
from kabinet.organizations import default_organization
from kabinet.staff.team import services as team
from tests import test_staff_matrix as matrix
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, field, log_in, watch
from tests.factories import add_history, make_account, with_second_factor

# What axe reads is the pages' HTML in the browser, the same over either database: the SQLite run has it.
pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}
# Served, but not pages: files, images, PDFs and exports are found by their content type; these by their endpoint
# (the queue's table is a fragment its page fetches and puts in place, checked as part of the queue).
SKIPPED = {"static", "bootstrap.static", "social.callback", "staff_dispatch.table"}
# What a string argument is when it is right (as in tests/test_hostile_input.py); a token that is not ours shows the
# "link is invalid" page, which is a page too.
GOOD_STRINGS = {"month": "2026-10", "token": "not-a-token"}
# A failed submit of each kind of form: who, the form's page, what to type (by the field's name), the button.
FAILED_SUBMITS = [
    (None, "/auth/login", {"Логин": "nobody", "Пароль": "wrong-password"}, "Войти"),
    (None, "/registration/", {"Логин": "и", "E-mail": "not-an-address"}, "Зарегистрироваться"),
    (None, "/recovery/", {}, "Отправить"),
    (None, "/contacts/feedback", {}, "Отправить"),
    ("tenant", "/dispatch/new", {}, "Отправить заявку"),
    ("tenant", "/book/new", {}, "Отправить"),
    ("tenant", "/accounts/address", {}, "Создать"),
    ("tenant", "/readings/{account}", {}, "Передать показания"),
    ("admin", "/staff/content/announcements/new", {}, "Сохранить"),
    ("admin", "/staff/documents/new", {}, "Опубликовать"),
    ("dispatcher", "/staff/dispatch/new", {}, "Принять заявку"),
]
CODE_WORD = "KLEN-4521"
axe = Axe()
NEXT_FRAME = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture
def app(live_server):
    """The live server's app: the role matrix's rows are written through it."""
    return live_server.app


ids = matrix.ids  # one row of everything a URL names, in the installation's organization, with its staff and tenant


@pytest.fixture
def rows(app, ids):
    """The matrix's rows and a month of charges on the tenant's account, so that its receipt for 2026-10 opens."""
    add_history(app, ids["account"], date(2026, 10, 1), 1)
    return ids


def page_urls(app, rows) -> list[str]:
    """Every GET rule of the URL map as an address with real ids."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        values = {}
        for argument in rule.arguments:
            key = matrix.MEANING.get((rule.endpoint.split(".")[0], argument), argument.removesuffix("_id"))
            values[argument] = GOOD_STRINGS.get(argument, rows.get(key))
            if values[argument] is None:
                pytest.fail(f"{rule.endpoint}: no test value for <{argument}>: add it to GOOD_STRINGS or the rows")
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            urls.append(url_for(rule.endpoint, **values))
    return urls


def serious_violations(tab, where: str) -> list[str]:
    """What axe finds serious or critical on the tab as it is now: one line per rule, with its first nodes."""
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.evaluate(axe.axe_script)
    results = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}: "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]


def check(tab, where: str) -> list[str]:
    """Axe on the page as loaded, at desktop size and then at phone size."""
    found = []
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        tab.set_viewport_size(size)
        tab.evaluate(NEXT_FRAME)  # the page's resize handlers have run
        found += serious_violations(tab, f"{where} [{name}]")
    return found


@pytest.fixture
def browse(chromium, live_server, browser_problems):
    """open(who): a browser tab of its own for a role (None: a visitor), logged in through the login form."""
    contexts = []

    def open_as(who):
        context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="ru-RU")
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        watch(tab, browser_problems)
        tab.goto("/auth/login")
        if who:
            log_in(tab, who, PASSWORD)
            tab.wait_for_load_state()
        return tab

    yield open_as
    for context in contexts:
        context.close()


def press(tab, button: str) -> None:
    """Press the button and wait for the page it leads to."""
    tab.get_by_role("button", name=button, exact=True).click()
    tab.wait_for_load_state()


def submit_badly(tab, rows, url, values, button) -> None:
    """Open the form's page, type the values and press the button."""
    tab.goto(url.format(**rows))
    for name, value in values.items():
        field(tab, name).fill(value)
    press(tab, button)


@pytest.mark.parametrize("who", [None, "tenant", *matrix.ROLES])
def test_axe_finds_nothing_serious_on_any_page(app, rows, browse, who):
    """Every page the role may open (what answers it 403, 404 or a redirect is not its page), then its forms after a
    failed submit."""
    tab = browse(who)
    found, seen, errors_seen = [], [], set()
    for url in [*page_urls(app, rows), "/no-such-page"]:
        answer = tab.request.get(url, max_redirects=0)
        html = answer.headers.get("content-type", "").startswith("text/html")
        # An error page is one template whatever the address: checked once for each status.
        if not html or answer.status not in (200, 403, 404) or answer.status in errors_seen:
            continue
        if answer.status != 200:
            errors_seen.add(answer.status)
        tab.goto(url)
        seen.append(url)
        found += check(tab, url)
    for role, url, values, button in FAILED_SUBMITS:
        if role == who:
            submit_badly(tab, rows, url, values, button)
            found += check(tab, f"{url} after a failed submit")
    assert len(seen) > 5, seen
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("who", "url", "values", "button"), FAILED_SUBMITS)
def test_after_a_failed_submit_the_focus_is_on_the_error_summary(rows, browse, who, url, values, button):
    """The summary (or the refusal) is what a screen reader reads first; its links take the focus to the field."""
    tab = browse(who)
    submit_badly(tab, rows, url, values, button)
    summary = tab.locator(":focus")
    expect(summary).to_have_attribute("data-error-summary", "")
    expect(summary).to_have_attribute("role", "alert")
    links = summary.get_by_role("link")
    if links.count():
        target = links.first.get_attribute("href")
        links.first.click()
        expect(tab.locator(":focus")).to_have_attribute("id", target.removeprefix("#"))


def test_axe_finds_nothing_serious_on_the_pages_between_steps(app, rows, browse):
    """The pages only a step before opens: the binding wizard (a wrong code word too), the second step of a login,
    an invitation's «Продолжить» page and its password form."""
    with app.app_context():
        account = db.session.get(Account, make_account(app, "100103", premises="П-3"))
        codewords.issue(account, CODE_WORD, utcnow())
        db.session.commit()
        _, invitation = team.invite(default_organization(), email="new@staff.example.org", first_name="Анна",
                                    last_name="Новикова", role="dispatcher")  # fmt: skip
    with_second_factor(app, "guard")
    found = []

    tab = browse("tenant")
    tab.goto("/accounts/bind")
    found += check(tab, "wizard: way")
    tab.get_by_role("radio", name=re.compile("^По лицевому счету")).check()
    press(tab, "Далее")
    found += check(tab, "wizard: number")
    field(tab, "Лицевой счет").fill("100103")
    field(tab, "Кодовое слово").fill("WRONG-00")
    press(tab, "Далее")
    found += check(tab, "wizard: a wrong code word")
    field(tab, "Кодовое слово").fill(CODE_WORD)
    press(tab, "Далее")
    found += check(tab, "wizard: accounts")
    tab.get_by_role("radio", name="Собственник").check()
    press(tab, "Далее")
    expect(tab.get_by_role("button", name="Завершить")).to_be_visible()
    found += check(tab, "wizard: finish")
    tab.goto("/accounts/bind")
    tab.get_by_role("radio", name=re.compile("^По адресу")).check()
    press(tab, "Далее")
    found += check(tab, "wizard: address")

    tab = browse(None)
    log_in(tab, "guard", PASSWORD)
    expect(field(tab, "Код подтверждения")).to_be_visible()
    found += check(tab, "login: second factor")
    field(tab, "Код подтверждения").fill("000000")
    press(tab, "Войти")
    found += check(tab, "login: a wrong second factor")

    tab = browse(None)
    tab.goto(urlsplit(invitation).path)
    found += check(tab, "invitation: continue")
    press(tab, "Продолжить")
    expect(tab.get_by_role("button", name="Задать пароль")).to_be_visible()
    found += check(tab, "invitation: password")
    assert not found, "\n".join(found)
