"""The audit log: `record()` notes a staff action or a security event in the caller's transaction.

Rows are only ever inserted by the app (there is no edit or delete anywhere); the admin reads them at /staff/audit.
"""

from flask import has_request_context, request
from flask_login import current_user

from kabinet.extensions import db
from kabinet.models import AuditEvent, User

# Security events (the rest are staff actions, named "<area>.<verb>", e.g. "dispatch.status").
LOGIN, LOGIN_FAILED, LOGOUT, RATE_LIMITED = "login", "login_failed", "logout", "rate_limited"
PASSWORD_CHANGED, PASSWORD_RESET, CODE_WORD_FAILED = "password_changed", "password_reset", "code_word_failed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"


def record(action: str, *, target: object = "", details: str = "", user: User | None = None, actor: str = "") -> None:
    """Add an event to the session: by `user` (the logged-in one by default), about `target` (a model or a text)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    db.session.add(
        AuditEvent(
            user_id=user.id if user else None,
            actor=(actor or (user.login if user else ""))[:254],
            action=action,
            target=_describe(target)[:128],
            details=details[:4000],
            ip=(request.remote_addr or "")[:45] if has_request_context() else "",
        )
    )


def _describe(target) -> str:
    """ "dispatch_requests:12" for a model row, the text itself otherwise."""
    table = getattr(target, "__tablename__", None)
    return f"{table}:{target.id}" if table else str(target or "")
