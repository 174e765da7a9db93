"""The accountant's rules for an account: finding it, what its page shows, replacing a meter, correcting a reading,
unbinding a tenant and giving a new code word. Every lookup is limited to the staff user's organization."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from kabinet import audit
from kabinet.accounts import codewords
from kabinet.balance import ledger
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    Building,
    DispatchRequest,
    Meter,
    Organization,
    Payment,
    Reading,
    ReadingChange,
    User,
)
from kabinet.models.account import BOUND_ORDER
from kabinet.models.meter import UNITS
from kabinet.readings.services import number, recent_readings
from kabinet.staff.search import spellings

PER_PAGE = 25
LEDGER_MONTHS = 12
LAST_READINGS = 3  # per meter on the account's page; the full history is on the tenant's meter page
LAST_REQUESTS = 20
# Words of an address that nobody's data contains as typed ("ул. Ленина, д. 5, кв. 12").
ADDRESS_NOISE = {"ул", "д", "дом", "кв", "квартира", "г"}


def search(organization: Organization, text: str, page: int):
    """The organization's accounts matching every word of `text` (case aside) in the number, the owner's name, the
    house's address or the premises, in the order of the houses; a page of them."""
    query = select(Account).join(Account.building).where(Account.organization_id == organization.id)
    for word in re.findall(r"[\w-]+", text or ""):
        if word.lower() in ADDRESS_NOISE:
            continue
        patterns = [f"%{spelling}%" for spelling in spellings(word)]
        columns = (Account.number, Account.owner_name, Building.address)
        query = query.where(
            or_(
                *(column.ilike(pattern) for column in columns for pattern in patterns),
                Account.premises.in_(spellings(word)),
            )
        )
    query = query.options(joinedload(Account.building)).order_by(Building.address, Account.premises, Account.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def account_of(organization: Organization, account_id: int) -> Account | None:
    """The account if it is the organization's; None for another's, which the views answer with 404."""
    query = (
        select(Account)
        .where(Account.id == account_id, Account.organization_id == organization.id)
        .options(joinedload(Account.building))
    )
    return db.session.scalar(query)


def meter_of(account: Account, meter_id: int) -> Meter | None:
    return db.session.scalar(select(Meter).where(Meter.id == meter_id, Meter.account_id == account.id))


def serials(account: Account) -> list[str]:
    """The serial numbers of the account's meters, replaced ones included: a new meter may not repeat one."""
    return list(db.session.scalars(select(Meter.serial).where(Meter.account_id == account.id)))


def reading_of(account: Account, reading_id: int) -> Reading | None:
    query = (
        select(Reading)
        .join(Reading.meter)
        .where(Reading.id == reading_id, Meter.account_id == account.id)
        .options(joinedload(Reading.meter))
    )
    return db.session.scalar(query)


@dataclass
class Tenant:
    """A user who sees the account, and how they came to."""

    binding: AccountBinding
    user: User


@dataclass
class Overview:
    """Everything the account's page shows, in a fixed number of queries."""

    account: Account
    tenants: list[Tenant]
    meters: list[Meter]
    readings: dict[int, list[Reading]]  # the last few of each meter, newest first
    months: list[ledger.Month]  # the last 12, newest first
    payments: list[Payment]
    requests: list[DispatchRequest]
    balance: Decimal


def overview(account: Account, today: date) -> Overview:
    """The account's tenants, meters (active first) and their last readings, its last year of charges and payments,
    its dispatch requests and balance."""
    tenants = [
        Tenant(binding, user)
        for binding, user in db.session.execute(
            select(AccountBinding, User)
            .join(User, User.id == AccountBinding.user_id)
            .where(AccountBinding.account_id == account.id)
            .order_by(*BOUND_ORDER)
        )
    ]
    meters = db.session.scalars(
        select(Meter).where(Meter.account_id == account.id).order_by(Meter.is_active.desc(), Meter.kind, Meter.id)
    ).all()
    months = ledger.months(account, until=today)[-LEDGER_MONTHS:]
    first = months[0].month if months else today
    requests = db.session.scalars(
        select(DispatchRequest)
        .where(DispatchRequest.account_id == account.id)
        .order_by(DispatchRequest.created_at.desc())
        .limit(LAST_REQUESTS)
    ).all()
    return Overview(
        account=account,
        tenants=tenants,
        meters=meters,
        readings=recent_readings([meter.id for meter in meters], LAST_READINGS),
        months=months[::-1],
        payments=ledger.payments_since(account, first),
        requests=requests,
        balance=months[-1].closing if months else ledger.balance(account),
    )


def binding_of(account: Account, binding_id: int) -> AccountBinding | None:
    query = select(AccountBinding).where(AccountBinding.id == binding_id, AccountBinding.account_id == account.id)
    return db.session.scalar(query)


def unbind(binding: AccountBinding) -> None:
    """Take the account away from a tenant's cabinet (a sold apartment, a resident who moved out)."""
    user = db.session.get(User, binding.user_id)
    audit.record("account.unbind", target=binding.account, details=f"user:{user.id} {user.login}")
    db.session.delete(binding)
    db.session.commit()


@dataclass
class Replacement:
    """What the accountant typed to replace a meter."""

    replaced_on: date
    final_value: Decimal
    serial: str
    kind: str
    verification_due: date | None
    initial_value: Decimal


class Refused(ValueError):
    """An action the data do not allow; `field` names the form field the message goes beside."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field, self.message = field, message


def replace_meter(meter: Meter, replacement: Replacement, staff: User) -> Meter:
    """Close the meter with its final reading and open the new one with its initial reading, in one transaction."""
    last = db.session.scalar(
        select(Reading)
        .where(Reading.meter_id == meter.id)
        .order_by(Reading.taken_on.desc(), Reading.id.desc())
        .limit(1)
    )
    if last is not None and replacement.replaced_on < last.taken_on:
        raise Refused("replaced_on", _("Дата замены раньше последнего показания (%(date)s).", date=_day(last.taken_on)))
    if last is not None and replacement.final_value < last.value:
        raise Refused("final_value", _("Последнее показание меньше предыдущего (%(value)s).", value=number(last.value)))
    final = last if last is not None and last.taken_on == replacement.replaced_on else None
    if final is None:
        db.session.add(
            Reading(
                meter_id=meter.id,
                taken_on=replacement.replaced_on,
                value=replacement.final_value,
                source="staff",
                user_id=staff.id,
            )
        )
    elif final.value != replacement.final_value:
        _change(final, replacement.final_value, staff, _("Замена счетчика"))
    meter.is_active, meter.closed_on = False, replacement.replaced_on
    new = Meter(
        account_id=meter.account_id,
        serial=replacement.serial,
        kind=replacement.kind,
        unit=UNITS[replacement.kind],
        verification_due=replacement.verification_due,
    )
    new.readings.append(
        Reading(taken_on=replacement.replaced_on, value=replacement.initial_value, source="staff", user_id=staff.id)
    )
    db.session.add(new)
    audit.record(
        "meter.replace",
        target=meter,
        details=f"{meter.serial} ({replacement.final_value}) -> {new.serial} ({replacement.initial_value}) "
        f"on {replacement.replaced_on.isoformat()}",
    )
    db.session.commit()
    return new


def correct_reading(reading: Reading, value: Decimal, reason: str, staff: User) -> None:
    """Put the right value in place of a reading; the old one stays as a change with its reason, for the tenant.

    The value stays between the meter's readings before and after it (by date), so the consumption never goes
    negative."""
    if reading.value == value:
        raise Refused("value", _("Это значение уже записано."))
    before, after = _neighbours(reading)
    if before is not None and value < before.value:
        raise Refused(
            "value",
            _(
                "Не меньше предыдущего показания: %(value)s от %(date)s.",
                value=number(before.value),
                date=_day(before.taken_on),
            ),
        )
    if after is not None and value > after.value:
        raise Refused(
            "value",
            _(
                "Не больше следующего показания: %(value)s от %(date)s.",
                value=number(after.value),
                date=_day(after.taken_on),
            ),
        )
    old = reading.value
    _change(reading, value, staff, reason)
    audit.record("reading.correct", target=reading, details=f"{old} -> {value}: {reason}")
    db.session.commit()


def _neighbours(reading: Reading) -> tuple[Reading | None, Reading | None]:
    """The meter's readings just before and just after this one, by date."""
    same_meter = select(Reading).where(Reading.meter_id == reading.meter_id)
    before = db.session.scalar(
        same_meter.where(Reading.taken_on < reading.taken_on).order_by(Reading.taken_on.desc()).limit(1)
    )
    after = db.session.scalar(same_meter.where(Reading.taken_on > reading.taken_on).order_by(Reading.taken_on).limit(1))
    return before, after


def _change(reading: Reading, value: Decimal, staff: User, reason) -> None:
    db.session.add(
        ReadingChange(
            reading_id=reading.id,
            old_value=reading.value,
            old_taken_on=reading.taken_on,
            user_id=staff.id,
            reason=str(reason)[:255],
        )
    )
    reading.value, reading.source, reading.user_id = value, "staff", staff.id


def new_code_word(account: Account, now: datetime) -> str:
    """Give the account a new code word (the old one stops working); the caller commits once the letter exists."""
    code_word = codewords.generate()
    codewords.issue(account, code_word, now)
    audit.record("codeword.issue", target=account)
    return code_word


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")
