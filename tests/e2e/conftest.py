"""Fixtures for journeys in a real browser: the app served on 127.0.0.1, headless Chromium, screenshots, mail."""

import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import free_port, require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
MAIL_TIMEOUT = 10  # seconds the app's courier thread may take to hand an e-mail to the SMTP server


class LiveServer(NamedTuple):
    url: str
    app: Flask


@pytest.fixture
def live_settings() -> dict:
    """Settings a journey's module adds to its live server (the Telegram bot's, say) by overriding this fixture."""
    return {}


@pytest.fixture
def live_server(make_app, mailbox, live_settings):
    """The app as a browser meets it: a real HTTP server, CSRF on, e-mail sent by its own courier thread."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_app(BASE_URL=url, OUTBOX_COURIER="thread", WTF_CSRF_ENABLED=True, **live_settings)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kabinet-e2e-server", daemon=True)
    thread.start()
    yield LiveServer(url, app)
    server.shutdown()
    thread.join()
    server.server_close()
    # Its courier would otherwise go on polling the shared test database and deliver the next tests' e-mails.
    app.extensions["kabinet_courier"].stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium, driven by Playwright (never `playwright install`: no downloads here)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_problems():
    """What went wrong in the browser: console errors (CSP violations too), script errors, failed loads."""
    return []


def watch(tab, problems: list[str]) -> None:
    """Note in problems every console error, uncaught script error, failed request and HTTP error answer of the tab."""

    def on_console(message):
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def on_failed(request):
        # A page left before it finished loading (its favicon, say) cancels the rest: that is not a failure.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"failed: {request.method} {request.url}: {request.failure}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"script: {error}"))
    tab.on("requestfailed", on_failed)
    tab.on("response", on_response)


@contextmanager
def browser_tab(chromium, live_server, browser_problems, request, name: str = "failure", **device):
    """A fresh browser tab of its own context on the live server; on a failed test its last screen is saved as NAME."""
    context = chromium.new_context(base_url=live_server.url, locale="ru-RU", **device)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    watch(tab, browser_problems)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = ARTIFACTS / request.node.name
        folder.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=folder / f"{name}.png", full_page=True)
    context.close()


@pytest.fixture
def page(chromium, live_server, browser_problems, request):
    """A fresh phone-sized browser tab on the live server; on a failed test its last screen is saved."""
    with browser_tab(chromium, live_server, browser_problems, request, viewport=PHONE, has_touch=True) as tab:
        yield tab


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Let the page fixture know whether the test itself failed."""
    report = yield
    if report.when == "call":
        item.report_call = report
    return report


@pytest.fixture
def screenshot(request):
    """shoot(page, step): save the whole page as test-artifacts/e2e/<test>/<NN>-<step>.png, numbered in order."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = []

    def shoot(tab, step: str) -> Path:
        taken.append(step)
        path = folder / f"{len(taken):02d}-{step}.png"
        tab.screenshot(path=path, full_page=True)
        return path

    return shoot


def wait_for_mail(mailbox, address: str, subject: str, timeout: float = MAIL_TIMEOUT):
    """The newest e-mail to address with this subject, waiting for the app's courier to deliver it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mailbox.to(address) if m["Subject"] == subject]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            with mailbox.lock:
                got = [(m["To"], m["Subject"]) for m in mailbox.messages]
            raise AssertionError(f"no e-mail «{subject}» to {address} within {timeout} s; got {got}")
        time.sleep(0.05)


def find_in(text: str, pattern: str) -> str:
    """The first group of pattern in text, failing clearly when it is not there."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return match.group(1)


def field(page, label):
    """A text field by its label as assistive technology reads it (the required-field asterisk is aria-hidden)."""
    return page.get_by_role("textbox", name=label, exact=True)


def log_in(page, login, password, remember=False):
    field(page, "Логин").fill(login)
    field(page, "Пароль").fill(password)
    page.get_by_role("checkbox", name="Запомнить меня на этом компьютере").set_checked(remember)
    page.get_by_role("button", name="Войти", exact=True).click()
