"""`monitor digest`: print each advocate's digest, or queue and send it (`--send`)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from typing import Any

from monitor.commands.common import settings as load
from monitor.outbox.digest import Period, preview, previous_end, queue_digest
from monitor.outbox.send import deliver_pending_async
from monitor.outbox.templates import default_templates_dir
from monitor.service.run import mailing_for
from monitor.service.runtime import Runtime
from monitor.store import database
from monitor.store.models import utcnow


def run(args: argparse.Namespace) -> int:
    return digest_command(load(), send=args.send, advocate_id=args.advocate, days=args.days)


def digest_command(settings: Any, *, send: bool, advocate_id: str | None, days: int) -> int:
    """`monitor digest`: print each advocate's digest, or queue and send it with `send`."""
    runtime = Runtime.open(settings)
    try:
        now = utcnow()
        ids = [advocate_id] if advocate_id else [a.id for a in runtime.watchlist.advocates]
        if not send:
            with runtime.factory() as session:
                for one in ids:
                    templates = settings.templates_dir or default_templates_dir()
                    print(preview(session, one, days, now, settings.tz, templates))
            return 0
        with database.transaction(runtime.factory) as session:
            for one in ids:
                period = Period(previous_end(session, one) or now - timedelta(days=days), now)
                queue_digest(
                    session, one, period, now, key=f"digest:{one}:manual:{now.isoformat()}"
                )
        report = asyncio.run(
            deliver_pending_async(
                runtime.factory, mailing_for(settings), runtime.owner, runtime.clock
            )
        )
        print(f"digests: {report.sent} sent, {report.retrying} to retry, {report.failed} failed")
        return 0 if not report.failed and not report.retrying else 1
    finally:
        runtime.close()
