"""Registering a tenant and confirming their e-mail by link or by code."""

import enum
import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from kabinet import codes, tokens
from kabinet.auth.services import find_user
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from kabinet.outbox import queue
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


def email_fingerprint(email: str) -> str:
    """Part of a confirmation link: the link dies when the address it confirms changes."""
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["CONFIRM_MAX_AGE_HOURS"])


def register(*, login, email, password, first_name, last_name, phone, middle_name="", phone_extra="") -> User:
    """Create an inactive user and queue the confirmation e-mail in the same transaction."""
    user = User(
        login=login,
        email=email,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        phone=phone,
        phone_extra=phone_extra,
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


def send_confirmation(user: User) -> None:
    """Issue a new code (the previous one stops working) and queue the e-mail with it and the link."""
    code = codes.new_code(CODE_LENGTH)
    user.confirm_code_hash = codes.digest(code)
    user.confirm_sent_at = utcnow()
    token = tokens.dump("confirm", {"u": user.id, "e": email_fingerprint(user.email)})
    queue(
        user.email,
        "registration/confirm",
        user=user,
        code=code,
        confirm_url=external_url("registration.confirm_link", token=token),
        code_url=external_url("registration.confirm_code", login=user.login),
        hours=current_app.config["CONFIRM_MAX_AGE_HOURS"],
    )


def resend_confirmation(identifier: str) -> None:
    """Send a new confirmation e-mail to an unconfirmed user; silently nothing for anyone else."""
    user = find_user(identifier)
    if user is not None and not user.is_confirmed:
        send_confirmation(user)
        db.session.commit()


def confirm_by_token(token: str) -> Outcome:
    """Confirm the user a link was made for."""
    try:
        payload = tokens.load("confirm", token, max_age=int(max_age().total_seconds()))
    except tokens.Expired:
        return Outcome.EXPIRED
    except tokens.Invalid:
        return Outcome.INVALID
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or email_fingerprint(user.email) != payload.get("e"):
        return Outcome.INVALID
    return _confirm(user)


def confirm_by_code(login: str, code: str) -> Outcome:
    """Confirm the user whose login and latest, unexpired code these are."""
    user = find_user(login)
    if user is None or user.is_confirmed:  # a confirmed user has no code: saying so would confirm the login exists
        return Outcome.INVALID
    fresh = user.confirm_sent_at is not None and utcnow() - user.confirm_sent_at < max_age()
    if not (fresh and codes.matches(code, user.confirm_code_hash)):
        return Outcome.INVALID
    return _confirm(user)


def _confirm(user: User) -> Outcome:
    if user.is_confirmed:
        return Outcome.ALREADY_CONFIRMED
    user.confirmed_at = utcnow()
    user.confirm_code_hash = None
    db.session.commit()
    return Outcome.CONFIRMED
