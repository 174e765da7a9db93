"""E-mail that is never lost: stored with the change, delivered by a real SMTP server, retried when it is down."""

import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import OutboxMessage, User
from kabinet.outbox import deliver_due, queue
from kabinet.worker.claims import backoff
from tests.conftest import free_port, shows, text_of
from tests.test_registration import FORM, register


def outbox(app):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def test_a_long_russian_subject_arrives_with_its_spaces(make_app, mailbox):
    app = make_app(COMPANY_NAME="Товарищество собственников жилья «Зелёная роща на Ангаре»")
    register(app.test_client())
    with app.app_context():
        deliver_due()
    subject = mailbox.last("Ivan.Petrov@example.org")["Subject"]
    assert (
        subject
        == "Товарищество собственников жилья «Зелёная роща на Ангаре»: Подтверждение регистрации нового пользователя"
    )


def test_nothing_is_lost_while_the_mail_server_is_down(make_app, mailbox, smtp_server):
    down = free_port()  # nobody listens here
    app = make_app(MAIL_PORT=down)
    client = app.test_client()
    response = register(client)
    assert response.status_code == 302  # the tenant's request does not fail
    assert shows(client.get(response.location), messages.REGISTERED)

    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.retried) == (0, 1)
    [pending] = outbox(app)
    assert pending.sent_at is None and pending.attempts == 1 and "Connection" in pending.last_error
    assert pending.next_attempt_at > utcnow()

    with app.app_context():
        assert deliver_due().sent == 0  # not due yet: backoff

    app.config["MAIL_PORT"] = smtp_server[1]  # the server is back
    with app.app_context():
        app.extensions["mail"].port = smtp_server[1]
        assert deliver_due(clock=utcnow() + backoff(1)).sent == 1
    assert mailbox.last("Ivan.Petrov@example.org")["Subject"].endswith("Подтверждение регистрации нового пользователя")
    assert outbox(app)[0].sent_at is not None


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_delivery_gives_up_after_the_last_attempt(make_app):
    app = make_app(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    register(app.test_client())
    with app.app_context():
        assert deliver_due().retried == 1
        assert deliver_due(clock=utcnow() + timedelta(hours=2)).failed == 1
        assert deliver_due(clock=utcnow() + timedelta(days=2)).sent == 0
    assert outbox(app)[0].failed_at is not None


def test_a_mailbox_refused_for_good_is_given_up_at_once_any_other_refusal_is_retried(app, mailbox):
    # The server's reply to RCPT TO. Only "no such mailbox" will not change; a busy or full mailbox will, and a policy
    # refusal (relaying denied: our login or setup) hits every message alike until an admin mends it.
    refusals = {
        "gone@example.org": "550 5.1.1 No such mailbox",
        "busy@example.org": "451 4.2.1 Mailbox busy, try later",
        "full@example.org": "552 5.2.2 Mailbox over quota",
        "relay@example.org": "554 5.7.1 Relay access denied",
    }
    for address, reply in refusals.items():
        mailbox.refuse(address, reply)
    with app.app_context():
        for address in [*refusals, "here@example.org"]:
            queue(address, "recovery/changed", user=User(first_name="Иван", login="ivan"), login_url="x")
        db.session.commit()
        report = deliver_due()
    assert (report.sent, report.retried, report.failed) == (1, 3, 1)
    rows = {row.recipient: row for row in outbox(app)}
    assert [address for address, row in rows.items() if row.failed_at is not None] == ["gone@example.org"]
    assert {address: row.last_error for address, row in rows.items() if address in refusals} == refusals
    assert all(rows[address].next_attempt_at > utcnow() for address in refusals if address != "gone@example.org")
    assert rows["here@example.org"].sent_at is not None and len(mailbox.to("here@example.org")) == 1

    mailbox.refusals.clear()  # room in the mailboxes again, relaying allowed
    with app.app_context():
        assert deliver_due(clock=utcnow() + backoff(1)).sent == 3  # the one given up stays given up
    assert mailbox.to("gone@example.org") == [] and len(mailbox.to("relay@example.org")) == 1


@pytest.mark.parametrize(
    ("code", "reply", "for_good"),
    [
        (550, b"5.1.1 <x@example.org>: Recipient address rejected: User unknown", True),
        (550, b"5.2.1 Mailbox disabled", True),
        (552, b"5.3.4 Message size exceeds fixed limit", True),  # to the message (DATA): too big for any retry
        (554, b"5.6.0 Message content rejected", True),
        (552, b"5.2.2 The email account that you tried to reach is over quota", False),
        (550, b"5.7.26 Unauthenticated email is not accepted (DMARC)", False),
        (503, b"5.5.1 Bad sequence of commands", False),
        (550, b"Requested action not taken: mailbox unavailable", False),  # no enhanced code: which, it does not say
        (553, b"Requested action not taken: mailbox name not allowed", True),
        (421, b"4.4.2 Service shutting down", False),
    ],
)
def test_only_a_refusal_of_this_mailbox_or_message_gives_it_up(code, reply, for_good):
    from kabinet.outbox import _refusal

    refusal = _refusal(code, reply)
    assert refusal.final is for_good and str(refusal) == f"{code} {reply.decode()}"


def test_mail_of_a_rolled_back_change_is_never_sent(app):
    with app.app_context():
        queue("someone@example.org", "recovery/changed", user=User(first_name="Иван", login="ivan"), login_url="x")
        db.session.rollback()
    assert outbox(app) == []


def test_a_message_is_sent_once_even_if_delivery_runs_twice(app, mailbox):
    register(app.test_client())
    with app.app_context():
        assert deliver_due().sent == 1
        assert deliver_due().sent == 0
    assert len(mailbox.to("Ivan.Petrov@example.org")) == 1


def test_the_app_server_delivers_within_seconds_by_itself(make_app, mailbox):
    app = make_app(OUTBOX_COURIER="thread")
    try:
        register(app.test_client())
        deadline = time.monotonic() + 10
        while not mailbox.to("Ivan.Petrov@example.org") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mailbox.to("Ivan.Petrov@example.org"), "the courier thread did not deliver within 10 s"
    finally:
        app.extensions["kabinet_courier"].stop()  # or it would deliver the next tests' e-mails


def test_without_a_mail_server_messages_go_to_files_and_links_to_the_log(make_app, caplog):
    app = make_app(MAIL_SERVER=None)
    register(app.test_client())
    with app.app_context(), caplog.at_level("INFO", logger=app.logger.name):
        assert deliver_due().sent == 1
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert files
    message = message_from_bytes(files[-1].read_bytes(), policy=policy.default)
    assert message["To"] == FORM["email"].replace("Example.ORG", "example.org")
    assert "http://localhost/registration/confirm/" in caplog.text


def test_cron_command_sends_what_is_due(app, mailbox):
    register(app.test_client())
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert "Отправлено: 1," in result.output
    assert "Ваш код для подтверждения регистрации" in text_of(mailbox.last("Ivan.Petrov@example.org"))


@pytest.mark.parametrize("part", ["plain", "html"])
def test_every_email_has_a_text_and_an_html_part(app, mailbox, part):
    register(app.test_client())
    with app.app_context():
        deliver_due()
    body = mailbox.last("Ivan.Petrov@example.org").get_body((part,))
    assert body is not None and "Иван" in body.get_content()


def test_a_delivered_message_keeps_no_codes_or_links(app, mailbox):
    register(app.test_client())
    with app.app_context():
        deliver_due()
    [sent] = outbox(app)
    assert sent.sent_at is not None and sent.recipient == "Ivan.Petrov@example.org"
    assert sent.body_text == "" and sent.body_html == ""


def test_every_email_is_dated(app, mailbox):
    register(app.test_client())
    with app.app_context():
        deliver_due()
    assert mailbox.last("Ivan.Petrov@example.org")["Date"] is not None
