"""redwatch installs as Python packages are installed: a wheel carries its templates and migrations,
and the pins in constraints.txt install on every Python that requires-python admits."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from tests.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _plain_env(home: Path) -> dict[str, str]:
    """An environment with no MONITOR_* variable: the installed package must find its own files."""
    keep = {key: value for key, value in os.environ.items() if not key.startswith("MONITOR_")}
    keep.pop("PYTHONPATH", None)
    keep.update({"HOME": str(home), "MONITOR_DATA_DIR": str(home / "data")})
    return keep


def _build_wheel(tmp_path: Path) -> Path:
    """Build from a copy of what a source distribution holds, so nothing is written into the tree."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "monitor", source / "monitor", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = tmp_path / "dist"
    env = _plain_env(tmp_path)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source, cwd=tmp_path, env=env
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return next(dist.glob("redwatch-*.whl"))


def _venv_with_wheel(tmp_path: Path, wheel: Path) -> Path:
    """A fresh venv holding the wheel; its dependencies come from this venv's site-packages
    (a .pth line, so this venv's editable redwatch is not seen)."""
    venv = tmp_path / "venv"
    env = _plain_env(tmp_path)
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run(
        python,
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        cwd=tmp_path,
        env=env,
    )
    (Path(site.stdout.strip()) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_checks_its_templates_and_migrates_from_any_folder(
    tmp_path: Path,
) -> None:
    venv = _venv_with_wheel(tmp_path, _build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ROOT / "watchlist.yaml", elsewhere / "watchlist.yaml")
    env = _plain_env(tmp_path)
    python, monitor = venv / "bin" / "python", venv / "bin" / "monitor"

    where = _run(python, "-c", "import monitor; print(monitor.__file__)", cwd=elsewhere, env=env)
    assert str(venv) in where.stdout, where.stdout + where.stderr
    checked = _run(monitor, "check", cwd=elsewhere, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "missing template" not in checked.stdout + checked.stderr
    upgraded = _run(monitor, "db", "upgrade", cwd=elsewhere, env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    current = _run(monitor, "db", "current", cwd=elsewhere, env=env)
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
