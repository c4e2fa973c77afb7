"""Hostile watchlists and settings, through `monitor check` in a subprocess
(tests/fixtures/hostile/README.md, sections `watchlists` and `settings`).

Each input must get a clear `FILE:LINE:COLUMN: message` (or be accepted), exit 1 when refused,
never an "internal error", never a traceback, never a raw control character on the terminal, and
never run anything (a YAML tag that would create a file does not).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.hostile.corpus import (
    GENERATED_FILES,
    Entry,
    committed_files,
    manifest,
)
from tests.paths import ROOT

WATCHLISTS = manifest("watchlists")
SETTINGS = manifest("settings")
PWNED = Path("/tmp/redwatch-pwned")
# What a terminal would act on: NUL, BEL, backspace, ESC (colours, clearing the screen), CR.
RAW_CONTROLS = re.compile(r"[\x00\x07\x08\x0d\x1b\x9b]")


def monitor_check(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ.update({"MONITOR_DATA_DIR": str(folder / "data"), **env})
    return subprocess.run(
        [sys.executable, "-m", "monitor", "check", *args],
        capture_output=True,
        text=True,
        errors="surrogateescape",
        env=environ,
        cwd=folder,
        timeout=60,
    )


def watchlist_file(entry: Entry, folder: Path) -> Path:
    if not entry.generated:
        return entry.path
    path = folder / f"{entry.slug}.yaml"
    path.write_bytes(GENERATED_FILES[entry.name.removeprefix("generated:")]())
    return path


def problems(entry: Entry, result: subprocess.CompletedProcess[str], path: Path) -> list[str]:
    """How `monitor check`'s answer differs from the manifest row ([] when it does not)."""
    said = result.stdout + result.stderr
    found = []
    if "internal error" in said or "Traceback" in said:
        found.append(f"crashed: {said[-300:]!r}")
    if RAW_CONTROLS.search(said):
        found.append("a raw control character reached the terminal")
    if entry.outcome == "accepted":
        if result.returncode != 0 or f"{path}: ok (" not in result.stdout:
            found.append(f"not accepted: {said[-300:]!r}")
        return found
    if result.returncode != 1:
        found.append(f"exit {result.returncode}, not 1")
    where = f"{path}:{entry.at[0]}:{entry.at[1]}: " if entry.at else ""
    if not re.search(re.escape(where) + r"[^\n]*" + re.escape(entry.words), said):
        found.append(f"no {where}...{entry.words!r} in {said[-400:]!r}")
    return found


def test_the_manifest_lists_every_committed_watchlist_and_setting() -> None:
    assert {e.name for e in WATCHLISTS if not e.generated} == committed_files("watchlists")
    assert {e.name for e in SETTINGS if not e.generated} == committed_files("settings")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", WATCHLISTS, ids=lambda entry: entry.name)
def test_each_hostile_watchlist_gets_a_clear_answer(tmp_path: Path, entry: Entry) -> None:
    path = watchlist_file(entry, tmp_path)
    result = monitor_check(tmp_path, "--watchlist", str(path))
    assert problems(entry, result, path) == [], entry.what
    assert not (tmp_path / "data" / "last-error.log").exists()
    assert not PWNED.exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", SETTINGS, ids=lambda entry: entry.name)
def test_each_hostile_setting_gets_a_clear_answer(tmp_path: Path, entry: Entry) -> None:
    env = {}
    if entry.name.endswith(".env"):
        (tmp_path / ".env").write_bytes(entry.path.read_bytes())
    elif entry.generated:
        env["MONITOR_DATABASE_URL_FILE"] = "/dev/zero"  # generated:dev-zero-secret
    else:
        env["MONITOR_SMTP_PASSWORD_FILE"] = str(entry.path)
    sample = ROOT / "watchlist.yaml"
    result = monitor_check(tmp_path, "--watchlist", str(sample), **env)
    assert problems(entry, result, sample) == [], entry.what
    assert not (tmp_path / "data" / "last-error.log").exists()


def test_a_name_with_invisible_controls_is_still_matched_once_accepted() -> None:
    from monitor.config.watchlist import load_watchlist
    from monitor.service.runtime import build_index

    [entry] = [e for e in WATCHLISTS if e.name == "rtl-and-zero-width-name.yaml"]
    index = build_index(load_watchlist(entry.path))
    found = {m.person_id for m in index.match_text("Mukhtar Ablyazov was detained in Kyiv.")}
    assert found == {"mukhtar-ablyazov"}
