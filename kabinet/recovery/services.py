"""Password recovery by a control string: one live request per user, used once, expiring after RESET_MAX_AGE_HOURS.

The e-mail carries the control string and a one-time link (kabinet.tokens): continuing from the link's page spends
it and lets this browser set the password without typing the string. The control string itself is only ever typed
or posted, never put in a URL.
"""

import enum
from datetime import timedelta

from flask import current_app

from kabinet import audit, codes, tokens
from kabinet.auth.services import end_sessions, find_user, stand_in, subject
from kabinet.clock import steady, utcnow
from kabinet.extensions import db
from kabinet.limits import check_secret
from kabinet.models import User
from kabinet.outbox import compose, queue
from kabinet.urls import external_url

CONTROL_LENGTH = 12


class Outcome(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG = "wrong"


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["RESET_MAX_AGE_HOURS"])


def request_reset(identifier: str) -> None:
    """E-mail a new control string to the user with this login or e-mail; the earlier ones stop working.

    An unknown login gets the same work done (a control string made, the e-mail written and thrown away, the request
    noted in the audit log), and both answers take at least kabinet.clock.STEADY_ANSWER: what the database writes
    for a real user alone would otherwise still show in the timing."""
    with steady():
        user = find_user(identifier)
        recipient = user or stand_in(identifier)
        control = codes.new_code(CONTROL_LENGTH)
        recipient.reset_code_hash = codes.digest(control)
        recipient.reset_requested_at = utcnow()
        token = tokens.dump_for("reset", recipient, *_link_secret(recipient))
        (queue if user is not None else compose)(
            recipient.email,
            "recovery/reset",
            user=recipient,
            control=control,
            change_url=external_url("recovery.change_link", token=token),
            hours=current_app.config["RESET_MAX_AGE_HOURS"],
        )
        audit.record(audit.PASSWORD_RESET_REQUESTED, user=user, actor=identifier, details="" if user else "unknown")
        db.session.commit()


def _fresh(user: User) -> bool:
    return user.reset_requested_at is not None and utcnow() - user.reset_requested_at < max_age()


def _link_secret(user: User) -> tuple:
    return user.reset_code_hash, user.link_nonce


def read_link(token: str) -> tuple[Outcome, User | None]:
    """Whether the e-mailed link is the user's latest, still fresh and not used yet (nothing is spent)."""
    try:
        user = tokens.load_user("reset", token, int(max_age().total_seconds()), _link_secret)
    except tokens.Expired:
        return Outcome.EXPIRED, None
    except tokens.Invalid:
        return Outcome.WRONG, None
    if not user.reset_code_hash:
        return Outcome.WRONG, None
    return (Outcome.VALID if _fresh(user) else Outcome.EXPIRED), user


def open_link(token: str) -> Outcome:
    """Continue from the link: spend it, and let this browser's session stand for the control string."""
    outcome, user = read_link(token)
    if outcome is Outcome.VALID:
        tokens.spend_link("reset", user, user.reset_code_hash)
    return outcome


def granted() -> User | None:
    """The user whose live link this browser continued from, while their request still stands."""
    user = tokens.granted("reset", lambda u: (u.reset_code_hash,))
    return user if user is not None and _fresh(user) else None


def check_control(login: str, control: str) -> tuple[Outcome, User | None]:
    """Whether this login's latest control string is the one typed, and still fresh (through the secret limiter:
    raises TooManyAttempts)."""
    user = find_user(login)
    stored = user.reset_code_hash if user else None
    if not check_secret("control", subject(login, user), lambda: codes.matches(control, stored), typed=login):
        return Outcome.WRONG, None
    return (Outcome.VALID if _fresh(user) else Outcome.EXPIRED), user


def reset_password(user: User, password: str) -> None:
    """Set the new password (which spends the control string and the link), log out everywhere, tell the user."""
    user.set_password(password)
    audit.record(audit.PASSWORD_RESET, user=user)
    # Whoever read the control string owns the mailbox: the registration is confirmed too.
    user.confirmed_at = user.confirmed_at or utcnow()
    queue(user.email, "recovery/changed", user=user, login_url=external_url("auth.login"))
    db.session.flush()
    end_sessions(user)
    tokens.drop_grant("reset")
