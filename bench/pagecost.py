"""Where a page's time goes: cProfile over repeated requests of a logged-in tenant's page, in one process.

Run from the repository root:  .venv/bin/python bench/pagecost.py [--path /cabinet/] [--requests 500] [--top 25]

The production config over a throw-away SQLite database with the demo data (tenant "demo"), the Flask test client
(no server, no network: only the app's own work), one real login with its CSRF token, a few warm-up requests, then the
profile of --requests requests of --path, printed by own time and by cumulative time, with the queries per request.
The figures to compare between two versions of the code are the ms per request and the shares of the top entries.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import csrf_token  # noqa: E402

LOGIN, PASSWORD = "demo", "Zelenaya-Lampa-42"


def setup_environment(tmp: Path) -> None:
    """Production settings in a temporary folder: set before config.py is imported, as it reads them then."""
    os.environ.update(
        KABINET_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        KABINET_INSTANCE=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'profile.sqlite'}",
        BASE_URL="http://localhost",
        MAIL_SERVER="",
    )


def logged_in_client(app):
    """A test client holding the demo tenant's session, as after a browser's login and its first page."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = csrf_token(page)
    answer = client.post("/auth/login", data={"login": LOGIN, "password": PASSWORD, "csrf_token": token, "next": ""})
    if answer.status_code != 302:
        raise SystemExit(f"login failed: {answer.status_code}")
    return client


def cpu_per_request(client, path: str, requests: int) -> float:
    """The process's CPU milliseconds a request of `path` costs, the median of 5 batches: CPU time, not wall time,
    so that the other jobs of a shared machine disturb it less."""
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(max(requests // 5, 1)):
            client.get(path)
        batches.append((time.process_time() - started) / max(requests // 5, 1) * 1000)
    return statistics.median(batches)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/cabinet/", help="the page to profile (/cabinet/)")
    parser.add_argument("--requests", type=int, default=500, help="profiled requests (500)")
    parser.add_argument("--top", type=int, default=25, help="entries printed per table (25)")
    parser.add_argument("--only", nargs="*", default=[], help="regular expressions the printed entries match")
    args = parser.parse_args(argv)
    setup_environment(Path(tempfile.mkdtemp(prefix="kabinet-profile-")))

    from flask_migrate import upgrade
    from sqlalchemy import event

    from kabinet import create_app, demo
    from kabinet.extensions import db

    app = create_app({"OUTBOX_COURIER": "worker"})
    app.add_url_rule("/bench/bare", "bench_bare", lambda: "ok")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        demo.load()
    client = logged_in_client(app)
    for _ in range(20):
        if client.get(args.path).status_code != 200:
            raise SystemExit(f"{args.path} did not answer 200")

    bare, page = (
        cpu_per_request(client, "/bench/bare", args.requests),
        cpu_per_request(client, args.path, args.requests),
    )
    print(
        f"CPU a request, median of 5 batches: bare route {bare:.2f} ms, {args.path} {page:.2f} ms "
        f"(bare / page = {bare / page:.2f}: the in-process bound of the page's ratio to the bare route)"
    )

    bare_profile = cProfile.Profile()
    bare_profile.enable()
    for _ in range(args.requests):
        client.get("/bench/bare")
    bare_profile.disable()
    bare_calls = pstats.Stats(bare_profile).total_calls / args.requests

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profile.disable()
    elapsed = time.perf_counter() - started
    calls = pstats.Stats(profile).total_calls
    # Function calls are the figure to compare on a shared machine: they do not change with the other jobs' load.
    print(
        f"{args.path}: {calls / args.requests:,.0f} Python function calls a request "
        f"(the bare route: {bare_calls:,.0f}; bare / page = {bare_calls / (calls / args.requests):.2f}), "
        f"{len(statements) / args.requests:.1f} queries a request, "
        f"{elapsed / args.requests * 1000:.2f} ms a request under the profiler"
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(*args.only, args.top)
        print(out.getvalue().split("\n", 6)[-1] if order == "tottime" else out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
