"""A throwaway PostgreSQL cluster for the tests and the benchmarks, from Debian's postgresql package."""

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def postgres_installed() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster on 127.0.0.1 from Debian's postgresql package, removed afterwards."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1].parent
    root = Path(tempfile.mkdtemp(prefix="kabinet-pg-"))
    as_root = os.geteuid() == 0
    if as_root:  # initdb and pg_ctl refuse to run as root
        shutil.chown(root, "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    data, port = root / "data", free_port()

    def run(*cmd):
        subprocess.run([*prefix, *map(str, cmd)], check=True, capture_output=True)

    run(bindir / "initdb", "-D", data, "-A", "trust", "-U", "app", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    run(bindir / "pg_ctl", "-D", data, "-l", root / "log", "-w", "-o", options, "start")
    try:
        import psycopg

        with psycopg.connect(f"postgresql://app@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE kabinet")
        yield f"postgresql+psycopg://app@127.0.0.1:{port}/kabinet"
    finally:
        run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
