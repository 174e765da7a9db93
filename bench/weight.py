"""Issue 10's weight: what a tenant's phone downloads on a first visit, page by page, compressed as nginx would.

Run from the repository root:  .venv/bin/python bench/weight.py [--level 6]

A throw-away SQLite database with the demo data (as bench/load.py makes it) and the production app served on
127.0.0.1 in this process, behind a recorder of every answer it sends. Debian's Chromium, driven by Playwright, phone-
sized and with an empty cache, opens the login page, logs in as the demo tenant and opens each section of the
cabinet's menu, then the newest receipt, a request and the new-request form. Counted for each page: the bytes the
server sent for it (the page, its redirects and whatever the browser fetched for it: what a cache already holds costs
nothing, a 304 its headers only), text (HTML, CSS, JavaScript, SVG, JSON) gzipped at --level as nginx's `gzip on;
gzip_comp_level 6;` would, images as they are. Headers are not counted. The goal: the first visit under 100 KB.
"""

import argparse
import gzip
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import DEMO_LOGIN, DEMO_PASSWORD, free_port, git_revision, prepare_database, server_env  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
PHONE = {"width": 390, "height": 844}
TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")
CODE = ("text/css", "text/javascript", "application/javascript")
GOAL = 100 * 1024
# The pages in the order a tenant opens them after the login (which lands in the cabinet): a name, and the path or
# a pattern of the first link on the previous page to follow.
PAGES = [
    ("Баланс", "/balance/"),
    ("Показания", "/readings/"),
    ("Квитанции", "/receipts/"),
    ("Квитанция", re.compile(r"/receipts/\d+/\d{4}-\d{2}$")),
    ("Заявки", "/dispatch/"),
    ("Заявка", re.compile(r"/dispatch/\d+$")),
    ("Новая заявка", "/dispatch/new"),
    ("Книга жалоб", "/book/"),
    ("Контакты", "/contacts/"),
    ("Профиль", "/profile/"),
]


@dataclass
class Answer:
    path: str
    status: int
    content_type: str
    size: int  # bytes on the wire: the body, gzipped when it is text


class Recorder:
    """WSGI middleware: notes each answer's path, status, type and compressed size."""

    def __init__(self, app, level: int):
        self.app, self.level, self.answers, self.lock = app, level, [], threading.Lock()

    def __call__(self, environ, start_response):
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"], seen["type"] = int(status.split()[0]), dict(headers).get("Content-Type", "")
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        compressible = seen["type"].startswith(TEXT) and body
        size = len(gzip.compress(body, self.level)) if compressible else len(body)
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        with self.lock:
            self.answers.append(Answer(path, seen["status"], seen["type"].split(";")[0], size))
        return [body]

    def take(self) -> list[Answer]:
        with self.lock:
            taken, self.answers = self.answers, []
        return taken


def serve(env: dict, level: int):
    """The production app on env's port in a thread of this process, recorded; (recorder, server)."""
    from werkzeug.serving import make_server

    os.environ.update(env)
    from kabinet import create_app

    app = create_app()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request would bury the table
    recorder = Recorder(app.wsgi_app, level)
    app.wsgi_app = recorder
    server = make_server("127.0.0.1", int(env["BASE_URL"].rsplit(":", 1)[1]), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return recorder, server


def visit(base: str, recorder: Recorder) -> list[tuple[str, list[Answer]]]:
    """The tenant's first visit in a fresh phone browser; each page's name and the answers sent for it."""
    from playwright.sync_api import sync_playwright

    visited = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_context(base_url=base, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        tab.goto("/auth/login", wait_until="networkidle")
        visited.append(("Вход", recorder.take()))
        tab.get_by_label("Логин", exact=False).first.fill(DEMO_LOGIN)
        tab.get_by_label("Пароль", exact=False).first.fill(DEMO_PASSWORD)
        with tab.expect_navigation(wait_until="networkidle"):
            tab.get_by_role("button", name="Войти", exact=True).click()
        visited.append(("Вход → Кабинет", recorder.take()))  # the form's POST, its redirect and the cabinet
        for name, where in PAGES:
            if isinstance(where, re.Pattern):
                where = next(link for link in tab.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
                             if where.search(link))  # fmt: skip
            tab.goto(where, wait_until="networkidle")
            visited.append((name, recorder.take()))
        browser.close()
    return visited


def table(visited) -> tuple[str, int]:
    """The Markdown table of the pages, and the visit's total bytes."""
    lines = ["| Page | Requests | HTML, KB | CSS+JS, KB | Other, KB | Page, KB | Visit so far, KB |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    total = 0
    for name, answers in visited:
        html = sum(a.size for a in answers if a.content_type == "text/html")
        code = sum(a.size for a in answers if a.content_type in CODE)
        page = sum(a.size for a in answers)
        total += page
        lines.append(f"| {name} | {len(answers)} | {html / 1024:.1f} | {code / 1024:.1f} | "
                     f"{(page - html - code) / 1024:.1f} | {page / 1024:.1f} | {total / 1024:.1f} |")  # fmt: skip
    return "\n".join(lines), total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--level", type=int, default=6, choices=range(1, 10), help="gzip level (6)")
    parser.add_argument("--verbose", action="store_true", help="list every answer")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    tmp = Path(tempfile.mkdtemp(prefix="kabinet-weight-"))
    port = free_port()
    try:
        env = server_env(tmp, port)
        prepare_database(env)
        recorder, server = serve(env, args.level)
        try:
            visited = visit(env["BASE_URL"], recorder)
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text, total = table(visited)
    print(f"git {git_revision()}, gzip level {args.level}, phone {PHONE['width']}×{PHONE['height']}, empty cache\n")
    print(text)
    first = sum(answer.size for answer in visited[0][1])
    print(f"\nFirst visit: {total / 1024:.1f} KB, its first page {first / 1024:.1f} KB (goal: under {GOAL // 1024} KB)")
    if args.verbose:
        for name, answers in visited:
            for answer in answers:
                print(f"{name:<16} {answer.status} {answer.content_type:<24} {answer.size:>8} {answer.path[:90]}")
    return 0 if total < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
