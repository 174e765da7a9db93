"""Who a person is: finding users by login or e-mail, the rules of logging in (one outcome for the password, the
second factor and a social network alike), and the server-side session records."""

import enum
import secrets
from datetime import timedelta
from functools import cache, partial

from flask import current_app, request, session
from flask_login import login_user
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import contains_eager
from werkzeug.security import generate_password_hash

from kabinet import audit, tokens
from kabinet.auth import signed_in, totp
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.language import known
from kabinet.limits import check_secret, trust_this_device
from kabinet.models import Account, AccountBinding, Organization, User, UserSession
from kabinet.models.account import BOUND_ORDER
from kabinet.models.organization import OrganizationShown
from kabinet.statements import built_once, reading_connection

SEEN_EVERY = timedelta(minutes=1)  # how stale last_seen may get before a request writes it


def find_user(identifier: str) -> User | None:
    """The user whose login or e-mail this is, whatever its case."""
    key = identifier.strip().lower()
    if not key:
        return None
    return db.session.scalar(select(User).where(or_(func.lower(User.login) == key, func.lower(User.email) == key)))


def subject(identifier: str, user: User | None) -> str:
    """Whom a typed login names, for the limits: the user (one counter whether login or e-mail is typed), or the text
    itself, so that an unknown login is counted like a known one."""
    return f"user:{user.id}" if user else f"login:{identifier.strip().lower()[:254]}"


def stand_in(identifier: str) -> User:
    """A user who does not exist, never stored: an e-mail for them is written and thrown away, so that a login nobody
    has costs the same work as a real one."""
    return User(login=identifier[:32], email=identifier[:254], first_name="", last_name="")


def mailbox(identifier: str) -> str:
    """The mailbox that e-mails about a typed login or e-mail go to; the text itself when nobody has it, so that the
    limits per mailbox treat unknown logins like known ones."""
    user = find_user(identifier)
    return user.email.lower() if user else identifier.strip().lower()[:254]


def authenticate(identifier: str, password: str) -> User | None:
    """The user if the password is theirs; None otherwise, in the same time either way. Through the secret limiter:
    raises TooManyAttempts when this login failed too often from here."""
    user = find_user(identifier)
    matches = partial(password_matches, user, password)
    if not check_secret("password", subject(identifier, user), matches, typed=identifier):
        audit.record(audit.LOGIN_FAILED, actor=identifier)
        db.session.commit()
        return None
    return user


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when no user matches, so that a wrong login takes as long as a wrong password."""
    return generate_password_hash("kabinet-no-such-user", method=method)


def password_matches(user: User | None, password: str) -> bool:
    """Whether the password is the user's; a missing user costs the same hashing as a wrong password."""
    if user is None:
        User(password_hash=_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])).check_password(password)
        return False
    return user.check_password(password)


class Admission(enum.Enum):
    """What a user whose password (or provider) was right may do next."""

    WELCOME = "welcome"
    BLOCKED = "blocked"
    UNCONFIRMED = "unconfirmed"
    SECOND_FACTOR = "second_factor"


def admission(user: User) -> Admission:
    """The login rules, the same whichever way the user proved who they are."""
    if user.blocked_at is not None:
        return Admission.BLOCKED
    if not user.is_confirmed:
        return Admission.UNCONFIRMED
    if totp.is_enabled(user):
        return Admission.SECOND_FACTOR
    return Admission.WELCOME


def log_in(user: User, *, remember: bool, how: str = "") -> UserSession:
    """Start the user's session (a fresh cookie: nothing from before carries over) and note it in the audit log."""
    session.clear()
    record = UserSession(
        id=secrets.token_urlsafe(32),
        user=user,
        remember=remember,
        ip=(request.remote_addr or "")[:45],
        user_agent=request.user_agent.string[:255],
    )
    db.session.add(record)
    if user.language is None:
        # Someone who chose a language before languages were kept: their e-mails follow it from now on.
        user.language = known(request.cookies.get("lang"))
    audit.record(audit.LOGIN, user=user, details=how)
    db.session.commit()
    user.current_session = record
    login_user(user, remember=remember)
    trust_this_device(user)
    return record


def _session_joined(query):
    # The session with its user and the organization every page names (kabinet.organizations.current_organization): a
    # staff user's own, a tenant's first bound account's, in the order organizations_of() lists them.
    first_bound = (
        select(Account.organization_id)
        .join(AccountBinding, AccountBinding.account_id == Account.id)
        .where(AccountBinding.user_id == User.id)
        .order_by(*BOUND_ORDER)
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    return (
        query.join(User, User.id == UserSession.user_id)
        .outerjoin(Organization, Organization.id == func.coalesce(User.organization_id, first_bound))
        .where(UserSession.id == bindparam("session_id"))
    )


@built_once
def _session_with_user():
    # One query for the three, built once: this runs on every request of a logged-in user.
    return _session_joined(select(UserSession, Organization)).options(contains_eager(UserSession.user))


@built_once
def _session_row():
    # The same, as one row of plain values for the pages that only read the user (kabinet.auth.signed_in).
    return _session_joined(
        select(
            UserSession.ended_at,
            UserSession.created_at.label("session_created_at"),
            UserSession.last_seen_at,
            UserSession.remember,
            *signed_in.USER_COLUMNS,
            Organization.id.label("shown_id"),
            Organization.name.label("shown_name"),
            Organization.country.label("shown_country"),
            Organization.phones.label("shown_phones"),
            Organization.email.label("shown_email"),
        )
    )


def user_for_session(session_id: str) -> User | signed_in.SignedIn | None:
    """The user of a live session record, or None for an ended, expired or unknown one; the user's organization
    comes along as `user.session_organization` (None for a tenant with no account yet). A view marked reads_only
    gets them as a SignedIn (kabinet.auth.signed_in), every other the ORM User."""
    if signed_in.wanted():
        return _reader(session_id)
    found = db.session.execute(_session_with_user(), {"session_id": session_id}).first()
    record, organization = found if found is not None else (None, None)
    if record is None:
        return None
    if not _in_force(session_id, ended_at=record.ended_at, blocked_at=record.user.blocked_at,
                     created_at=record.created_at, last_seen_at=record.last_seen_at,
                     remember=record.remember):  # fmt: skip
        return None
    user = record.user
    user.current_session, user.session_organization = record, organization
    return user


def _reader(session_id: str) -> signed_in.SignedIn | None:
    found = reading_connection().execute(_session_row(), {"session_id": session_id}).mappings().first()
    if found is None:
        return None
    if not _in_force(session_id, ended_at=found["ended_at"], blocked_at=found["blocked_at"],
                     created_at=found["session_created_at"], last_seen_at=found["last_seen_at"],
                     remember=found["remember"]):  # fmt: skip
        return None
    organization = None
    if found["shown_id"] is not None:
        organization = OrganizationShown(found["shown_id"], found["shown_name"], found["shown_country"],
                                         found["shown_phones"], found["shown_email"])  # fmt: skip
    return signed_in.SignedIn(session_id, organization, {name: found[name] for name in signed_in.COLUMNS})


def _in_force(session_id: str, *, ended_at, blocked_at, created_at, last_seen_at, remember: bool) -> bool:
    """Whether a login still counts: neither ended, nor its user blocked, nor expired (ended now if it just did);
    its last_seen_at written at most every SEEN_EVERY."""
    if ended_at is not None or blocked_at is not None:
        return False
    now = utcnow()
    if now >= _ends_at(created_at, last_seen_at, remember):
        _write_session(session_id, ended_at=now)
        return False
    if now - last_seen_at > SEEN_EVERY:
        _write_session(session_id, last_seen_at=now)
    return True


def _write_session(session_id: str, **values) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == session_id).values(**values))
    db.session.commit()


def _ends_at(created_at, last_seen_at, remember: bool):
    """When a login ends by itself: a remembered one REMEMBER_DAYS after its start, another after SESSION_IDLE_HOURS
    without a visit."""
    config = current_app.config
    if remember:
        return created_at + timedelta(days=config["REMEMBER_DAYS"])
    return last_seen_at + timedelta(hours=config["SESSION_IDLE_HOURS"])


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
    return [record for record in records if now < _ends_at(record.created_at, record.last_seen_at, record.remember)]


def sweep_sessions() -> int:
    """Delete the logins that ended, or expired, more than SESSIONS_KEPT_DAYS ago; how many went (the worker's job)."""
    config, now = current_app.config, utcnow()
    before = now - timedelta(days=config["SESSIONS_KEPT_DAYS"])
    remembered = before - timedelta(days=config["REMEMBER_DAYS"])
    idle = before - timedelta(hours=config["SESSION_IDLE_HOURS"])
    old = or_(
        UserSession.ended_at < before,
        UserSession.remember.is_(True) & (UserSession.created_at < remembered),
        UserSession.remember.is_(False) & (UserSession.last_seen_at < idle),
    )
    return db.session.execute(delete(UserSession).where(old)).rowcount


# After the password, a user with a second factor waits in the session this long for the code.
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


def await_second_factor(user: User, *, remember: bool, next_url: str) -> None:
    """Note in the (signed) session whose password was right: nobody is logged in until the code comes."""
    session.clear()
    session["second_factor"] = {
        "u": user.id,
        "k": tokens.user_state(user),
        "r": remember,
        "n": next_url,
        "t": utcnow().timestamp(),
    }


def awaiting_second_factor() -> tuple[User, bool, str] | None:
    """The user, remember flag and destination waiting for their code; None when nobody is, it is too late, or the
    password, e-mail, block or role changed since the password was checked."""
    pending = session.get("second_factor")
    if not isinstance(pending, dict) or not isinstance(pending.get("u"), int):
        return None
    if utcnow().timestamp() - pending.get("t", 0) > SECOND_FACTOR_WINDOW.total_seconds():
        return None
    user = db.session.get(User, pending["u"])
    if user is None or pending.get("k") != tokens.user_state(user) or admission(user) is not Admission.SECOND_FACTOR:
        return None
    return user, bool(pending.get("r")), str(pending.get("n") or "")
