"""What a tenant changes about themselves: name and phones, password, e-mail."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kabinet import audit, tokens
from kabinet.auth.services import end_sessions
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from kabinet.outbox import queue
from kabinet.urls import external_url

DETAIL_FIELDS = ("first_name", "middle_name", "last_name", "phone", "phone_extra")


def update_details(user: User, **details) -> None:
    """Save the name and phones."""
    for name in DETAIL_FIELDS:
        setattr(user, name, details[name] or "")
    db.session.commit()


def change_password(user: User, password: str) -> None:
    """Set a new password, log out every other session and tell the user by e-mail."""
    user.set_password(password)
    audit.record(audit.PASSWORD_CHANGED, user=user)
    queue(user.email, "recovery/changed", user=user, login_url=external_url("auth.login"))
    db.session.flush()
    end_sessions(user, keep=user.current_session)


def request_email_change(user: User, new_email: str) -> None:
    """Keep the new address aside and send it a link; nothing changes until the link is followed."""
    user.new_email, user.new_email_requested_at = new_email, utcnow()
    token = tokens.dump_for("email", user, new_email)
    queue(
        new_email,
        "profile/confirm_email",
        user=user,
        new_email=new_email,
        confirm_url=external_url("profile.confirm_email", token=token),
        hours=current_app.config["CONFIRM_MAX_AGE_HOURS"],
    )
    db.session.commit()


def confirm_email_change(token: str) -> bool:
    """Apply the address a link confirms, if it is still the one asked for and still free; tell the old address."""
    max_age = current_app.config["CONFIRM_MAX_AGE_HOURS"] * 3600
    try:
        user = tokens.load_user("email", token, max_age, lambda u: (u.new_email,))
    except tokens.Invalid:
        return False
    if not user.new_email:
        return False
    old_email, user.email, user.new_email, user.new_email_requested_at = user.email, user.new_email, None, None
    queue(old_email, "profile/email_changed", user=user, new_email=user.email)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # someone registered the address meanwhile
        return False
    return True


def forget_unconfirmed_emails() -> int:
    """Forget the new addresses whose link has expired unfollowed (the worker's job): the profile stops saying one
    waits, and an address nobody confirmed is not kept; how many."""
    expired = utcnow() - timedelta(hours=current_app.config["CONFIRM_MAX_AGE_HOURS"])
    pending = update(User).where(User.new_email.is_not(None), User.new_email_requested_at < expired)
    return db.session.execute(pending.values(new_email=None, new_email_requested_at=None)).rowcount
