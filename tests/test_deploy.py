"""deploy/: the nginx site in front of gunicorn (TLS, HTTP/2, gzip, static files, proxy headers, body size), the
systemd units, the example environment file and the renderer docs/DEPLOY.md installs them with."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

import click
import pytest
import requests
from dotenv import dotenv_values

from tests.conftest import PASSWORD, audited, make_user, require
from tests.postgres import free_port
from tests.servers import DEPLOY, ROOT, app_server, log_in, log_out, process, rendered, visitor

UNITS = ("kabinet-web.service", "kabinet-worker.service", "kabinet-backup.service", "kabinet-backup.timer")
TEST_NGINX = """
daemon off;
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/temp/body;
    proxy_temp_path {dir}/temp/proxy;
    fastcgi_temp_path {dir}/temp/fastcgi;
    uwsgi_temp_path {dir}/temp/uwsgi;
    scgi_temp_path {dir}/temp/scgi;
    gzip on;
    include {dir}/sites-enabled/kabinet;
}}
"""


# --- the renderer and the environment file ----------------------------------------------------------------------


def test_the_renderer_fills_every_place_of_the_site():
    site = rendered("nginx/kabinet.conf", HOST="lk.example.ru")
    assert "@" not in re.sub(r"#.*", "", site)
    assert "server_name lk.example.ru;" in site
    assert "ssl_certificate     /etc/letsencrypt/live/lk.example.ru/fullchain.pem;" in site


@pytest.mark.parametrize(
    "values, refused",
    [({}, "no value for HOST"), ({"HOST": "lk.example.ru", "HOTS": "x"}, "unknown names: HOTS")],
    ids=["host missing", "a typo in a name"],
)
def test_the_renderer_refuses_a_place_without_a_value_or_an_unknown_name(values, refused):
    arguments = [f"{name}={value}" for name, value in values.items()]
    done = subprocess.run(
        ["python3", "deploy/render.py", "deploy/nginx/kabinet.conf", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and refused in done.stderr and done.stdout == ""


def test_the_environment_example_names_every_variable_config_reads():
    source = (ROOT / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:_env|_int|_flag|os\.environ\.get)\("([A-Z0-9_]+)"', source))
    example = (DEPLOY / "kabinet.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    assert read and not read - named, f"missing from deploy/kabinet.env.example: {sorted(read - named)}"


def test_the_settings_link_names_the_instance_folder_for_commands_typed_by_hand(tmp_path):
    # docs/DEPLOY.md links /srv/kabinet/.env to the settings file: `flask` typed by hand must find the same folder.
    shutil.copy(ROOT / "config.py", tmp_path)
    (tmp_path / ".env").write_text("KABINET_INSTANCE=/var/lib/kabinet\n")
    env = {k: v for k, v in os.environ.items() if k != "KABINET_INSTANCE"}
    shown = subprocess.run(
        [ROOT / ".venv" / "bin" / "python", "-c", "import config; print(config.INSTANCE)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.strip() == "/var/lib/kabinet"


# --- the systemd units ------------------------------------------------------------------------------------------


def test_systemd_accepts_the_units(tmp_path):
    require(shutil.which("systemd-analyze") is not None, "systemd-analyze is not installed (apt-get install systemd)")
    for unit in UNITS:
        text = rendered(f"systemd/{unit}", DIR=str(ROOT), INSTANCE=str(tmp_path), ENV_FILE=str(tmp_path / "env"))
        (tmp_path / unit).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)], capture_output=True, text=True
    )
    # verify prints what it ignores (an unknown key, a command that is not there) but may still exit 0.
    complaints = [line for line in done.stderr.splitlines() if any(unit in line for unit in UNITS)]
    assert done.returncode == 0 and not complaints, done.stderr


def test_the_units_run_the_commands_the_other_parts_provide():
    web, worker, backup = (rendered(f"systemd/{unit}") for unit in UNITS[:3])
    assert "--timeout 360" in web and "wsgi:app" in web and "--no-control-socket" in web
    assert "ExecStart=/srv/kabinet/.venv/bin/flask --app wsgi worker" in worker
    assert "ExecStart=/srv/kabinet/.venv/bin/flask --app wsgi backup create --prune" in backup
    # The folder the backups go to is one the service may write to, and the one the status page (web) looks in.
    assert "BACKUP_DIR=/var/lib/kabinet/backups" in backup and "BACKUP_DIR=/var/lib/kabinet/backups" in web
    assert "ReadWritePaths=/var/lib/kabinet /var/lib/kabinet/backups" in backup
    for unit in (web, worker, backup):
        assert "User=kabinet" in unit and "NoNewPrivileges=yes" in unit and "ReadWritePaths=/var/lib/kabinet" in unit


# --- nginx in front of gunicorn ---------------------------------------------------------------------------------


def self_signed_certificate(folder: Path) -> None:
    """A throwaway certificate for localhost, named as certbot names its files."""
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"]
    names = ["-addext", "subjectAltName=DNS:localhost"]
    files = ["-keyout", folder / "privkey.pem", "-out", folder / "fullchain.pem"]
    subprocess.run([*request, *names, *files], check=True, capture_output=True)


@pytest.fixture(scope="module")
def site(schema, smtp_server):
    """nginx on 127.0.0.1 with deploy/'s site, rendered for this checkout, in front of gunicorn started as
    kabinet-web.service starts it; the production config with the environment file's PROXY_COUNT."""
    require(shutil.which("nginx") is not None, "nginx is not installed (apt-get install nginx)")
    require(shutil.which("openssl") is not None, "openssl is not installed (apt-get install openssl)")
    # A folder nginx's workers (www-data) can enter: pytest's own are the owner's alone.
    folder = Path(tempfile.mkdtemp(prefix="kabinet-nginx-"))
    folder.chmod(0o755)
    (folder / "sites-enabled").mkdir()
    (folder / "temp").mkdir()
    self_signed_certificate(folder)
    http_port, https_port, upstream = free_port(), free_port(), f"127.0.0.1:{free_port()}"
    base = f"https://localhost:{https_port}"
    (folder / "sites-enabled" / "kabinet").write_text(
        rendered(
            "nginx/kabinet.conf",
            HOST="localhost",
            DIR=str(ROOT),
            UPSTREAM=upstream,
            HTTP_PORT=str(http_port),
            HTTPS_PORT=str(https_port),
            TLS_DIR=str(folder),
        )
    )
    user = "user www-data;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(TEST_NGINX.format(dir=folder, user=user))
    checked = subprocess.run(["nginx", "-t", "-c", folder / "nginx.conf", "-p", folder], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    example = {k: v for k, v in dotenv_values(DEPLOY / "kabinet.env.example").items() if v}
    settings = {
        **example,
        "SECRET_KEY": "deploy-test-secret",
        "BASE_URL": base,
        "DATABASE_URL": schema,
        "KABINET_INSTANCE": str(folder / "instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server[1]),
        "MAIL_USE_TLS": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with (
        app_server(upstream, log=folder / "gunicorn.log", host="localhost", **settings),
        process(
            ["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            env=dict(os.environ),
            cwd=folder,
            log=folder / "nginx.log",
            ready=lambda: requests.get(f"{base}/auth/login", verify=folder / "fullchain.pem", timeout=5).ok,
        ),
    ):
        yield {"base": base, "http": f"http://localhost:{http_port}", "certificate": str(folder / "fullchain.pem")}
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(site):
    """A visitor from 127.0.0.2: another address than nginx's own 127.0.0.1, so the tests can tell them apart."""
    return visitor("127.0.0.2", verify=site["certificate"])


def test_a_static_file_comes_from_nginx_compressed_and_cached_for_a_year(site, browser):
    page = browser.get(f"{site['base']}/auth/login")
    stylesheet = re.search(r'href="(/static/[^"]+\.css\?v=[0-9a-f]+)"', page.text).group(1)
    answer = browser.get(site["base"] + stylesheet, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.text == (ROOT / stylesheet.split("?")[0].lstrip("/")).read_text(encoding="utf-8")
    assert "Content-Security-Policy" not in answer.headers  # nginx served it: the app adds that header to everything
    unversioned = browser.get(site["base"] + stylesheet.split("?")[0])
    assert unversioned.headers["Cache-Control"] == "no-cache"


def test_pages_are_compressed_and_spoken_over_http2(site, browser):
    answer = browser.get(f"{site['base']}/auth/login", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip" and "Content-Security-Policy" in answer.headers
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    context = ssl.create_default_context(cafile=site["certificate"])
    context.set_alpn_protocols(["h2", "http/1.1"])
    port = int(site["base"].rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"


def test_plain_http_is_sent_to_https(site, browser):
    answer = browser.get(f"{site['http']}/cabinet/", allow_redirects=False)
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://localhost")


def test_a_tenant_logs_in_and_the_audit_log_has_their_address_not_nginx_s(app, site, browser):
    make_user(app)
    # A header a visitor forges is not believed: only the entry nginx adds is.
    answer = log_in(browser, site["base"], "ivan", PASSWORD, headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/cabinet/"
    assert answer.cookies["__Host-session"] and "Secure" in answer.headers["Set-Cookie"]
    cabinet = browser.get(f"{site['base']}/cabinet/")
    assert cabinet.status_code == 200 and "Иван" in cabinet.text
    assert [event.ip for event in audited(app, "login")] == ["127.0.0.2"]
    assert log_out(browser, site["base"]).headers["Location"] == "/auth/login"
    assert browser.get(f"{site['base']}/cabinet/", allow_redirects=False).status_code == 302


def test_the_load_balancer_s_check_answers_through_nginx_without_a_cookie(site, browser):
    answer = browser.get(f"{site['base']}/healthz")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers


def test_a_form_without_its_csrf_token_is_refused_through_the_proxy(app, site, browser):
    make_user(app)
    refused = browser.post(
        f"{site['base']}/auth/login",
        data={"login": "ivan", "password": PASSWORD},
        headers={"Referer": f"{site['base']}/auth/login"},
    )
    assert refused.status_code == 400 and audited(app, "login") == []


def test_three_full_size_photos_pass_nginx_and_a_larger_body_gets_the_app_s_page(app, site, browser):
    make_user(app)
    photos = [("photos", (f"{n}.jpg", os.urandom(5 * 1024 * 1024), "image/jpeg")) for n in range(3)]
    answer = log_in(browser, site["base"], "ivan", PASSWORD, files=photos)
    assert answer.status_code == 302, answer.text[:500]  # the app read the whole 15 MB form and logged ivan in
    too_big = [("photos", ("big.jpg", os.urandom(17 * 1024 * 1024), "image/jpeg"))]
    refused = log_in(visitor("127.0.0.3", verify=site["certificate"]), site["base"], "ivan", PASSWORD, files=too_big)
    assert refused.status_code == 413 and "Слишком большой файл" in refused.text


def test_a_refused_body_is_read_to_its_end_so_nginx_is_not_reset_while_sending_it(client):
    # Closing on a body nginx still sends made it answer 502 instead of our page (1 upload of 17 MB in 25).
    body = BytesIO(b"x" * (17 * 1024 * 1024))
    answer = client.post(
        "/auth/login",
        input_stream=body,
        content_type="multipart/form-data; boundary=kabinet",
        headers={"Content-Length": str(len(body.getvalue()))},
    )
    assert answer.status_code == 413 and "Слишком большой файл" in answer.get_data(as_text=True)
    assert body.tell() == len(body.getvalue())


def test_the_static_alias_does_not_reach_outside_static(site, browser):
    # The classic slip of an alias: /static../ would open the checkout's folder, config.py and .env included.
    answer = browser.get(f"{site['base']}/static../config.py")
    assert answer.status_code == 404 and "SECRET_KEY" not in answer.text


# --- docs/DEPLOY.md ---------------------------------------------------------------------------------------------

GUIDE = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")


def test_every_rendering_the_guide_shows_renders():
    loop_units = re.search(r"for unit in ([^;]+); do", GUIDE).group(1).split()
    assert sorted(loop_units) == sorted(path.name for path in (DEPLOY / "systemd").iterdir())
    shown = re.findall(r"python3 deploy/render\.py (\S+)((?: [A-Z_]+=\S+)*)", GUIDE)
    assert len(shown) >= 3
    for template, arguments in shown:
        values = dict(pair.split("=", 1) for pair in arguments.split())
        for path in [template.replace("$unit", unit) for unit in loop_units] if "$unit" in template else [template]:
            assert "@" not in rendered(path.removeprefix("deploy/"), **values).replace("@example", "")


def test_every_flask_command_the_guide_and_the_units_run_exists(app):
    units = "".join(rendered(f"systemd/{unit}") for unit in UNITS)
    commands = set(re.findall(r"flask --app wsgi ([a-z-]+)(?: ([a-z-]+))?", GUIDE + units))
    assert {group for group, _ in commands} >= {"db", "staff", "worker", "backup"}
    context = click.Context(app.cli)
    for group, command in commands:
        found = app.cli.get_command(context, group)
        assert found is not None, f"flask {group}"
        if command:
            assert found.get_command(context, command) is not None, f"flask {group} {command}"
