"""The outbox: e-mail is stored with the change that caused it, then delivered with retries.

queue() only adds a row to the caller's transaction, so a rolled-back request sends nothing and a
committed one never loses its e-mail, whatever the mail server does. deliver_due() sends what is due: in
production `flask --app wsgi worker` runs it (kabinet/worker), and the web processes only queue; with
OUTBOX_COURIER=thread (the trial) each app process runs it in a background thread nudged after each commit.
Without MAIL_SERVER the messages are written as .eml files under instance/outbox/.
"""

import re
import smtplib
import threading
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.language import known, language_of, speaking
from kabinet.models import OutboxMessage
from kabinet.organizations import current_organization
from kabinet.worker import claims
from kabinet.worker.claims import Pace, Report

# A round sends at most a minute's worth, then lets the worker's other jobs run.
MAIL = claims.Queue(
    OutboxMessage,
    "E-mail",
    "MAIL_RATE_PER_SECOND",
    "MAIL_MAX_ATTEMPTS",
    round_seconds=60,
    claim_for=timedelta(minutes=5),
)
SMTP_TIMEOUT = 30  # seconds
POLL_SECONDS = 30
LINK = re.compile(r"https?://\S+")


def compose(
    to: str, template: str, *, user=None, language: str | None = None, unsubscribe_url: str | None = None, **context
) -> OutboxMessage:
    """Render email/<template>.txt (its first line is the subject) and .html into a message, not yet queued.

    The e-mail is in its recipient's language, whoever triggered it: `language` when the caller names one, else that
    of `user` (the recipient, when a known person; the templates get it too), else the installation's default.
    Dates and amounts follow it. The e-mail speaks for `organization` when the caller names one, else for the
    current one (kabinet.organizations): its name is the sender's, and its signature ends the text here and the
    HTML in email/layout.html. A notification names its `unsubscribe_url`: the List-Unsubscribe headers and a footer
    line carry it."""
    company = context.get("organization") or current_organization()
    with speaking(known(language) or language_of(user)):
        text = render(f"email/{template}.txt", company=company, user=user, **context)
        html = render(f"email/{template}.html", company=company, user=user, unsubscribe_url=unsubscribe_url, **context)
        footer = render("email/unsubscribe.txt", link=unsubscribe_url) if unsubscribe_url else ""
    subject, _, body_text = text.partition("\n")
    headers = None
    if unsubscribe_url:  # a notification: one click turns its kind off (RFC 8058), from the headers or the footer
        headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        body_text = f"{body_text.rstrip()}\n\n{footer}"
    if company.email_signature:
        body_text = f"{body_text.rstrip()}\n\n-- \n{company.email_signature}\n"
    return OutboxMessage(
        recipient=to,
        subject=subject.strip(),
        sender_name=company.name,
        body_text=body_text.lstrip("\n"),
        body_html=html,
        headers=headers,
    )


def render(name: str, **context) -> str:
    """An e-mail's (or a chat message's) template, rendered from what it is given and the app's globals and filters
    only.

    Not through the page's context processors: an e-mail says nothing of the request that queued it (the visitor's
    organization, session, CSRF token), and skipping them saves a query per message, which counts when a reminder
    goes to 100,000 tenants."""
    return current_app.jinja_env.get_template(name).render(config=current_app.config, **context)


def queue(to: str, template: str, **context) -> OutboxMessage:
    """Render an e-mail (in its recipient's language: compose) into the outbox of the current transaction."""
    message = compose(to, template, **context)
    db.session.add(message)
    db.session.info["outbox_pending"] = True
    return message


def deliver_due(clock: datetime | None = None, pace: Pace | None = None) -> Report:
    """Send the messages that are due (kabinet.worker.claims.deliver): at most MAIL_RATE_PER_SECOND, a minute's worth
    a round, each failure retried until MAIL_MAX_ATTEMPTS; over one SMTP connection."""
    with _transport() as send:
        return claims.deliver(MAIL, lambda message: _send(send, message), clock, pace)


def _send(send, message: OutboxMessage) -> None:
    """Hand one message to the transport. A server's refusal of this very message for good (_refusal: no such
    mailbox, the message itself rejected) gives it up at once, in the server's words; any other failure (a 4xx reply,
    a full mailbox, a policy refusal that hits every message alike, the server unreachable, our sender or login
    refused) is tried again until MAIL_MAX_ATTEMPTS."""
    try:
        send(_as_email(message))
    except smtplib.SMTPRecipientsRefused as error:
        # A message has one recipient (OutboxMessage.recipient): the reply to it is the reply.
        raise _refusal(*next(iter(error.recipients.values()))) from error
    except smtplib.SMTPDataError as error:
        raise _refusal(error.smtp_code, error.smtp_error) from error
    # Delivered: the codes and links it carried are not kept, only whom it went to and what about.
    message.body_text = message.body_html = ""


# What a refusal is about, by its enhanced status code (RFC 3463), when it is about this recipient or this message
# and not the server's setup: a bad or unknown address (5.1.x), a disabled mailbox (5.2.1), a message too big
# (5.3.4) or whose content is refused (5.6.x). A full mailbox (5.2.2) passes; a policy refusal (5.7.x: relaying denied,
# SPF or DMARC) is the same for every message until an admin mends the server's setup, so it is retried like one.
FOR_GOOD = re.compile(r"5\.(1\.\d+|2\.1|3\.4|6\.\d+)\b")
# Without an enhanced code, the basic codes that name the recipient by definition (RFC 5321): not local, not allowed.
FOR_GOOD_BASIC = {551, 553}
ENHANCED = re.compile(r"\d\.\d{1,3}\.\d{1,3}\b")  # how an enhanced status code opens a reply's text


def _refusal(code: int, reply: bytes | str) -> claims.Refused:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    enhanced = ENHANCED.match(text)
    for_good = FOR_GOOD.fullmatch(enhanced[0]) is not None if enhanced else code in FOR_GOOD_BASIC
    return claims.Refused(f"{code} {text}", final=code >= 500 and for_good)


def retry(message_ids: list[int] | None = None) -> int:
    """Give failed messages (these ids, or all) a fresh set of attempts from now; how many were given one."""
    query = update(OutboxMessage).where(OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    values = {"failed_at": None, "attempts": 0, "next_attempt_at": utcnow(), "claimed_until": None, "claimed_by": None}
    db.session.info["outbox_pending"] = True  # the trial's courier thread is woken by the commit, as for new mail
    return db.session.execute(query.values(**values)).rowcount


def _as_email(message: OutboxMessage) -> EmailMessage:
    # The standard library folds long Cyrillic subjects without losing spaces; Flask-Mail's Message does not.
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    email = EmailMessage()
    email["Subject"] = message.subject
    # A message queued before senders were stored has no name: the installation's organization stands in.
    email["From"] = Address(display_name=message.sender_name or current_organization().name, addr_spec=sender)
    email["To"] = message.recipient
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


class _transport:
    """Context manager yielding send(email): one SMTP connection per batch, or the file outbox."""

    def __enter__(self):
        if current_app.config["MAIL_SERVER"]:
            self._connection = None
            return self._send_smtp
        return _write_file

    def _send_smtp(self, email: EmailMessage) -> None:
        if self._connection is None:
            self._connection = _connect()
        try:
            self._connection.send_message(email)
        except Exception:
            self._close()
            raise

    def _close(self):
        if getattr(self, "_connection", None) is not None:
            try:
                self._connection.quit()
            except Exception:  # noqa: BLE001 -- a connection that broke mid-send may also fail to say goodbye
                pass
            self._connection = None

    def __exit__(self, *exc):
        self._close()


def _connect() -> smtplib.SMTP:
    """An SMTP connection by Flask-Mail's settings, with a timeout: Flask-Mail's own has none, and a server that
    accepts and then stays silent would hold the courier thread for ever."""
    settings = current_app.extensions["mail"]
    smtp = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    connection = smtp(settings.server, settings.port, timeout=SMTP_TIMEOUT)
    if settings.use_tls:
        connection.starttls()
    if settings.username and settings.password:
        connection.login(settings.username, settings.password)
    return connection


def _write_file(email: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")
    (folder / f"{stamp}.eml").write_bytes(bytes(email))
    links = LINK.findall(email.get_body(("plain",)).get_content())
    current_app.logger.info("E-mail to %s «%s» written to %s; links: %s", email["To"], email["Subject"], folder, links)


class Courier:
    """The app server's own delivery thread: woken after each commit that queued mail, and every 30 s."""

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.thread = None
        self.lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def nudge(self):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="kabinet-courier", daemon=True)
                self.thread.start()
        self.wake.set()

    def stop(self):
        """End the thread after its current delivery: an app being shut down must not keep sending from its database."""
        self.stopped.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=SMTP_TIMEOUT + 5)

    def _run(self):
        while not self.stopped.is_set():
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()
            if self.stopped.is_set():
                break
            with self.app.app_context():
                try:
                    deliver_due()
                except Exception:  # noqa: BLE001 -- the thread must outlive a database hiccup
                    self.app.logger.exception("Outbox delivery failed")
                finally:
                    db.session.remove()


def init_app(app):
    """With OUTBOX_COURIER=thread, start the courier with the first request and nudge it after every commit that
    queued mail; with "worker" the app only queues."""
    if app.config["OUTBOX_COURIER"] != "thread":
        return
    courier = app.extensions["kabinet_courier"] = Courier(app)

    @app.before_request
    def _start_courier():
        if courier.thread is None:
            courier.nudge()


@event.listens_for(Session, "after_commit")
def _nudge_after_commit(session):
    if session.info.pop("outbox_pending", False):
        courier = current_app.extensions.get("kabinet_courier") if current_app else None
        # Outside a request (a CLI command) no courier is started: the process ends with the command and would take
        # the thread with it mid-delivery. Such a command leaves its mail to the worker (or, in the trial, sends it
        # itself before it exits: kabinet/staff/team/cli.py).
        if courier and (has_request_context() or courier.running):
            courier.nudge()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop("outbox_pending", None)
