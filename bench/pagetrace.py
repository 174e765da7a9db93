"""Where a page's function calls go: every call of a request counted for each hook, view, template or helper it runs
inside, in one process.

Run from the repository root:  .venv/bin/python bench/pagetrace.py [--path /cabinet/] [--anonymous] [--top 60]

The same set-up as bench/pagecost.py (production config, throw-away SQLite with the demo data, the test client, the
demo tenant logged in unless --anonymous), then 50 requests of the bare route and of --path under sys.setprofile.
It prints the calls a request (Python and built-in, as cProfile counts them; the test client included), the bare
route's, and for each function of interest the calls made inside it (inclusive) and those whose innermost function of
interest it is (own). Function calls do not move with the other jobs' load: compare them between two versions.
"""

import argparse
import collections
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import pagecost  # noqa: E402

REQUESTS = 50
# Library entry points worth a line of their own; everything in kabinet/ and templates/ has one anyway.
ENTRY_POINTS = {
    "sqlalchemy/orm/session.py": {"execute", "scalars", "scalar"},
    "jinja2/environment.py": {"render"},
    "flask/app.py": {"preprocess_request", "process_response", "finalize_request", "do_teardown_request",
                     "do_teardown_appcontext", "full_dispatch_request", "dispatch_request"},  # fmt: skip
    "flask/helpers.py": {"url_for"},
    "flask_babel/__init__.py": {"format_date", "get_locale", "get_translations", "format_datetime"},
}
WHOLE_PACKAGES = ("/kabinet/", "/templates/", "flask_login", "flask_limiter", "flask_bootstrap", "flask/sessions",
                  "flask/templating")  # fmt: skip


def of_interest(code) -> str | None:
    """The line a function gets in the report, or None."""
    path = code.co_filename
    if any(part in path for part in WHOLE_PACKAGES) or any(
        path.endswith(suffix) and code.co_name in names for suffix, names in ENTRY_POINTS.items()
    ):
        return f"{path.rsplit('/', 1)[-1]}:{code.co_name}"
    return None


def traced(client, path: str):
    """Calls a request of `path`, with the inclusive and own calls of each function of interest (totals)."""
    inside, own, total, stack = collections.Counter(), collections.Counter(), [0], []

    def profile(frame, event, arg):
        if event in ("call", "c_call"):
            total[0] += 1
            for name in set(stack):
                inside[name] += 1
            own[next((name for name in reversed(stack) if name), None)] += 1
            if event == "call":
                stack.append(of_interest(frame.f_code))
        elif event == "return" and stack:
            stack.pop()

    sys.setprofile(profile)
    for _ in range(REQUESTS):
        client.get(path)
    sys.setprofile(None)
    return total[0] / REQUESTS, inside, own


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/cabinet/", help="the page to trace (/cabinet/)")
    parser.add_argument("--anonymous", action="store_true", help="without logging in (for /auth/login, /)")
    parser.add_argument("--top", type=int, default=60, help="functions printed (60)")
    args = parser.parse_args(argv)
    pagecost.setup_environment(Path(tempfile.mkdtemp(prefix="kabinet-trace-")))
    logging.disable(logging.INFO)

    from flask_migrate import upgrade

    from kabinet import create_app, demo

    app = create_app({"OUTBOX_COURIER": "worker"})
    app.add_url_rule("/bench/bare", "bench_bare", lambda: "ok")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        demo.load()
    client = app.test_client() if args.anonymous else pagecost.logged_in_client(app)
    for _ in range(20):  # kept addresses, fragments, compiled templates and statements: as in a warm worker
        client.get(args.path)
        client.get("/bench/bare")
    bare, _, _ = traced(client, "/bench/bare")
    calls, inside, own = traced(client, args.path)
    print(f"{args.path}: {calls:,.0f} calls a request; the bare route {bare:,.0f} (bare / page = {bare / calls:.3f})")
    print("  inside      own  function")
    for name, count in inside.most_common(args.top):
        if name is None:  # the calls outside every function of interest (the WSGI stack, the test client)
            continue
        print(f"{count / REQUESTS:8.0f} {own[name] / REQUESTS:8.0f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
