"""What pages load (issue 10): no Bootstrap JavaScript, static files under addresses with their content's digest,
kept by the browser for a year; the pages themselves are never kept once someone is logged in."""

import hashlib
import re

import pytest

from tests.conftest import logged_in, page
from tests.factories import make_staff

YEAR = "public, max-age=31536000, immutable"


def loaded(html: str) -> list[str]:
    """The addresses of the styles, scripts and icon a page makes the browser fetch."""
    return re.findall(r'<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"', html)


@pytest.mark.parametrize(("who", "url"), [(None, "/auth/login"), (None, "/registration/"), ("ivan", "/cabinet/"),
                                          ("admin", "/staff/")])  # fmt: skip
def test_pages_load_bootstraps_styles_but_none_of_its_javascript(app, user, who, url):
    make_staff(app, "admin")
    html = page((logged_in(app, who) if who else app.test_client()).get(url))
    assert any("bootstrap.min.css" in address for address in loaded(html))
    assert not re.search(r"bootstrap[^\"]*\.js|popper", html)


def test_every_static_address_carries_its_files_digest_and_is_kept_for_a_year(client):
    addresses = loaded(page(client.get("/auth/login")))
    assert len(addresses) >= 4  # Bootstrap's CSS, ours, the script, the icon
    for address in addresses:
        path, digest = re.fullmatch(r"(/[^?]+)\?v=([0-9a-f]{12})", address).groups()
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert hashlib.sha256(answer.data).hexdigest()[:12] == digest, address
        assert answer.headers["Cache-Control"] == YEAR, address
        assert client.get(path).headers["Cache-Control"] == "no-cache"  # the bare name is asked again each time


@pytest.mark.parametrize("builder", ["flask", "templates"])  # Flask's url_for, and the templates' that keeps addresses
def test_a_changed_file_gets_a_new_address_and_an_old_one_is_not_kept(app, tmp_path, builder):
    import flask

    from kabinet.layout import page_url

    url_for = flask.url_for if builder == "flask" else page_url
    app.jinja_env.auto_reload = True  # development: the page's addresses follow the files as the templates do
    app.static_folder = str(tmp_path)
    style = tmp_path / "site.css"
    style.write_text("a { color: #0a58ca; }")
    with app.test_request_context():
        before = url_for("static", filename="site.css")
        style.write_text("a { color: #084298; text-decoration: underline; }")
        after = url_for("static", filename="site.css")
        missing = url_for("static", filename="no-such.css")
    assert before != after and before.startswith("/static/site.css?v=")
    client = app.test_client()
    assert client.get(after).headers["Cache-Control"] == YEAR
    # A page of the previous release still asks for the old digest: it gets today's file, which must not be kept.
    assert client.get(before).headers["Cache-Control"] == "no-cache"
    assert missing == "/static/no-such.css" and client.get(missing).status_code == 404


def test_in_production_a_pages_addresses_follow_a_changed_file_within_a_second(app, tmp_path, monkeypatch):
    """A worker looks at a static file at most once a second (no os.stat on every page), and then names its new
    digest: nginx lets browsers keep any `?v=` for a year, so the address must not outlive the content for long."""
    from kabinet import assets
    from kabinet.layout import page_url

    assert not app.jinja_env.auto_reload
    app.static_folder = str(tmp_path)
    style = tmp_path / "site.css"
    style.write_text("a { color: #0a58ca; }")
    with app.test_request_context():
        first = page_url("static", filename="site.css")
        style.write_text("a { color: #084298; text-decoration: underline; }")
        assert page_url("static", filename="site.css") == first  # within the second: not looked at again
        monkeypatch.setattr(assets, "RECHECK_SECONDS", 0.0)  # the second has passed
        assert page_url("static", filename="site.css") != first


def test_a_logged_in_page_is_never_kept_but_its_files_are(tenant):
    answer = tenant.get("/cabinet/")
    assert answer.headers["Cache-Control"] == "no-store"
    style = next(address for address in loaded(page(answer)) if "kabinet.css" in address)
    assert tenant.get(style).headers["Cache-Control"] == YEAR
