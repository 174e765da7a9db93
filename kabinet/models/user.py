"""A person who logs in, and each of their logged-in sessions."""

import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from kabinet.clock import utcnow
from kabinet.extensions import db

STAFF_ROLES = ("admin", "dispatcher", "accountant")
# The installation's own administrator: belongs to no organization, creates them, sees their counts only.
PLATFORM_ROLE = "platform"
# A change of any of these ends every secret the user was sent before it (see User._credentials_changed).
CREDENTIALS = ("password_hash", "email", "blocked_at", "role")


def new_stamp() -> str:
    return secrets.token_hex(16)


class UserFacts(UserMixin):
    """What a user's columns say of them, for the ORM class and for the signed-in reader of the pages that only read
    them (kabinet.auth.signed_in.SignedIn): the same answers whichever a page has."""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_staff(self) -> bool:
        return self.role is not None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class User(UserFacts, db.Model):
    """A tenant, or one of the company's staff (a role): logs in by login or e-mail once the e-mail is confirmed."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(254))  # an e-mail when the tenant chose no login
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(64))
    middle_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    phone_extra: Mapped[str] = mapped_column(String(20), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirm_code_hash: Mapped[str | None] = mapped_column(String(64))
    confirm_sent_at: Mapped[datetime | None]
    reset_code_hash: Mapped[str | None] = mapped_column(String(64))
    reset_requested_at: Mapped[datetime | None]
    # Part of every one-time link's token (password reset, invitation): a new value, at a link's first use, spends them.
    link_nonce: Mapped[str | None] = mapped_column(String(16))
    new_email: Mapped[str | None] = mapped_column(String(254))
    new_email_requested_at: Mapped[datetime | None]  # the link to new_email dies CONFIRM_MAX_AGE_HOURS later
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staff: a role (None for tenants) in one organization.
    role: Mapped[str | None] = mapped_column(String(16), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    blocked_at: Mapped[datetime | None]  # a blocked user cannot log in; their sessions are ended
    # Staff invited and not in yet: when the latest invitation was sent; None once they chose a password of their own.
    invited_at: Mapped[datetime | None]
    # A second factor (TOTP) for staff: the secret once it is confirmed by a first code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the time step of the last code accepted: a code is good once
    # Every e-mailed link and every half-done login carries a fingerprint of this; a new stamp kills them all.
    security_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    # The language of their pages and of every e-mail they get (a code of LANGUAGES); None: the installation's default.
    language: Mapped[str | None] = mapped_column(String(8))

    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserSession.last_seen_at.desc()"
    )

    # The session this request was authenticated by (set per request, never stored); the login cookie carries its id.
    current_session = None
    session_organization = None  # the organization found with the session (kabinet.auth.services.user_for_session)

    @validates(*CREDENTIALS)
    def _credentials_changed(self, key, value):
        """The one place every change of password, e-mail, block or role passes through: outstanding resets,
        confirmations, e-mail changes and invitations die with it, whoever made the change and wherever."""
        # A user being created has nothing outstanding yet.
        if inspect(self).has_identity and getattr(self, key) != value:
            self.security_stamp = new_stamp()
            self.reset_code_hash = self.reset_requested_at = None
            self.confirm_code_hash = None
            self.new_email = self.new_email_requested_at = None
            if key == "password_hash":
                self.invited_at = None  # by the invitation's form or by a recovery: either way the person is in
        return value

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str | None:
        return self.current_session.id if self.current_session else None

    def __repr__(self) -> str:
        return f"<User {self.login}>"


# Logins and e-mails are unique whatever their case: "Ivan" and "ivan" are one person.
Index("uq_users_login_lower", func.lower(User.login), unique=True)
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class UserSession(db.Model):
    """One login on one browser; ending it makes every copy of its cookies worthless."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    remember: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class RecoveryCode(db.Model):
    """A one-time code that stands in for the TOTP code when the phone is lost; kept only as a digest."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class SocialIdentity(db.Model):
    """A person's account at a social network or OpenID Connect provider, linked to a user: either way logs them in."""

    __tablename__ = "social_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))  # the name in the configuration: google, yandex, keycloak...
    subject: Mapped[str] = mapped_column(String(255))  # the provider's stable id of the person ("sub")
    email: Mapped[str] = mapped_column(String(254), default="")  # as the provider gave it, for the profile's list
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
