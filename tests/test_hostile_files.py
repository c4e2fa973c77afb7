"""Files made from hostile input: outbox emails and evidence bundles never take a name, a path or
a byte from scraped text (SECURITY.md, "Hostile input").

A feed whose titles, links and GUIDs are path traversals (`../../etc/passwd`, `C:\\Windows`, a
NUL) and an INTERPOL detail full of garbage are polled; then the real `monitor evidence` command
exports the bundles of the people they concern. Every entry of every bundle must be a relative
path made of ids and hashes, and nothing may appear outside the data folder and the bundle.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e import cycle, outbox, settings_for, write_watchlist
from tests.fixtures.hostile.corpus import HERE, interpol_stub, manifest, rss, stored
from tests.servers.http_server import HttpTestServer, Reply

SAFE_ENTRY = re.compile(r"(items/\d+/[0-9a-f]{64}\.bin|timeline\.(json|txt)|manifest\.json)")
OUTBOX_NAME = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{16}\.eml")


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def export(folder: Path, person_id: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATA_DIR=str(folder / "data"), MONITOR_WATCHLIST=str(folder / "w.yaml"))
    return subprocess.run(
        [sys.executable, "-m", "monitor", "evidence", person_id, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=60,
    )


@pytest.mark.timeout(120)
def test_outbox_and_evidence_file_names_never_come_from_scraped_text(tmp_path: Path) -> None:
    [traversal] = [e for e in manifest("feeds") if e.name == "path-traversal.xml"]
    detail = (HERE / "interpol" / "hostile-detail.detail.json").read_bytes()
    with HttpTestServer() as server:
        server.route("/feed", Reply.raw(rss("")), Reply.raw(traversal.body()))
        api = interpol_stub(
            server,
            "/api",
            Reply.raw((HERE / "interpol" / "hostile-detail.json").read_bytes()),
            lambda entity_id: Reply.raw(detail, content_type="application/json"),
        )
        sources: list[dict[str, object]] = [
            {"id": "news", "type": "feed", "url": server.url("/feed")},
            {"id": "red", "type": "interpol", "base_url": api, "rate": 100},
        ]
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", sources))
        before = files_under(tmp_path)
        cycle(settings)
        cycle(settings)
    assert {e.person_id for e in stored(settings).events} >= {
        "muratbek-tungishbayev",
        "mukhtar-ablyazov",
    }
    assert outbox(settings) and all(OUTBOX_NAME.fullmatch(p.name) for p in outbox(settings))
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    for person_id in ("muratbek-tungishbayev", "mukhtar-ablyazov"):
        result = export(tmp_path, person_id, bundles / f"{person_id}.zip")
        assert result.returncode == 0, result.stderr
        with zipfile.ZipFile(bundles / f"{person_id}.zip") as bundle:
            names = [info.filename for info in bundle.infolist()]
        assert any(name.startswith("items/") for name in names)
        assert [name for name in names if not SAFE_ENTRY.fullmatch(name)] == []
    made = files_under(tmp_path) - before
    data = settings.data_dir.resolve()
    outside = [p for p in made if data not in p.resolve().parents and p.parent != bundles]
    assert outside == []
    assert not Path("/tmp/redwatch-pwned").exists()
