"""redwatch installs as Python packages are installed: a wheel carries its templates and migrations,
and the pins in constraints.txt install on every Python that requires-python admits."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from tests.paths import ROOT
from tests.wheels import build_wheel, plain_env, run, venv_with_wheel

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_checks_its_templates_and_migrates_from_any_folder(
    tmp_path: Path,
) -> None:
    venv = venv_with_wheel(tmp_path, build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ROOT / "watchlist.yaml", elsewhere / "watchlist.yaml")
    env = plain_env(tmp_path)
    python, monitor = venv / "bin" / "python", venv / "bin" / "monitor"

    where = run(python, "-c", "import monitor; print(monitor.__file__)", cwd=elsewhere, env=env)
    assert str(venv) in where.stdout, where.stdout + where.stderr
    checked = run(monitor, "check", cwd=elsewhere, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "missing template" not in checked.stdout + checked.stderr
    upgraded = run(monitor, "db", "upgrade", cwd=elsewhere, env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    current = run(monitor, "db", "current", cwd=elsewhere, env=env)
    assert current.returncode == 0 and re.search(r"\d{4}", current.stdout), current.stdout
    assert (tmp_path / "data" / "monitor.sqlite3").is_file()


def _lowest_python() -> str:
    spec = PYPROJECT["project"]["requires-python"]
    found = re.fullmatch(r">=\s*([\d.]+)", spec)
    assert found, f"requires-python should be a lower bound, is {spec!r}"
    return found.group(1)


def _pins() -> list[tuple[str, str]]:
    pins = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins.append((name.strip(), version.strip()))
    return pins


def test_every_installed_pin_accepts_the_oldest_python_that_requires_python_admits() -> None:
    lowest = _lowest_python()
    refused = []
    for name, version in _pins():
        try:
            metadata = importlib.metadata.metadata(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed on this platform (a marker): pip never reads its metadata
        if metadata["Version"] != version:
            continue
        needs = metadata.get("Requires-Python")
        if needs and lowest not in SpecifierSet(needs):
            refused.append(f"{name}=={version} needs Python {needs}")
    assert refused == [], f"requires-python >={lowest} admits Pythons these pins refuse"


def test_the_readme_names_the_python_that_requires_python_names() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"Python {_lowest_python()} or newer" in readme


def test_a_failed_set_up_shows_pips_reason() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs, "the Makefile installs redwatch with pip"
    for line in installs:
        assert not re.search(r"\s(--quiet|-q+)\b", line), line
