"""The binding wizard's answers, kept on the server in a BindingDraft (the browser's session holds only its id).

A draft proves nothing by itself: the finish checks again, at that moment, that every code word still opens its
account, and spends the draft in the same transaction as the binding. A copy of an old cookie therefore finds no
draft, and a code word the company replaced since step 2 binds nothing.
"""

import enum
from datetime import timedelta

from sqlalchemy import delete, select

from kabinet import tokens
from kabinet.accounts import services
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Account, BindingDraft, User

KEPT_FOR = timedelta(hours=2)  # an abandoned wizard is forgotten after this


class Opened(enum.Enum):
    """What the number and the code word of step 2 did."""

    ACCOUNTS = "accounts"  # opened accounts not all bound yet: on to step 3
    ALL_BOUND = "all_bound"  # right, but every account they open is in the cabinet already
    WRONG = "wrong"


class CodeWordChanged(Exception):
    """A code word the draft relied on was replaced (or its account closed) before the finish."""


def current(user: User, draft_id) -> BindingDraft | None:
    """The user's live draft of this id (what the browser's session names), or None."""
    draft = db.session.get(BindingDraft, draft_id) if isinstance(draft_id, int) else None
    if draft is None or draft.user_id != user.id or utcnow() - draft.updated_at > KEPT_FOR:
        return None
    return draft


def sweep() -> int:
    """Delete the drafts abandoned for longer than KEPT_FOR (the worker's job); how many went."""
    old = delete(BindingDraft).where(BindingDraft.updated_at < utcnow() - KEPT_FOR)
    return db.session.execute(old).rowcount


def spent(draft_id) -> bool:
    """Whether a draft the session names is gone: finished (by another click) or swept."""
    return isinstance(draft_id, int) and db.session.get(BindingDraft, draft_id) is None


def choose_way(user: User, draft: BindingDraft | None, way: str, organization_id: int) -> BindingDraft:
    """Step 1. The same way and company keep the answers typed so far (Back, then Next); another starts afresh."""
    if draft is None or (draft.way, draft.organization_id) != (way, organization_id):
        db.session.execute(delete(BindingDraft).where(BindingDraft.user_id == user.id))
        draft = BindingDraft(user_id=user.id, organization_id=organization_id, way=way)
        db.session.add(draft)
    draft.done = 1
    db.session.commit()
    return draft


def start_with(user: User, organization_id: int, role: str) -> BindingDraft:
    """Step 1 answered by the first-login address form: by code word, with the organization of the house found; the
    role chosen there waits for step 3."""
    draft = choose_way(user, None, "number", organization_id)
    draft.role = role
    db.session.commit()
    return draft


def open_accounts(draft: BindingDraft, user: User, number: str, code_word: str) -> Opened:
    """Step 2 by account: keep the accounts the number and code word open, each with a fingerprint of its code word
    as it is now (the proof the finish checks). Raises TooManyAttempts."""
    opened = services.open_by_code_word(user, draft.organization_id, number, code_word)
    if not opened:
        return Opened.WRONG
    if services.bound_ids(user, [a.id for a in opened]) == {a.id for a in opened}:
        return Opened.ALL_BOUND
    draft.number, draft.done, draft.selected = number, 2, []
    draft.opened = {str(account.id): _proof(account) for account in opened}
    db.session.commit()
    return Opened.ACCOUNTS


def set_address(draft: BindingDraft, building_id: int, premises: str) -> None:
    """Step 2 by address: the house and the premises."""
    draft.building_id, draft.premises, draft.done = building_id, premises, 2
    db.session.commit()


def choose(draft: BindingDraft, role: str, selected: list[int]) -> None:
    """Step 3: the role and, by account, which of the opened accounts."""
    draft.role, draft.selected, draft.done = role, selected, 3
    db.session.commit()


def opened_ids(draft: BindingDraft) -> list[int]:
    return [int(account_id) for account_id in draft.opened]


def finish(draft: BindingDraft, user: User) -> bool:
    """Step 4: bind the chosen accounts (or send the request by address) and spend the draft, all at once. False when
    the draft is not complete, or another request (a double click) finished it first. Raises CodeWordChanged, and
    the draft goes back to step 2, when the proof no longer holds."""
    if not _complete(draft):
        return False
    # Claimed by deleting it: of two requests at once, only one deletes the row and goes on.
    spend = delete(BindingDraft).where(BindingDraft.id == draft.id).execution_options(synchronize_session=False)
    if db.session.execute(spend).rowcount != 1:
        db.session.rollback()
        return False
    if draft.way == "address":
        services.request_by_address(user, draft.building_id, draft.premises, draft.role)
        return True
    accounts = db.session.scalars(select(Account).where(Account.id.in_(draft.selected))).all()
    if len(accounts) != len(draft.selected) or any(not _still_opens(draft, account) for account in accounts):
        db.session.rollback()  # the draft is back; the tenant types the new code word
        draft.done, draft.opened, draft.selected = 1, {}, []
        db.session.commit()
        raise CodeWordChanged
    services.bind(user, [account.id for account in accounts], draft.role, "code_word")
    return True


def _complete(draft: BindingDraft) -> bool:
    """Whether every step of the draft's own way was answered (a step of the other way proves nothing)."""
    if draft.done < 3 or not draft.role:
        return False
    if draft.way == "address":
        return draft.building_id is not None and bool(draft.premises)
    return bool(draft.selected) and set(draft.selected) <= set(opened_ids(draft))


def _proof(account: Account) -> str:
    # A fingerprint, not the code word's digest itself: the draft table need not hold a copy of it.
    return tokens.fingerprint(account.code_word_hash)


def _still_opens(draft: BindingDraft, account: Account) -> bool:
    proof = draft.opened.get(str(account.id))
    return bool(account.code_word_hash) and proof == _proof(account) and not account.is_closed
