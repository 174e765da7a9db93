"""Requests to bind an account by address, which the accountant approves or rejects; and code words for a house."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from kabinet import audit
from kabinet.accounts import codewords
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, BindingRequest, Building, Organization, User
from kabinet.organizations import same_address
from kabinet.outbox import queue
from kabinet.urls import external_url

PER_PAGE = 25


def _same_premises(a: str, b: str) -> bool:
    return same_address(a) == same_address(b)


def _words(name: str) -> set[str]:
    return set(re.findall(r"\w+", name.lower().replace("ё", "е")))


def same_person(user: User, owner_name: str) -> bool:
    """Whether the owner's name, as the company's file has it, can be the user's: their last name among its words, and
    their first name or its initial ("Петров Иван Сергеевич", "ПЕТРОВ И. С."); case and ё aside. An owner without a
    name is nobody to compare with."""
    owner = _words(owner_name)
    last, first = _words(user.last_name), _words(user.first_name)
    return not owner or (last <= owner and all(word in owner or word[0] in owner for word in first))


@dataclass
class Pending:
    """A request waiting for a decision, with its tenant and the accounts at that address."""

    request: BindingRequest
    user: User
    matches: list[Account]

    @property
    def other_owners(self) -> list[Account]:
        """The matching accounts whose owner is not the applicant by name, when they ask to be bound as the owner:
        a hint to check before approving (a name changed by marriage, a relative, a mistake, or a stranger)."""
        if self.request.role != "owner":
            return []
        return [account for account in self.matches if not same_person(self.user, account.owner_name)]


def pending(organization: Organization, page: int):
    """The organization's undecided requests, the oldest first, each with its tenant and matches; a page of them.

    Four queries for the page: the count, the requests with their houses, their tenants, the accounts of those houses.
    """
    query = (
        select(BindingRequest)
        .join(BindingRequest.building)
        .where(Building.organization_id == organization.id, BindingRequest.state == "pending")
        .options(joinedload(BindingRequest.building))
        .order_by(BindingRequest.created_at, BindingRequest.id)
    )
    listed = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    requests = listed.items
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in requests})))}
    accounts = db.session.scalars(
        select(Account).where(Account.building_id.in_({r.building_id for r in requests}), ~Account.is_closed)
    ).all()
    listed.items = [
        Pending(
            request,
            users[request.user_id],
            [
                a
                for a in accounts
                if a.building_id == request.building_id and _same_premises(a.premises, request.premises)
            ],
        )
        for request in requests
    ]
    return listed


def pending_count(organization: Organization) -> int:
    """How many of the organization's requests wait for a decision: the dashboard's number (one query)."""
    return db.session.scalar(
        select(func.count(BindingRequest.id))
        .join(BindingRequest.building)
        .where(Building.organization_id == organization.id, BindingRequest.state == "pending")
    )


def request_of(organization: Organization, request_id: int) -> BindingRequest | None:
    """The request if it asks for a house of the organization; None otherwise (404)."""
    query = (
        select(BindingRequest)
        .join(BindingRequest.building)
        .where(BindingRequest.id == request_id, Building.organization_id == organization.id)
        .options(joinedload(BindingRequest.building))
    )
    return db.session.scalar(query)


def candidates(request: BindingRequest) -> list[Account]:
    """The open accounts of the requested house, the ones at the requested premises first, then in the house's order."""
    accounts = db.session.scalars(
        select(Account)
        .where(Account.building_id == request.building_id, ~Account.is_closed)
        .options(joinedload(Account.building))
    ).all()
    return sorted(
        accounts, key=lambda a: (not _same_premises(a.premises, request.premises), codewords.premises_order(a))
    )


def approve(request: BindingRequest, account: Account, staff: User, now: datetime) -> bool:
    """Bind the account to the tenant by address and close the request as approved; False, binding nothing, when
    another staff user decided the request meanwhile."""
    if not _decide(request, "approved", staff, now, account_id=account.id):
        return False
    bound = db.session.scalar(
        select(func.count(AccountBinding.id)).where(
            AccountBinding.user_id == request.user_id, AccountBinding.account_id == account.id
        )
    )
    if not bound:
        db.session.add(
            AccountBinding(user_id=request.user_id, account_id=account.id, role=request.role, method="address")
        )
    audit.record("binding.approve", target=request, details=f"account:{account.id} {account.number}")
    _tell_tenant(request, "staff/binding_approved", account=account)
    db.session.commit()
    return True


def reject(request: BindingRequest, reason: str, staff: User, now: datetime) -> bool:
    """Refuse the request with a reason the tenant reads on the cabinet's home and in an e-mail; False when it was
    decided meanwhile."""
    if not _decide(request, "rejected", staff, now, reason=reason):
        return False
    audit.record("binding.reject", target=request, details=reason)
    _tell_tenant(request, "staff/binding_rejected", reason=reason)
    db.session.commit()
    return True


def _tell_tenant(request: BindingRequest, template: str, **context) -> None:
    """E-mail the decision to the tenant who asked, in the decision's transaction; a blocked tenant gets nothing."""
    tenant = db.session.get(User, request.user_id)
    if tenant is not None and tenant.blocked_at is None:
        link = external_url("cabinet.home")
        queue(tenant.email, template, user=tenant, binding_request=request, link=link, **context)


def _decide(request: BindingRequest, state: str, staff: User, now: datetime, **values) -> bool:
    """Close a pending request, checked in the same statement: of two decisions at once, only one is taken."""
    decided = db.session.execute(
        update(BindingRequest)
        .where(BindingRequest.id == request.id, BindingRequest.state == "pending")
        .values(state=state, decided_at=now, decided_by=staff.id, **values)
    )
    if decided.rowcount != 1:
        db.session.rollback()
        return False
    return True


@dataclass
class House:
    """A house with how many of its open accounts have a code word."""

    building: Building
    accounts: int
    with_code_word: int


def houses(organization: Organization) -> list[House]:
    """The organization's houses by address, with their code-word counts (one query)."""
    rows = db.session.execute(
        select(Building, func.count(Account.id), func.count(Account.code_word_hash))
        .outerjoin(Account, (Account.building_id == Building.id) & ~Account.is_closed)
        .where(Building.organization_id == organization.id)
        .group_by(Building.id)
        .order_by(Building.address)
    ).all()
    return [House(building, accounts, with_code_word) for building, accounts, with_code_word in rows]


def generate(organization: Organization, building: Building, now: datetime) -> list[tuple[list[Account], str]]:
    """Code words for the house's accounts that have none, as `flask codewords generate --building` gives them;
    the caller commits once the letters exist."""
    letters = codewords.issue_missing(organization, building.address, now)
    if letters:
        count = sum(len(accounts) for accounts, _ in letters)
        audit.record("codeword.generate", target=building, details=f"accounts: {count}, letters: {len(letters)}")
    return letters
