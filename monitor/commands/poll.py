"""`monitor poll`: one cycle of the enabled sources (or those named) now, then delivery."""

from __future__ import annotations

import argparse

from monitor.commands.common import settings
from monitor.service.run import poll_once


def run(args: argparse.Namespace) -> int:
    return poll_once(settings(), only=args.source, full=args.full)
