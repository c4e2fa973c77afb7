"""The commands as an admin meets them: every command and argument explained in --help, events
that say when there is nothing, refuse a mistyped person, and give times with their zone."""

from __future__ import annotations

import argparse
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.cli import build_parser
from monitor.commands.events import line
from tests.e2e import SAMPLE, write_watchlist
from tests.test_cli import monitor


def _commands(
    parser: argparse.ArgumentParser, path: str = "monitor"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((f"{path} {name}", sub))
                found.extend(_commands(sub, f"{path} {name}"))
    return found


def test_every_sub_command_and_argument_has_a_description() -> None:
    missing = []
    for name, parser in _commands(build_parser()):
        if not parser.description:
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            if not action.help:
                missing.append(f"{name} {action.dest}: no help")
    assert missing == []


def _environment(tmp_path: Path) -> dict[str, str]:
    watchlist = write_watchlist(tmp_path / "w.yaml", [])
    return {"MONITOR_WATCHLIST": str(watchlist), "MONITOR_DATA_DIR": str(tmp_path / "data")}


def test_events_says_when_there_is_nothing_and_refuses_an_unknown_person(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    assert monitor("poll", env=env).returncode == 0  # no sources: the people are synced
    person = SAMPLE["people"][0]["id"]
    nothing = monitor("events", "--person", person, env=env)
    assert (
        nothing.returncode == 0 and nothing.stdout.strip() == f"no events for {person} stored yet"
    )
    quiet = monitor("events", "--json", env=env)
    assert quiet.stdout == "" and "no events" in quiet.stderr
    typo = monitor("events", "--person", person + "x", env=env)
    assert typo.returncode == 2 and "no person" in typo.stderr and typo.stdout == ""


def test_an_event_line_gives_its_time_with_the_zone_and_its_type_in_words() -> None:
    row = {
        "id": 12,
        "detected_at": "2026-12-01T14:03:00+00:00",
        "severity": "high",
        "type": "notice_no_longer_public",
        "person_id": "mukhtar-ablyazov",
        "baseline": False,
        "title": "ABLYAZOV, MUKHTAR",
    }
    text = line(row, ZoneInfo("Europe/Paris"))
    assert "2026-12-01 15:03 CET" in text
    assert "notice no longer on the public list" in text and "notice_no_longer_public" not in text


def _settings(tmp_path: Path, **extra: str):  # type: ignore[no-untyped-def]
    from monitor.config.settings import load_settings

    environ = {"MONITOR_DATA_DIR": str(tmp_path / "data"), "MONITOR_TIMEZONE": "Europe/Paris"}
    environ.update({f"MONITOR_{k.upper()}": v for k, v in extra.items()})
    return load_settings(environ, env_file=tmp_path / "no.env")


def test_run_says_where_emails_go_how_many_sources_are_enabled_which_engine_and_each_first_poll(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from monitor.config.watchlist import load_watchlist
    from monitor.service.run import start_lines
    from tests.paths import ROOT

    sources = load_watchlist(ROOT / "watchlist.yaml").all_sources
    enabled = [s.id for s in sources if s.enabled]
    tries = [(enabled[0], datetime(2026, 12, 1, 14, 3, 9, tzinfo=UTC))]
    lines = start_lines(_settings(tmp_path), sources, tries)
    assert lines[0].endswith(f"into {tmp_path / 'data' / 'outbox'}")
    assert lines[1] == f"{len(enabled)} of {len(sources)} sources enabled" and len(enabled) < len(
        sources
    )
    # the sources run from this checkout, not compiled: the line says so, and how to compile
    assert lines[2].startswith("matching engine: pure Python (REDWATCH_COMPILE=1 pip install .")
    assert lines[3] == f"first poll of {enabled[0]} at 2026-12-01 15:03:09 CET"
    smtp = start_lines(_settings(tmp_path, smtp_host="smtp.example.org"), sources, tries)
    assert smtp[0] == "emails go to the SMTP server smtp.example.org:587 (starttls)"
