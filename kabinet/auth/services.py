"""Who a person is: finding users by login or e-mail, checking passwords, and the server-side session records."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User, UserSession

# Checked against when no user matches, so that a wrong login takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("kabinet-no-such-user", method="scrypt")
SEEN_EVERY = timedelta(minutes=1)  # how stale last_seen may get before a request writes it


def find_user(identifier: str) -> User | None:
    """The user whose login or e-mail this is, whatever its case."""
    key = identifier.strip().lower()
    if not key:
        return None
    return db.session.scalar(select(User).where(or_(func.lower(User.login) == key, func.lower(User.email) == key)))


def authenticate(identifier: str, password: str) -> User | None:
    """The user if the password is theirs; None otherwise, in the same time either way."""
    user = find_user(identifier)
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password)
        return None
    return user if user.check_password(password) else None


def start_session(user: User, *, remember: bool, ip: str, user_agent: str) -> UserSession:
    """Record a new login; its random id is what the session and "remember me" cookies carry."""
    record = UserSession(
        id=secrets.token_urlsafe(32), user=user, remember=remember, ip=ip[:45], user_agent=user_agent[:255]
    )
    db.session.add(record)
    db.session.commit()
    user.current_session = record
    return record


def user_for_session(session_id: str) -> User | None:
    """The user of a live session record, or None for an ended, expired or unknown one."""
    # One query for both: this runs on every request of a logged-in user.
    query = select(UserSession).where(UserSession.id == session_id).options(joinedload(UserSession.user))
    record = db.session.scalar(query)
    if record is None or not record.is_live or record.user.blocked_at is not None:
        return None
    now = utcnow()
    if now >= _expires_at(record):
        end_session(record)
        return None
    if now - record.last_seen_at > SEEN_EVERY:
        record.last_seen_at = now
        db.session.commit()
    user = record.user
    user.current_session = record
    return user


def _expires_at(record: UserSession):
    config = current_app.config
    return record.expires_at(timedelta(days=config["REMEMBER_DAYS"]), timedelta(hours=config["SESSION_IDLE_HOURS"]))


def end_session(record: UserSession) -> None:
    """Log one session out for good."""
    record.ended_at = record.ended_at or utcnow()
    db.session.commit()


def end_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """Log out every session of the user but keep; the count of those ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ended = db.session.execute(query.values(ended_at=utcnow())).rowcount
    db.session.commit()
    return ended


def active_sessions(user: User) -> list[UserSession]:
    """The user's sessions still logged in, most recently seen first."""
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    )
    now = utcnow()
    return [record for record in records if now < _expires_at(record)]


# After the password, a user with a second factor waits in the session this long for the code.
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


def await_second_factor(session, user: User, *, remember: bool, next_url: str) -> None:
    """Note in the (signed) session whose password was right: nobody is logged in until the code comes."""
    session["second_factor"] = {"u": user.id, "r": remember, "n": next_url, "t": utcnow().timestamp()}


def awaiting_second_factor(session) -> tuple[User, bool, str] | None:
    """The user, remember flag and destination waiting for their code; None when nobody is or it is too late."""
    pending = session.get("second_factor")
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - pending.get("t", 0) > SECOND_FACTOR_WINDOW.total_seconds():
        return None
    user = db.session.get(User, pending.get("u"))
    if user is None or user.blocked_at is not None:
        return None
    return user, bool(pending.get("r")), str(pending.get("n") or "")
