"""The organization's staff: invitations that set the first password, roles, blocking; and the executors list."""

import enum
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from kabinet import audit, messages, tokens
from kabinet.auth.services import end_sessions
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import AuditEvent, Executor, Organization, User
from kabinet.outbox import queue
from kabinet.staff.access import ROLE_NAMES
from kabinet.urls import external_url

INVITATION_MAX_AGE = timedelta(hours=72)


class Refused(Exception):
    """A change the team's rules forbid; carries the kabinet.messages entry that says why."""

    def __init__(self, message):
        super().__init__(str(message.text))
        self.message = message


class Invitation(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def staff_of(organization: Organization) -> list[User]:
    """The organization's staff users, by name (a small company: a page holds them all)."""
    return db.session.scalars(
        select(User)
        .where(User.organization_id == organization.id, User.role.is_not(None))
        .order_by(User.last_name, User.first_name, User.id)
    ).all()


def member(organization: Organization, user_id: int) -> User | None:
    """One staff user of the organization; None for anyone else's."""
    user = db.session.get(User, user_id)
    return user if user and user.is_staff and user.organization_id == organization.id else None


def free_login(email: str) -> str:
    """A login made of the e-mail's name, with a number added while it is taken."""
    base = re.sub(r"[^A-Za-z0-9._-]", "", email.partition("@")[0])[:28] or "staff"
    base = base if len(base) >= 3 else f"{base}.staff"
    login, number = base, 1
    while db.session.scalar(select(User.id).where(func.lower(User.login) == login.lower())):
        number += 1
        login = f"{base}{number}"
    return login


def invite(organization: Organization | None, *, email: str, first_name: str, last_name: str, role: str,
           login: str = "", by: User | None = None) -> tuple[User, str]:  # fmt: skip
    """Create a confirmed staff user with no usable password and e-mail them the link that sets one; both returned.
    The platform administrator is invited to no organization."""
    user = User(
        login=login or free_login(email),
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone="",
        role=role,
        organization_id=organization.id if organization else None,
        confirmed_at=utcnow(),  # the admin vouches for the address, and only its owner can follow the link
    )
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the invitation sets the real one
    db.session.add(user)
    db.session.flush()
    link = _send_invitation(user, organization)
    actor = "" if by else "cli"  # the first admin is made on the server's console, by nobody who logs in
    audit.record("team.invite", target=user, details=f"{user.login} <{email}>: {role}", user=by, actor=actor)
    db.session.commit()
    return user, link


def _send_invitation(user: User, organization: Organization | None) -> str:
    """Queue the e-mail with a link that sets the first password, and note when it was sent; the link returned."""
    user.invited_at = utcnow()
    link = external_url("staff_team.invitation_link", token=tokens.dump_for("invitation", user, *_link_secret(user)))
    queue(
        user.email,
        "team/invitation",
        user=user,
        organization=organization,
        role_name=ROLE_NAMES[user.role],
        invitation_url=link,
        hours=int(INVITATION_MAX_AGE.total_seconds() // 3600),
    )
    return link


def invitation_expired(user: User) -> bool:
    """Whether the latest invitation of a staff user who has not accepted it is too old to follow."""
    return user.invited_at is not None and utcnow() - user.invited_at > INVITATION_MAX_AGE


def resend_invitation(user: User, organization: Organization, *, by: User) -> None:
    """E-mail a new invitation link to a staff user who has not accepted one; every earlier link stops working.
    Raises Refused once the invitation is accepted."""
    # A new nonce kills the links sent before (it is part of each token); checked in the UPDATE itself, so that an
    # invitation accepted at this very moment stays accepted.
    renewed = db.session.execute(
        update(User).where(User.id == user.id, User.invited_at.is_not(None)).values(link_nonce=secrets.token_hex(8))
    )
    if renewed.rowcount != 1:
        db.session.rollback()
        raise Refused(messages.TEAM_INVITATION_ACCEPTED)
    _send_invitation(user, organization)
    audit.record("team.resend", target=user, details=f"{user.login} <{user.email}>", user=by)
    db.session.commit()


def revoke_invitation(user: User, *, by: User) -> None:
    """Withdraw an invitation nobody accepted: the staff user it made is deleted, so its link opens nothing and
    nobody logs in as them; their login and e-mail are free for a corrected invitation. Raises Refused once it is
    accepted: that is checked in the DELETE itself, so a password set at this very moment wins."""
    audit.record("team.revoke", target=user, details=f"{user.login} <{user.email}>: {user.role}", user=by)
    user_id = user.id
    deleted = db.session.execute(delete(User).where(User.id == user_id, User.invited_at.is_not(None)))
    if deleted.rowcount != 1:
        db.session.rollback()
        raise Refused(messages.TEAM_INVITATION_ACCEPTED)
    # What ON DELETE SET NULL does on PostgreSQL, for SQLite, which may give the id to the next user.
    db.session.execute(update(AuditEvent).where(AuditEvent.user_id == user_id).values(user_id=None))
    db.session.commit()


def _link_secret(user: User) -> tuple:
    return (user.link_nonce,)


def read_invitation(token: str) -> tuple[Invitation, User | None]:
    """Whether an invitation link still works, and whose it is (nothing is spent). It dies once continued from, and
    with any change of the user's password, e-mail, block or role (their security stamp)."""
    try:
        user = tokens.load_user("invitation", token, int(INVITATION_MAX_AGE.total_seconds()), _link_secret)
    except tokens.Expired:
        return Invitation.EXPIRED, None
    except tokens.Invalid:
        return Invitation.INVALID, None
    return Invitation.VALID, user


def open_invitation(token: str) -> Invitation:
    """Continue from the link: spend it, and let this browser's session stand for it while the password is set."""
    outcome, user = read_invitation(token)
    if outcome is Invitation.VALID:
        tokens.spend_link("invitation", user)
    return outcome


def invited() -> User | None:
    """The invited staff user whose link this browser continued from, while nothing about them changed."""
    return tokens.granted("invitation")


def accept_invitation(password: str) -> User | None:
    """Set the invited user's first password, which ends the invitation; the proof is checked again at this very
    moment (None when it no longer holds)."""
    user = invited()
    if user is None:
        return None
    user.set_password(password)
    audit.record(audit.PASSWORD_CHANGED, target=user, details="invitation", user=user)
    db.session.commit()
    tokens.drop_grant("invitation")
    return user


def _active_admins(organization_id: int) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.organization_id == organization_id, User.role == "admin", User.blocked_at.is_(None)
        )
    )


def _keep_an_admin(user: User, by: User) -> None:
    """Refuse to take away the organization's last active admin, and an admin's own powers."""
    if user.role == "admin" and user.blocked_at is None and _active_admins(user.organization_id) <= 1:
        raise Refused(messages.TEAM_LAST_ADMIN)
    if user.id == by.id:
        raise Refused(messages.TEAM_NOT_YOURSELF)


def change_role(user: User, role: str, *, by: User) -> None:
    """Give a staff user another role."""
    if role == user.role:
        return
    if user.role == "admin":
        _keep_an_admin(user, by)
    audit.record("team.role", target=user, details=f"{user.login}: {user.role} -> {role}", user=by)
    user.role = role
    db.session.commit()


def block(user: User, *, by: User) -> None:
    """Stop a staff user from logging in and end the sessions they have."""
    _keep_an_admin(user, by)
    user.blocked_at = utcnow()
    audit.record("team.block", target=user, details=user.login, user=by)
    end_sessions(user)  # commits the block with it


def unblock(user: User, *, by: User) -> None:
    """Let a blocked staff user log in again."""
    user.blocked_at = None
    audit.record("team.unblock", target=user, details=user.login, user=by)
    db.session.commit()


def require_second_factor(organization: Organization, required: bool, *, by: User) -> None:
    """Switch the organization's rule that every staff user logs in with a second factor."""
    organization.staff_totp_required = required
    audit.record("team.require_2fa", target=organization, details="on" if required else "off", user=by)
    db.session.commit()


# --- executors -------------------------------------------------------------------------------------------------


def executors_of(organization: Organization) -> list[Executor]:
    """Every executor of the organization, the active ones first, by name."""
    return db.session.scalars(
        select(Executor)
        .where(Executor.organization_id == organization.id)
        .order_by(Executor.is_active.desc(), Executor.name, Executor.id)
    ).all()


def executor_of(organization: Organization, executor_id: int) -> Executor | None:
    executor = db.session.get(Executor, executor_id)
    return executor if executor and executor.organization_id == organization.id else None


def add_executor(organization: Organization, name: str, *, by: User) -> Executor:
    """A new name the dispatchers can assign requests to."""
    executor = Executor(organization_id=organization.id, name=name)
    db.session.add(executor)
    db.session.flush()
    audit.record("executor.add", target=executor, details=name, user=by)
    db.session.commit()
    return executor


def rename_executor(executor: Executor, name: str, *, by: User) -> None:
    audit.record("executor.rename", target=executor, details=f"{executor.name} -> {name}", user=by)
    executor.name = name
    db.session.commit()


def set_executor_active(executor: Executor, active: bool, *, by: User) -> None:
    """Hide an executor from new assignments (their past requests keep the name), or bring them back."""
    executor.is_active = active
    audit.record("executor.activate" if active else "executor.deactivate", target=executor, details=executor.name,
                 user=by)  # fmt: skip
    db.session.commit()
