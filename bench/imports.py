"""How long 100,000 accounts and 300,000 meters take to import, and the memory it takes, into SQLite and PostgreSQL.

Goal (issue 3): under 60 s on this 2-core machine with peak memory under 500 MB, on both databases. The machine is
noisy, so the same run also measures a floor: the same rows written by bare bulk INSERTs into the same empty tables
(no parsing, no checks, no matching); the ratio to it is what to compare between runs.

    .venv/bin/python bench/imports.py [--accounts 100000] [--meters-per-account 3] [--database sqlite|postgresql|both]
"""

import argparse
import csv
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

KINDS = ["cold_water", "hot_water", "electricity"]


def write_files(folder: Path, accounts: int, per_account: int) -> tuple[Path, Path]:
    """An accounts file and a meters file as 1C would export them (cp1251, ';', decimal comma)."""
    accounts_path, meters_path = folder / "accounts.csv", folder / "meters.csv"
    with accounts_path.open("w", encoding="cp1251", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Лицевой счет", "Адрес", "Квартира", "Собственник", "Площадь", "Проживающих"])
        for n in range(accounts):
            house = f"г. Иркутск, ул. Ленина, д. {n // 200 + 1}"
            writer.writerow([f"{1_000_000 + n}", house, str(n % 200 + 1), f"Собственник {n}", "54,30", "2"])
    with meters_path.open("w", encoding="cp1251", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["account", "serial", "kind", "last_reading", "last_reading_date", "verification_due"])
        for n in range(accounts):
            for k in range(per_account):
                kind = KINDS[k % len(KINDS)]
                writer.writerow([f"{1_000_000 + n}", f"S{n}-{k}", kind, f"{n % 997},125", "25.10.2026", "01.03.2029"])
    return accounts_path, meters_path


def flask(env: dict, *args) -> tuple[float, int, str]:
    """Run a flask command; its wall time in seconds, its peak memory in MB and its output."""
    command = [sys.executable, "-c", _MEASURED, "flask", "--app", "wsgi", *args]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    output, _, peak = result.stdout.rpartition("PEAK_KB=")
    return elapsed, int(peak) // 1024, output.strip()


# Runs a flask command in this process and prints its peak resident memory at the end.
_MEASURED = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_module("flask", run_name="__main__")
except SystemExit as exit:
    if exit.code: raise
finally:
    print("PEAK_KB=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def floor(env: dict, accounts: int, per_account: int) -> float:
    """Seconds for bare bulk INSERTs of the same rows: the database's own floor for this much data."""
    script = f"""
import time
from datetime import date
from decimal import Decimal
from sqlalchemy import insert, delete
from kabinet import create_app
from kabinet.extensions import db
from kabinet.models import Account, Building, Meter, Reading
from kabinet.organizations import default_organization
app = create_app()
with app.app_context():
    org = default_organization().id
    started = time.perf_counter()
    buildings = [db.session.execute(insert(Building).values(organization_id=org, address=f"floor {{h}}")
                 .returning(Building.id)).scalar_one() for h in range({accounts} // 200 + 1)]
    rows = [dict(organization_id=org, number=f"F{{n}}", building_id=buildings[n // 200], premises=str(n % 200),
                 owner_name=f"Собственник {{n}}", area=Decimal("54.30"), residents=2) for n in range({accounts})]
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(Account), rows[i:i + 5000])
    ids = [a for (a,) in db.session.execute(db.select(Account.id).where(Account.number.like("F%")))]
    meters = [dict(account_id=a, serial=f"S{{k}}", kind="cold_water", unit="м³")
              for a in ids for k in range({per_account})]
    for i in range(0, len(meters), 5000):
        db.session.execute(insert(Meter), meters[i:i + 5000])
    meter_ids = [m for (m,) in db.session.execute(db.select(Meter.id))]
    readings = [dict(meter_id=m, taken_on=date(2026, 10, 25), value=Decimal("1.125"), source="import")
                for m in meter_ids]
    for i in range(0, len(readings), 5000):
        db.session.execute(insert(Reading), readings[i:i + 5000])
    elapsed = time.perf_counter() - started
    db.session.rollback()
    print(elapsed)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return float(result.stdout.strip().splitlines()[-1])


def measure(database_url: str, files: tuple[Path, Path], accounts: int, per_account: int) -> dict:
    instance = tempfile.mkdtemp(prefix="kabinet-bench-")
    env = {**os.environ, "KABINET_ENV": "development", "KABINET_INSTANCE": instance, "DATABASE_URL": database_url}
    flask(env, "db", "upgrade")
    result = {"floor_s": round(floor(env, accounts, per_account), 2)}
    for kind, path in zip(("accounts", "meters"), files, strict=True):
        elapsed, peak, output = flask(env, "import", kind, str(path))
        again, _, output_again = flask(env, "import", kind, str(path))
        result[kind] = {"seconds": round(elapsed, 2), "peak_mb": peak, "output": output,
                        "again_seconds": round(again, 2), "again_output": output_again}  # fmt: skip
    result["total_s"] = round(result["accounts"]["seconds"] + result["meters"]["seconds"], 2)
    result["ratio_to_floor"] = round(result["total_s"] / result["floor_s"], 1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--meters-per-account", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kabinet-import-") as folder:
        files = write_files(Path(folder), args.accounts, args.meters_per_account)
        results = {}
        if args.database in ("sqlite", "both"):
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            results["sqlite"] = measure(url, files, args.accounts, args.meters_per_account)
        if args.database in ("postgresql", "both"):
            with postgres_cluster() as url:
                results["postgresql"] = measure(url, files, args.accounts, args.meters_per_account)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"imports-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, ensure_ascii=False))
    print("\n| database | accounts s | meters s | total s | floor s | ratio | peak MB | again (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        peak = max(r["accounts"]["peak_mb"], r["meters"]["peak_mb"])
        again = r["accounts"]["again_seconds"] + r["meters"]["again_seconds"]
        print(f"| {name} | {r['accounts']['seconds']} | {r['meters']['seconds']} | {r['total_s']} | "
              f"{r['floor_s']} | {r['ratio_to_floor']} | {peak} | {again:.1f} |")  # fmt: skip


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
