"""The one limiter every check of a secret goes through (kabinet/limits.py), tried as a stranger and as the owner.

Failures for a subject from one address hold that address back; a correct secret from an address with no failures,
or from a browser the user logged in from before, still passes, so a stranger's guesses never lock the owner out.
E-mails with codes and links are limited per mailbox too.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from kabinet import codes
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import User
from kabinet.organizations import default_organization
from kabinet.outbox import deliver_due
from tests.conftest import PASSWORD, logged_in, make_user, page, stored_user
from tests.factories import make_staff, with_second_factor

NEW_PASSWORD = "Sinyaya-Dver-Kvartiry-7"
CONTROL = "ABCDEFGHJKMN"
CONFIRM_CODE = "ABCDEFGH"
CODE_WORD = "ROMASHKA-17"
SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "samples"
STRANGER, OWNER, THIRD = "198.51.100.7", "203.0.113.20", "192.0.2.33"
FAILURES = 3  # RATELIMIT_SECRET below


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.fixture
def app(make_app):
    """Only the secret limiter is tight; the limits on the volume of requests stay out of the way."""
    loose = "1000/minute"
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_SECRET=f"{FAILURES}/minute",
        RATELIMIT_SECRET_PER_SUBJECT="1000/hour",
        **{name: loose for name in ("RATELIMIT_LOGIN", "RATELIMIT_CODE", "RATELIMIT_RECOVERY", "RATELIMIT_MAILBOX")},
    )


# --- every kind of secret, the same rules ------------------------------------------------------------------------


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the three the app accepts now."""
    valid = {pyotp.TOTP(secret).at(time.time(), counter_offset=shift) for shift in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in valid)


@dataclass
class Secret:
    """How to try one kind of secret: set it up, get a client ready to type it, type it right or wrong."""

    prepare: Callable  # (app) -> state
    client: Callable  # (app, state, address) -> test client
    attempt: Callable  # (client, state, right, address) -> response
    passed: Callable  # (app, response) -> bool


def _login_prepare(app):
    make_user(app)


def _plain_client(app, state, address):
    return app.test_client()


def _login_attempt(client, state, right, address):
    return client.post("/auth/login", data={"login": "ivan", "password": PASSWORD if right else "wrong-wrong"},
                       **at(address))  # fmt: skip


def _profile_client(app, state, address):
    return logged_in(app, "ivan")


def _profile_password_attempt(client, state, right, address):
    data = {"current_password": PASSWORD if right else "wrong-wrong", "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD}  # fmt: skip
    return client.post("/profile/password", data=data, **at(address))


def _profile_email_attempt(client, state, right, address):
    data = {"email": "ivan.new@example.org", "current_password": PASSWORD if right else "wrong-wrong"}
    return client.post("/profile/email", data=data, **at(address))


def _second_factor_prepare(app):
    return with_second_factor(app)


def _second_factor_client(app, state, address):
    client = app.test_client()
    client.post("/auth/login", data={"login": "clerk", "password": PASSWORD}, **at(address))
    return client


def _second_factor_attempt(client, state, right, address):
    secret, _ = state
    code = pyotp.TOTP(secret).now() if right else wrong_code(secret)
    return client.post("/auth/second-factor", data={"code": code}, **at(address))


def _recovery_code_attempt(client, state, right, address):
    _, recovery = state
    return client.post("/auth/second-factor", data={"code": recovery[0] if right else "AAAAA-AAAAA"}, **at(address))


def _staff_client(app, state, address):
    """A staff user logged in through both steps, with a recovery code (the app's codes are left for the test)."""
    _, recovery = state
    client = _second_factor_client(app, state, address)
    assert client.post("/auth/second-factor", data={"code": recovery.pop()}, **at(address)).status_code == 302
    return client


def _totp_off_attempt(client, state, right, address):
    secret, _ = state
    code = pyotp.TOTP(secret).now() if right else wrong_code(secret)
    return client.post("/staff/team/2fa/off", data={"code": code}, **at(address))


def _totp_on_prepare(app):
    make_staff(app, "dispatcher", login="clerk")


def _totp_on_client(app, state, address):
    client = logged_in(app, "clerk")
    client.get("/staff/team/2fa")  # the draft secret
    return client


def _totp_on_attempt(client, state, right, address):
    with client.application.app_context():
        secret = db.session.scalar(select(User.totp_secret).where(User.login == "clerk"))
    code = pyotp.TOTP(secret).now() if right else wrong_code(secret)
    return client.post("/staff/team/2fa", data={"code": code}, **at(address))


def _confirm_prepare(app):
    make_user(app, login="petr", email="petr@example.org", confirmed=False,
              confirm_code_hash=codes.digest(CONFIRM_CODE), confirm_sent_at=utcnow())  # fmt: skip


def _confirm_attempt(client, state, right, address):
    data = {"login": "petr", "code": CONFIRM_CODE if right else "ZZZZZZZZ"}
    return client.post("/registration/confirm", data=data, **at(address))


def _control_prepare(app):
    make_user(app, reset_code_hash=codes.digest(CONTROL), reset_requested_at=utcnow())


def _control_attempt(client, state, right, address):
    data = {"login": "ivan", "control": CONTROL if right else "ZZZZZZZZZZZZ", "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD}  # fmt: skip
    return client.post("/recovery/change", data=data, **at(address))


def _code_word_prepare(app):
    make_user(app)
    with app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())


def _code_word_client(app, state, address):
    client = logged_in(app, "ivan")
    client.post("/accounts/bind", data={"way": "number"}, **at(address))
    return client


def _code_word_attempt(client, state, right, address):
    data = {"number": "100101", "code_word": CODE_WORD if right else "WRONG-WORD"}
    return client.post("/accounts/bind/number", data=data, **at(address))


def _redirected(app, response):
    return response.status_code == 302


def _confirmed(app, response):
    return stored_user(app, "petr").is_confirmed


def _second_factor_on(app, response):
    return stored_user(app, "clerk").totp_enabled_at is not None


SECRETS = {
    "password at login": Secret(_login_prepare, _plain_client, _login_attempt, _redirected),
    "password to change the password": Secret(_login_prepare, _profile_client, _profile_password_attempt, _redirected),
    "password to change the e-mail": Secret(_login_prepare, _profile_client, _profile_email_attempt, _redirected),
    "TOTP code at login": Secret(_second_factor_prepare, _second_factor_client, _second_factor_attempt, _redirected),
    "recovery code at login": Secret(_second_factor_prepare, _second_factor_client, _recovery_code_attempt,
                                     _redirected),  # fmt: skip
    "TOTP code to turn the second factor off": Secret(_second_factor_prepare, _staff_client, _totp_off_attempt,
                                                      _redirected),  # fmt: skip
    "first TOTP code to turn it on": Secret(_totp_on_prepare, _totp_on_client, _totp_on_attempt, _second_factor_on),
    "confirmation code": Secret(_confirm_prepare, _plain_client, _confirm_attempt, _confirmed),
    "control string": Secret(_control_prepare, _plain_client, _control_attempt, _redirected),
    "code word": Secret(_code_word_prepare, _code_word_client, _code_word_attempt, _redirected),
}


@pytest.mark.parametrize("kind", SECRETS)
def test_every_secret_is_limited_per_address_and_a_stranger_cannot_lock_the_owner_out(app, kind):
    secret = SECRETS[kind]
    state = secret.prepare(app)
    stranger = secret.client(app, state, STRANGER)
    for _ in range(FAILURES):
        failed = secret.attempt(stranger, state, False, STRANGER)
        assert failed.status_code == 200 and not secret.passed(app, failed)

    refused = secret.attempt(stranger, state, True, STRANGER)  # even the right one, from the address that failed
    assert refused.status_code == 429
    assert "Слишком много попыток. Попробуйте снова через 1 минуту." in page(refused)
    assert not secret.passed(app, refused)

    owner = secret.client(app, state, OWNER)
    assert secret.passed(app, secret.attempt(owner, state, True, OWNER))


def test_the_slower_limit_per_login_holds_back_only_the_addresses_that_failed(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="3/minute", RATELIMIT_SECRET_PER_SUBJECT="4/hour",
                   RATELIMIT_LOGIN="1000/minute")  # fmt: skip
    client = app.test_client()
    for address in (STRANGER, STRANGER, OWNER, OWNER):  # four failures for ivan in all, two from each
        assert _login_attempt(client, None, False, address).status_code == 200
    for address in (STRANGER, OWNER):
        assert _login_attempt(client, None, True, address).status_code == 429
    assert _login_attempt(client, None, True, THIRD).status_code == 302


def test_an_unknown_login_is_limited_like_a_known_one(app, user):
    client = app.test_client()
    for login in ("ivan", "nobody"):
        data = {"login": login, "password": "nope-nope"}
        answers = [client.post("/auth/login", data=data, **at(STRANGER)).status_code for _ in range(FAILURES + 1)]
        assert answers == [200] * FAILURES + [429]


# --- e-mails with links and codes: limited per mailbox too --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data", "mailbox_of"),
    [
        ("/recovery/", {"login": "ivan"}, "ivan@example.org"),
        ("/recovery/", {"login": "IVAN@example.org"}, "ivan@example.org"),
        ("/registration/resend", {"login": "petr"}, "petr@example.org"),
    ],
)
def test_one_mailbox_cannot_be_bombed_from_many_addresses(make_app, user, mailbox, url, data, mailbox_of):
    """Past the limit the answer is the same "sent" (a stranger learns nothing), but nothing is sent: the owner uses the
    latest e-mail, which still works, so the limit cannot lock them out either."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_MAILBOX="2/hour", RATELIMIT_RECOVERY="1000/minute")
    make_user(app, login="petr", email="petr@example.org", confirmed=False)
    make_user(app, login="olga", email="olga@example.org", confirmed=False)
    client = app.test_client()
    answers = [client.post(url, data=data, **at(f"198.51.100.{n}")) for n in range(3)]
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert answers[2].location == answers[0].location
    with app.app_context():
        assert deliver_due().sent == 2
    assert len(mailbox.to(mailbox_of)) == 2
    assert client.post(url, data={"login": "olga"}, **at("198.51.100.9")).status_code == 302
    with app.app_context():
        assert deliver_due().sent == 1  # another mailbox is not held back


def test_an_email_change_cannot_bomb_a_stranger_s_mailbox(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_MAILBOX="2/hour")
    client = logged_in(app, "ivan")
    answers = [client.post("/profile/email", data={"email": "victim@example.org", "current_password": PASSWORD},
                           **at(f"198.51.100.{n}")).status_code for n in range(3)]  # fmt: skip
    assert answers == [302, 302, 429]


def test_the_owners_own_browser_is_never_held_back_by_strangers_even_after_a_typo(make_app, user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="3/minute", RATELIMIT_SECRET_PER_SUBJECT="4/hour",
                   RATELIMIT_LOGIN="1000/minute")  # fmt: skip
    owner = app.test_client()
    assert _login_attempt(owner, None, True, OWNER).status_code == 302  # the browser ivan always uses
    owner.post("/auth/logout", **at(OWNER))
    strangers = app.test_client()
    for n in range(4):  # the subject-wide limit is full
        assert _login_attempt(strangers, None, False, f"198.51.100.{n}").status_code == 200
    assert _login_attempt(owner, None, False, OWNER).status_code == 200  # ivan mistypes once
    assert _login_attempt(owner, None, True, OWNER).status_code == 302  # and still gets in
    assert _login_attempt(app.test_client(), None, True, "198.51.100.0").status_code == 429  # a stranger's address is


def test_a_second_factor_code_is_held_back_everywhere_but_the_users_own_browsers(make_app):
    """Whoever types a second-factor code knows the password: fresh addresses get no fresh guesses."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="3/minute", RATELIMIT_SECRET_PER_SUBJECT="4/hour",
                   RATELIMIT_LOGIN="1000/minute")  # fmt: skip
    secret, recovery = with_second_factor(app)
    own = _staff_client(app, (secret, recovery), OWNER)  # logged in once from this browser
    own.post("/auth/logout", **at(OWNER))
    for n in range(4):
        thief = _second_factor_client(app, None, f"198.51.100.{n}")
        assert _second_factor_attempt(thief, (secret, None), False, f"198.51.100.{n}").status_code == 200
    fresh = _second_factor_client(app, None, THIRD)
    assert _second_factor_attempt(fresh, (secret, None), True, THIRD).status_code == 429
    own.post("/auth/login", data={"login": "clerk", "password": PASSWORD}, **at(OWNER))
    assert _second_factor_attempt(own, (secret, None), True, OWNER).status_code == 302


def test_an_ipv6_subscriber_is_one_address_whatever_its_last_64_bits(app, user):
    client = app.test_client()
    for n in range(FAILURES):
        assert _login_attempt(client, None, False, f"2001:db8:1:2::{n + 1}").status_code == 200
    assert _login_attempt(client, None, True, "2001:db8:1:2:ffff::9").status_code == 429
    assert _login_attempt(client, None, True, "2001:db8:1:3::1").status_code == 302  # the neighbouring /64


# --- the check before every request (kabinet.limits.init_app) ----------------------------------------------------


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_limit_for_every_route_still_counts_on_a_route_without_limits_of_its_own(make_app, setting):
    from kabinet.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, **{setting: "2/minute"})
    client = app.test_client()
    try:
        assert [client.get("/contacts/").status_code for _ in range(3)] == [200, 200, 429]
    finally:  # Flask-Limiter keeps these on its one limiter object, which every app of the test run shares
        limiter.limit_manager.set_default_limits([])
        limiter.limit_manager.set_application_limits([])


def test_a_route_without_limits_gets_no_limit_headers_and_a_limited_one_does(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    assert "X-RateLimit-Limit" not in client.get("/contacts/").headers
    assert "X-RateLimit-Limit" in client.post("/auth/login", data={"login": "x", "password": "y"}).headers
