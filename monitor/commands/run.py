"""`monitor run`: the long-running service."""

from __future__ import annotations

import argparse

from monitor.commands.common import settings
from monitor.service.run import run_forever


def run(args: argparse.Namespace) -> int:
    return run_forever(settings())
