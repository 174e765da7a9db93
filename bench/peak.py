"""Issue 11's month-end peak: N tenants log in and submit the readings of their three meters within a few minutes,
through gunicorn, with 64 concurrent clients; on SQLite (WAL, busy timeout) and on PostgreSQL.

Run from the repository root:  .venv/bin/python bench/peak.py [--tenants 2000] [--database sqlite|postgresql|both]
(or `make bench-peak`).

What it does, all on 127.0.0.1 and bounded in time:
  1. a throw-away database (a SQLite file, or a PostgreSQL cluster started like the tests' one) built by
     `flask db upgrade`, filled with N tenants, each with a bound account of three meters read in the last two months,
     the organization taking readings all month;
  2. gunicorn with the production config and its bare route (bench.load), 2 sync workers; the bare route measured
     with wrk at the same concurrency in the same run, so the peak's requests/s can be told as a ratio of it;
  3. the tenants arriving evenly over --window seconds (0: all at once, as fast as the server takes them), served by
     --clients threads; each tenant, as a browser would and from an address of its own behind the proxy: the login
     form, the login, the cabinet, the readings page (through its redirect), the readings POSTed, the page again;
  4. afterwards the database is compared with what the server accepted (a 302 back to the page after the POST): every
     accepted value stored exactly once, nothing stored that was not accepted; the server's log searched for
     "database is locked" and tracebacks; every status counted, each request's latency kept;
  5. a table per database: tenants, requests, req/s and their ratio to the bare route, p50/p95/p99 per step and
     overall, the goals checked, and the whole result as JSON under bench/results/ (gitignored).
"""

import argparse
import datetime as dt
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, nullcontext
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    BARE_PATH,
    RESULTS,
    WRK_LUA,
    flask,
    free_port,
    git_revision,
    gunicorn_command,
    machine,
    run_wrk,
    server_env,
    stop,
    wait_ready,
)
from bench.peak_tenants import LOGIN, PASSWORD, meter_value  # noqa: E402
from tests.postgres import postgres_cluster, postgres_installed  # noqa: E402
from tests.servers import csrf_token  # noqa: E402

USER_AGENT = "kabinet-peak/1"
METERS = 3  # a tenant's, as bench/peak_tenants.py makes them
GOAL_P99_MS = 300.0
FIELD = re.compile(r'name="(meter_\d+)"')


# ---------------------------------------------------------------- one tenant, as a browser


class Recorder:
    """Every request's step, status and latency, and every reading the server accepted: shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[str, int, float]] = []  # step, status (0: no answer), seconds
        self.accepted: dict[int, Decimal] = {}
        self.failures: list[str] = []
        self.late: list[float] = []  # how long after its planned arrival each tenant started

    def request(self, client, step: str, method: str, url: str, expect: int, **kwargs):
        started = time.perf_counter()
        try:
            answer = client.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        except Exception as error:  # a refused or timed-out connection counts as a failure, not a crash of the bench
            with self.lock:
                self.requests.append((step, 0, time.perf_counter() - started))
                self.failures.append(f"{step}: {type(error).__name__}: {error}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.requests.append((step, answer.status_code, elapsed))
            if answer.status_code != expect:
                self.failures.append(f"{step}: {answer.status_code} (expected {expect}) {url}")
        return answer if answer.status_code == expect else None


def tenant_visit(base: str, number: int, recorder: Recorder) -> None:
    """One tenant's month-end visit, from an address of its own (behind the proxy, as X-Forwarded-For)."""
    import requests

    client = requests.Session()
    client.headers.update(
        {"User-Agent": USER_AGENT, "X-Forwarded-For": f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"}
    )
    form = recorder.request(client, "login form", "GET", base + "/auth/login", 200)
    if form is None:
        return
    login = {"login": LOGIN.format(number), "password": PASSWORD, "csrf_token": csrf_token(form.text), "next": ""}
    if recorder.request(client, "login", "POST", base + "/auth/login", 302, data=login) is None:
        return
    if recorder.request(client, "cabinet", "GET", base + "/cabinet/", 200) is None:
        return
    redirect = recorder.request(client, "readings redirect", "GET", base + "/readings/", 302)
    if redirect is None:
        return
    page_url = base + redirect.headers["Location"].removeprefix(base)
    page = recorder.request(client, "readings page", "GET", page_url, 200)
    if page is None:
        return
    fields = FIELD.findall(page.text)
    values = {int(name.removeprefix("meter_")): meter_value(int(name.removeprefix("meter_")), 0) for name in fields}
    data = {f"meter_{m}": str(v).replace(".", ",") for m, v in values.items()}
    data.update(csrf_token=csrf_token(page.text), confirmed="")
    if recorder.request(client, "readings POST", "POST", page_url, 302, data=data) is None:
        return
    with recorder.lock:
        recorder.accepted.update(values)
    recorder.request(client, "readings saved", "GET", page_url, 200)


def crowd(base: str, tenants: int, clients: int, window: float, recorder: Recorder) -> float:
    """The tenants arriving evenly over `window` seconds, served by `clients` threads; the seconds it all took."""
    arrivals: queue.Queue = queue.Queue()
    for number in range(tenants):
        arrivals.put(number)
    started = time.monotonic()

    def work():
        while True:
            try:
                number = arrivals.get_nowait()
            except queue.Empty:
                return
            planned = started + window * number / tenants
            if (wait := planned - time.monotonic()) > 0:
                time.sleep(wait)
            with recorder.lock:
                recorder.late.append(max(0.0, -wait))
            tenant_visit(base, number, recorder)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


# ---------------------------------------------------------------- what the database holds afterwards


def stored_readings(env: dict) -> dict[int, list[str]]:
    """The tenants' readings in the database, by meter (read in a subprocess with the server's settings)."""
    script = (
        "import json\nfrom sqlalchemy import select\nfrom kabinet import create_app\n"
        "from kabinet.extensions import db\n"
        "from kabinet.models import Reading\napp = create_app()\nwith app.app_context():\n"
        "    rows = db.session.execute(select(Reading.meter_id, Reading.value).where(Reading.source == 'tenant'))\n"
        "    found = {}\n    for meter_id, value in rows: found.setdefault(meter_id, []).append(str(value))\n"
        "    print('STORED ' + json.dumps(found))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"reading the stored readings failed:\n{done.stderr[-3000:]}")
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("STORED "))
    return {int(k): v for k, v in json.loads(line.removeprefix("STORED ")).items()}


def reconcile(accepted: dict[int, Decimal], stored: dict[int, list[str]]) -> dict:
    """Accepted against stored: every accepted value once and exactly, nothing that was not accepted."""
    lost = [m for m, v in accepted.items() if [Decimal(s) for s in stored.get(m, [])] != [v]]
    extra = [m for m in stored if m not in accepted]
    return {"accepted": len(accepted), "stored": sum(len(v) for v in stored.values()), "lost_or_wrong": len(lost),
            "not_accepted_but_stored": len(extra), "examples": (lost + extra)[:5]}  # fmt: skip


# ---------------------------------------------------------------- one database


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run_database(args, kind: str, url: str | None, tmp: Path) -> dict:
    """Fill, serve, crowd and check one database; the result as a dict."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(tmp, port)
    env.update(PROXY_COUNT="1")  # each tenant comes from its own address, as through nginx; the limits count them so
    if url:
        env["DATABASE_URL"] = url
    flask(env, "db", "upgrade")
    filled = time.monotonic()
    tenants = [sys.executable, str(ROOT / "bench" / "peak_tenants.py"), str(args.tenants)]
    done = subprocess.run(tenants, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"populate failed:\n{done.stdout}\n{done.stderr}")
    print(f"[{kind}] {args.tenants} tenants in {time.monotonic() - filled:.0f} s", flush=True)

    log = tmp / f"gunicorn-{kind}.log"
    lua = tmp / "count.lua"
    lua.write_text(WRK_LUA)
    with log.open("w") as log_file:
        command = gunicorn_command(args, port, "--forwarded-allow-ips", "127.0.0.1")
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_ready(base, server, log)
        wrk_args = argparse.Namespace(threads_wrk=2, connections=max(args.clients, 2))
        anonymous = {"User-Agent": USER_AGENT}
        run_wrk(wrk_args, base + BARE_PATH, anonymous, lua, 2, server.pid)
        bare = run_wrk(wrk_args, base + BARE_PATH, anonymous, lua, args.bare_seconds, server.pid)
        print(f"[{kind}] bare route: {bare['rps']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms", flush=True)
        recorder = Recorder()
        busy = _cpu_snapshot(server.pid)
        seconds = crowd(base, args.tenants, args.clients, args.window, recorder)
        cores = _cpu_used(busy, server.pid)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn died during the run:\n{log.read_text()[-3000:]}")
    finally:
        stop(server)
    server_log = log.read_text()
    stored = stored_readings(env)
    return summarize(kind, args, bare, recorder, seconds, cores, reconcile(recorder.accepted, stored), server_log)


def _cpu_snapshot(pid: int) -> tuple:
    from bench.load import machine_jiffies, tree_jiffies

    return machine_jiffies(), tree_jiffies(pid)


def _cpu_used(before: tuple, pid: int) -> dict:
    """The cores the server and everything else on the machine used meanwhile (the client bench included)."""
    (busy0, total0), server0 = before
    (busy1, total1), server1 = _cpu_snapshot(pid)
    scale = (os.cpu_count() or 1) / max(total1 - total0, 1)
    return {"server": round((server1 - server0) * scale, 2),
            "other incl. the clients": round(max(busy1 - busy0 - (server1 - server0), 0) * scale, 2)}  # fmt: skip


def summarize(kind, args, bare, recorder: Recorder, seconds, cores, check, server_log) -> dict:
    """The figures of one database's run, and whether its goals were met."""
    latencies = [s for _, status, s in recorder.requests if status]
    statuses: dict[str, int] = {}
    for _, status, _ in recorder.requests:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    steps = {}
    for step in dict.fromkeys(step for step, _, _ in recorder.requests):
        mine = [s for name, status, s in recorder.requests if name == step and status]
        steps[step] = {"count": len(mine), "p50_ms": percentile(mine, 0.5) * 1000,
                       "p99_ms": percentile(mine, 0.99) * 1000}  # fmt: skip
    rps = len(recorder.requests) / seconds
    p99 = percentile(latencies, 0.99) * 1000
    locked = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    outcome = {
        "no_reading_lost": check["lost_or_wrong"] == 0
        and check["not_accepted_but_stored"] == 0
        and check["accepted"] == args.tenants * METERS,
        "no_500": statuses.get("500", 0) == 0 and tracebacks == 0,
        "no_locked": locked == 0,
        "p99_met": p99 < GOAL_P99_MS,
    }
    return {
        "database": kind,
        "tenants": args.tenants,
        "clients": args.clients,
        "window_s": args.window,
        "seconds": round(seconds, 1),
        "requests": len(recorder.requests),
        "rps": round(rps, 1),
        "bare_rps": round(bare["rps"], 1),
        "bare_p99_ms": bare["p99_ms"],
        "ratio": round(rps / bare["rps"], 3),
        "tenants_per_s": round(args.tenants / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "late_start_p99_s": round(percentile(recorder.late, 0.99), 2),
        "statuses": statuses,
        "steps": steps,
        "check": check,
        "database_locked": locked,
        "tracebacks": tracebacks,
        "cpu_cores": cores,
        "failures": recorder.failures[:20],
        "goals": outcome,
    }


def markdown(results: list[dict]) -> str:
    lines = [
        "| Database | Tenants | Window, s | Took, s | Requests | Req/s | Bare req/s | × bare | p50, ms | p99, ms | "
        "max, ms | accepted / stored | lost | 5xx | locked | server cores | other cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        fives = sum(n for code, n in r["statuses"].items() if code.startswith("5"))
        lines.append(
            f"| {r['database']} | {r['tenants']:,} | {r['window_s']:g} | {r['seconds']:.0f} | {r['requests']:,} | "
            f"{r['rps']:.0f} | {r['bare_rps']:,.0f} | {r['ratio']:.3f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['max_ms']:.0f} | {r['check']['accepted']:,} / {r['check']['stored']:,} | "
            f"{r['check']['lost_or_wrong']} | {fives} | {r['database_locked']} | {r['cpu_cores']['server']:.2f} | "
            f"{r['cpu_cores']['other incl. the clients']:.2f} |"
        )
    lines += ["", "| Database | Step | Count | p50, ms | p99, ms |", "|---|---|---:|---:|---:|"]
    for r in results:
        for step, s in r["steps"].items():
            lines.append(f"| {r['database']} | {step} | {s['count']:,} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=2000, help="tenants, three meters each (2000)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (64)")
    parser.add_argument("--window", type=float, default=300, help="seconds the arrivals are spread over; 0: at once")
    parser.add_argument("--database", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2: one per core)")
    parser.add_argument("--bare-seconds", type=int, default=8, help="seconds of wrk on the bare route (8)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/*.json")
    args = parser.parse_args(argv)
    if not 1 <= args.tenants <= 20_000 or not 0 <= args.window <= 900:
        parser.error("keep the load bounded: 1 <= tenants <= 20000, 0 <= window <= 900 s")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (or `make system`)")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in kinds and not postgres_installed():
        raise SystemExit("PostgreSQL is not installed: `apt-get install postgresql` (or `make system`)")
    started, info, results = dt.datetime.now(dt.UTC), machine(), []
    for kind in kinds:
        tmp = Path(tempfile.mkdtemp(prefix=f"kabinet-peak-{kind}-"))
        try:
            with ExitStack() as stack:
                url = stack.enter_context(postgres_cluster() if kind == "postgresql" else nullcontext())
                results.append(run_database(args, kind, url, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        r = results[-1]
        print(
            f"[{kind}] {r['requests']} requests in {r['seconds']} s: {r['rps']} req/s = {r['ratio']} x bare; "
            f"p99 {r['p99_ms']} ms; statuses {r['statuses']}; check {r['check']}; goals {r['goals']}",
            flush=True,
        )
        for failure in r["failures"][:5]:
            print(f"[{kind}]   {failure}")
    print()
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {info['nproc']} CPUs ({info['cpu']}), "
        f"load before {info.get('loadavg_before')}, "
        f"Python {info['python']}, gunicorn {args.workers} sync workers, {args.clients} clients, git {git_revision()}"
    )
    print()
    print(markdown(results))
    met = all(all(r["goals"].values()) for r in results)
    print()
    print("Goals (no reading lost, no 500, no 'database is locked', p99 < 300 ms):", "met" if met else "NOT met")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"peak-{started:%Y%m%dT%H%M%SZ}.json"
        path.write_text(
            json.dumps(
                {
                    "started": started.isoformat(),
                    "git": git_revision(),
                    "machine": info,
                    "settings": vars(args),
                    "results": results,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"Saved {path.relative_to(ROOT)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
