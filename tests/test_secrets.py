"""Secrets that die with a change: one place (User._credentials_changed) ends every outstanding reset, confirmation,
e-mail change, invitation and half-done login of a user whenever their password, e-mail, block or role changes; and
what travels in a URL tells nothing.
"""

import base64

import pyotp
import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from tests.conftest import PASSWORD, continue_from, links_in, logged_in, make_user, page, shows, stored_user, text_of
from tests.factories import make_staff, with_second_factor

NEW_PASSWORD = "Sinyaya-Dver-Kvartiry-7"


def update_user(app, login, **values):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == login))
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


# --- a change of password, e-mail, block or role ends every outstanding secret -------------------------------------


def reset_requested(client, mailbox, deliver, login="ivan", address="ivan@example.org") -> tuple[str, str]:
    """Ask for a reset: the control string and the link of the e-mail."""
    client.post("/recovery/", data={"login": login})
    deliver()
    message = mailbox.last(address)
    control = text_of(message).split("Контрольная строка для смены пароля: ")[1].split()[0]
    link = next(link for link in links_in(message) if "/recovery/change/" in link)
    return control, link.removeprefix("http://localhost")


def reset_with(client, control, login="ivan"):
    return client.post("/recovery/change", data={"login": login, "control": control, "password": NEW_PASSWORD,
                                                 "password_confirm": NEW_PASSWORD})  # fmt: skip


def assert_reset_is_dead(client, control, link):
    assert shows(reset_with(client, control), messages.RESET_WRONG)
    followed = client.get(link, follow_redirects=True)
    assert shows(followed, messages.RESET_LINK_USED)
    assert 'name="control"' in page(followed)  # the form asks for the control string: the link stood for nothing


@pytest.fixture
def plain(make_app):
    return make_app()


def test_a_reset_dies_when_the_password_is_changed_in_the_profile(plain, user, mailbox, deliver):
    control, link = reset_requested(plain.test_client(), mailbox, deliver)
    ivan = logged_in(plain, "ivan")
    assert ivan.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                "password_confirm": NEW_PASSWORD}).status_code == 302  # fmt: skip
    assert_reset_is_dead(plain.test_client(), control, link)


def test_a_reset_dies_when_the_email_is_changed(plain, user, mailbox, deliver):
    control, link = reset_requested(plain.test_client(), mailbox, deliver)
    ivan = logged_in(plain, "ivan")
    ivan.post("/profile/email", data={"email": "ivan.new@example.org", "current_password": PASSWORD})
    deliver()
    confirm = links_in(mailbox.last("ivan.new@example.org"))[0].removeprefix("http://localhost")
    assert shows(ivan.get(confirm, follow_redirects=True), messages.EMAIL_CHANGED)
    assert_reset_is_dead(plain.test_client(), control, link)


def test_a_reset_dies_when_staff_block_the_tenant_and_stays_dead_after_unblocking(plain, user, mailbox, deliver):
    control, link = reset_requested(plain.test_client(), mailbox, deliver)
    make_staff(plain, "accountant")
    staff = logged_in(plain, "accountant")
    tenant_id = stored_user(plain).id
    assert staff.post(f"/staff/tenants/{tenant_id}/block").status_code == 302
    assert staff.post(f"/staff/tenants/{tenant_id}/unblock").status_code == 302
    assert_reset_is_dead(plain.test_client(), control, link)


def test_a_pending_email_change_dies_when_the_password_changes(plain, user, mailbox, deliver):
    ivan = logged_in(plain, "ivan")
    ivan.post("/profile/email", data={"email": "ivan.new@example.org", "current_password": PASSWORD})
    deliver()
    confirm = links_in(mailbox.last("ivan.new@example.org"))[0].removeprefix("http://localhost")
    ivan.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                         "password_confirm": NEW_PASSWORD})  # fmt: skip
    assert shows(ivan.get(confirm, follow_redirects=True), messages.EMAIL_LINK_INVALID)
    assert stored_user(plain).email == "ivan@example.org"


def test_a_confirmation_link_dies_when_a_new_one_is_sent(plain, mailbox, deliver):
    make_user(plain, login="petr", email="petr@example.org", confirmed=False)
    client = plain.test_client()
    client.post("/registration/resend", data={"login": "petr"})
    deliver()
    first = links_in(mailbox.last("petr@example.org"))[0].removeprefix("http://localhost")
    client.post("/registration/resend", data={"login": "petr"})
    deliver()
    second = links_in(mailbox.last("petr@example.org"))[0].removeprefix("http://localhost")
    assert shows(client.get(first), messages.CONFIRM_LINK_INVALID)
    assert not stored_user(plain, "petr").is_confirmed
    assert shows(client.get(second), messages.CONFIRMED)


def invited(app, mailbox, deliver):
    """The director's client and the link of the invitation they sent to olga@example.org."""
    make_staff(app, "admin", login="director")
    director = logged_in(app, "director")
    director.post("/staff/team/invite", data={"email": "olga@example.org", "first_name": "Ольга",
                                              "last_name": "Новикова", "role": "dispatcher", "login": ""})  # fmt: skip
    deliver()
    return director, links_in(mailbox.last("olga@example.org"))[0].removeprefix("http://localhost")


@pytest.mark.parametrize("change", ["role", "block"])
def test_an_invitation_dies_when_the_role_changes_or_the_user_is_blocked(plain, mailbox, deliver, change):
    director, link = invited(plain, mailbox, deliver)
    olga = stored_user(plain, "olga")
    if change == "role":
        director.post(f"/staff/team/{olga.id}/role", data={"role": "accountant"})
    else:
        director.post(f"/staff/team/{olga.id}/block")
        director.post(f"/staff/team/{olga.id}/unblock")
    answer = plain.test_client().get(link, follow_redirects=True)
    assert shows(answer, messages.INVITATION_INVALID)


def test_an_invitation_is_checked_again_when_the_password_is_set(plain, mailbox, deliver):
    """The person continued from the link; the admin blocked and unblocked them before they pressed the button."""
    director, link = invited(plain, mailbox, deliver)
    olga = plain.test_client()
    assert continue_from(olga, link).location == "/staff/team/invitation"
    director.post(f"/staff/team/{stored_user(plain, 'olga').id}/block")
    director.post(f"/staff/team/{stored_user(plain, 'olga').id}/unblock")
    strong = "Tikhaya-Reka-Osen-77-Dom"
    answer = olga.post("/staff/team/invitation", data={"password": strong, "password_confirm": strong},
                       follow_redirects=True)  # fmt: skip
    assert shows(answer, messages.INVITATION_INVALID)
    assert plain.test_client().post("/auth/login", data={"login": "olga", "password": strong}).status_code == 200


def test_an_invitation_link_works_once(plain, mailbox, deliver):
    _, link = invited(plain, mailbox, deliver)
    assert plain.test_client().get(link).status_code == 200  # a mail scanner opens it: nothing is spent
    assert continue_from(plain.test_client(), link).location == "/staff/team/invitation"
    reader = plain.test_client()  # whoever copies the address from a log afterwards
    assert reader.get(link).location == "/auth/login" and reader.post(link).location == "/auth/login"
    assert reader.get("/staff/team/invitation").location == "/auth/login"


def test_a_half_done_login_dies_when_the_password_changes(plain):
    """The password was right and the code is awaited; meanwhile the password is reset: the code no longer logs in."""
    secret, _ = with_second_factor(plain)
    thief = plain.test_client()
    assert thief.post("/auth/login", data={"login": "clerk", "password": PASSWORD}).location.endswith("/second-factor")
    with plain.app_context():
        user = db.session.scalar(select(User).where(User.login == "clerk"))
        user.set_password(NEW_PASSWORD)
        db.session.commit()
    answer = thief.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert answer.location.endswith("/auth/login")
    assert shows(thief.get("/auth/login"), messages.SECOND_FACTOR_EXPIRED)


def test_every_change_of_a_credential_gives_a_new_stamp_and_clears_the_outstanding_secrets(plain, user):
    """The one place: whichever attribute changes, and whatever code path changes it."""
    changes = (("password_hash", "x"), ("email", "i@example.org"), ("blocked_at", utcnow()), ("role", "admin"))
    for name, value in changes:
        update_user(plain, "ivan", reset_code_hash="r", reset_requested_at=utcnow(), confirm_code_hash="c",
                    new_email="n@example.org")  # fmt: skip
        before = stored_user(plain).security_stamp
        update_user(plain, "ivan", **{name: value})
        after = stored_user(plain)
        assert after.security_stamp != before, name
        assert (after.reset_code_hash, after.confirm_code_hash, after.new_email) == (None, None, None), name


def test_no_emailed_link_carries_a_login_an_address_or_a_code(plain, user, mailbox, deliver):
    """What travels in a URL ends up in access logs: every link's token is opaque (a user id and a fingerprint)."""
    client = plain.test_client()
    client.post("/recovery/", data={"login": "ivan"})
    make_user(plain, login="petr", email="petr@example.org", confirmed=False)
    client.post("/registration/resend", data={"login": "petr"})
    new_email = {"email": "ivan.new@example.org", "current_password": PASSWORD}
    logged_in(plain, "ivan").post("/profile/email", data=new_email)
    invited(plain, mailbox, deliver)
    deliver()
    tokens = [link.rstrip("/").rsplit("/", 1)[1] for message in mailbox.messages for link in links_in(message)
              if "/change/" in link or "/confirm/" in link or "/invitation/" in link]  # fmt: skip
    assert len(tokens) == 4
    for token in tokens:
        assert not token.startswith("."), "a compressed payload would hide what it says from this test"
        payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
        assert not any(word in payload.lower() for word in ("ivan", "petr", "olga", "@", "example")), payload
