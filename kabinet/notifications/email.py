"""The e-mail channel of notifications: the outbox, with a one-click unsubscribe link (RFC 8058) for the kind."""

from dataclasses import dataclass
from datetime import timedelta

from kabinet import outbox, tokens
from kabinet.extensions import db
from kabinet.models import User
from kabinet.notifications.services import KINDS, SENDERS, choose
from kabinet.urls import ID_MAX, external_url

PURPOSE = "unsubscribe"
# Long: a mail client keeps offering the header's link for as long as the e-mail sits in the mailbox.
LINK_LIVES = timedelta(days=365)


def unsubscribe_token(user: User, kind: str) -> str:
    """The unsubscribe link's token: the user, the kind, and a fingerprint of the address it was sent to (a link
    that reached an address the user has since left no longer speaks for them)."""
    return tokens.dump(PURPOSE, {"u": user.id, "n": kind, "k": tokens.fingerprint(user.email.lower())})


@dataclass
class Unsubscription:
    """Whom an unsubscribe link speaks for, and of which kind."""

    user: User
    kind: str

    @property
    def label(self) -> str:
        return str(KINDS[self.kind].label)


def unsubscription(token: str) -> Unsubscription:
    """What the link stands for; raises tokens.Expired, or tokens.Invalid for a forged or outdated one."""
    payload = tokens.load(PURPOSE, token, int(LINK_LIVES.total_seconds()))
    if not isinstance(payload, dict) or payload.get("n") not in KINDS or type(payload.get("u")) is not int:
        raise tokens.Invalid(PURPOSE)
    user = db.session.get(User, payload["u"]) if 0 < payload["u"] <= ID_MAX else None
    if user is None or payload.get("k") != tokens.fingerprint(user.email.lower()):
        raise tokens.Invalid(PURPOSE)
    return Unsubscription(user, payload["n"])


def unsubscribe(wish: Unsubscription) -> None:
    """Turn that kind off for e-mail only; the other kinds and channels stay as they were."""
    choose(wish.user, {(wish.kind, "email"): False})
    db.session.commit()


def send(user: User, template: str, context: dict) -> bool:
    """Queue the e-mail `template` to a user with a confirmed address; False when there is none to write to."""
    if not user.email or not user.is_confirmed or user.blocked_at is not None:
        return False
    link = external_url("notifications.unsubscribe", token=unsubscribe_token(user, context["kind"]))
    outbox.queue(user.email, template, user=user, unsubscribe_url=link, **context)
    return True


SENDERS["email"] = send
