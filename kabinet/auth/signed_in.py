"""The signed-in user of a page that only reads them: the session check's row, not ORM objects.

Every request of a logged-in user asks for their session, the user and the organization the header names. Made into
ORM objects they cost the cabinet home as much as its own two queries (docs/BENCHMARKS.md, issue 11's fifth pass). A
view that only reads who is signed in (their name, role and language, the organization's name and phones) is marked
`@reads_only` and its requests get a SignedIn made from the same row. A view that changes the user, or hands them to
the ORM (an audit entry, a binding, a request), keeps the ORM User: the mark is per view, and such a view never
carries it. Who may log in, and for how long, is decided the same way for both (kabinet.auth.services).
"""

from flask import current_app, request

from kabinet.models import User
from kabinet.models.organization import OrganizationShown
from kabinet.models.user import UserFacts

MARK = "reads_signed_in_user"
# What a reader carries of the user: what pages show and decide by, never their secrets (hashes, codes, stamps).
COLUMNS = (
    "id",
    "login",
    "email",
    "first_name",
    "middle_name",
    "last_name",
    "phone",
    "phone_extra",
    "created_at",
    "confirmed_at",
    "role",
    "organization_id",
    "blocked_at",
    "totp_enabled_at",
    "language",
)
USER_COLUMNS = tuple(User.__table__.c[name] for name in COLUMNS)


def reads_only(view):
    """Mark a view that only reads the signed-in user: its requests get a SignedIn instead of the ORM User."""
    setattr(view, MARK, True)
    return view


def wanted() -> bool:
    """Whether this request's view only reads the signed-in user (false outside a view: an error page, a hook)."""
    return getattr(current_app.view_functions.get(request.endpoint), MARK, False)


class SignedIn(UserFacts):
    """The signed-in user as a reading page sees them: the user's columns but their secrets, the id of the session
    (Flask-Login's id of the login, as the ORM User's get_id()) and their organization as OrganizationShown."""

    def __init__(self, session_id: str, organization: OrganizationShown | None, columns: dict):
        self.__dict__.update(columns)
        self.session_id, self.session_organization = session_id, organization

    def get_id(self) -> str:
        return self.session_id

    def __repr__(self) -> str:
        return f"<SignedIn {self.login}>"
