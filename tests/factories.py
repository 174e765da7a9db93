"""Data for the tests of the cabinet: an organization with requisites, accounts bound to tenants, a history.

Each function opens its own app context, commits, and returns ids (never ORM objects, which would outlive their
session).
"""

from datetime import date
from decimal import Decimal

from kabinet.balance.ledger import next_month
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Building, Charge, Meter, Organization, Payment, Reading
from kabinet.models.meter import UNITS
from kabinet.organizations import default_organization

REQUISITES = {
    "name": "УК «Наш дом»",
    "inn": "3808123457",
    "kpp": "380801001",
    "bank_name": "ПАО Сбербанк",
    "bic": "042520607",
    "settlement_account": "40702810818350001234",
    "correspondent_account": "30101810900000000607",
    "address": "г. Иркутск, ул. Ленина, д. 1, офис 3",
    "phones": "+7 (3952) 599-018",
    "dispatch_phone": "+7 (3952) 599-019",
    "opening_hours": "Пн–Пт 9:00–18:00",
    "email": "info@example.org",
}


def make_account(app, number="100101", *, premises="1", address="г. Иркутск, ул. Ленина, д. 5", user_id=None,
                 role="owner", **fields) -> int:  # fmt: skip
    """An account of the default organization (given its requisites), bound to user_id when given."""
    with app.app_context():
        organization = default_organization()
        for name, value in REQUISITES.items():
            setattr(organization, name, value)
        building = db.session.scalar(db.select(Building).filter_by(organization_id=organization.id, address=address))
        if building is None:
            building = Building(organization_id=organization.id, address=address)
        fields.setdefault("owner_name", "Петров Иван Сергеевич")
        fields.setdefault("area", Decimal("54.30"))
        fields.setdefault("residents", 2)
        account = Account(organization=organization, number=number, building=building, premises=premises, **fields)
        db.session.add(account)
        db.session.flush()
        if user_id is not None:
            db.session.add(AccountBinding(user_id=user_id, account_id=account.id, role=role, method="code_word"))
        db.session.commit()
        return account.id


def make_meter(app, account_id, serial="CW-1", kind="cold_water", verification_due=None, readings=()) -> int:
    """A meter with its readings, given as (date, value) pairs."""
    with app.app_context():
        meter = Meter(
            account_id=account_id, serial=serial, kind=kind, unit=UNITS[kind], verification_due=verification_due
        )
        db.session.add(meter)
        db.session.flush()
        for taken_on, value in readings:
            db.session.add(Reading(meter_id=meter.id, taken_on=taken_on, value=Decimal(str(value)), source="import"))
        db.session.commit()
        return meter.id


def add_history(app, account_id, first: date, months: int, *, services=None, payment="1000.00") -> None:
    """`months` months of charges from `first`, each month paid on the 10th of the next one."""
    services = services or [("Содержание жилья", "30.5000", "54.300", "м²", "1656.15"),
                            ("Холодное водоснабжение", "45.1200", "5.000", "м³", "225.60")]  # fmt: skip
    with app.app_context():
        month = first
        for _ in range(months):
            for service, tariff, quantity, unit, amount in services:
                db.session.add(Charge(account_id=account_id, month=month, service=service, tariff=Decimal(tariff),
                                      quantity=Decimal(quantity), unit=unit, amount=Decimal(amount)))  # fmt: skip
            if payment:
                db.session.add(Payment(account_id=account_id, paid_on=next_month(month).replace(day=10),
                                       amount=Decimal(payment), source="Сбербанк"))  # fmt: skip
            month = next_month(month)
        db.session.commit()


def other_organization(app, number="200101", user_id=None, **fields) -> int:
    """A second organization («ТСЖ «Клён»») with one account, bound to user_id when given; its id."""
    with app.app_context():
        default_organization()  # the first one stays the installation's own
        organization = Organization(name="ТСЖ «Клён»", **fields)
        building = Building(organization=organization, address="г. Иркутск, ул. Кленовая, д. 2")
        account = Account(organization=organization, building=building, number=number, premises="7")
        db.session.add(account)
        db.session.flush()
        if user_id is not None:
            db.session.add(AccountBinding(user_id=user_id, account_id=account.id, role="owner", method="code_word"))
        db.session.commit()
        return organization.id


def make_staff(app, role="admin", login=None, **fields) -> int:
    """A confirmed staff user of the default organization with this role; password PASSWORD; their id."""
    from tests.conftest import make_user

    login = login or role
    with app.app_context():
        organization_id = default_organization().id
        db.session.commit()
    return make_user(app, login=login, email=f"{login}@staff.example.org", role=role, organization_id=organization_id,
                     first_name=fields.pop("first_name", "Ольга"), last_name=fields.pop("last_name", "Сотрудникова"),
                     **fields)  # fmt: skip


def with_second_factor(app, login="clerk") -> tuple[str, list[str]]:
    """A dispatcher whose second factor is on: its TOTP secret and its recovery codes."""
    import pyotp

    from kabinet.auth import totp
    from kabinet.clock import utcnow
    from kabinet.models import User

    make_staff(app, "dispatcher", login=login)
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        user.totp_secret, user.totp_enabled_at = secret, utcnow()
        recovery = totp._new_recovery_codes(user)
        db.session.commit()
    return secret, recovery
