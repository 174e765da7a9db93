"""Login ("Авторизация"), logout, "remember me" and the server-side sessions behind them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import UserSession
from tests.conftest import PASSWORD, make_user, page, shows


def cookie(client, name):
    return client.get_cookie(name)


def test_login_page_has_the_manual_fields(client):
    html = page(client.get("/auth/login"))
    for text in [
        "Войти в личный кабинет",
        "Логин",
        "Пароль",
        "Запомнить меня на этом компьютере",
        "Войти",
        "Забыли пароль?",
        "Регистрация",
    ]:
        assert text in html


@pytest.mark.parametrize("identifier", ["ivan", "IVAN", "ivan@example.org", "Ivan@Example.org", " ivan "])
def test_login_by_login_or_email_whatever_the_case(client, auth, user, identifier):
    response = auth.login(identifier)
    assert response.status_code == 302
    assert response.location == "/cabinet/"
    cabinet = client.get("/cabinet/")
    assert cabinet.status_code == 200
    assert "Иван Петров" in page(cabinet)


@pytest.mark.parametrize(("identifier", "password"), [("ivan", "wrong-password"), ("nobody", PASSWORD)])
def test_failed_login_does_not_say_which_part_was_wrong(auth, user, identifier, password):
    response = auth.login(identifier, password)
    assert response.status_code == 200
    assert shows(response, messages.LOGIN_FAILED)
    assert "Caps Lock" in page(response)
    kept = f'value="{identifier}"'
    assert kept in page(response)  # the login stays, the password does not
    assert password not in page(response).replace(kept, "")


def test_login_goes_where_the_user_was_going(client, auth, user):
    redirected = client.get("/profile/")
    assert redirected.status_code == 302 and "next=%2Fprofile%2F" in redirected.location
    response = auth.login(next="/profile/")
    assert response.location == "/profile/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_never_leaves_the_site(auth, user, target):
    assert auth.login(next=target).location == "/cabinet/"


def test_without_remember_me_the_login_ends_with_the_browser(client, auth, user):
    auth.login()
    assert cookie(client, "remember_token") is None
    session_cookie = cookie(client, "session")
    assert session_cookie.expires is None  # a browser-session cookie


def test_remember_me_keeps_the_login_for_30_days(client, app, auth, user):
    auth.login(remember=True)
    remember = cookie(client, "remember_token")
    assert remember is not None and remember.http_only
    assert (
        timedelta(days=29) < remember.expires - utcnow().replace(tzinfo=remember.expires.tzinfo) <= timedelta(days=30)
    )

    # the browser is closed: only the remember cookie is left
    client.delete_cookie("session")
    assert client.get("/cabinet/").status_code == 200


def test_logout_is_a_post_and_ends_the_session_for_good(client, app, auth, user):
    auth.login(remember=True)
    stolen_session = cookie(client, "session").value
    stolen_remember = cookie(client, "remember_token").value

    assert client.get("/auth/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/cabinet/").status_code == 302

    # copies of the cookies taken before logout are refused
    thief = app.test_client()
    thief.set_cookie("session", stolen_session)
    assert thief.get("/cabinet/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen_remember)
    assert thief.get("/cabinet/").status_code == 302


def test_each_login_gets_a_new_session_id(client, app, auth, user):
    auth.login()
    auth.logout()
    auth.login()
    with app.app_context():
        ids = db.session.scalars(select(UserSession.id)).all()
    assert len(set(ids)) == 2


# The cabinet home reads the signed-in user from the session check's row (kabinet.auth.signed_in); the profile, which
# changes them, gets the ORM User: the rules of a login are the same for both.
PAGES = ["/cabinet/", "/profile/"]


def age(app, **values):
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_idle_session_without_remember_me_expires(client, app, auth, user, path):
    auth.login()
    age(app, last_seen_at=utcnow() - timedelta(hours=app.config["SESSION_IDLE_HOURS"], minutes=1))
    assert client.get(path).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserSession.ended_at)) is not None  # ended for good, not only refused


@pytest.mark.parametrize("path", PAGES)
def test_remembered_session_expires_after_30_days(client, app, auth, user, path):
    auth.login(remember=True)
    age(app, created_at=utcnow() - timedelta(days=30, minutes=1))
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("path", PAGES)
def test_a_session_seen_again_is_kept_alive_and_an_ended_one_refused(client, app, auth, user, path):
    auth.login()
    hour_ago = utcnow() - timedelta(hours=1)
    age(app, last_seen_at=hour_ago)
    assert client.get(path).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(UserSession.last_seen_at)) > hour_ago + timedelta(minutes=59)
    age(app, ended_at=utcnow())
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("path", PAGES)
def test_a_blocked_users_open_session_is_refused(client, app, auth, user, path):
    from kabinet.models import User

    auth.login()
    assert client.get(path).status_code == 200
    with app.app_context():
        db.session.get(User, user).blocked_at = utcnow()
        db.session.commit()
    assert client.get(path).status_code == 302


def test_only_a_view_marked_reads_only_gets_the_reader_and_it_carries_no_secrets(app, client, auth, user):
    from flask_login import current_user

    from kabinet.auth.signed_in import SignedIn
    from kabinet.models import User

    auth.login()
    cookie_header = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    seen = {}
    for path in PAGES:
        with app.test_request_context(path, headers={"Cookie": cookie_header, "User-Agent": "werkzeug"}):
            app.preprocess_request()
            seen[path] = current_user._get_current_object()
    reader, orm = seen["/cabinet/"], seen["/profile/"]
    assert isinstance(reader, SignedIn) and isinstance(orm, User)
    assert (reader.id, reader.full_name, reader.is_staff, reader.get_id()) == (orm.id, orm.full_name, orm.is_staff,
                                                                               orm.get_id())  # fmt: skip
    assert reader.session_organization is None is orm.session_organization  # no account yet: the platform's name
    for secret in ("password_hash", "totp_secret", "security_stamp", "reset_code_hash", "confirm_code_hash"):
        assert not hasattr(reader, secret)


def test_a_view_marked_reads_only_only_answers_reading_requests(app):
    # The mark hands the view a SignedIn, which the ORM cannot save or link to: a view that takes a form (and so may
    # change the user, or record them in an audit entry or a request) must never carry it.
    from kabinet.auth.signed_in import MARK

    marked = {
        rule.endpoint: rule.methods - {"HEAD", "OPTIONS"}
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], MARK, False)
    }
    assert {"cabinet.home", "balance.show", "receipts.pdf", "dispatch.photo"} <= marked.keys()
    assert {endpoint: methods for endpoint, methods in marked.items() if methods != {"GET"}} == {}


def test_profile_lists_sessions_and_ends_all_others(app, user):
    phone, laptop = app.test_client(), app.test_client()
    phone.post(
        "/auth/login",
        data={"login": "ivan", "password": PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile Safari/537.36"},
    )
    laptop.post(
        "/auth/login",
        data={"login": "ivan", "password": PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/121.0"},
    )
    html = page(laptop.get("/profile/"))
    assert html.count('data-test="session"') == 2
    assert "Chrome 120, Android" in html and "Firefox 121, Windows" in html

    response = laptop.post("/profile/sessions/end", follow_redirects=True)
    assert shows(response, messages.SESSIONS_ENDED)
    assert phone.get("/cabinet/").status_code == 302
    assert laptop.get("/cabinet/").status_code == 200


def test_a_logged_in_user_is_sent_from_login_and_registration_to_the_cabinet(client, auth, user):
    auth.login()
    for url in ("/", "/auth/login", "/registration/"):
        assert client.get(url).location == "/cabinet/"


def test_unconfirmed_user_with_a_wrong_password_learns_nothing(app, auth):
    make_user(app, login="petr", email="petr@example.org", confirmed=False)
    response = auth.login("petr", "wrong-password-1")
    assert shows(response, messages.LOGIN_FAILED)
    assert not shows(response, messages.NOT_CONFIRMED)


def test_a_password_past_its_length_is_explained_in_the_forms_words_and_the_login_kept(auth, user):
    response = auth.login("ivan", "п" * 257)
    assert "Не длиннее 256 символов." in page(response)
    assert 'value="ivan"' in page(response) and "п" * 257 not in page(response)
