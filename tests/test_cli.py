"""The command line, run as a real process: clear messages and exit codes, never a stack trace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import FIXTURES, ROOT

COMMANDS = ["check", "db", "poll", "run", "digest", "events", "status", "decide", "evidence"]


def monitor(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
    )


def test_help_lists_every_command() -> None:
    result = monitor("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = monitor(command, "--help")
    assert result.returncode == 0 and "usage: monitor" in result.stdout


def test_check_accepts_the_sample_watchlist() -> None:
    result = monitor("check", "--watchlist", str(ROOT / "watchlist.yaml"))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_check_reports_problems_with_positions_and_exits_1() -> None:
    path = FIXTURES / "watchlists" / "broken" / "23_many_problems_at_once.yaml"
    result = monitor("check", "--watchlist", str(path))
    assert result.returncode == 1
    assert f"{path}:11:11: name: must not be empty" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_check_reports_a_bad_setting_by_its_name(tmp_path: Path) -> None:
    result = monitor(
        "check", "--watchlist", str(ROOT / "watchlist.yaml"), env={"MONITOR_SMTP_SECURITY": "ssl"}
    )
    assert result.returncode == 1
    assert "MONITOR_SMTP_SECURITY" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_watchlist_is_a_clear_error(tmp_path: Path) -> None:
    result = monitor("poll", cwd=tmp_path, env={"MONITOR_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1
    assert "watchlist.yaml" in result.stderr and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    result = monitor(
        "status",
        cwd=tmp_path,
        env={"MONITOR_DATABASE_URL": "postgresql://redwatch:hunter2@127.0.0.1:1/none"},
    )
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path) -> None:
    result = monitor("db", "upgrade", cwd=tmp_path, env={"MONITOR_DATA_DIR": str(tmp_path / "d")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "monitor.sqlite3").is_file()
    assert "revision" in result.stdout


def test_python_dash_m_and_the_console_script_are_the_same_program() -> None:
    script = Path(sys.executable).parent / "monitor"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("redwatch ")
    assert monitor("--version").stdout == result.stdout


def test_check_reports_a_broken_template(tmp_path: Path) -> None:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "monitor" / "templates", templates)
    (templates / "email" / "alert" / "subject.txt").write_text("[{{ lead.label }] broken\n")
    result = monitor(
        "check",
        "--watchlist",
        str(ROOT / "watchlist.yaml"),
        env={"MONITOR_TEMPLATES_DIR": str(templates)},
    )
    assert result.returncode == 1
    assert "alert/subject.txt:1:" in result.stderr and "Traceback" not in result.stderr
