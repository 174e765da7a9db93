"""Binding a tenant to personal accounts: by code word at once, or by address with the staff's approval."""

from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kabinet import audit
from kabinet.accounts import codewords
from kabinet.extensions import db
from kabinet.limits import check_secret
from kabinet.models import Account, AccountBinding, BindingRequest, Building, User
from kabinet.models.account import BOUND_ORDER

ROLES = ("owner", "resident")


@cache
def _bindings():
    # Built once: the cabinet's pages run it on every request (building a statement costs more than running it).
    return (
        select(AccountBinding)
        .where(AccountBinding.user_id == bindparam("user_id"))
        .options(
            joinedload(AccountBinding.account).joinedload(Account.building),
            joinedload(AccountBinding.account).joinedload(Account.organization),
        )
        .order_by(*BOUND_ORDER)
    )


def bindings(user: User) -> list[AccountBinding]:
    """The user's accounts with their address and organization, in the order they were bound."""
    return db.session.scalars(_bindings(), {"user_id": user.id}).all()


def bound_account(user: User, account_id: int) -> Account | None:
    """The account if it is bound to this user; None for anyone else's, so that another tenant's id reveals nothing."""
    query = (
        select(Account)
        .join(AccountBinding, AccountBinding.account_id == Account.id)
        .where(Account.id == account_id, AccountBinding.user_id == user.id)
        .options(joinedload(Account.building), joinedload(Account.organization))
    )
    return db.session.scalars(query).first()


def open_by_code_word(user: User, organization_id: int, number: str, code_word: str) -> list[Account]:
    """The accounts this number and code word open: the account itself and the same owner's other premises that
    share the code word. A wrong pair opens nothing and is logged; every check goes through the secret limiter, per
    account and per tenant (raises TooManyAttempts)."""
    account = db.session.scalar(
        select(Account).where(Account.organization_id == organization_id, Account.number == number, ~Account.is_closed)
    )
    subjects = (f"account:{organization_id}:{number.lower()}", f"user:{user.id}")
    if not check_secret("code_word", subjects, lambda: account is not None and codewords.opens(account, code_word)):
        audit.record(audit.CODE_WORD_FAILED, user=user, target=f"account_number:{number}")
        db.session.commit()
        return []
    siblings = db.session.scalars(
        select(Account)
        .where(
            Account.organization_id == organization_id,
            Account.owner_name == account.owner_name,
            Account.owner_name != "",
            Account.id != account.id,
            ~Account.is_closed,
        )
        .options(joinedload(Account.building))
    ).all()
    return [account, *sorted((a for a in siblings if codewords.opens(a, code_word)), key=codewords.premises_order)]


def bound_ids(user: User, account_ids) -> set[int]:
    """Which of these accounts the user has bound already."""
    query = select(AccountBinding.account_id).where(
        AccountBinding.user_id == user.id, AccountBinding.account_id.in_(list(account_ids))
    )
    return set(db.session.scalars(query))


def bind(user: User, account_ids: list[int], role: str, method: str) -> int:
    """Bind the accounts to the user; the ones bound already are left as they are. The count of new bindings."""
    new = [i for i in account_ids if i not in bound_ids(user, account_ids)]
    for account_id in new:
        db.session.add(AccountBinding(user_id=user.id, account_id=account_id, role=role, method=method))
    try:
        db.session.commit()
    except IntegrityError:  # the same wizard finished twice at once (a double click): the first one bound them
        db.session.rollback()
        return 0
    return len(new)


def request_by_address(user: User, building_id: int, premises: str, role: str) -> BindingRequest:
    """Ask the staff to bind the account at this address; asking again while it waits changes nothing."""
    premises = " ".join(premises.split())
    existing = db.session.scalar(
        select(BindingRequest).where(
            BindingRequest.user_id == user.id,
            BindingRequest.building_id == building_id,
            func.lower(BindingRequest.premises) == premises.lower(),
            BindingRequest.state == "pending",
        )
    )
    if existing is not None:
        return existing
    request = BindingRequest(user_id=user.id, building_id=building_id, premises=premises, role=role)
    db.session.add(request)
    db.session.commit()
    return request


def unbind(user: User, account_id: int) -> bool:
    """Remove the account from the user's cabinet; False when it was not theirs."""
    binding = db.session.scalar(
        select(AccountBinding).where(AccountBinding.user_id == user.id, AccountBinding.account_id == account_id)
    )
    if binding is None:
        return False
    db.session.delete(binding)
    db.session.commit()
    return True


def accounts_by_id(account_ids) -> list[Account]:
    """These accounts with their buildings, in the order of the houses."""
    query = select(Account).where(Account.id.in_(list(account_ids))).options(joinedload(Account.building))
    return sorted(db.session.scalars(query), key=codewords.premises_order)


def buildings(organization_id: int) -> list[Building]:
    """The organization's houses, by address."""
    return db.session.scalars(
        select(Building).where(Building.organization_id == organization_id).order_by(Building.address)
    ).all()
