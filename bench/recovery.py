"""Issue 9's enumeration by timing: how long password recovery takes for a login that exists and for one that does
not, through gunicorn in production mode, in one run.

Run from the repository root:  .venv/bin/python bench/recovery.py [--requests 200]

A throw-away SQLite database with the demo data (tenant "demo"), gunicorn with one sync worker on 127.0.0.1, and one
client that asks for a reset of "demo" and of a login nobody has, taking turns request by request, so both see the
same noise. Each request is a real form post (CSRF token and session cookie from the page). The limits are raised so
that nothing is refused. Reported: the medians and 90th percentiles of both, and their ratio (the figure to compare
between runs: 1.0 means the answer tells nothing).
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port, gunicorn_command, prepare_database, server_env, stop, wait_ready  # noqa: E402
from tests.servers import csrf_token  # noqa: E402

KNOWN, UNKNOWN = "demo", "nobody-at-all"


def ask(opener, base: str, login: str) -> float:
    """One reset request as a browser makes it; the seconds the POST took."""
    with opener.open(base + "/recovery/", timeout=10) as form:
        token = csrf_token(form.read().decode())
    body = urllib.parse.urlencode({"csrf_token": token, "login": login}).encode()
    started = time.perf_counter()
    with opener.open(base + "/recovery/", data=body, timeout=10) as answer:
        answer.read()
        if "/recovery/change" not in answer.url:
            raise SystemExit(f"the reset of {login!r} was not accepted: {answer.url}")
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind (200)")
    args = parser.parse_args(argv)
    port, tmp, server = free_port(), Path(tempfile.mkdtemp(prefix="kabinet-bench-")), None
    base = f"http://127.0.0.1:{port}"
    try:
        env = server_env(tmp, port)
        env.update(RATELIMIT_RECOVERY="100000/minute", RATELIMIT_MAILBOX="100000/minute")
        prepare_database(env)
        log = tmp / "gunicorn.log"
        with log.open("w") as log_file:
            command = gunicorn_command(argparse.Namespace(workers=1, worker_class="sync", threads=1), port)
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        wait_ready(base, server, log)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        for login in (KNOWN, UNKNOWN) * 5:  # warm up the worker, its templates and the database
            ask(opener, base, login)
        spent = {KNOWN: [], UNKNOWN: []}
        for _ in range(args.requests):
            for login, times in spent.items():
                times.append(ask(opener, base, login))
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    known, unknown = (statistics.median(spent[login]) * 1000 for login in (KNOWN, UNKNOWN))
    print(f"{'login':<14} {'p50, ms':>8} {'p90, ms':>8}")
    for login, times in spent.items():
        print(f"{login:<14} {statistics.median(times) * 1000:8.1f} {percentile(times, 0.9) * 1000:8.1f}")
    print(f"known ÷ unknown (p50): {known / unknown:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
