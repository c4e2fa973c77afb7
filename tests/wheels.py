"""Building redwatch's wheel from a copy of its source, and installing it into a fresh venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.paths import ROOT

# What a checkout holds that the package is built from (MANIFEST.in says what its sdist holds).
SOURCE_FILES = ("pyproject.toml", "README.md", "setup.py", "MANIFEST.in")
SOURCE_FOLDERS = ("monitor", "build_backend")


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def plain_env(home: Path) -> dict[str, str]:
    """An environment with no MONITOR_* variable: the installed package must find its own files."""
    keep = {key: value for key, value in os.environ.items() if not key.startswith("MONITOR_")}
    keep.pop("PYTHONPATH", None)
    keep.update({"HOME": str(home), "MONITOR_DATA_DIR": str(home / "data")})
    return keep


def copy_source(tmp_path: Path) -> Path:
    """A copy of what the checkout holds that the package is built from, in tmp_path/source."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy(ROOT / name, source / name)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return source


def build_wheel(tmp_path: Path, compile_engine: bool = False) -> Path:
    """Build as pip does from PyPI: an sdist of a copy of the checkout, then the wheel from that
    sdist (so a file the sdist leaves out fails here); nothing is written into the tree.
    `compile_engine` builds it as the Docker image does, the matching engine compiled (setup.py)."""
    source = copy_source(tmp_path)
    dist = tmp_path / "dist"
    env = plain_env(tmp_path)
    env.pop("REDWATCH_COMPILE", None)
    if compile_engine:  # for the sdist too: it must build without compiling anything
        env["REDWATCH_COMPILE"] = "1"
    sdist = run(sys.executable, "-m", "build", "--sdist", "-o", dist, source, cwd=tmp_path, env=env)
    assert sdist.returncode == 0, sdist.stdout + sdist.stderr
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist,
        next(dist.glob("redwatch-*.tar.gz")), cwd=tmp_path, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    return next(dist.glob("redwatch-*.whl"))


def fresh_venv(tmp_path: Path) -> Path:
    """An empty venv in tmp_path/venv (pip runs from this one with --python); its folder."""
    venv = tmp_path / "venv"
    made = run(
        sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=plain_env(tmp_path)
    )
    assert made.returncode == 0, made.stderr
    return venv


def venv_with_wheel(tmp_path: Path, wheel: Path) -> Path:
    """A fresh venv holding the wheel; its dependencies come from this venv's site-packages
    (a .pth line, so this venv's editable redwatch is not seen)."""
    venv = fresh_venv(tmp_path)
    env = plain_env(tmp_path)
    python = venv / "bin" / "python"
    site = run(
        python,
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        cwd=tmp_path,
        env=env,
    )
    (Path(site.stdout.strip()) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv
