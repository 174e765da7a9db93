"""The window-opening reminder for 100,000 accounts: the time it takes to queue its e-mails and the memory it needs,
on SQLite and PostgreSQL.

Goal (issue 13): under 60 s on this 2-core machine, in a bounded amount of memory (the job reads its recipients a
batch at a time). The same run measures a floor: as many outbox rows written by bare bulk INSERTs into the same table
(no rendering, no ledger, no choices); the ratio to it is what to compare between runs. The job is then run a second
time, which must queue nothing.

    .venv/bin/python bench/reminders.py [--accounts 100000] [--database sqlite|postgresql|both]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres import postgres_cluster  # noqa: E402

# Each script runs in a process of its own and prints its result, then its peak resident memory.
SEED = """
from datetime import date
from sqlalchemy import insert, select
from kabinet import create_app
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Building, Meter, Reading, User
from kabinet.organizations import default_organization
app = create_app()
with app.app_context():
    organization = default_organization()
    organization.readings_from_day, organization.readings_until_day = 10, 25
    db.session.commit()
    org = organization.id
    buildings = [db.session.execute(insert(Building).values(organization_id=org, address=f"ул. Ленина, д. {{h}}")
                 .returning(Building.id)).scalar_one() for h in range({accounts} // 200 + 1)]
    for start in range(0, {accounts}, 5000):
        numbers = range(start, min(start + 5000, {accounts}))
        db.session.execute(insert(User), [dict(login=f"t{{n}}", email=f"t{{n}}@example.org", first_name="Иван",
            last_name="Петров", phone="+79123456789", password_hash="x", confirmed_at=date(2026, 1, 1))
            for n in numbers])
        db.session.execute(insert(Account), [dict(organization_id=org, number=f"{{1_000_000 + n}}",
            building_id=buildings[n // 200], premises=str(n % 200 + 1)) for n in numbers])
    users = dict(db.session.execute(select(User.login, User.id)).all())
    accounts = dict(db.session.execute(select(Account.number, Account.id)).all())
    for start in range(0, {accounts}, 5000):
        numbers = range(start, min(start + 5000, {accounts}))
        db.session.execute(insert(AccountBinding), [dict(user_id=users[f"t{{n}}"],
            account_id=accounts[f"{{1_000_000 + n}}"], role="owner", method="code_word") for n in numbers])
        db.session.execute(insert(Meter), [dict(account_id=accounts[f"{{1_000_000 + n}}"], serial=f"S{{n}}",
            kind="cold_water", unit="м³") for n in numbers])
    # One tenant in ten has already read this month: the job must leave them out.
    meters = [m for (m,) in db.session.execute(select(Meter.id).order_by(Meter.id))][::10]
    db.session.execute(insert(Reading), [dict(meter_id=m, taken_on=date(2026, 11, 3), value=1, source="import")
                                         for m in meters])
    db.session.commit()
    print(len(users))
"""

JOB = """
import time
from datetime import date
from sqlalchemy import func, select
from kabinet import create_app
from kabinet.extensions import db
from kabinet.models import OutboxMessage
from kabinet.notifications import jobs
app = create_app()
with app.app_context():
    started, cpu = time.perf_counter(), time.process_time()
    told = jobs.readings_open(today_of=lambda zone: date(2026, 11, 10))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(told, round(elapsed, 2), round(cpu, 2), db.session.scalar(select(func.count(OutboxMessage.id))))
"""

FLOOR = """
import time
from sqlalchemy import insert
from kabinet import create_app
from kabinet.extensions import db
from kabinet.models import OutboxMessage
app = create_app()
with app.app_context():
    started = time.perf_counter()
    for start in range(0, {count}, 500):
        db.session.execute(insert(OutboxMessage), [dict(recipient=f"t{{n}}@example.org", subject="Приём показаний",
            sender_name="УК", body_text="Здравствуйте! " * 20, body_html="<p>Здравствуйте!</p>" * 20)
            for n in range(start, min(start + 500, {count}))])
        db.session.commit()
    elapsed = time.perf_counter() - started
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    print(round(elapsed, 2))
"""

_MEASURED = """
import resource, sys
try:
    exec(sys.argv[1])
finally:
    print("PEAK_KB=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def python(env: dict, script: str) -> tuple[float, int, str]:
    """Run a script in a process of its own: its wall time in seconds, its peak memory in MB, its last line."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"failed:\n{result.stdout}\n{result.stderr[-4000:]}")
    output, _, peak = result.stdout.rpartition("PEAK_KB=")
    return elapsed, int(peak) // 1024, (output.strip().splitlines() or [""])[-1]


def measure(database_url: str, accounts: int) -> dict:
    instance = tempfile.mkdtemp(prefix="kabinet-bench-")
    env = {**os.environ, "KABINET_ENV": "development", "KABINET_INSTANCE": instance, "DATABASE_URL": database_url,
           "BASE_URL": "https://kabinet.example.org", "OUTBOX_COURIER": "worker"}  # fmt: skip
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    python(env, SEED.format(accounts=accounts))
    _, baseline_mb, _ = python(env, "from kabinet import create_app; create_app()")
    _, _, floor = python(env, FLOOR.format(count=int(accounts * 0.9)))
    _, peak, first = python(env, JOB)
    told, seconds, cpu, queued = first.split()
    _, _, second = python(env, JOB)
    told_again, seconds_again, _, queued_again = second.split()
    return {
        "accounts": accounts,
        "told": int(told),
        "seconds": float(seconds),
        "cpu_seconds": float(cpu),  # the job's own process time: what a busy machine's other load does not inflate
        "per_second": round(int(told) / float(seconds)),
        "floor_s": float(floor),
        "ratio_to_floor": round(float(seconds) / float(floor), 1),
        "peak_mb": peak,
        "app_alone_mb": baseline_mb,
        "queued": int(queued),
        "again_told": int(told_again),
        "again_seconds": float(seconds_again),
        "again_queued": int(queued_again),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="kabinet-reminders-") as folder:
        if args.database in ("sqlite", "both"):
            results["sqlite"] = measure(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.accounts)
        if args.database in ("postgresql", "both"):
            with postgres_cluster() as url:
                results["postgresql"] = measure(url, args.accounts)
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"reminders-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results))
    print()
    print("| database | accounts | told | s | CPU s | e-mails/s | floor s | × floor | peak MB | app alone MB | again |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        cells = [name, f"{r['accounts']:,}", f"{r['told']:,}", r["seconds"], r["cpu_seconds"], f"{r['per_second']:,}",
                 r["floor_s"], r["ratio_to_floor"], r["peak_mb"], r["app_alone_mb"],
                 f"{r['again_told']} in {r['again_seconds']} s"]  # fmt: skip
        print("| " + " | ".join(map(str, cells)) + " |")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
