"""Signed tokens for e-mailed links: one serializer, a salt per purpose, expiry told apart from forgery.

What travels in a URL is opaque and dies with the state it was made for: a user's token carries only the user's id
and a fingerprint of their security stamp and of the secret the link stands for. The login, the e-mail and the
control string never appear in it.

A link that sets a password (a reset, an invitation) also works once: its page asks to continue (mail scanners follow
links but do not press buttons), and continuing spends it (a new User.link_nonce) and lets this browser's session
stand for it for GRANT_KEPT_FOR. A copy of the address in a web server's log then opens nothing.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User

GRANT_KEPT_FOR = timedelta(minutes=30)


class Invalid(Exception):
    """The token was altered, made for another purpose, or never ours."""


class Expired(Invalid):
    """The token is genuine but older than it may be."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kabinet.{purpose}")


def dump(purpose: str, payload) -> str:
    """Sign payload for one purpose; a token of one purpose is worthless for another."""
    return _serializer(purpose).dumps(payload)


def load(purpose: str, token: str, max_age: int):
    """The payload of a token younger than max_age seconds; raises Expired or Invalid."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Expired(purpose) from exc
    except BadSignature as exc:
        raise Invalid(purpose) from exc


def fingerprint(*parts) -> str:
    """A short digest of the state a token or a half-done step was made for: when any part changes, it no longer
    matches."""
    return hashlib.sha256("\x1f".join(str(part or "") for part in parts).encode()).hexdigest()[:24]


def user_state(user: User, *secret) -> str:
    """The fingerprint of the user's security stamp and of the secret a link stands for."""
    return fingerprint(user.security_stamp, *secret)


def dump_for(purpose: str, user: User, *secret) -> str:
    """A link's token for this user and this outstanding secret."""
    return dump(purpose, {"u": user.id, "k": user_state(user, *secret)})


def load_user(purpose: str, token: str, max_age: int, secret_of: Callable[[User], tuple] = lambda user: ()) -> User:
    """The user a token was made for, if nothing changed since: not their stamp (password, e-mail, block, role),
    not the secret `secret_of(user)` names. Raises Expired, or Invalid for anything else."""
    payload = load(purpose, token, max_age)
    user = db.session.get(User, payload["u"]) if isinstance(payload, dict) and _is_id(payload.get("u")) else None
    if user is None or payload.get("k") != user_state(user, *secret_of(user)):
        raise Invalid(purpose)
    return user


def spend_link(purpose: str, user: User, *secret) -> None:
    """Spend the user's one-time links and let this browser's session stand for this one (its secret fingerprinted
    with the user's stamp, so that a change of password, e-mail, block or role ends it too)."""
    user.link_nonce = secrets.token_hex(8)
    db.session.commit()
    session[f"grant.{purpose}"] = {"u": user.id, "k": user_state(user, *secret), "t": utcnow().timestamp()}


def granted(purpose: str, secret_of: Callable[[User], tuple] = lambda user: ()) -> User | None:
    """The user whose one-time link this browser followed, while nothing changed and for GRANT_KEPT_FOR at most."""
    grant = session.get(f"grant.{purpose}")
    if not isinstance(grant, dict) or not _is_id(grant.get("u")) or not isinstance(grant.get("t"), int | float):
        return None
    if utcnow().timestamp() - grant["t"] > GRANT_KEPT_FOR.total_seconds():
        return None
    user = db.session.get(User, grant["u"])
    return user if user is not None and grant.get("k") == user_state(user, *secret_of(user)) else None


def drop_grant(purpose: str) -> None:
    session.pop(f"grant.{purpose}", None)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
