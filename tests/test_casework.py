"""What advocates do with findings: judge a possible match, export evidence for a CCF request."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config.settings import Settings
from monitor.store import database, models
from tests.e2e import cycle, settings_for, write_watchlist
from tests.servers.interpol_sim import InterpolSim, red_item

pytestmark = pytest.mark.slow
NOTICE = "2026/22222"


def source(base_url: str) -> dict[str, object]:
    return {"id": "interpol-red", "type": "interpol", "base_url": base_url, "rate": 100}


def monitor(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        {"MONITOR_DATA_DIR": str(settings.data_dir), "MONITOR_WATCHLIST": str(settings.watchlist)}
    )
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def events(settings: Settings) -> list[models.Event]:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(select(models.Event).order_by(models.Event.id)))
    finally:
        engine.dispose()


def test_a_conflicting_birth_date_is_a_possible_match_and_a_dismissal_holds_until_names_change(
    tmp_path: Path,
) -> None:
    sim = InterpolSim.from_fixtures(yellow=False)
    with sim.serve() as server:
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server.base_url)])
        )
        cycle(settings)
        sim.add(
            red_item(NOTICE, "ABLYAZOV", "MUKHTAR", "1990/01/01", ["KZ"]),
            sex="M",
            warrants=[("RU", "Fraud")],
        )
        cycle(settings)
        [possible] = [e for e in events(settings) if not e.baseline]
        assert (possible.type, possible.person_id) == ("possible_match", "mukhtar-ablyazov")

        result = monitor(
            settings, "decide", str(possible.id), "--not-this-person", "--note", "a namesake"
        )
        assert result.returncode == 0, result.stderr
        sim.change(
            NOTICE,
            arrest_warrants=[
                {"issuing_country_id": "RU", "charge": "Fraud, theft", "charge_translation": None}
            ],
        )
        [quiet] = cycle(settings, full=True)
        assert quiet.events == 0  # charges are not what made it a namesake

        sim.change(NOTICE, name="ABLIAZOV", date_of_birth="1963/05/16")
        [again] = cycle(settings, full=True)
    assert again.events >= 1
    assert events(settings)[-1].person_id == "mukhtar-ablyazov"


def test_the_evidence_bundle_holds_every_version_with_a_manifest_of_hashes(tmp_path: Path) -> None:
    sim = InterpolSim.from_fixtures(yellow=False)
    sim.add(
        red_item(NOTICE, "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]),
        sex="M",
        warrants=[("KZ", "Embezzlement")],
    )
    with sim.serve() as server:
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server.base_url)])
        )
        cycle(settings)
        sim.change(
            NOTICE,
            arrest_warrants=[
                {
                    "issuing_country_id": "KZ",
                    "charge": "Organised crime",
                    "charge_translation": None,
                }
            ],
        )
        cycle(settings, full=True)
    out = tmp_path / "bundle.zip"
    result = monitor(settings, "evidence", "mukhtar-ablyazov", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(out) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(bundle.read(entry["path"])).hexdigest() == entry["sha256"]
        bodies = [
            bundle.read(e["path"]) for e in manifest["files"] if e["path"].startswith("items/")
        ]
        timeline = json.loads(bundle.read("timeline.json"))
    assert (
        sum(b"Embezzlement" in b for b in bodies) == 1
        and sum(b"Organised crime" in b for b in bodies) == 1
    )
    assert any(b.startswith(b"\xff\xd8") for b in bodies)  # the photo (a JPEG)
    assert [e["type"] for e in timeline] == ["notice_published", "notice_changed"]
    assert all(e.get("retrieved_at") for e in manifest["files"] if e["path"].startswith("items/"))
