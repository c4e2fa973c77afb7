"""`monitor decide`: record a human verdict on a possible match."""

from __future__ import annotations

import argparse

from monitor.commands.common import settings
from monitor.config.settings import Settings
from monitor.events.verdicts import decide
from monitor.store import database
from monitor.store.models import utcnow
from monitor.store.states import Verdict


def run(args: argparse.Namespace) -> int:
    verdict = Verdict.CONFIRMED if args.confirmed else Verdict.NOT_THIS_PERSON
    return decide_command(settings(), args.event_id, verdict, args.note)


def decide_command(settings: Settings, event_id: int, verdict: str, note: str) -> int:
    engine = database.open_engine(settings)
    try:
        database.require_current_schema(engine)
        with database.transaction(database.make_session_factory(engine)) as session:
            decision = decide(session, event_id, verdict, note, utcnow())
            words = "the same person" if verdict == Verdict.CONFIRMED else "not this person"
            print(f"event #{event_id}: recorded as {words} for {decision.person_id}")
    finally:
        engine.dispose()
    return 0
