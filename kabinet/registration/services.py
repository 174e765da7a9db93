"""Registering a tenant and confirming their e-mail by link or by code."""

import enum
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from kabinet import codes, tokens
from kabinet.auth.services import find_user, stand_in, subject
from kabinet.clock import steady, utcnow
from kabinet.extensions import db
from kabinet.limits import check_secret
from kabinet.models import User
from kabinet.outbox import compose, queue
from kabinet.urls import external_url

CODE_LENGTH = 8
REGISTRATION_FIELDS = ("login", "email", "password", "first_name", "middle_name", "last_name", "phone", "phone_extra")


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already"
    EXPIRED = "expired"
    INVALID = "invalid"


class Taken(Exception):
    """Someone registered the same login or e-mail a moment earlier."""


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["CONFIRM_MAX_AGE_HOURS"])


def register(
    *, login, email, password, first_name, last_name, phone, middle_name="", phone_extra="", language=None
) -> User:
    """Create an inactive user and queue the confirmation e-mail in the same transaction; `language` (the page's)
    is kept for their pages and e-mails."""
    user = User(
        login=login,
        email=email,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        phone=phone,
        phone_extra=phone_extra,
        language=language,
    )
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Taken from exc
    send_confirmation(user)
    db.session.commit()
    return user


def send_confirmation(user: User, *, send: bool = True) -> None:
    """Issue a new code (the previous one stops working) and queue the e-mail with it and the link (or only write
    it, for a stand-in)."""
    code = codes.new_code(CODE_LENGTH)
    user.confirm_code_hash = codes.digest(code)
    user.confirm_sent_at = utcnow()
    # The link stands for this code: a resend, or a change of the address (a new stamp), kills it.
    token = tokens.dump_for("confirm", user, user.confirm_code_hash)
    (queue if send else compose)(
        user.email,
        "registration/confirm",
        user=user,
        code=code,
        confirm_url=external_url("registration.confirm_link", token=token),
        code_url=external_url("registration.confirm_code", login=user.login),
        hours=current_app.config["CONFIRM_MAX_AGE_HOURS"],
    )


def resend_confirmation(identifier: str) -> None:
    """Send a new confirmation e-mail to an unconfirmed user; for anyone else the same work is done and nothing sent,
    in the same time, so that the answer does not tell who is registered."""
    with steady():
        user = find_user(identifier)
        waiting = user is not None and not user.is_confirmed
        send_confirmation(user if waiting else stand_in(identifier), send=waiting)
        db.session.commit()


def confirm_by_token(token: str) -> Outcome:
    """Confirm the user a link was made for."""
    try:
        user = tokens.load_user("confirm", token, int(max_age().total_seconds()), lambda u: (u.confirm_code_hash,))
    except tokens.Expired:
        return Outcome.EXPIRED
    except tokens.Invalid:
        return Outcome.INVALID
    return _confirm(user)


def confirm_by_code(login: str, code: str) -> Outcome:
    """Confirm the user whose login and latest, unexpired code these are (through the secret limiter: raises
    TooManyAttempts). A confirmed user has no code: saying so would tell that the login exists."""
    user = find_user(login)

    def matches() -> bool:
        if user is None or user.is_confirmed or user.confirm_sent_at is None:
            return False
        return utcnow() - user.confirm_sent_at < max_age() and codes.matches(code, user.confirm_code_hash)

    confirmed = check_secret("confirm_code", subject(login, user), matches, typed=login)
    return _confirm(user) if confirmed else Outcome.INVALID


def _confirm(user: User) -> Outcome:
    if user.is_confirmed:
        return Outcome.ALREADY_CONFIRMED
    # The code's digest stays: confirm_by_code refuses a confirmed user, and the link says "already confirmed".
    user.confirmed_at = utcnow()
    db.session.commit()
    return Outcome.CONFIRMED
