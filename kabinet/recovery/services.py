"""Password recovery by a control string: one live request per user, used once, expiring after RESET_MAX_AGE_HOURS."""

import enum
from datetime import timedelta

from flask import current_app

from kabinet import audit, codes, tokens
from kabinet.auth.services import end_sessions, find_user
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from kabinet.outbox import queue
from kabinet.urls import external_url

CONTROL_LENGTH = 12


class Outcome(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG = "wrong"


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["RESET_MAX_AGE_HOURS"])


def request_reset(identifier: str) -> None:
    """E-mail a new control string to the user with this login or e-mail; the earlier ones stop working."""
    user = find_user(identifier)
    if user is None:
        return
    control = codes.new_code(CONTROL_LENGTH)
    user.reset_code_hash = codes.digest(control)
    user.reset_requested_at = utcnow()
    token = tokens.dump("reset", {"l": user.login, "c": control})
    queue(
        user.email,
        "recovery/reset",
        user=user,
        control=control,
        change_url=external_url("recovery.change_link", token=token),
        hours=current_app.config["RESET_MAX_AGE_HOURS"],
    )
    db.session.commit()


def read_link(token: str) -> tuple[Outcome, str, str]:
    """Whether a link still works, and the login and control string it carries."""
    try:
        payload = tokens.load("reset", token, max_age=int(max_age().total_seconds()))
    except tokens.Expired:
        return Outcome.EXPIRED, "", ""
    except tokens.Invalid:
        return Outcome.WRONG, "", ""
    if not isinstance(payload, dict):
        return Outcome.WRONG, "", ""
    login, control = str(payload.get("l", "")), str(payload.get("c", ""))
    outcome, _ = check_control(login, control)
    return outcome, login, control


def check_control(login: str, control: str) -> tuple[Outcome, User | None]:
    """Whether this login's latest control string is the one typed, and still fresh."""
    user = find_user(login)
    if user is None or not codes.matches(control, user.reset_code_hash):
        return Outcome.WRONG, None
    if utcnow() - user.reset_requested_at >= max_age():
        return Outcome.EXPIRED, user
    return Outcome.VALID, user


def reset_password(user: User, password: str) -> None:
    """Set the new password, spend the control string, log out everywhere and tell the user."""
    user.set_password(password)
    audit.record(audit.PASSWORD_RESET, user=user)
    user.reset_code_hash = None
    user.reset_requested_at = None
    # Whoever read the control string owns the mailbox: the registration is confirmed too.
    user.confirmed_at = user.confirmed_at or utcnow()
    queue(user.email, "recovery/changed", user=user, login_url=external_url("auth.login"))
    db.session.flush()
    end_sessions(user)
