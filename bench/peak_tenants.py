"""The tenants of bench/peak.py: N confirmed tenants, each with a bound account of three meters read in the last two
months, the organization taking readings all month. Run by bench/peak.py in a subprocess with the server's settings:
  python bench/peak_tenants.py N
"""

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Zelenaya-Lampa-42"
LOGIN = "peak{:05d}"
KINDS = ("cold_water", "hot_water", "electricity")


def meter_value(meter_id: int, months_ago: int) -> Decimal:
    """The reading a meter had `months_ago` months back (0: the one the bench submits), known to both sides."""
    return Decimal(100 + meter_id % 500 + 5 * (2 - months_ago)) + Decimal(meter_id % 1000) / 1000


def populate(tenants: int) -> None:
    """N confirmed tenants with one bound account of three meters each; one password hash for all (scrypt at the
    production cost would take minutes for 2,000 users, and the server checks it at full cost on every login)."""
    from sqlalchemy import insert, select

    from kabinet import create_app
    from kabinet.clock import utcnow
    from kabinet.extensions import db
    from kabinet.models import Account, AccountBinding, Building, Meter, Reading, User
    from kabinet.models.meter import UNITS
    from kabinet.organizations import default_organization

    app = create_app()
    with app.app_context():
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day = 1, 31
        building = Building(organization=organization, address="г. Иркутск, ул. Пиковая, д. 1")
        db.session.add(building)
        probe = User(login="probe")
        probe.set_password(PASSWORD)
        now, today = utcnow(), utcnow().date()
        db.session.flush()
        users = [
            dict(login=LOGIN.format(n), email=f"{LOGIN.format(n)}@example.org", first_name="Пётр", last_name="Пиков",
                 phone="+79120000000", password_hash=probe.password_hash, confirmed_at=now)
            for n in range(tenants)
        ]  # fmt: skip
        db.session.execute(insert(User), users)
        accounts = [
            dict(organization_id=organization.id, number=str(500000 + n), building_id=building.id, premises=str(n + 1),
                 owner_name="Пиков Пётр", area=Decimal("50.00"), residents=2)
            for n in range(tenants)
        ]  # fmt: skip
        db.session.execute(insert(Account), accounts)
        user_ids = dict(db.session.execute(select(User.login, User.id)).all())
        account_ids = dict(db.session.execute(select(Account.number, Account.id)).all())
        db.session.execute(
            insert(AccountBinding),
            [dict(user_id=user_ids[LOGIN.format(n)], account_id=account_ids[str(500000 + n)], role="owner",
                  method="code_word") for n in range(tenants)],
        )  # fmt: skip
        db.session.execute(
            insert(Meter),
            [dict(account_id=account_ids[str(500000 + n)], serial=f"{kind}-{n}", kind=kind, unit=UNITS[kind])
             for n in range(tenants) for kind in KINDS],
        )  # fmt: skip
        month = today.replace(day=1)
        earlier = [(month - dt.timedelta(days=1)).replace(day=20)]
        earlier.insert(0, (earlier[0].replace(day=1) - dt.timedelta(days=1)).replace(day=20))
        meter_ids = db.session.scalars(select(Meter.id)).all()
        db.session.execute(
            insert(Reading),
            [dict(meter_id=m, taken_on=day, value=meter_value(m, 2 - i), source="import")
             for m in meter_ids for i, day in enumerate(earlier)],
        )  # fmt: skip
        db.session.commit()


if __name__ == "__main__":
    populate(int(sys.argv[1]))
