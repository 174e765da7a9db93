"""Demo data for trying Kabinet: a Russian УК with two houses and 50 accounts, a Kazakh КСК with two houses and 20
accounts charged in tenge, each account with meters and a year of charges and payments; a tenant with accounts in
both."""

import random
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from kabinet.accounts import codewords
from kabinet.balance.ledger import next_month
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    Announcement,
    BindingRequest,
    BookEntry,
    Building,
    Charge,
    DispatchEvent,
    DispatchRequest,
    Executor,
    Feedback,
    Meter,
    Organization,
    Payment,
    Reading,
    User,
)
from kabinet.models.meter import UNITS
from kabinet.organizations import default_organization

TENANT = ("demo", "Zelenaya-Lampa-42")
# The company's people, one per role, to try the back office at /staff (staff passwords are 12 characters or more).
STAFF_PASSWORD = "Tikhaya-Reka-Osen-77"
STAFF = {"director": ("admin", "Анна", "Директорова"), "dispatcher": ("dispatcher", "Олег", "Диспетчеров"),
         "accountant": ("accountant", "Мария", "Бухгалтерова")}  # fmt: skip
EXECUTORS = ["Слесарь Петров В. А.", "Электрик Сидоров К. М.", "ООО «Лифт-Сервис»"]
# Printed in the README so that a newcomer can try the wizard. 100001 and 100002 (an apartment and a parking space)
# belong to one owner and share a code word: the wizard offers both. 100003 is already bound to the demo tenant, so
# the cabinet has something to show from the first login.
CODE_WORDS = {"100001": "DEMO-2026", "100002": "DEMO-2026", "100003": "KLEN-4521"}
HOUSES = {"г. Иркутск, ул. Ленина, д. 5": ["1", "П-1", *map(str, range(2, 30))],
          "г. Иркутск, ул. Карла Маркса, д. 12": [str(n) for n in range(1, 21)]}  # fmt: skip
OWNERS = ["Иванов Иван Петрович", "Смирнова Ольга Николаевна", "Кузнецов Андрей Викторович", "Попова Мария Ильинична",
          "Васильев Сергей Олегович", "Соколова Анна Дмитриевна", "Михайлов Павел Андреевич", "Новикова Елена Юрьевна",
          "Фёдоров Дмитрий Сергеевич", "Морозова Татьяна Алексеевна"]  # fmt: skip
# By the organization's country: the upkeep per m², the metered services (meter kind: service, price per unit), the
# waste per resident, and where the tenants pay.
TARIFFS = {
    "RU": {
        "upkeep": ("Содержание жилого помещения", Decimal("32.50")),
        "metered": {
            "cold_water": ("Холодное водоснабжение", Decimal("45.12")),
            "hot_water": ("Горячее водоснабжение", Decimal("210.50")),
            "electricity": ("Электроэнергия", Decimal("6.57")),
        },
        "waste": ("Обращение с ТКО", Decimal("120.00")),
        "paid_at": "Сбербанк Онлайн",
    },
    "KZ": {
        "upkeep": ("Содержание общего имущества", Decimal("45.00")),
        "metered": {
            "cold_water": ("Холодная вода", Decimal("112.40")),
            "hot_water": ("Горячая вода", Decimal("596.80")),
            "electricity": ("Электроэнергия", Decimal("24.60")),
        },
        "waste": ("Вывоз ТБО", Decimal("480.00")),
        "paid_at": "Kaspi.kz",
    },
}
MONEY = Decimal("0.01")
# The Kazakh КСК: its requisites (a БИН and an ИИК whose check digits fit), its houses, the demo tenant's account
# 300001 there, and a code word for its neighbour 300002; its chairman signs in at /staff as "ksk".
KSK = {"name": "КСК «Алатау»", "country": "KZ", "timezone": "Asia/Almaty", "inn": "190740012342",
       "bank_name": "АО «Банк ЦентрКредит»", "bic": "KCJBKZKX", "settlement_account": "KZ86125KZT5004100100",
       "kbe": "17", "knp": "859", "address": "г. Алматы, ул. Абая, д. 150, офис 2", "phones": "+7 (727) 250-15-00",
       "dispatch_phone": "+7 (727) 250-15-01", "opening_hours": "Пн–Пт 9:00–18:00", "email": "ksk@example.org",
       "readings_from_day": 15, "readings_until_day": 25}  # fmt: skip
KSK_HOUSES = {"г. Алматы, ул. Абая, д. 150": [str(n) for n in range(1, 13)],
              "г. Алматы, мкр. Самал-2, д. 33": [str(n) for n in range(1, 9)]}  # fmt: skip
KSK_OWNERS = ["Сейткали Айгуль Маратовна", "Ахметов Ержан Болатович", "Иванова Наталья Сергеевна",
              "Нурланов Данияр Асетович", "Ким Виктор Александрович"]  # fmt: skip
KSK_CODE_WORDS = {"300002": "ALMA-2026"}
KSK_CHAIRMAN = ("ksk", "Айгуль", "Сейткали")


def last_months(count: int, today: date) -> list[date]:
    """The first days of the last `count` full months, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(date(year, month, 1))
    return months[::-1]


def load() -> str | None:
    """Fill an empty database; a database with users is left alone. What to tell the newcomer, or None."""
    if db.session.scalar(select(func.count(User.id))):
        return None
    rnd = random.Random(2026)
    organization = _organization()
    user = User(login=TENANT[0], email="demo@example.org", first_name="Иван", middle_name="Петрович",
                last_name="Иванов", phone="+79123456789", confirmed_at=utcnow())  # fmt: skip
    user.set_password(TENANT[1])
    db.session.add(user)

    accounts = []
    for address, premises in HOUSES.items():
        building = Building(organization=organization, address=address)
        for place in premises:
            parking = place.startswith("П")
            account = Account(
                organization=organization,
                number=str(100001 + len(accounts)),
                building=building,
                premises=place,
                owner_name=OWNERS[0] if parking else OWNERS[len(accounts) % len(OWNERS)],
                area=Decimal("15.00") if parking else Decimal(rnd.randrange(3200, 9000)) / 100,
                residents=0 if parking else rnd.randint(1, 4),
            )
            if account.number in CODE_WORDS:
                codewords.issue(account, CODE_WORDS[account.number], utcnow())
            accounts.append(account)
    db.session.add_all(accounts)
    db.session.flush()
    months = last_months(12, utcnow().date())
    for account in accounts:
        _history(rnd, account, months)
    own = next(a for a in accounts if a.number == "100003")
    # One of the tenant's meters is due for verification soon, so the readings page shows its warning.
    hot_water = next(m for m in db.session.scalars(select(Meter).filter_by(account_id=own.id)) if m.kind == "hot_water")
    hot_water.verification_due = utcnow().date() + timedelta(days=20)
    db.session.add(AccountBinding(user_id=user.id, account=own, role="owner", method="code_word"))
    db.session.flush()  # the Russian account is the tenant's first: the header speaks for its УК
    _kazakh_ksk(rnd, user, months)
    _tenant_life(organization, user, own, accounts)
    _staff(organization)
    db.session.commit()
    codes = ", ".join(f"{number}: {word}" for number, word in {**CODE_WORDS, **KSK_CODE_WORDS}.items())
    base_url = current_app.config["BASE_URL"]
    staff = ", ".join([*STAFF, KSK_CHAIRMAN[0]])
    return (
        f"Demo tenant: login {TENANT[0]}, password {TENANT[1]} ({base_url}). Code words — {codes}. "
        f"Staff ({base_url}/staff): {staff}, password {STAFF_PASSWORD}"
    )


def _organization():
    organization = default_organization()
    organization.inn, organization.kpp = "3808123457", "380801001"
    organization.bank_name, organization.bic = "Байкальский банк ПАО Сбербанк", "042520607"
    organization.settlement_account = "40702810818350001234"
    organization.correspondent_account = "30101810900000000607"
    organization.address = "г. Иркутск, ул. Ленина, д. 5, офис 1"
    organization.dispatch_phone = "+7 (3952) 599-000"
    organization.opening_hours = "Пн–Пт 9:00–18:00"
    return organization


def _kazakh_ksk(rnd: random.Random, user: User, months: list[date]) -> None:
    """The Kazakh КСК with its houses and accounts charged in tenge, its chairman, and the demo tenant's account
    300001 there: the cabinet shows it beside the Russian ones."""
    ksk = Organization(**KSK)
    accounts = []
    for address, premises in KSK_HOUSES.items():
        building = Building(organization=ksk, address=address)
        for place in premises:
            number = str(300001 + len(accounts))
            account = Account(organization=ksk, number=number, building=building, premises=place,
                              owner_name=KSK_OWNERS[len(accounts) % len(KSK_OWNERS)],
                              area=Decimal(rnd.randrange(4000, 9000)) / 100, residents=rnd.randint(1, 4))  # fmt: skip
            if number in KSK_CODE_WORDS:
                codewords.issue(account, KSK_CODE_WORDS[number], utcnow())
            accounts.append(account)
    db.session.add_all(accounts)
    db.session.flush()
    for account in accounts:
        _history(rnd, account, months)
    db.session.add(AccountBinding(user_id=user.id, account=accounts[0], role="owner", method="code_word"))
    login, first_name, last_name = KSK_CHAIRMAN
    chairman = User(login=login, email=f"{login}@example.org", first_name=first_name, last_name=last_name,
                    phone="+77012345678", role="admin", organization_id=ksk.id, confirmed_at=utcnow())  # fmt: skip
    chairman.set_password(STAFF_PASSWORD)
    db.session.add(chairman)
    db.session.add(Announcement(organization_id=ksk.id, title="Промывка системы отопления",
                                body="В субботу с 9:00 до 15:00 промывка системы отопления.",
                                published_on=utcnow().date() - timedelta(days=3)))  # fmt: skip


def _history(rnd: random.Random, account: Account, months: list[date]) -> None:
    """Meters read on the 20th of each month, the charges they make at the country's tariffs, and payments (a quarter
    of tenants behind)."""
    tariffs = TARIFFS[account.organization.country]
    metered = tariffs["metered"]
    kinds = ["electricity"] if account.premises.startswith("П") else list(metered)
    meters = {
        kind: Meter(account_id=account.id, serial=f"{kind[:2].upper()}-{account.number}", kind=kind,
                    unit=UNITS[kind], verification_due=date(2029, 3, 1))
        for kind in kinds
    }  # fmt: skip
    db.session.add_all(meters.values())
    db.session.flush()
    values = {kind: Decimal(rnd.randrange(50, 500)) for kind in kinds}
    behind = rnd.random() < 0.25
    for month in months:
        charges = [(*tariffs["upkeep"], account.area, "м²")]
        for kind, meter in meters.items():
            used = Decimal(rnd.randrange(150, 300) if kind == "electricity" else rnd.randrange(2, 8))
            values[kind] += used
            reading = Reading(meter_id=meter.id, taken_on=month.replace(day=20), value=values[kind], source="import")
            db.session.add(reading)
            service, tariff = metered[kind]
            charges.append((service, tariff, used, meter.unit))
        if account.residents:
            charges.append((*tariffs["waste"], Decimal(account.residents), "чел."))
        total = Decimal(0)
        for service, tariff, quantity, unit in charges:
            amount = (tariff * quantity).quantize(MONEY)
            total += amount
            db.session.add(Charge(account_id=account.id, month=month, service=service, tariff=tariff,
                                  quantity=quantity, unit=unit, amount=amount))  # fmt: skip
        if not (behind and rnd.random() < 0.4):
            paid_on = next_month(month).replace(day=rnd.randint(5, 25))
            db.session.add(Payment(account_id=account.id, paid_on=paid_on, amount=total, source=tariffs["paid_at"]))


def _tenant_life(organization, user: User, own: Account, accounts: list[Account]) -> None:
    """Requests, book entries and announcements, so that every page of the cabinet has something to show."""
    now = utcnow()
    today = now.date()
    done = DispatchRequest(
        organization_id=organization.id,
        account=own,
        user_id=user.id,
        category="leak",
        description="Капает с потолка в ванной, видимо, течёт у соседей сверху.",
        location=own.address,
        contact_phone=user.phone,
        access_time="После 18:00",
        status="done",
        created_at=now - timedelta(days=20),
        updated_at=now - timedelta(days=19),
    )
    done.events = [
        DispatchEvent(author="tenant", user_id=user.id, status="new", created_at=now - timedelta(days=20)),
        DispatchEvent(
            author="staff", status="in_progress", text="Слесарь выехал.", created_at=now - timedelta(days=20)
        ),
        DispatchEvent(
            author="staff",
            status="done",
            text="Заменена прокладка у соседей сверху.",
            created_at=now - timedelta(days=19),
        ),
    ]
    working = DispatchRequest(
        organization_id=organization.id,
        account=own,
        user_id=user.id,
        category="elevator",
        description="Лифт во втором подъезде останавливается между этажами.",
        location=f"{own.building.address}, подъезд 2",
        contact_phone=user.phone,
        status="in_progress",
        created_at=now - timedelta(hours=5),
        updated_at=now - timedelta(hours=2),
    )
    working.events = [
        DispatchEvent(author="tenant", user_id=user.id, status="new", created_at=now - timedelta(hours=5)),
        DispatchEvent(author="staff", status="in_progress", text="Передано в лифтовую организацию.",
                      created_at=now - timedelta(hours=2)),
    ]  # fmt: skip
    waiting = DispatchRequest(organization_id=organization.id, account=own, user_id=user.id, category="no_water",
                              description="Нет горячей воды на кухне со вчерашнего вечера.", location=own.address,
                              contact_phone=user.phone, created_at=now - timedelta(hours=30),
                              updated_at=now - timedelta(hours=30))  # fmt: skip
    waiting.events = [DispatchEvent(author="tenant", user_id=user.id, status="new", created_at=waiting.created_at)]
    db.session.add_all([done, working, waiting])
    neighbour = accounts[5]
    db.session.add_all([
        BookEntry(organization_id=organization.id, kind="suggestion", subject="Велопарковка у первого подъезда",
                  text="Предлагаю поставить навес для велосипедов у первого подъезда.",
                  created_at=now - timedelta(days=40), answer="Спасибо! Навес установим в мае, смета утверждена.",
                  answered_at=now - timedelta(days=35), is_published=True),
        BookEntry(organization_id=organization.id, kind="gratitude", subject="Спасибо дворникам",
                  text=f"Спасибо за чистый двор зимой ({neighbour.building.address}).",
                  created_at=now - timedelta(days=12), answer="Передали благодарность бригаде, спасибо вам!",
                  answered_at=now - timedelta(days=11), is_published=True),
        BookEntry(organization_id=organization.id, user_id=user.id, kind="complaint", subject="Шум от вентиляции",
                  text="Вентиляция на крыше гудит по ночам.", created_at=now - timedelta(days=3)),
    ])  # fmt: skip
    # A recalculation, as after a complaint about the water, so the balance's "Перерасчёт" column is not all zeros.
    db.session.flush()
    last = db.session.scalars(select(Charge).filter_by(account_id=own.id).order_by(Charge.month.desc(), Charge.id))
    next(iter(last)).recalculation = Decimal("-150.00")
    second_house = next(b for b in organization.buildings if b.id != own.building_id)
    db.session.add_all([
        Announcement(organization_id=organization.id, title="Отключение горячей воды",
                     body="С 10:00 до 16:00 в связи с ремонтом теплотрассы горячая вода будет отключена.",
                     published_on=today - timedelta(days=1), until=today + timedelta(days=10)),
        Announcement(organization_id=organization.id, title="Приём показаний счётчиков",
                     body="Передавайте показания счётчиков в личном кабинете в течение месяца: раздел «Показания».",
                     published_on=today - timedelta(days=7)),
        Announcement(organization_id=organization.id, title="Собрание собственников",
                     body="Собрание собственников дома состоится в субботу в 12:00 во дворе.",
                     published_on=today - timedelta(days=2), buildings=[second_house]),
        Announcement(organization_id=organization.id, title="Уборка снега с кровли",
                     body="Просим не оставлять машины у стен домов.", published_on=today - timedelta(days=30),
                     until=today - timedelta(days=1)),
    ])  # fmt: skip


def _staff(organization) -> None:
    """A director, a dispatcher and an accountant; the executors the dispatcher assigns requests to; feedback."""
    for login, (role, first_name, last_name) in STAFF.items():
        person = User(login=login, email=f"{login}@example.org", first_name=first_name, last_name=last_name,
                      phone="+79123450000", role=role, organization_id=organization.id,
                      confirmed_at=utcnow())  # fmt: skip
        person.set_password(STAFF_PASSWORD)
        db.session.add(person)
    db.session.add_all(Executor(organization_id=organization.id, name=name) for name in EXECUTORS)
    # A neighbour without a code word asked to bind her apartment by address: the accountant approves or rejects it.
    neighbour = User(login="anna", email="anna@example.org", first_name="Анна", last_name="Соседова",
                     phone="+79123450001", confirmed_at=utcnow())  # fmt: skip
    neighbour.set_password(TENANT[1])
    house = organization.buildings[0]
    db.session.add(neighbour)
    db.session.flush()
    db.session.add(BindingRequest(user_id=neighbour.id, building_id=house.id, premises="7", role="owner"))
    db.session.add_all([
        Feedback(organization_id=organization.id, name="Светлана", contact="+79140001122",
                 message="Подскажите, когда будут менять счётчики в 12-м доме?"),
        Feedback(organization_id=organization.id, name="Игорь", contact="igor@example.org",
                 message="Спасибо за быстрый ремонт домофона.", state="done"),
    ])  # fmt: skip
