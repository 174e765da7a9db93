"""Issue 4's benchmark: a tenant's cabinet pages among 100,000 accounts with ten years of history, against the same
pages on an almost empty database, measured in one run; and the time to make a receipt PDF.

Two databases are built side by side: "empty" holds only the tenant's account with one month of history; "full" holds
100,000 accounts, 10,000 of them (the tenant's among them) with ten years of monthly readings of three meters, five
charges and a payment a month (about 11 million rows). The app answers the same tenant's pages from each through the
Flask test client (no HTTP server: what is measured is the app and its queries), the two databases taking turns
request by request so that the machine's noise falls on both alike. Goals: the cabinet home and the readings page at
p95 within 1.5 times of the empty database's p95; a receipt PDF in under 150 ms.

    .venv/bin/python bench/cabinet.py [--accounts 100000] [--with-history 10000] [--years 10] [--requests 200]
                                      [--database sqlite|postgresql]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # Flask-Migrate finds migrations/ from here
os.environ.setdefault("KABINET_ENV", "development")
os.environ.setdefault("KABINET_INSTANCE", tempfile.mkdtemp(prefix="kabinet-bench-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from kabinet import create_app  # noqa: E402
from kabinet.balance.ledger import next_month  # noqa: E402
from kabinet.clock import utcnow  # noqa: E402
from kabinet.demo import last_months  # noqa: E402
from kabinet.extensions import db  # noqa: E402
from kabinet.models import Account, AccountBinding, Building, Charge, Meter, Payment, Reading, User  # noqa: E402
from kabinet.models.meter import UNITS  # noqa: E402
from kabinet.organizations import default_organization  # noqa: E402

LOGIN, PASSWORD = "bench", "Zelenaya-Lampa-42"
KINDS = ("cold_water", "hot_water", "electricity")
SERVICES = [
    ("Содержание жилого помещения", "32.5000", "54.300", "м²"),
    ("Холодное водоснабжение", "45.1200", "5", "м³"),
    ("Горячее водоснабжение", "210.5000", "3", "м³"),
    ("Электроэнергия", "6.5700", "200", "кВт·ч"),
    ("Обращение с ТКО", "120.0000", "2", "чел."),
]
GOAL_RATIO, GOAL_PDF_MS = 1.5, 150.0
CHUNK = 50_000


def build(url: str, accounts: int, with_history: int, months: int) -> dict:
    """Migrate and fill one database; the app on it and the tenant's account id."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        organization = default_organization()
        organization.inn, organization.bic = "3808123457", "042520607"
        organization.bank_name, organization.settlement_account = "ПАО Сбербанк", "40702810818350001234"
        organization.correspondent_account = "30101810900000000607"
        user = User(
            login=LOGIN,
            email="bench@example.org",
            first_name="Иван",
            last_name="Петров",
            phone="+79123456789",
            confirmed_at=utcnow(),
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        buildings = []
        for number in range(accounts // 200 + 1):
            building = Building(organization_id=organization.id, address=f"г. Иркутск, ул. Ленина, д. {number + 1}")
            db.session.add(building)
            buildings.append(building)
        db.session.flush()
        org_id, building_ids, user_id = organization.id, [b.id for b in buildings], user.id
        db.session.commit()

        rows = (
            {
                "organization_id": org_id,
                "number": str(1_000_000 + n),
                "building_id": building_ids[n // 200],
                "premises": str(n % 200 + 1),
                "owner_name": f"Собственник {n}",
                "area": Decimal("54.30"),
                "residents": 2,
                "opening_balance": Decimal("0.00"),
                "is_closed": False,
            }
            for n in range(accounts)
        )
        _insert(Account, rows)
        first = db.session.scalar(text("SELECT min(id) FROM accounts"))
        db.session.execute(
            insert(AccountBinding).values(
                user_id=user_id, account_id=first, role="owner", method="code_word", created_at=utcnow()
            )
        )
        months = last_months(months, utcnow().date())
        history_ids = range(first, first + with_history)
        _insert(
            Meter,
            (
                {
                    "account_id": a,
                    "serial": f"{kind}-{a}",
                    "kind": kind,
                    "unit": UNITS[kind],
                    "verification_due": date(2030, 1, 1),
                    "is_active": True,
                }
                for a in history_ids
                for kind in KINDS
            ),
        )
        meters = db.session.execute(text("SELECT id FROM meters ORDER BY id")).scalars().all()
        _insert(
            Reading,
            (
                {
                    "meter_id": m,
                    "taken_on": month.replace(day=20),
                    "value": Decimal(100 + 7 * i),
                    "source": "import",
                    "created_at": utcnow(),
                }
                for m in meters
                for i, month in enumerate(months)
            ),
        )
        _insert(
            Charge,
            (
                {
                    "account_id": a,
                    "month": month,
                    "service": service,
                    "tariff": Decimal(tariff),
                    "quantity": Decimal(quantity),
                    "unit": unit,
                    "amount": (Decimal(tariff) * Decimal(quantity)).quantize(Decimal("0.01")),
                    "recalculation": Decimal("0.00"),
                }
                for a in history_ids
                for month in months
                for service, tariff, quantity, unit in SERVICES
            ),
        )
        _insert(
            Payment,
            (
                {
                    "account_id": a,
                    "paid_on": next_month(month).replace(day=10),
                    "amount": Decimal("4000.00"),
                    "source": "Сбербанк",
                    "created_at": utcnow(),
                }
                for a in history_ids
                for month in months
            ),
        )
        db.session.commit()
        counts = {
            name: db.session.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in ("accounts", "meters", "readings", "charges", "payments")
        }
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return {
        "app": app,
        "account_id": first,
        "last_month": months[-1],
        "rows": counts,
        "build_s": round(time.perf_counter() - started, 1),
    }


def _insert(model, rows) -> None:
    """Bulk INSERTs in chunks, so that ten million rows never sit in memory at once."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            db.session.execute(insert(model), chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(model), chunk)


def pages(database: dict) -> dict[str, str]:
    account, month = database["account_id"], database["last_month"].strftime("%Y-%m")
    return {
        "cabinet home": "/cabinet/",
        "readings": f"/readings/{account}",
        "balance": f"/balance/{account}",
        "receipt PDF": f"/receipts/{account}/{month}.pdf",
    }


def log_in(app):
    client = app.test_client()
    answer = client.post("/auth/login", data={"login": LOGIN, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"Login failed: {answer.status_code}")
    return client


def measure(databases: dict[str, dict], requests: int, warmup: int = 10) -> dict:
    """Per page and database: the times of `requests` requests, the databases taking turns."""
    clients = {name: log_in(d["app"]) for name, d in databases.items()}
    times = {name: {page: [] for page in pages(d)} for name, d in databases.items()}
    for round_number in range(warmup + requests):
        for name, database in databases.items():
            for page, path in pages(database).items():
                started = time.perf_counter()
                answer = clients[name].get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {path} answered {answer.status_code}")
                if round_number >= warmup:
                    times[name][page].append(elapsed)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def report(databases: dict, times: dict) -> dict:
    rows = []
    for page in times["empty"]:
        empty, full = times["empty"][page], times["full"][page]
        rows.append(
            {
                "page": page,
                "empty_p50": statistics.median(empty),
                "empty_p95": p95(empty),
                "full_p50": statistics.median(full),
                "full_p95": p95(full),
                "ratio_p95": p95(full) / p95(empty),
            }
        )
    by_page = {row["page"]: row for row in rows}
    goals = {
        "cabinet home": by_page["cabinet home"]["ratio_p95"] <= GOAL_RATIO,
        "readings": by_page["readings"]["ratio_p95"] <= GOAL_RATIO,
        "receipt PDF": by_page["receipt PDF"]["full_p95"] < GOAL_PDF_MS,
    }
    print("\n| Page | empty p50, ms | empty p95, ms | full p50, ms | full p95, ms | full / empty (p95) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['page']} | {row['empty_p50']:.1f} | {row['empty_p95']:.1f} | {row['full_p50']:.1f} | "
            f"{row['full_p95']:.1f} | {row['ratio_p95']:.2f} |"
        )
    print(
        f"\nGoals: home and readings p95 within {GOAL_RATIO}x of the empty database, receipt PDF p95 under "
        f"{GOAL_PDF_MS:g} ms: " + ", ".join(f"{page} {'met' if ok else 'NOT met'}" for page, ok in goals.items())
    )
    return {"rows": rows, "goals": goals}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--with-history", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    started = utcnow()
    with tempfile.TemporaryDirectory(prefix="kabinet-cabinet-") as folder:
        if args.database == "sqlite":
            urls = {"empty": f"sqlite:///{folder}/empty.sqlite", "full": f"sqlite:///{folder}/full.sqlite"}
            databases = {"empty": build(urls["empty"], 1, 1, 1), "full": None}
            databases["full"] = build(urls["full"], args.accounts, args.with_history, args.years * 12)
            results = report(databases, measure(databases, args.requests))
        else:
            from tests.postgres import postgres_cluster

            with postgres_cluster() as url:
                import psycopg

                plain = url.replace("postgresql+psycopg://", "postgresql://")
                with psycopg.connect(plain, autocommit=True) as connection:
                    connection.execute("CREATE DATABASE empty_db")
                base = url.rsplit("/", 1)[0]
                databases = {"empty": build(f"{base}/empty_db", 1, 1, 1), "full": None}
                databases["full"] = build(url, args.accounts, args.with_history, args.years * 12)
                results = report(databases, measure(databases, args.requests))
                for database in databases.values():
                    with database["app"].app_context():
                        db.engine.dispose()
    print(
        f"\n{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {args.database}; full database: "
        f"{databases['full']['rows']} built in {databases['full']['build_s']} s"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    results.update(
        database=args.database, started=started.isoformat(), row_counts=databases["full"]["rows"], settings=vars(args)
    )
    (out / f"cabinet-{started:%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
