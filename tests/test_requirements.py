"""The requirements: whatever the code imports is pinned by name, and the locked files pin every package with hashes."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"kabinet", "config", "wsgi", "tests", "bench", "render"}  # render: deploy/render.py, standard library only
APPLICATION = ("kabinet", "migrations", "config.py", "wsgi.py")
TOOLING = ("tests", "bench")


def normalized(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(requirements: str) -> dict[str, str]:
    """name -> version of the `name==version` lines of a requirements file and of the files it includes (`-r`; a
    constraint file, `-c`, asks for nothing)."""
    found = {}
    for line in (ROOT / requirements).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found |= pinned(line.split()[1])
        elif "==" in line:
            name, version = line.rstrip(" \\").split("==")
            found[normalized(name.split("[")[0])] = version
    return found


def imported(*places: str) -> set[str]:
    """The top-level modules the Python files under these places import, other than the standard library and ours."""
    modules = set()
    for place in places:
        path = ROOT / place
        for file in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return {module for module in modules if module not in sys.stdlib_module_names and module not in OURS}


def distributions_of(modules: set[str]) -> dict[str, set[str]]:
    """module -> the distributions installed that provide it (empty when none does)."""
    providers = packages_distributions()
    return {module: {normalized(name) for name in providers.get(module, ())} for module in modules}


@pytest.mark.parametrize(
    ("places", "requirements"),
    [(APPLICATION, "requirements.in"), (APPLICATION + TOOLING, "requirements-dev.in")],
    ids=["application", "tests-and-benchmarks"],
)
def test_every_imported_package_is_pinned_by_name(places, requirements):
    """A package that only arrives as another's dependency could vanish or move with that one's next release."""
    direct = pinned(requirements)
    providers = distributions_of(imported(*places))
    assert {module: names for module, names in providers.items() if not names & direct.keys()} == {}


@pytest.mark.parametrize(
    ("source", "locked"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_the_locked_files_pin_every_package_with_its_hashes_at_the_versions_asked(source, locked):
    text = (ROOT / locked).read_text()
    entries = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", text, re.MULTILINE)
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith((" ", "#", "-"))]
    assert len(entries) == len(requirement_lines) > 40
    assert all(hashes for _name, _version, hashes in entries)
    locked_versions = {normalized(name): version for name, version, _hashes in entries}
    asked = pinned(source)
    assert {name: locked_versions.get(name) for name in asked} == asked
