"""Whom an organization writes to: the tenants bound to its open accounts, of the whole organization or of some of
its houses, confirmed and not blocked. Announcements and documents are sent to the same people."""

from collections.abc import Collection

from sqlalchemy import select

from kabinet.models import Account, AccountBinding, User


def tenants_of(organization_id: int, building_ids: Collection[int] = ()) -> tuple:
    """The conditions on User for the organization's tenants (only those of `building_ids` when any are given)."""
    accounts = select(Account.id).where(Account.organization_id == organization_id, Account.is_closed.is_(False))
    if building_ids:
        accounts = accounts.where(Account.building_id.in_(list(building_ids)))
    bound = select(AccountBinding.user_id).where(AccountBinding.account_id.in_(accounts))
    return User.id.in_(bound), User.confirmed_at.is_not(None), User.blocked_at.is_(None)
