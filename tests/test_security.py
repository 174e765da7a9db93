"""The security baseline: headers, hosts, CSRF, rate limits, cookies, error pages."""


import pytest

from kabinet import messages
from tests.conftest import PASSWORD, links_in, page, shows
from tests.servers import csrf_token
from tests.test_registration import FORM


def test_every_answer_carries_the_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in page(response)  # no inline script for the CSP to block


def test_pages_use_the_bundled_bootstrap_not_a_cdn(client):
    html = page(client.get("/auth/login"))
    assert "/bootstrap/static/css/bootstrap.min.css" in html
    assert "cdn" not in html.lower()
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


def test_a_request_for_another_host_is_refused(client):
    assert client.get("/auth/login", headers={"Host": "evil.example"}).status_code == 400


def test_links_in_emails_come_from_base_url_never_the_host_header(make_app, mailbox):
    app = make_app(BASE_URL="https://kabinet.example.org", EXTRA_TRUSTED_HOSTS=["attacker.example"])
    client = app.test_client()
    client.post("/registration/", data=FORM, base_url="https://attacker.example")
    from kabinet.outbox import deliver_due

    with app.app_context():
        deliver_due()
    for link in links_in(mailbox.last("Ivan.Petrov@example.org")):
        assert link.startswith("https://kabinet.example.org/")


def test_cookies_are_secure_when_base_url_is_https(make_app, user):
    app = make_app(BASE_URL="https://kabinet.example.org")
    client = app.test_client()
    client.post(
        "/auth/login",
        data={"login": "ivan", "password": PASSWORD, "remember": "y"},
        base_url="https://kabinet.example.org",
    )
    session, remember = (
        client.get_cookie("__Host-session", domain="kabinet.example.org"),
        client.get_cookie("__Host-remember_token", domain="kabinet.example.org"),
    )
    assert session.secure and session.http_only and session.same_site == "Lax"
    assert remember.secure and remember.http_only
    # the __Host- prefix: the browser refuses the cookie unless it is Secure, for "/", and names no domain
    for cookie in (session, remember):
        assert cookie.path == "/" and cookie.origin_only
    assert client.get("/cabinet/", base_url="https://kabinet.example.org").status_code == 200


def test_over_plain_http_the_cookies_keep_their_plain_names(make_app, user):
    client = make_app().test_client()  # __Host- cookies are refused over http: `make run` must still log in
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert client.get_cookie("session") is not None and client.get_cookie("__Host-session") is None


def test_forms_refuse_a_post_without_the_csrf_token(make_app, user):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert response.status_code == 400
    assert shows(response, messages.FORM_EXPIRED)

    token = csrf_token(page(client.get("/auth/login")))
    ok = client.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_logout_without_the_csrf_token_does_not_log_out(make_app, user):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token(page(client.get("/auth/login")))
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token})
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/cabinet/").status_code == 200


def test_login_is_rate_limited_per_login_with_a_russian_page(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="3/minute", RATELIMIT_LOGIN="100/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/auth/login", data={"login": "ivan", "password": "wrong-wrong"}).status_code == 200
    blocked = client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Слишком много попыток" in page(blocked)
    # another login from the same address is not punished for ivan's
    assert client.post("/auth/login", data={"login": "petr", "password": "x-x-x-x"}).status_code == 200


def test_successful_logins_do_not_use_up_the_per_login_limit(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="2/minute", RATELIMIT_LOGIN="100/minute")
    for _ in range(4):
        assert app.test_client().post("/auth/login", data={"login": "ivan", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("url", "data", "setting"),
    [
        ("/registration/", FORM, "RATELIMIT_REGISTRATION"),
        ("/recovery/", {"login": "ivan"}, "RATELIMIT_RECOVERY"),
        ("/registration/confirm", {"login": "ivan", "code": "AAAA"}, "RATELIMIT_CODE"),
        ("/recovery/change", {"login": "ivan", "control": "AAAA"}, "RATELIMIT_CODE"),
    ],
)
def test_registration_recovery_and_code_entry_are_rate_limited(make_app, url, data, setting):
    client = make_app(RATELIMIT_ENABLED=True, **{setting: "2/minute"}).test_client()
    codes = [client.post(url, data=data).status_code for _ in range(3)]
    assert codes[-1] == 429 and 429 not in codes[:2]


@pytest.mark.parametrize(
    ("method", "url", "code", "title"),
    [
        ("get", "/no-such-page", 404, "Страница не найдена"),
        ("put", "/auth/login", 405, "Действие не поддерживается"),
    ],
)
def test_error_pages_are_in_the_site_style_and_russian(client, method, url, code, title):
    response = getattr(client, method)(url)
    assert response.status_code == code
    html = page(response)
    assert title in html and "УК «Наш дом»" in html and "На главную" in html


def test_an_oversized_request_gets_the_413_page(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = client.post("/auth/login", data={"login": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Слишком большой файл" in page(response)


def test_a_crash_gets_the_500_page_not_a_traceback(make_app):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Ошибка на сервере" in page(response) and "Traceback" not in page(response)


def test_behind_a_proxy_the_visitors_address_is_used(make_app, user):
    app = make_app(PROXY_COUNT=1)
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert "203.0.113.7" in page(client.get("/profile/"))


def test_the_limit_per_user_counts_them_whether_login_or_email_is_typed(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="2/minute", RATELIMIT_SECRET_PER_SUBJECT="3/hour",
                   RATELIMIT_LOGIN="100/minute")  # fmt: skip
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": "wrong-wrong"})
    client.post("/auth/login", data={"login": "ivan", "password": "wrong-wrong"})
    # the per-address counter goes by what was typed: the e-mail is not refused at once, which would tell it is ivan's
    assert client.post("/auth/login", data={"login": "IVAN@example.org", "password": "wrong-3"}).status_code == 200
    # but the user's own counter has three failures now
    assert client.post("/auth/login", data={"login": "ivan@example.org", "password": "wrong-4"}).status_code == 429


def test_logged_in_pages_are_not_cached(client, auth, user):
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    auth.login()
    assert client.get("/cabinet/").headers["Cache-Control"] == "no-store"
