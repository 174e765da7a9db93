"""PostgreSQL backups: pg_dump's custom format, restored from pg_restore's script by psql in one transaction.

The connection goes to the tools through libpq's environment variables, the password too: a command line is
readable by every user of the machine (ps), the environment of a process only by its owner.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import URL

MAGIC = b"PGDMP"
SUFFIX = "pgdump"


class ToolFailed(Exception):
    """pg_dump or pg_restore refused; the message is what it said."""


def tool(name: str) -> str:
    """The PostgreSQL program `name`: from PATH, else next to the newest server Debian installed."""
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))[-1:]), None)
    if not found:
        raise ToolFailed(_("%(tool)s не найден: установите пакет postgresql-client", tool=name))
    return str(found)


def environment(url: URL) -> dict[str, str]:
    """libpq's variables for the database the app uses."""
    settings = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": url.port and str(url.port),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {**os.environ, **{key: value for key, value in settings.items() if value}}


def dump(url: URL, target: Path) -> None:
    """Write the database in pg_dump's custom format (compressed, restorable table by table) into the file."""
    with open(target, "wb") as file:
        _run([tool("pg_dump"), "--format=custom"], url, stdout=file)


def revision(path: Path) -> str:
    """The migration the backed-up database was at: alembic_version's row, read from the file without a database. A
    file without it (cut short, or not Kabinet's) is refused: restoring it would leave no tables at all."""
    script = _run([tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)], None)
    lines = script.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line), None)
    if start is None or lines[start + 1] == "\\.":
        raise ToolFailed(f"{path}: no alembic_version in the backup")
    return lines[start + 1].strip()


def restore(path: Path, url: URL) -> None:
    """Replace the database's content with the backup's, all or nothing: one transaction drops the tables the backup
    does not hold (a newer version's, whose foreign keys would stop the rest), then pg_restore's script drops and
    loads the backup's own. The transaction commits only when pg_restore read the whole file."""
    newer = [name for name in _run_sql(url, _LIST_TABLES).split() if name not in set(tables(path))]
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen([tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"], env=environment(url),
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors)  # fmt: skip
        script = subprocess.Popen([tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                                   "--exit-on-error", "--file=-", str(path)], stdout=subprocess.PIPE,
                                  stderr=restore_errors)  # fmt: skip
        try:
            psql.stdin.write(b"BEGIN;\nSET client_min_messages = warning;\n")
            psql.stdin.writelines(f'DROP TABLE IF EXISTS "{name}" CASCADE;\n'.encode() for name in newer)
            shutil.copyfileobj(script.stdout, psql.stdin)
            if script.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
            psql.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: its transaction is rolled back
            script.kill()
            script.wait()
        psql.wait()
        for process, errors in ((script, restore_errors), (psql, psql_errors)):
            if process.returncode:
                errors.seek(0)
                raise ToolFailed(
                    errors.read().decode(errors="replace").strip() or _("код %(code)s", code=process.returncode)
                )


def tables(path: Path) -> list[str]:
    """The tables a backup holds, from its table of contents."""
    listing = _run([tool("pg_restore"), "--list", str(path)], None)
    return [found[1] for found in _TABLE_ENTRY.finditer(listing)]


# A table's line in the table of contents, "215; 1259 16390 TABLE public users app" (not its "TABLE DATA" line).
_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+) ", re.MULTILINE)


_LIST_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def _run_sql(url: URL, sql: str) -> str:
    """The rows psql prints for one statement, unadorned."""
    return _run([tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", "--set=ON_ERROR_STOP=1", "--command", sql],
                url)  # fmt: skip


def _run(command: list[str], url: URL | None, stdout=subprocess.PIPE) -> str:
    """Run a PostgreSQL tool (connected to the database at url, when given) and return what it printed."""
    env = environment(url) if url is not None else None
    done = subprocess.run(command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise ToolFailed(
            done.stderr.strip() or _("%(tool)s: код %(code)s", tool=Path(command[0]).name, code=done.returncode)
        )
    return done.stdout or ""
