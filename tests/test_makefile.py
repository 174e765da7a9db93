"""The Makefile, read as `make -n` prints it (nothing is run): the port of `make run`, and apt waiting for its lock."""

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]


def planned(*arguments: str, **environment: str) -> str:
    """The commands `make` would run, without running them."""
    require(shutil.which("make") is not None, "make is not installed")
    env = {key: value for key, value in os.environ.items() if key not in ("BASE_URL", "PORT")} | environment
    done = subprocess.run(["make", "-n", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def test_run_serves_on_the_port_given_and_the_links_follow_it():
    commands = planned("run", "PORT=5055").splitlines()
    served = next(line for line in commands if " run " in line)
    assert "--port 5055" in served and "BASE_URL=http://127.0.0.1:5055" in served
    assert all("BASE_URL=http://127.0.0.1:5055" in line for line in commands if "flask --app wsgi" in line)


def test_run_keeps_port_5000_and_a_base_url_set_in_the_environment():
    assert "--port 5000" in planned("run") and "BASE_URL=http://127.0.0.1:5000" in planned("run")
    assert "BASE_URL=https://lk.example.ru" in planned("run", "PORT=5055", BASE_URL="https://lk.example.ru")


def test_apt_waits_for_another_apt_instead_of_failing():
    script = planned("system")
    assert script.count("apt-get -o DPkg::Lock::Timeout=300") == 2  # the update and the install
