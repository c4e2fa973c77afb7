"""`monitor check`: every problem with the settings and the watchlist, at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitor.config.settings import load_settings
from monitor.config.watchlist import WatchlistError, load_watchlist
from monitor.exc import ConfigError
from monitor.outbox.templates import check_templates, default_templates_dir


def run(args: argparse.Namespace) -> int:
    return check(args.watchlist)


def check(watchlist_path: str | None = None) -> int:
    """Print each problem as FILE:LINE:COLUMN: message; return 1 if there is any, else 0.

    - settings errors name the variable (MONITOR_...) and never echo a secret;
    - without valid settings the watchlist is still checked, at its default place;
    - every email template must compile, and each email needs its three parts;
    - a valid file gets a one-line summary of what it holds.
    """
    problems = 0
    path = Path(watchlist_path) if watchlist_path else None
    templates = default_templates_dir()
    try:
        settings = load_settings()
        path = path or settings.watchlist
        templates = settings.templates_dir or templates
        if settings.web_enabled and settings.secret_key is None:  # issue 17: the web app
            print(
                "settings: MONITOR_SECRET_KEY: required when the web app is on "
                "(MONITOR_WEB_PORT is set): it signs sessions and email links",
                file=sys.stderr,
            )
            problems += 1
    except ConfigError as exc:
        print(f"settings: {exc}", file=sys.stderr)
        problems += 1
    for problem in check_templates(templates):
        print(problem, file=sys.stderr)
        problems += 1
    path = path or Path("watchlist.yaml")
    try:
        watchlist = load_watchlist(path)
    except WatchlistError as exc:
        print(exc, file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    enabled = sum(1 for s in watchlist.sources if s.enabled)
    print(
        f"{path}: ok ({len(watchlist.people)} people, {len(watchlist.advocates)} advocates, "
        f"{len(watchlist.sources)} sources of which {enabled} enabled)"
    )
    return 1 if problems else 0
