"""Real app servers for the tests: gunicorn started as a systemd unit of deploy/ starts it, and a browser-like client.

The deployment tests (nginx in front, two servers over one database) drive the production config through HTTP, as
the people on the other side of nginx do; tests/postgres.py is the same idea for the database.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
from render import render  # noqa: E402  -- deploy/render.py: what docs/DEPLOY.md tells the admin to run

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def rendered(template: str, **values: str) -> str:
    """A deploy/ template filled exactly as docs/DEPLOY.md does it, with the test's paths and ports."""
    return render((DEPLOY / template).read_text(encoding="utf-8"), values)


def unit_service(unit_text: str) -> tuple[list[str], dict[str, str], str]:
    """A systemd unit's ExecStart (split as systemd splits it), its Environment= values and WorkingDirectory."""
    fields: dict[str, list[str]] = {}
    for line in unit_text.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            fields.setdefault(name.strip(), []).append(value.strip())
    environment = dict(pair.split("=", 1) for line in fields.get("Environment", []) for pair in shlex.split(line))
    return shlex.split(fields["ExecStart"][0]), environment, fields["WorkingDirectory"][0]


def production_env(**settings: str) -> dict[str, str]:
    """This process's environment with the test run's own settings taken out and the production config put in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KABINET_", "PYTEST_", "FLASK_"))}
    env.update({"KABINET_ENV": "production", "PYTHONUNBUFFERED": "1", **settings})
    return env


@contextmanager
def process(command: list[str], *, env: dict, cwd: Path | str, log: Path, ready):
    """A server process, running until `ready()` answers (its log in the failure otherwise); stopped afterwards."""
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _answers(ready):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        yield server
    finally:
        stop(server)


def _answers(ready) -> bool:
    try:
        return bool(ready())
    except (requests.ConnectionError, OSError):
        return False


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, as systemd stops a unit; SIGKILL only if it hangs."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class _FromAddress(HTTPAdapter):
    """Connections from a given loopback address: 127.0.0.0/8 is all ours, so each test can be another visitor."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def visitor(address: str = "127.0.0.1", verify: str | bool = True) -> requests.Session:
    """A browser-like client (a cookie jar, never following redirects by itself) connecting from `address`."""
    client = requests.Session()
    client.verify = verify
    client.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace the test's own certificate
    client.headers["User-Agent"] = "kabinet-tests/1 (deploy)"
    for scheme in ("http://", "https://"):
        client.mount(scheme, _FromAddress(address))
    return client


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1) or found.group(2)


def log_in(client: requests.Session, base: str, login: str, password: str, headers=(), **extra) -> requests.Response:
    """Open the login page and send its form, as a person does; the answer to the POST."""
    form = client.get(f"{base}/auth/login", timeout=30)
    data = {"login": login, "password": password, "csrf_token": csrf_token(form.text)}
    # Flask-WTF checks the Referer of an HTTPS form, as a browser sends it.
    headers = {"Referer": f"{base}/auth/login", **dict(headers)}
    return client.post(f"{base}/auth/login", data=data, headers=headers, allow_redirects=False, timeout=60, **extra)


def log_out(client: requests.Session, base: str) -> requests.Response:
    """Press «Выйти» on the cabinet page."""
    page = client.get(f"{base}/cabinet/", timeout=30)
    return client.post(
        f"{base}/auth/logout",
        data={"csrf_token": csrf_token(page.text)},
        headers={"Referer": f"{base}/cabinet/"},
        allow_redirects=False,
        timeout=30,
    )


@contextmanager
def app_server(upstream: str, *, log: Path, host: str, **settings: str):
    """gunicorn as kabinet-web.service starts it (its ExecStart, Environment= and WorkingDirectory, rendered for
    this checkout), listening on `upstream`, with `settings` as the environment file's; `host` is BASE_URL's host."""
    command, unit_env, cwd = unit_service(rendered("systemd/kabinet-web.service", DIR=str(ROOT), UPSTREAM=upstream))
    env = production_env(**{**unit_env, "WEB_CONCURRENCY": "2", **settings})
    probe = requests.Session()

    def ready():
        return probe.get(f"http://{upstream}/auth/login", headers={"Host": host}, timeout=5).status_code == 200

    with process(command, env=env, cwd=cwd, log=log, ready=ready) as server:
        yield server
