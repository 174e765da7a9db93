"""The rules of signing in through a provider: who an identity logs in, linking, unlinking and registering.

A person who registered through a provider has no password yet: their password_hash is an unusable value starting
with "!" (no "$", so werkzeug's check_password_hash refuses every password). Such a user may set a first password in
the profile without a current one; after that, or after a password reset by e-mail, they have one like anybody else.
"""

import re
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kabinet import messages
from kabinet.auth import services as auth
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.forms import LOGIN_PATTERN
from kabinet.messages import Message
from kabinet.models import SocialIdentity, User
from kabinet.registration import services as registration
from kabinet.social.providers import Profile

NO_PASSWORD = "!"  # the prefix of an unusable password_hash
SIGNUP_KEY = "social_signup"
SIGNUP_WINDOW = timedelta(minutes=30)  # how long the provider's answer waits in the session for the form
# The login rules that stop a provider's login (a tenant has no second factor; staff never come this way).
REFUSALS = {
    auth.Admission.BLOCKED: messages.ACCOUNT_BLOCKED,
    auth.Admission.UNCONFIRMED: messages.NOT_CONFIRMED,
    auth.Admission.SECOND_FACTOR: messages.SOCIAL_STAFF,
}


class Refused(Exception):
    """The provider vouched for the person, but the rules refuse what was asked; `message` says why."""

    def __init__(self, message: Message):
        super().__init__(str(message.text))
        self.message = message


def has_password(user: User) -> bool:
    return not user.password_hash.startswith(NO_PASSWORD)


def find_identity(provider: str, subject: str) -> SocialIdentity | None:
    return db.session.scalar(select(SocialIdentity).filter_by(provider=provider, subject=subject))


def identities(user: User) -> list[SocialIdentity]:
    """The user's linked identities, oldest first."""
    return list(db.session.scalars(select(SocialIdentity).filter_by(user_id=user.id).order_by(SocialIdentity.id)))


def user_for_login(profile: Profile) -> User | None:
    """The user this identity logs in, None for an identity nobody linked; Refused when that user may not log in."""
    identity = find_identity(profile.provider, profile.subject)
    if identity is None:
        return None
    user = db.session.get(User, identity.user_id)
    if user.is_staff:  # staff log in with a password and their second factor, never through a provider
        raise Refused(messages.SOCIAL_STAFF)
    refusal = REFUSALS.get(auth.admission(user))
    if refusal is not None:
        raise Refused(refusal)
    identity.last_login_at = utcnow()
    if profile.email:
        identity.email = profile.email[:254]
    return user


def link(user: User, profile: Profile) -> Message:
    """Link the identity to this user (the logged-in one, never anybody else); the message to show."""
    if user.is_staff:
        return messages.SOCIAL_STAFF
    identity = find_identity(profile.provider, profile.subject)
    if identity is not None:
        return messages.SOCIAL_ALREADY_LINKED if identity.user_id == user.id else messages.SOCIAL_LINKED_ELSEWHERE
    db.session.add(SocialIdentity(user_id=user.id, provider=profile.provider, subject=profile.subject,
                                  email=profile.email[:254]))  # fmt: skip
    try:
        db.session.commit()
    except IntegrityError:  # the same identity linked a moment ago, by another tab
        db.session.rollback()
        return messages.SOCIAL_LINKED_ELSEWHERE
    return messages.SOCIAL_LINKED


def can_unlink(user: User, identity: SocialIdentity) -> bool:
    """Whether another way to log in remains without this identity: a password, or another identity."""
    return identity.user_id == user.id and (has_password(user) or len(identities(user)) > 1)


def unlink(user: User, identity_id: int) -> Message:
    """Unlink one of the user's identities, as long as they can still log in afterwards."""
    identity = db.session.get(SocialIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        return messages.SOCIAL_NOT_FOUND
    if not can_unlink(user, identity):
        return messages.SOCIAL_LAST_WAY
    db.session.delete(identity)
    db.session.commit()
    return messages.SOCIAL_UNLINKED


def set_first_password(user: User, password: str) -> None:
    """A first password for a user who registered through a provider."""
    user.set_password(password)
    db.session.commit()


# --- a new person -----------------------------------------------------------------------------------------------


def start_signup(session, profile: Profile) -> None:
    """Keep the provider's answer in the (signed) session for the registration form; Refused when its e-mail is an
    existing user's: an identity is never attached to an account by a matching e-mail alone."""
    if profile.email and _email_taken(profile.email):
        raise Refused(messages.SOCIAL_EMAIL_TAKEN)
    session[SIGNUP_KEY] = {**profile.as_dict(), "t": utcnow().timestamp()}


def pending_signup(session) -> Profile | None:
    """The provider's answer waiting for the registration form; None when there is none or it is too old."""
    pending = session.get(SIGNUP_KEY)
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - pending.get("t", 0) > SIGNUP_WINDOW.total_seconds():
        session.pop(SIGNUP_KEY, None)
        return None
    return Profile(**{key: value for key, value in pending.items() if key != "t"})


def suggested(profile: Profile) -> dict:
    """The registration form's first values: a free login made of the e-mail's local part, the names, the e-mail."""
    return {
        "login": suggest_login(profile.email),
        "email": profile.email,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
    }


def suggest_login(email: str) -> str:
    """A login allowed by the form's pattern and not taken yet: ivan.petrov, ivan.petrov2..."""
    base = re.sub(r"[^A-Za-z0-9._-]", "", email.partition("@")[0])[:28]
    if len(base) < 3:
        return ""
    for number in ("", *range(2, 100)):
        candidate = f"{base}{number}"
        if re.match(LOGIN_PATTERN, candidate) and not _login_taken(candidate):
            return candidate
    return ""


def register(
    profile: Profile, *, login, email, first_name, last_name, phone, middle_name="", phone_extra="", language=None
) -> User:
    """Create the user and their identity. The e-mail is confirmed at once when the provider vouched for this very
    address; otherwise the confirmation e-mail goes out as in the ordinary registration. `language`: the page's,
    kept for their pages and e-mails. Raises registration.Taken."""
    verified = profile.email_verified and email.lower() == profile.email.lower()
    user = User(
        login=login,
        email=email,
        first_name=first_name,
        middle_name=middle_name or "",
        last_name=last_name,
        phone=phone,
        phone_extra=phone_extra or "",
        password_hash=NO_PASSWORD + secrets.token_urlsafe(32),
        confirmed_at=utcnow() if verified else None,
        language=language,
    )
    db.session.add(user)
    try:
        db.session.flush()
        db.session.add(SocialIdentity(user_id=user.id, provider=profile.provider, subject=profile.subject,
                                      email=profile.email[:254]))  # fmt: skip
        db.session.flush()
    except IntegrityError as exc:  # the login, the e-mail or the identity taken a moment ago
        db.session.rollback()
        raise registration.Taken from exc
    if not verified:
        registration.send_confirmation(user)
    db.session.commit()
    return user


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None


def _login_taken(login: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.login) == login.lower())) is not None
