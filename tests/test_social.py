"""Signing in and registering through an OpenID Connect provider: the real code flow over HTTP, against the local
provider of tests/oidc_provider.py, and the rules (linking, unlinking, no takeover by e-mail) called directly."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import SocialIdentity, User
from kabinet.social import services
from kabinet.social.providers import Profile
from tests.conftest import PASSWORD, audited, links_in, logged_in, make_user, page, shows
from tests.factories import make_staff
from tests.oidc_provider import running_provider

NEW_PERSON = {"sub": "u-1", "email": "maria.ivanova@example.org", "given_name": "Мария", "family_name": "Иванова"}
FORM = {"middle_name": "Петровна", "phone": "8 (912) 345-67-89", "phone_extra": "", "agree": "y"}


@pytest.fixture(scope="module")
def provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def idp(provider):
    """The local provider, forgetting whoever signed in there and anything spoiled by the previous test."""
    provider.reset()
    return provider


def configured(idp, title="Тест ID"):
    return {"local": {"client_id": idp.client_id, "client_secret": idp.client_secret,
                      "discovery_url": idp.discovery_url, "title": title}}  # fmt: skip


@pytest.fixture
def app(make_app, idp):
    return make_app(SOCIAL_PROVIDERS=configured(idp))


def through_provider(client, link=False, **query_changes):
    """Press the button, let the provider answer (over HTTP), bring its answer to the callback; the callback's reply."""
    start = client.post("/social/local/login" + ("?link=1" if link else ""))
    assert start.status_code == 302, page(start)
    answer = requests.get(start.location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/social/local/callback"
    query = {key: values[0] for key, values in parse_qs(back.query).items()} | query_changes
    return client.get(f"{back.path}?{urlencode(query)}")


def callback_url(client):
    """The provider's answer to a flow started by this client, not yet brought back to the app."""
    start = client.post("/social/local/login")
    answer = requests.get(start.location, allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def logged_in_as(client):
    """The login of whoever the client is logged in as (the profile shows it), or None."""
    response = client.get("/profile/")
    if response.status_code != 200:
        return None
    return re.search(r"Логин: <strong>([^<]+)</strong>", page(response)).group(1)


def stored(app, model, **where):
    with app.app_context():
        row = db.session.scalar(select(model).filter_by(**where))
        if row is not None:
            db.session.expunge(row)
        return row


def register(client, **changes):
    form = client.get("/social/register")
    assert form.status_code == 200, page(form)
    return client.post("/social/register", data={**_prefilled(page(form)), **FORM, **changes})


def _prefilled(html):
    """The values the rendered form comes with (the fields the provider's answer filled in)."""
    return {name: value for name, value in re.findall(r'<input[^>]*? name="(\w+)"[^>]*? value="([^"]*)"', html)}


# --- the buttons and the configuration -------------------------------------------------------------------------


def test_buttons_shown_only_for_configured_providers(make_app, idp):
    bare = make_app().test_client()
    assert 'data-test="social-buttons"' not in page(bare.get("/auth/login"))
    assert 'data-test="social-buttons"' not in page(bare.get("/registration/"))

    client = make_app(SOCIAL_PROVIDERS=configured(idp)).test_client()
    login = page(client.get("/auth/login"))
    assert "Войти через профиль в соцсетях" in login and 'action="/social/local/login"' in login
    assert ">Тест ID</button>" in login
    registration = page(client.get("/registration/"))
    assert "Или зарегистрируйтесь через соц. сеть" in registration and ">Тест ID</button>" in registration
    assert client.post("/social/google/login").status_code == 404  # not configured: no such button


def test_known_providers_need_only_their_client_and_a_generic_one_its_discovery_url(make_app):
    client = {"client_id": "id", "client_secret": "secret"}
    app = make_app(SOCIAL_PROVIDERS={"yandex": client, "google": {**client, "title": "Войти с Google"}})
    response = app.test_client().get("/auth/login")
    assert ">Яндекс ID</button>" in page(response) and ">Войти с Google</button>" in page(response)
    # The buttons' forms are answered by a redirect to the provider: the CSP's form-action allows exactly those.
    assert (
        "form-action 'self' https://accounts.google.com https://oauth.yandex.ru;"
        in (response.headers["Content-Security-Policy"])
    )
    with pytest.raises(RuntimeError, match="OIDC_KEYCLOAK_DISCOVERY_URL"):
        make_app(SOCIAL_PROVIDERS={"keycloak": {"client_id": "id", "client_secret": "secret"}})
    with pytest.raises(RuntimeError, match="OIDC_VK_CLIENT_SECRET"):
        make_app(SOCIAL_PROVIDERS={"vk": {"client_id": "id"}})


def test_the_app_asks_for_state_nonce_and_pkce(client, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    start = client.post("/social/local/login")
    asked = {key: values[0] for key, values in parse_qs(urlsplit(start.location).query).items()}
    assert asked["redirect_uri"] == "http://localhost/social/local/callback"
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert asked["state"] and asked["nonce"] and set(asked["scope"].split()) == {"openid", "email", "profile"}


# --- a new person -------------------------------------------------------------------------------------------------


def test_new_person_with_a_verified_email_registers_and_is_logged_in(client, app, idp, mailbox, deliver):
    idp.login_as(**NEW_PERSON, email_verified=True)
    response = through_provider(client)
    assert response.status_code == 302 and response.location == "/social/register"

    form = page(client.get("/social/register"))
    assert 'value="maria.ivanova"' in form and 'value="Мария"' in form and 'value="Иванова"' in form
    assert 'value="maria.ivanova@example.org"' in form and "Я согласен с условиями" in form
    assert 'name="password"' not in form

    response = register(client)
    assert response.status_code == 302 and response.location == "/cabinet/"
    assert shows(client.get("/cabinet/"), messages.SOCIAL_REGISTERED)
    user = stored(app, User, login="maria.ivanova")
    assert user.is_confirmed and user.phone == "+79123456789" and user.middle_name == "Петровна"
    assert not user.check_password("") and user.password_hash.startswith(services.NO_PASSWORD)
    assert stored(app, SocialIdentity, provider="local", subject="u-1").user_id == user.id
    assert [event.details for event in audited(app, "login")] == ["provider: local"]
    assert deliver().sent == 0  # the provider vouched for the address: no confirmation e-mail

    client.post("/auth/logout")
    response = through_provider(client)  # the second time, the identity is known: straight in
    assert response.status_code == 302 and response.location == "/cabinet/"
    assert logged_in_as(client) == "maria.ivanova"


def test_new_person_with_an_unverified_email_confirms_it_by_the_link(client, app, idp, mailbox, deliver):
    idp.login_as(**NEW_PERSON, email_verified=False)
    through_provider(client)
    response = register(client)
    assert response.status_code == 302 and response.location == "/registration/sent"
    assert not stored(app, User, login="maria.ivanova").is_confirmed

    response = through_provider(client)  # not confirmed yet: no entry
    assert shows(client.get(response.location), messages.NOT_CONFIRMED)
    assert logged_in_as(client) is None

    assert deliver().sent == 1
    confirm_link = links_in(mailbox.last("maria.ivanova@example.org"))[0]
    assert shows(client.get(urlsplit(confirm_link).path), messages.CONFIRMED)
    response = through_provider(client)
    assert response.location == "/cabinet/" and logged_in_as(client) == "maria.ivanova"


def test_a_verified_email_replaced_in_the_form_must_be_confirmed(client, app, idp, deliver, mailbox):
    idp.login_as(**NEW_PERSON, email_verified=True)
    through_provider(client)
    response = register(client, email="other@example.org")
    assert response.location == "/registration/sent"
    assert not stored(app, User, login="maria.ivanova").is_confirmed
    assert deliver().sent == 1 and mailbox.last("other@example.org")


def test_the_registration_form_checks_like_the_ordinary_one(client, app, idp):
    make_user(app, login="maria.ivanova", email="someone@example.org")
    idp.login_as(**NEW_PERSON, email_verified=True)
    through_provider(client)
    assert 'value="maria.ivanova2"' in page(client.get("/social/register"))  # the login suggested is a free one

    response = register(client, login="maria.ivanova", phone="", agree="")
    assert response.status_code == 200
    html = page(response)
    assert "Этот логин уже занят" in html and "Укажите телефон." in html and "примите условия соглашения" in html
    assert stored(app, SocialIdentity, subject="u-1") is None


def test_an_existing_email_is_never_taken_over(client, app, idp):
    make_user(app, login="ivan", email="ivan@example.org")
    idp.login_as(sub="attacker-1", email="IVAN@example.org", email_verified=True, given_name="Иван")
    response = through_provider(client)
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), messages.SOCIAL_EMAIL_TAKEN)
    assert logged_in_as(client) is None
    assert stored(app, SocialIdentity, subject="attacker-1") is None
    # Nor can the registration form be reached to try another way.
    assert shows(client.get("/social/register", follow_redirects=True), messages.SOCIAL_SIGNUP_EXPIRED)


def test_the_signup_waits_only_so_long(client, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    through_provider(client)
    with client.session_transaction() as session:
        pending = session[services.SIGNUP_KEY]
        session[services.SIGNUP_KEY] = {**pending, "t": pending["t"] - services.SIGNUP_WINDOW.total_seconds() - 1}
    response = client.get("/social/register")
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), messages.SOCIAL_SIGNUP_EXPIRED)


# --- linking and logging in ---------------------------------------------------------------------------------------


def test_link_from_the_profile_then_log_in_with_it(app, idp):
    make_user(app, login="ivan", email="ivan@example.org")
    client = logged_in(app, "ivan")
    idp.login_as(sub="g-42", email="ivan.petrov@example.org", email_verified=True)
    response = through_provider(client, link=True)
    assert response.location == "/profile/"
    profile = client.get("/profile/")
    assert shows(profile, str(messages.SOCIAL_LINKED.text) % {"provider": "Тест ID"})
    assert 'data-test="social-identity"' in page(profile) and "ivan.petrov@example.org" in page(profile)

    client.post("/auth/logout")
    other = app.test_client()
    response = through_provider(other)
    assert response.location == "/cabinet/" and logged_in_as(other) == "ivan"
    assert stored(app, SocialIdentity, subject="g-42").last_login_at is not None


def test_an_identity_of_another_user_is_not_linked_again(app, idp):
    make_user(app, login="ivan", email="ivan@example.org")
    make_user(app, login="olga", email="olga@example.org")
    idp.login_as(sub="g-42")
    through_provider(logged_in(app, "ivan"), link=True)

    client = logged_in(app, "olga")
    through_provider(client, link=True)
    assert shows(client.get("/profile/"), str(messages.SOCIAL_LINKED_ELSEWHERE.text) % {"provider": "Тест ID"})
    with app.app_context():
        owners = [db.session.get(User, i.user_id).login for i in db.session.scalars(select(SocialIdentity))]
    assert owners == ["ivan"]


def test_a_logged_in_user_who_did_not_ask_links_nothing(app, idp):
    make_user(app, login="ivan", email="ivan@example.org")
    client = logged_in(app, "ivan")
    idp.login_as(sub="g-42")
    response = through_provider(client)  # the button without ?link=1
    assert response.location == "/cabinet/"
    assert stored(app, SocialIdentity, subject="g-42") is None


def test_a_link_asked_for_before_a_password_change_links_nothing(app, idp):
    """The grant is checked when it is given: the person who pressed the button is not the proof of it."""
    make_user(app, login="ivan", email="ivan@example.org")
    client = logged_in(app, "ivan")
    idp.login_as(sub="g-42")
    start = client.post("/social/local/login?link=1")
    new_password = "Sinyaya-Dver-Kvartiry-7"
    changed = client.post("/profile/password", data={"current_password": PASSWORD, "password": new_password,
                                                     "password_confirm": new_password})  # fmt: skip
    assert changed.status_code == 302
    answer = requests.get(start.location, allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.location == "/cabinet/"
    assert shows(client.get("/cabinet/"), str(messages.SOCIAL_LINK_STALE.text) % {"provider": "Тест ID"})
    assert stored(app, SocialIdentity, subject="g-42") is None


@pytest.mark.parametrize("kind", ["blocked", "staff"])
def test_blocked_users_and_staff_do_not_log_in_through_a_provider(app, idp, kind):
    if kind == "staff":
        user_id, refusal = make_staff(app, role="dispatcher"), messages.SOCIAL_STAFF
    else:
        user_id, refusal = make_user(app, login="ivan", blocked_at=utcnow()), messages.ACCOUNT_BLOCKED
    with app.app_context():
        db.session.add(SocialIdentity(user_id=user_id, provider="local", subject="g-42"))
        db.session.commit()
    idp.login_as(sub="g-42")
    client = app.test_client()
    response = through_provider(client)
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), refusal) and logged_in_as(client) is None


# --- unlinking and a first password ---------------------------------------------------------------------------------


def social_only_user(client, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    through_provider(client)
    register(client)


def test_the_last_way_to_log_in_is_not_unlinked_until_a_password_is_set(client, app, idp):
    social_only_user(client, idp)
    identity = stored(app, SocialIdentity, subject="u-1")
    profile = page(client.get("/profile/"))
    assert "Единственный способ входа" in profile and "Задать пароль" in profile
    assert "Сменить пароль" not in profile  # it would ask for a current password this user never had

    client.post(f"/social/identities/{identity.id}/unlink")
    assert shows(client.get("/profile/"), messages.SOCIAL_LAST_WAY)
    assert stored(app, SocialIdentity, subject="u-1") is not None

    client.post("/social/password", data={"first-password": "short", "first-password_confirm": "short"})
    assert not shows(client.get("/profile/"), messages.SOCIAL_PASSWORD_SET)
    new_password = {"first-password": PASSWORD, "first-password_confirm": PASSWORD}
    client.post("/social/password", data=new_password)  # no current password to ask for
    assert shows(client.get("/profile/"), messages.SOCIAL_PASSWORD_SET)
    assert client.post("/social/password", data=new_password).status_code == 404  # once: then the profile's form
    assert "Сменить пароль" in page(client.get("/profile/"))

    client.post(f"/social/identities/{identity.id}/unlink")
    assert shows(client.get("/profile/"), messages.SOCIAL_UNLINKED)
    assert stored(app, SocialIdentity, subject="u-1") is None
    assert logged_in(app, "maria.ivanova")  # the password works now


def test_unlink_rules(app):
    """Another identity is another way in; nobody unlinks someone else's identity."""
    ivan, olga = make_user(app, login="ivan"), make_user(app, login="olga", email="olga@example.org")
    with app.app_context():
        user = db.session.get(User, ivan)
        user.password_hash = services.NO_PASSWORD + "x"
        first = SocialIdentity(user_id=ivan, provider="local", subject="a")
        second = SocialIdentity(user_id=ivan, provider="google", subject="b")
        db.session.add_all([first, second])
        db.session.commit()
        assert services.unlink(db.session.get(User, olga), first.id) == messages.SOCIAL_NOT_FOUND
        assert services.unlink(user, first.id) == messages.SOCIAL_UNLINKED
        assert services.unlink(user, second.id) == messages.SOCIAL_LAST_WAY


def test_suggested_login(app):
    make_user(app, login="Maria")
    with app.app_context():
        assert services.suggest_login("") == ""
        assert services.suggest_login("ya@example.org") == ""  # too short to be a login: the person types one
        assert services.suggest_login("Иван+x.y@example.org") == "x.y"  # only what a login may hold
        assert services.suggest_login("maria@example.org") == "maria2"  # taken, whatever the case


def test_profile_dataclass_round_trips_through_the_session():
    profile = Profile(provider="local", subject="1", email="a@b.c", email_verified=True)
    assert Profile(**profile.as_dict()) == profile


# --- what the callback refuses ------------------------------------------------------------------------------------


def test_cancelled_at_the_provider(client, idp):
    idp.login_as(**NEW_PERSON)
    idp.deny_next()
    response = through_provider(client)
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), str(messages.SOCIAL_DENIED.text) % {"provider": "Тест ID"})


def test_a_forged_state_is_refused(client, app, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    response = through_provider(client, state="forged")
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), messages.SOCIAL_STATE_LOST)


def test_an_answer_brought_to_another_browser_is_refused(app, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    url = callback_url(app.test_client())  # the victim's flow...
    intruder = app.test_client()
    response = intruder.get(url)  # ...brought to another browser (or after the session ended)
    assert response.location == "/auth/login"
    assert shows(intruder.get("/auth/login"), messages.SOCIAL_STATE_LOST)
    assert intruder.get("/social/register").location == "/auth/login"


def test_the_callback_cannot_be_replayed(client, idp):
    idp.login_as(**NEW_PERSON, email_verified=True)
    url = callback_url(client)
    assert client.get(url).location == "/social/register"
    assert client.get(url).location == "/auth/login"  # the state was used up


@pytest.mark.parametrize("spoiled", ["nonce", "audience", "issuer", "signature", "expired"])
def test_a_spoiled_id_token_is_refused(client, app, idp, spoiled):
    make_user(app, login="ivan")
    with app.app_context():
        db.session.add(SocialIdentity(user_id=1, provider="local", subject="g-42"))
        db.session.commit()
    idp.login_as(sub="g-42", email="ivan@example.org", email_verified=True)
    idp.tamper_next(**{spoiled: True})
    response = through_provider(client)
    assert response.location == "/auth/login"
    assert shows(client.get("/auth/login"), str(messages.SOCIAL_FAILED.text) % {"provider": "Тест ID"})
    assert logged_in_as(client) is None and audited(app, "login") == []
