"""Code words (кодовые слова): what the company prints for an owner to bind their accounts."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from kabinet import codes
from kabinet.extensions import db
from kabinet.models import Account, Building, Organization

LENGTH = 8


def generate() -> str:
    """A new code word as printed in the letter: two groups of four unambiguous characters."""
    code = codes.new_code(LENGTH)
    return f"{code[:4]}-{code[4:]}"


def digest(salt: str, code_word: str) -> str:
    # A fast salted hash is enough: binding by code word is rate-limited, and whoever reads the database sees the
    # accounts anyway; what matters is that the words themselves are not kept.
    return hashlib.sha256(f"{salt}:{codes.normalize(code_word)}".encode()).hexdigest()


def opens(account: Account, typed: str) -> bool:
    """Whether the typed code word is the account's (case, spaces and dashes do not matter)."""
    if not account.code_word_hash or not typed.strip():
        return False
    return hmac.compare_digest(digest(account.code_word_salt, typed), account.code_word_hash)


def issue(account: Account, code_word: str, now: datetime) -> None:
    """Give the account this code word; the previous one stops working."""
    account.code_word_salt = secrets.token_hex(8)
    account.code_word_hash = digest(account.code_word_salt, code_word)
    account.code_word_issued_at = now


def premises_order(account: Account) -> tuple:
    """Apartments in the order of the house: 2, 10, 12, 12А, П-3."""
    digits = re.match(r"\d+", account.premises)
    return (account.building.address, digits is None, int(digits.group()) if digits else 0, account.premises)


def issue_missing(organization: Organization, building: str | None, now: datetime) -> list[tuple[list[Account], str]]:
    """Give a code word to every open account that has none: one per owner, who gets a single letter for all
    their premises. The (accounts, code word) pairs, in the order of the houses, for the letters."""
    query = (
        select(Account)
        .join(Account.building)
        .options(contains_eager(Account.building))
        .where(Account.organization_id == organization.id, Account.code_word_hash.is_(None), ~Account.is_closed)
    )
    if building:
        query = query.where(Building.address == building)
    by_owner: dict[str, list[Account]] = {}
    for account in sorted(db.session.scalars(query), key=premises_order):
        owner = " ".join(account.owner_name.lower().split()) or f"#{account.id}"
        by_owner.setdefault(owner, []).append(account)
    letters = []
    for accounts in by_owner.values():
        code_word = generate()
        for account in accounts:
            issue(account, code_word, now)
        letters.append((accounts, code_word))
    return letters
