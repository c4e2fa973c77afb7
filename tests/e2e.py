"""Helpers for end-to-end tests: a watchlist pointing at local servers, settings, one cycle."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from monitor.config.settings import Settings, load_settings
from monitor.poll import Outcome
from monitor.service.runtime import Runtime
from tests.paths import ROOT

SAMPLE = yaml.safe_load((ROOT / "watchlist.yaml").read_text(encoding="utf-8"))


def write_watchlist(
    path: Path, sources: list[dict[str, Any]], people: list[dict[str, Any]] | None = None
) -> Path:
    document = {
        "people": SAMPLE["people"] if people is None else people,
        "advocates": SAMPLE["advocates"],
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def settings_for(tmp_path: Path, watchlist: Path, **extra: str) -> Settings:
    environ = {
        "MONITOR_WATCHLIST": str(watchlist),
        "MONITOR_DATA_DIR": str(tmp_path / "data"),
        **{f"MONITOR_{k.upper()}": v for k, v in extra.items()},
    }
    return load_settings(environ, env_file=tmp_path / "no.env")


def cycle(settings: Settings, *, only: tuple[str, ...] = (), full: bool = False) -> list[Outcome]:
    """One `monitor poll` in this process: open, poll every enabled source, deliver, close."""
    from monitor.service.run import _cycle

    runtime = Runtime.open(settings)
    try:
        return asyncio.run(_cycle(runtime, only, full))
    finally:
        runtime.close()


def outbox(settings: Settings) -> list[Path]:
    return sorted(settings.effective_outbox_dir.glob("*.eml"))
