"""Render the alert and digest emails with realistic events and take screenshots of their HTML
in headless Chromium (Debian's `chromium`), to look at what an advocate sees.

    .venv/bin/python scripts/render_emails.py [OUTPUT_DIR]

Writes alert.html, digest.html, alert.txt, digest.txt and, when chromium is installed,
alert.png and digest.png. Nothing here touches the network: Chromium is started with its
background networking off, on local files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config.watchlist import load_watchlist
from monitor.outbox.compose import Mailing, build_message
from monitor.outbox.digest import queue_due_digests
from monitor.outbox.route import queue_alerts
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import OutboxTransport
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from monitor.web.signing import EmailLinks, Signer

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
PUBLIC_URL = "https://redwatch.example.org"
SENTENCE = "On 12 June, Мухтар Аблязов was detained in Nice on the basis of a Russian Red Notice."

EVENTS = [
    {
        "person_id": "mukhtar-ablyazov",
        "type": "notice_published",
        "severity": "high",
        "title": "ABLIAZOV MUKHTAR",
        "url": "https://ws-public.interpol.int/notices/v1/red/2026-12345",
        "evidence": "Red notice 2026/12345; ABLIAZOV MUKHTAR; born 1963-05-16; nationality KZ; wanted by KZ",
        "details": {
            "notice_type": "red",
            "entity_id": "2026/12345",
            "headline": "new notice published",
            "flags": [
                "Issued by KZ, a state this person is protected from (refugee status granted by FR on 2020-09-29). "
                "INTERPOL's 2015 policy on refugees bars such notices: grounds for a request to the CCF."
            ],
            "explanation": "ABLIAZOV MUKHTAR matched 'Mukhtar Ablyazov' (ICAO 9303 transliteration of 'Мухтар Аблязов'); birth date agrees; nationality agrees; score 0.97, strong",
        },
    },
    {
        "person_id": "mukhtar-ablyazov",
        "type": "notice_changed",
        "severity": "high",
        "title": "ABLIAZOV MUKHTAR",
        "url": "https://ws-public.interpol.int/notices/v1/red/2026-12345",
        "details": {
            "notice_type": "red",
            "headline": "notice changed: charges, issuing countries",
            "changes": [
                {"field": "Charges", "before": "Embezzlement", "after": "Organised crime; fraud"},
                {"field": "Issuing countries", "before": "KZ", "after": "KZ; RU"},
            ],
        },
    },
    {
        "person_id": "mukhtar-ablyazov",
        "type": "news_mention",
        "severity": "high",
        "title": "Opposition leader detained <script>alert('x')</script> in Nice",
        "url": "https://news.example.org/2026/06/12/detained",
        "evidence": SENTENCE,
        "details": {
            "sentence": SENTENCE,
            "spans": [[SENTENCE.index("Мухтар"), SENTENCE.index(" was")]],
            "context_labels": ["arrest", "red_notice"],
            "explanation": "'Мухтар Аблязов' is a watchlist alias (native script); arrest words around the mention",
        },
    },
    {
        "person_id": "mukhtar-ablyazov",
        "type": "page_changed",
        "severity": "high",
        "title": "Case page https://court.example.org/case/123",
        "url": "https://court.example.org/case/123",
        "details": {
            "diff": "@@ line 3 @@\n  Case 123/2026\n- Status: hearing scheduled for 3 March\n+ Status: extradition approved on 3 March",
            "headline": "case page changed",
        },
    },
]


def build(folder: Path) -> tuple[EmailMessage, EmailMessage]:
    engine = database.create_db_engine(f"sqlite:///{folder / 'db.sqlite3'}")
    database.upgrade(engine)
    factory = database.make_session_factory(engine)
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, NOW - timedelta(days=30))
        events = [
            models.Event(
                key=f"k{i}",
                detected_at=NOW - timedelta(hours=i),
                cycle_id="c1",
                source_id="interpol-red",
                **spec,
            )
            for i, spec in enumerate(EVENTS)
        ]
        events.append(
            models.Event(
                key="p",
                person_id="zhanara-akhmetova",
                type="possible_match",
                severity="medium",
                title="AKHMETOVA ZHANAR",
                detected_at=NOW - timedelta(days=2),
                source_id="interpol-red",
                details={"explanation": "name matches, birth date conflicts (1978 vs 1981)"},
            )
        )
        events.append(
            models.Event(
                key="b",
                person_id="zhanara-akhmetova",
                type="news_mention",
                severity="high",
                title="Supreme Court of Ukraine reverses asylum",
                baseline=True,
                url="https://news.example.org/akhmetova",
                detected_at=NOW - timedelta(days=3),
                evidence="The Supreme Court of Ukraine reversed the decision to grant asylum to Zhanara Akhmetova.",
                source_id="odf-news",
                details={"context_labels": ["court", "asylum"]},
            )
        )
        session.add_all(events)
        session.flush()
        [alert] = [
            d
            for d in queue_alerts(session, events[:4], watchlist, "c1", NOW)
            if d.advocate_id == "odf-legal"
        ]
        queue_due_digests(session, NOW + timedelta(hours=1), ZoneInfo("Europe/Paris"))
        digest = (
            session.query(models.Delivery).filter_by(kind="digest", advocate_id="odf-legal").one()
        )
        ids = alert.id, digest.id
    mailing = Mailing(
        OutboxTransport(folder / "outbox"),
        "redwatch <alerts@redwatch.example>",
        default_templates_dir(),
        ZoneInfo("Europe/Paris"),
        # The web app's one-click verdict links, as with MONITOR_SECRET_KEY set.
        links=EmailLinks(Signer("render-emails-example-secret-key-0123456789"), PUBLIC_URL),
    )
    with factory() as session:
        messages = build_message(session, mailing, ids[0]), build_message(session, mailing, ids[1])
    engine.dispose()
    return messages


def screenshot(html: Path, png: Path) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return False
    profile = tempfile.mkdtemp(prefix="chromium-")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--hide-scrollbars",
            "--window-size=760,1400",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return png.is_file()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/email-previews")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        messages = build(Path(folder))
    for name, message in zip(("alert", "digest"), messages, strict=True):
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        (out / f"{name}.html").write_text(html, encoding="utf-8")
        (out / f"{name}.txt").write_text(
            f"Subject: {message['Subject']}\n\n{text}", encoding="utf-8"
        )
        shot = screenshot(out / f"{name}.html", out / f"{name}.png")
        print(
            f"{name}: {message['Subject']}"
            + (f" -> {out / (name + '.png')}" if shot else " (no chromium: HTML only)")
        )


if __name__ == "__main__":
    main()
