"""`monitor evidence`: export a person's evidence bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.commands.common import settings
from monitor.config.settings import Settings
from monitor.events.verdicts import export_evidence
from monitor.store import database
from monitor.store.models import utcnow


def run(args: argparse.Namespace) -> int:
    return evidence_command(settings(), args.person_id, args.out)


def evidence_command(settings: Settings, person_id: str, out: str) -> int:
    engine = database.open_engine(settings)
    try:
        database.require_current_schema(engine)
        with database.make_session_factory(engine)() as session:
            manifest = export_evidence(session, person_id, Path(out), utcnow())
    finally:
        engine.dispose()
    print(f"{out}: {len(manifest['files'])} files, manifest with SHA-256 of each")
    return 0
