"""The team: the first admin from the command line, invitations, roles, blocking, the second factor, executors."""

import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.auth import services as auth_services
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Executor, Organization, RecoveryCode, User
from kabinet.staff.team import services
from tests.conftest import PASSWORD, audited, continue_from, free_port, links_in, make_user, page, shows
from tests.factories import make_staff, other_organization
from tests.test_worker import production_env

ROOT = Path(__file__).resolve().parents[1]
STAFF_PASSWORD = "Tikhaya-Reka-Osen-77"
SHORT_BUT_STRONG = "Kq7#vLp2!xZ"  # 11 characters: enough for a tenant, not for staff


def log_in(client, login, password=PASSWORD):
    return client.post("/auth/login", data={"login": login, "password": password})


def get_user(app, login):
    with app.app_context():
        return db.session.scalar(select(User).where(User.login == login))


@pytest.fixture
def admin(app, client):
    user_id = make_staff(app, "admin", login="director")
    log_in(client, "director")
    return user_id


def invitation_link(mailbox, deliver, address):
    deliver()
    message = mailbox.last(address)
    links = [link for link in links_in(message) if "/staff/team/invitation/" in link]
    assert links, "the invitation carries its link"
    return message, links[0].replace("http://127.0.0.1:5000", "")


# --- the first admin, from the command line ----------------------------------------------------------------------


def test_cli_creates_the_first_admin_who_sets_a_password_from_the_link(app, client, mailbox, deliver):
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "--email", "boss@example.org", "--role", "admin", "--first-name", "Анна"]
    )
    assert result.exit_code == 0, result.output
    printed = re.search(r"http://\S+", result.output).group(0)
    message, link = invitation_link(mailbox, deliver, "boss@example.org")
    assert printed.endswith(link)
    assert "Администратор" in message.get_body(("plain",)).get_content()
    boss = get_user(app, "boss")
    assert boss.role == "admin" and boss.is_confirmed and not boss.check_password("")

    assert continue_from(client, link).location == "/staff/team/invitation"
    assert "Задайте пароль" in page(client.get("/staff/team/invitation"))
    chosen = {"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD}
    response = client.post("/staff/team/invitation", data=chosen)
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    response = log_in(client, "boss", STAFF_PASSWORD)
    assert response.location.endswith("/staff/")
    assert audited(app, "team.invite")[0].actor == "cli"


def test_cli_refuses_a_taken_email_and_an_unknown_organization(app):
    make_user(app)
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["staff", "create", "--email", "ivan@example.org", "--role", "admin"])
    assert taken.exit_code == 1 and "уже есть" in taken.output
    unknown = runner.invoke(args=["staff", "create", "--email", "x@example.org", "--role", "admin", "--org", "999"])
    assert unknown.exit_code == 1


def test_the_cli_in_its_own_process_queues_the_invitation_for_the_worker(make_app, mailbox, smtp_server, tmp_path):
    """As the README runs it, on a production server's console: the command queues and exits without sending (a
    process that ends mid-send would hold the e-mail back); the worker delivers it on its next round."""
    app = make_app()  # the schema, and the tables emptied afterwards
    env = production_env(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server[1], tmp_path)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "staff", "create", "--email", "boss@example.org",
               "--role", "admin"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Приглашение на boss@example.org поставлено в очередь" in done.stdout, (done.stdout, done.stderr)
    assert "flask --app wsgi worker" in done.stdout
    assert mailbox.to("boss@example.org") == []  # nothing sent by the command

    worker = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"]
    assert subprocess.run(worker, cwd=ROOT, env=env, capture_output=True, timeout=60).returncode == 0
    message = mailbox.last("boss@example.org")
    assert any("/staff/team/invitation/" in link for link in links_in(message))


def test_the_cli_starts_no_courier_thread_that_would_die_with_it(make_app, mailbox):
    app = make_app(OUTBOX_COURIER="thread")
    result = app.test_cli_runner().invoke(args=["staff", "create", "--email", "boss@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert not app.extensions["kabinet_courier"].running
    assert len(mailbox.to("boss@example.org")) == 1  # sent by the command itself, once


def test_the_trial_cli_says_when_the_mail_server_refused_the_invitation(make_app, mailbox):
    app = make_app(MAIL_PORT=free_port(), OUTBOX_COURIER="thread")  # nothing listens there; no worker in the trial
    result = app.test_cli_runner().invoke(args=["staff", "create", "--email", "boss@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "пока не отправлено" in result.output and "mail send" in result.output
    assert "/staff/team/invitation/" in result.output  # the printed link still lets the admin in
    assert mailbox.to("boss@example.org") == []


# --- invitations -------------------------------------------------------------------------------------------------


def test_an_invitation_sets_a_staff_length_password_once(app, client, admin, mailbox, deliver):
    response = client.post(
        "/staff/team/invite",
        data={"email": "olga@example.org", "first_name": "Ольга", "last_name": "Диспетчерова", "role": "dispatcher"},
    )
    assert response.status_code == 302
    assert shows(client.get("/staff/team/"), "olga@example.org")
    _, link = invitation_link(mailbox, deliver, "olga@example.org")
    assert audited(app, "team.invite")[0].details.startswith("olga")

    olga = app.test_client()
    assert continue_from(olga, link).location == "/staff/team/invitation"
    form = "/staff/team/invitation"
    short = olga.post(form, data={"password": SHORT_BUT_STRONG, "password_confirm": SHORT_BUT_STRONG})
    assert short.status_code == 200 and "мин. длина: 12" in page(short)
    done = olga.post(form, data={"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD})
    assert done.status_code == 302
    assert shows(olga.get("/auth/login"), messages.INVITATION_ACCEPTED.text % {"login": "olga"})

    for again in (olga.get(link), olga.get(form), app.test_client().get(link)):
        assert again.location.endswith("/auth/login")
    assert shows(olga.get("/auth/login"), messages.INVITATION_INVALID)
    assert log_in(olga, "olga", STAFF_PASSWORD).location.endswith("/staff/")
    assert get_user(app, "olga").role == "dispatcher"


def test_an_expired_or_forged_invitation_is_refused(app, client, admin, mailbox, deliver, monkeypatch):
    client.post(
        "/staff/team/invite",
        data={"email": "late@example.org", "first_name": "Пётр", "last_name": "Поздний", "role": "accountant"},
    )
    _, link = invitation_link(mailbox, deliver, "late@example.org")
    client.post("/auth/logout")
    monkeypatch.setattr(services, "INVITATION_MAX_AGE", timedelta(seconds=-1))
    client.get(link)
    assert shows(client.get("/auth/login"), messages.INVITATION_EXPIRED)
    client.get(link[:-3] + "xyz")
    assert shows(client.get("/auth/login"), messages.INVITATION_INVALID)


def invite_olga(client, mailbox, deliver) -> tuple[int, str]:
    """The admin invites Ольга as a dispatcher: her id and the link of the e-mail."""
    data = {"email": "olga@example.org", "first_name": "Ольга", "last_name": "Диспетчерова", "role": "dispatcher"}
    client.post("/staff/team/invite", data=data)
    _, link = invitation_link(mailbox, deliver, "olga@example.org")
    return get_user(client.application, "olga").id, link


def state_of(client, login) -> str:
    """The team page's row of a staff user, as text."""
    row = re.search(rf'data-test="staff-{login}">(.*?)</tr>', page(client.get("/staff/team/")), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", row[1]).split()) if row else ""


def test_the_team_page_shows_who_has_not_accepted_the_invitation(app, client, admin, mailbox, deliver):
    _, link = invite_olga(client, mailbox, deliver)
    state = state_of(client, "olga")
    assert "приглашён, ещё не принял приглашение" in state and "Письмо отправлено" in state
    assert "Отправить ещё раз" in state and "Отозвать" in state and "Заблокировать" not in state
    assert "приглашён" not in state_of(client, "director")

    olga = app.test_client()
    continue_from(olga, link)
    olga.post("/staff/team/invitation", data={"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD})
    state = state_of(client, "olga")
    assert "приглашён" not in state and "Отозвать" not in state and "Заблокировать" in state


def test_an_invitation_older_than_its_link_says_so(app, client, admin, mailbox, deliver, monkeypatch):
    invite_olga(client, mailbox, deliver)
    assert "Ссылка истекла" not in state_of(client, "olga")
    monkeypatch.setattr(services, "INVITATION_MAX_AGE", timedelta(seconds=-1))
    assert "Ссылка истекла" in state_of(client, "olga")


def test_resending_an_invitation_sends_a_new_link_and_kills_the_old_one(app, client, admin, mailbox, deliver):
    olga_id, old_link = invite_olga(client, mailbox, deliver)

    response = client.post(f"/staff/team/{olga_id}/resend", follow_redirects=True)

    assert shows(response, messages.TEAM_INVITATION_RESENT.text % {"email": "olga@example.org"})
    _, new_link = invitation_link(mailbox, deliver, "olga@example.org")
    assert new_link != old_link and len(mailbox.to("olga@example.org")) == 2
    olga = app.test_client()
    assert olga.get(old_link).location.endswith("/auth/login")
    assert shows(olga.get("/auth/login"), messages.INVITATION_INVALID)
    continue_from(olga, new_link)
    olga.post("/staff/team/invitation", data={"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD})
    assert log_in(olga, "olga", STAFF_PASSWORD).location.endswith("/staff/")
    assert [event.details for event in audited(app, "team.resend")] == ["olga <olga@example.org>"]


def test_revoking_an_invitation_kills_its_link_and_nobody_logs_in_by_it(app, client, admin, mailbox, deliver):
    olga_id, link = invite_olga(client, mailbox, deliver)
    olga = app.test_client()
    continue_from(olga, link)  # she opened the form already, and sets her password after the revocation

    response = client.post(f"/staff/team/{olga_id}/revoke", follow_redirects=True)

    assert shows(response, messages.TEAM_INVITATION_REVOKED.text % {"email": "olga@example.org"})
    assert state_of(client, "olga") == ""  # no longer on the team page
    chosen = {"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD}
    assert olga.post("/staff/team/invitation", data=chosen).location.endswith("/auth/login")
    assert shows(olga.get("/auth/login"), messages.INVITATION_INVALID)
    assert app.test_client().get(link).location.endswith("/auth/login")
    assert shows(log_in(olga, "olga", STAFF_PASSWORD), messages.LOGIN_FAILED)
    assert get_user(app, "olga") is None
    assert [event.details for event in audited(app, "team.revoke")] == ["olga <olga@example.org>: dispatcher"]
    again = client.post("/staff/team/invite", data={"email": "olga@example.org", "first_name": "Ольга",
                                                    "last_name": "Диспетчерова", "role": "accountant"})  # fmt: skip
    assert again.status_code == 302  # the address is free for a corrected invitation


def test_an_accepted_invitation_is_neither_resent_nor_revoked(app, client, admin, mailbox, deliver):
    olga_id, link = invite_olga(client, mailbox, deliver)
    continue_from(app.test_client(), link)  # spends the link: a recovery sets her password instead
    from kabinet.recovery import services as recovery

    with app.test_request_context():
        olga = db.session.get(User, olga_id)
        recovery.reset_password(olga, STAFF_PASSWORD)
        db.session.commit()

    for action in ("resend", "revoke"):
        response = client.post(f"/staff/team/{olga_id}/{action}", follow_redirects=True)
        assert shows(response, messages.TEAM_INVITATION_ACCEPTED), action
    assert "приглашён" not in state_of(client, "olga")
    assert log_in(app.test_client(), "olga", STAFF_PASSWORD).location.endswith("/staff/")
    assert audited(app, "team.resend") == audited(app, "team.revoke") == []


def test_another_organizations_invitation_is_404(app, client, admin):
    other = other_organization(app)
    theirs = make_user(app, login="theirs", email="theirs@example.org", role="dispatcher", organization_id=other,
                       invited_at=utcnow())  # fmt: skip
    for action in ("resend", "revoke"):
        assert client.post(f"/staff/team/{theirs}/{action}").status_code == 404
    assert get_user(app, "theirs") is not None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-address", "Введите адрес электронной почты"),
        ("email", "director@staff.example.org", "уже зарегистрирован"),
        ("first_name", "", "Заполните это поле."),
        ("login", "director", "Этот логин уже занят."),
        ("login", "кириллица", "только латинские буквы"),
    ],
)
def test_a_bad_invitation_is_shown_beside_its_field(client, admin, field, value, error):
    data = {"email": "new@example.org", "first_name": "Вера", "last_name": "Новая", "role": "accountant"}
    data[field] = value
    response = client.post("/staff/team/invite", data=data)
    assert response.status_code == 200 and error in page(response)
    assert 'value="Вера"' in page(response) or field == "first_name"


# --- roles and blocking ------------------------------------------------------------------------------------------


def test_the_admin_changes_a_role(app, client, admin):
    clerk = make_staff(app, "dispatcher", login="clerk")
    response = client.post(f"/staff/team/{clerk}/role", data={"role": "accountant"}, follow_redirects=True)
    assert shows(response, messages.TEAM_ROLE_CHANGED)
    assert get_user(app, "clerk").role == "accountant"
    assert audited(app, "team.role")[0].details == "clerk: dispatcher -> accountant"


def test_blocking_ends_the_sessions_and_refuses_the_login(app, client, admin):
    clerk = make_staff(app, "dispatcher", login="clerk")
    theirs = app.test_client()
    log_in(theirs, "clerk")
    assert theirs.get("/staff/team/2fa").status_code == 200

    response = client.post(f"/staff/team/{clerk}/block", follow_redirects=True)
    assert shows(response, messages.TEAM_BLOCKED)
    assert theirs.get("/staff/team/2fa").location.startswith("/auth/login")
    assert shows(log_in(theirs, "clerk"), messages.ACCOUNT_BLOCKED)

    client.post(f"/staff/team/{clerk}/unblock")
    assert log_in(theirs, "clerk").location.endswith("/staff/")
    assert len(audited(app, "team.block")) == len(audited(app, "team.unblock")) == 1


def test_an_admin_cannot_block_or_demote_themselves_nor_the_last_admin(app, client, admin):
    response = client.post(f"/staff/team/{admin}/role", data={"role": "dispatcher"}, follow_redirects=True)
    assert shows(response, messages.TEAM_LAST_ADMIN)
    make_staff(app, "admin", login="deputy")
    response = client.post(f"/staff/team/{admin}/role", data={"role": "dispatcher"}, follow_redirects=True)
    assert shows(response, messages.TEAM_NOT_YOURSELF)
    response = client.post(f"/staff/team/{admin}/block", follow_redirects=True)
    assert shows(response, messages.TEAM_NOT_YOURSELF)
    director = get_user(app, "director")
    assert director.role == "admin" and director.blocked_at is None


# --- the second factor -------------------------------------------------------------------------------------------


def turn_on_second_factor(client) -> tuple[str, list[str]]:
    setup = page(client.get("/staff/team/2fa"))
    assert 'src="data:image/svg+xml' in setup
    secret = re.search(r'data-test="totp-secret">([A-Z2-7]+)<', setup).group(1)
    wrong = client.post("/staff/team/2fa", data={"code": "000000"})
    assert shows(wrong, messages.TOTP_CODE_WRONG)
    done = page(client.post("/staff/team/2fa", data={"code": pyotp.TOTP(secret).now()}))
    recovery = re.findall(r"<li>([A-Z2-9]{5}-[A-Z2-9]{5})</li>", done)
    assert len(recovery) == 10
    return secret, recovery


def next_code(secret: str) -> str:
    """The code of the next time step: accepted now (a phone's clock may run ahead), and never used before."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=1)


def test_a_staff_user_logs_in_with_a_second_factor(app, client):
    make_staff(app, "dispatcher", login="clerk")
    log_in(client, "clerk")
    secret, recovery = turn_on_second_factor(client)
    assert 'data-test="totp-on"' in page(client.get("/staff/team/2fa"))
    client.post("/auth/logout")

    response = log_in(client, "clerk")
    assert response.location.endswith("/auth/second-factor")
    assert client.get("/staff/team/2fa").location.startswith("/auth/login")  # not logged in before the code
    wrong = client.post("/auth/second-factor", data={"code": "123456"})
    assert shows(wrong, messages.TOTP_CODE_WRONG)
    assert len(audited(app, "login_second_factor_failed")) == 1
    code = next_code(secret)  # the code that turned it on was this step's: each code works once
    response = client.post("/auth/second-factor", data={"code": code})
    assert response.location.endswith("/staff/")
    assert client.get("/staff/team/2fa").status_code == 200

    client.post("/auth/logout")
    log_in(client, "clerk")
    assert shows(client.post("/auth/second-factor", data={"code": code}), messages.TOTP_CODE_WRONG)  # replayed

    client.post("/auth/logout")
    log_in(client, "clerk")
    assert client.post("/auth/second-factor", data={"code": recovery[0].lower()}).location.endswith("/staff/")
    client.post("/auth/logout")
    log_in(client, "clerk")
    assert shows(client.post("/auth/second-factor", data={"code": recovery[0]}), messages.TOTP_CODE_WRONG)
    assert [event.action for event in audited(app, "totp.enabled")] == ["totp.enabled"]


def test_the_second_step_expires(app, client, monkeypatch):
    make_staff(app, "accountant", login="books")
    log_in(client, "books")
    turn_on_second_factor(client)
    client.post("/auth/logout")
    log_in(client, "books")
    monkeypatch.setattr(auth_services, "SECOND_FACTOR_WINDOW", timedelta(seconds=-1))
    response = client.post("/auth/second-factor", data={"code": "123456"})
    assert response.location.endswith("/auth/login")
    assert shows(client.get("/auth/login"), messages.SECOND_FACTOR_EXPIRED)


def test_the_second_factor_is_turned_off_with_a_current_code(app, client):
    make_staff(app, "dispatcher", login="clerk")
    log_in(client, "clerk")
    secret, _ = turn_on_second_factor(client)
    assert shows(client.post("/staff/team/2fa/off", data={"code": "000000"}), messages.TOTP_CODE_WRONG)
    response = client.post("/staff/team/2fa/off", data={"code": next_code(secret)}, follow_redirects=True)
    assert shows(response, messages.TOTP_DISABLED)
    client.post("/auth/logout")
    assert log_in(client, "clerk").location.endswith("/staff/")
    assert len(audited(app, "totp.disabled")) == 1


def test_the_admin_resets_a_lost_second_factor(app, client):
    """Phone and recovery codes lost: the admin turns the factor off, and the clerk logs in with the password alone."""
    clerk = make_staff(app, "dispatcher", login="clerk")
    make_staff(app, "admin", login="director")
    log_in(client, "clerk")
    turn_on_second_factor(client)
    client.post("/auth/logout")

    director = app.test_client()
    log_in(director, "director")
    assert "Сбросить" in page(director.get("/staff/team/"))
    response = director.post(f"/staff/team/{clerk}/reset-2fa", follow_redirects=True)
    assert shows(response, messages.TEAM_TOTP_RESET.text % {"login": "clerk"})
    assert [event.target for event in audited(app, "totp.reset")] == [f"users:{clerk}"]
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).all() == []
    assert log_in(client, "clerk").location.endswith("/staff/")


def test_a_required_second_factor_sends_staff_to_its_setup(app, client, admin):
    client.post("/staff/team/second-factor-rule", data={"required": "y"})
    assert len(audited(app, "team.require_2fa")) == 1
    make_staff(app, "dispatcher", login="clerk")
    theirs = app.test_client()
    log_in(theirs, "clerk")
    for path in ("/staff/", "/staff/dispatch/", "/staff/content/book"):
        response = theirs.get(path)
        assert response.status_code == 302 and response.location.endswith("/staff/team/2fa"), path
    assert shows(theirs.get("/staff/team/2fa"), messages.SECOND_FACTOR_REQUIRED)
    secret, _ = turn_on_second_factor(theirs)
    assert theirs.get("/staff/dispatch/").status_code == 200
    response = theirs.post("/staff/team/2fa/off", data={"code": pyotp.TOTP(secret).now()}, follow_redirects=True)
    assert shows(response, messages.TOTP_STILL_REQUIRED)


@pytest.mark.parametrize("role", ["admin", "dispatcher", "accountant"])
def test_every_staff_user_reaches_their_own_second_factor_from_their_menu(app, client, role):
    make_staff(app, role)
    log_in(client, role)
    menu = re.search(r'data-test="staff-menu">(.*?)</nav>', page(client.get("/staff/")), re.S)[1]
    link = re.search(r'<a class="nav-link[^"]*" href="([^"]+)"\s*>Моя двухфакторная аутентификация</a>', menu)
    assert link and link[1] == "/staff/team/2fa"
    setup = page(client.get(link[1]))
    assert 'data-test="totp-secret"' in setup
    marked = re.findall(r'aria-current="page">([^<]+)</a>', setup)
    assert marked == ["Моя двухфакторная аутентификация"]  # and not «Сотрудники» for the admin


def test_staff_passwords_need_the_staff_minimum_in_the_profile(app, client):
    make_staff(app, "dispatcher", login="clerk")
    log_in(client, "clerk")
    data = {"current_password": PASSWORD, "password": SHORT_BUT_STRONG, "password_confirm": SHORT_BUT_STRONG}
    response = client.post("/profile/password", data=data)
    assert "мин. длина: 12" in page(response)
    assert get_user(app, "clerk").check_password(PASSWORD)


# --- executors ---------------------------------------------------------------------------------------------------


def test_the_admin_keeps_the_executors_list(app, client, admin):
    response = client.post("/staff/team/executors", data={"name": "Сантехник <Иванов>"}, follow_redirects=True)
    assert shows(response, messages.EXECUTOR_ADDED) and "Сантехник &lt;Иванов&gt;" in page(response)
    with app.app_context():
        executor_id = db.session.scalar(select(Executor.id))
    assert "Укажите имя" in page(client.post("/staff/team/executors", data={"name": "  "}))

    client.post(f"/staff/team/executors/{executor_id}", data={"name": "Сантехник Петров"})
    client.post(f"/staff/team/executors/{executor_id}/active")
    with app.app_context():
        executor = db.session.get(Executor, executor_id)
        assert (executor.name, executor.is_active) == ("Сантехник Петров", False)
    assert "скрыт" in page(client.get("/staff/team/executors"))
    client.post(f"/staff/team/executors/{executor_id}/active")
    assert [e.action for e in audited(app, "executor.activate")] == ["executor.activate"]
    assert len(audited(app, "executor.rename")) == len(audited(app, "executor.deactivate")) == 1


# --- who may open what -------------------------------------------------------------------------------------------

ADMIN_PAGES = [("get", "/staff/team/"), ("get", "/staff/team/executors"), ("post", "/staff/team/invite"),
               ("post", "/staff/team/second-factor-rule")]  # fmt: skip


@pytest.mark.parametrize("role", ["dispatcher", "accountant"])
def test_other_roles_get_403_on_the_admin_pages(app, client, role):
    make_staff(app, role)
    log_in(client, role)
    for method, path in ADMIN_PAGES:
        assert getattr(client, method)(path).status_code == 403, path
    assert client.get("/staff/team/2fa").status_code == 200  # every staff user turns on their own second factor


def test_tenants_get_404_and_visitors_the_login(app, client, user):
    for method, path in [*ADMIN_PAGES, ("get", "/staff/team/2fa")]:
        assert getattr(client, method)(path).location.startswith("/auth/login"), path
    log_in(client, "ivan")
    for method, path in [*ADMIN_PAGES, ("get", "/staff/team/2fa")]:
        assert getattr(client, method)(path).status_code == 404, path


def test_another_organizations_staff_and_executors_are_404(app, client, admin):
    organization_id = other_organization(app)
    stranger = make_user(app, login="stranger", email="s@klen.example.org", role="admin",
                         organization_id=organization_id)  # fmt: skip
    with app.app_context():
        theirs = Executor(organization_id=organization_id, name="Чужой")
        db.session.add(theirs)
        db.session.commit()
        executor_id = theirs.id
        assert db.session.get(Organization, organization_id).name == "ТСЖ «Клён»"
    for path in (f"/staff/team/{stranger}/role", f"/staff/team/{stranger}/block", f"/staff/team/{stranger}/unblock",
                 f"/staff/team/executors/{executor_id}", f"/staff/team/executors/{executor_id}/active"):  # fmt: skip
        assert client.post(path, data={"role": "dispatcher", "name": "x"}).status_code == 404, path
    assert client.get(f"/staff/team/executors/{executor_id}").status_code == 404
    assert "stranger" not in page(client.get("/staff/team/"))
    assert "Чужой" not in page(client.get("/staff/team/executors"))
