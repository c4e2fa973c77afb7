"""Render the alert, the digest and the channel message an advocate gets, from what the engine
really produces, and take full-length screenshots of them in headless Chromium (Debian's
`chromium`): look at what an advocate sees after changing a template or a catalogue.

    .venv/bin/python scripts/render_emails.py [OUTPUT_DIR] [--language ru] [--shots-to DIR]

The events are not written by hand: the sample watchlist's people go into the real match index;
an INTERPOL detail response shaped like the recorded ones (tests/fixtures/interpol), a news item
in Russian and a followed case page go through the real recording code over two cycles (a notice
published, then changed; another notice published; an arrest in the news; the case page saying
"extradition approved"); the alert, digest and Signal-style message are built from the stored
rows as the outbox builds them; the INTERPOL source's last full sweep could not reach 3 notices,
so the digest's health part carries the withdrawal line; the legal team also asks for a sign-in
link. Writes alert-LANG, digest-LANG and signin-email-LANG .{html,txt,png}, and the Signal-style
messages of the alert and of the digest's "ready" note, signal-LANG and digest-signal-LANG
.{txt,png}. Nothing here touches the network: Chromium runs with background
networking off, on local files.
"""

from __future__ import annotations

import argparse
import html as htmlescape
import json
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from monitor.config.watchlist import Watchlist, parse_watchlist
from monitor.events.recorder import Recorder, record_mentions
from monitor.interpol.parse import parse_detail
from monitor.interpol.record import record_notices
from monitor.items import Collected, Item
from monitor.outbox.compose import Mailing, build_message, build_outgoing
from monitor.outbox.digest import queue_due_digests
from monitor.outbox.route import queue_alerts
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import OutboxTransport
from monitor.pages.record import record_watch
from monitor.service.runtime import build_index
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from monitor.web.signing import EmailLinks, Signer

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 3, 1, 21, 40, tzinfo=UTC)
CASE_PAGE = "https://court.example.org/case/123"
PARIS = ZoneInfo("Europe/Paris")
NEWS_TITLE = "Мухтар Аблязов задержан во Франции по запросу России"
NEWS_TEXT = (
    "Во вторник в Ницце полиция задержала Мухтара Аблязова на основании красного уведомления "
    "Интерпола, выданного по запросу России. Адвокаты говорят, что он получил статус беженца "
    "во Франции в 2020 году."
)
PAGE_BEFORE = "Case 123/2026\nStatus: hearing scheduled for 3 March\nJudge: M. Laurent"
PAGE_AFTER = "Case 123/2026\nStatus: extradition approved on 3 March\nJudge: M. Laurent"
PUBLIC_URL = "https://redwatch.example.org"


def detail(entity: str, issuer: str, charge: str, name: str, forename: str) -> bytes:
    """An INTERPOL detail response in the shape of the recorded ones (tests/fixtures/interpol)."""
    path = entity.replace("/", "-")
    return json.dumps(
        {
            "arrest_warrants": [
                {"issuing_country_id": issuer, "charge": charge, "charge_translation": None}
            ],
            "forename": forename,
            "name": name,
            "date_of_birth": "1963/05/16",
            "entity_id": entity,
            "nationalities": ["KZ"],
            "sex_id": "M",
            "country_of_birth_id": "KZ",
            "place_of_birth": "Almaty",
            "languages_spoken_ids": ["RUS", "KAZ"],
            "_embedded": {"links": []},
            "_links": {"self": {"href": f"https://ws-public.interpol.int/notices/v1/red/{path}"}},
        }
    ).encode()


def scenario_watchlist(language: str) -> Watchlist:
    """The sample watchlist, with a case page followed for Mukhtar Ablyazov and the legal
    team's language, time zone, quiet hours and one Signal target."""
    data = yaml.safe_load((ROOT / "watchlist.yaml").read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] == "mukhtar-ablyazov":
            person["watch"] = [{"url": CASE_PAGE, "selector": "#decision"}]
    for advocate in data["advocates"]:
        if advocate["id"] == "odf-legal":
            advocate.update(
                language=language,
                timezone="Europe/Paris",
                quiet_hours="22:00-07:00",
                notify=[{"url": "signal://127.0.0.1:8080/+33600000001/+33600000002"}],
            )
    return parse_watchlist(yaml.safe_dump(data, allow_unicode=True).encode())


def cycle(session, index, watchlist, cycle_id: str, now: datetime, polls) -> list[models.Event]:  # type: ignore[no-untyped-def]
    """One cycle: each (source id, items, record function) recorded as a poll records it."""
    events: list[models.Event] = []
    for source_id, items, record in polls:
        row = session.get_one(models.Source, source_id)
        recorder = Recorder(session, index, watchlist, row, cycle_id, now, baseline=False)
        recorder.record(Collected(items=items, full=False), record)
        events += recorder.events
    session.flush()
    return events


def build(folder: Path, language: str) -> tuple[dict[str, EmailMessage], dict[str, str]]:
    engine = database.create_db_engine(f"sqlite:///{folder / 'db.sqlite3'}")
    database.upgrade(engine)
    factory = database.make_session_factory(engine)
    watchlist = scenario_watchlist(language)
    index = build_index(watchlist)
    [watch] = [s for s in watchlist.all_sources if s.type == "watch"]
    notice_a = ("2026/12345", "RU", "Embezzlement")
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, START - timedelta(days=30))
        page = Item(key=CASE_PAGE, title="Case 123/2026", text=PAGE_BEFORE, url=CASE_PAGE)
        cycle(
            session,
            index,
            watchlist,
            "c1",
            START - timedelta(days=2),
            [
                ("interpol-red", [notice("ABLIAZOV", "MUKHTAR", *notice_a)], record_notices),
                (watch.id, [page], record_watch),
            ],
        )
        changed = notice("ABLIAZOV", "MUKHTAR", *notice_a[:2], "Organised crime; fraud")
        news = Item(
            key="https://news.example.org/2026/03/01/ablyazov",
            title=NEWS_TITLE,
            text=NEWS_TEXT,
            url="https://news.example.org/2026/03/01/ablyazov",
        )
        events = cycle(
            session,
            index,
            watchlist,
            "c2",
            START,
            [
                (
                    "interpol-red",
                    [changed, notice("ABLYAZOV", "MUKHTAR", "2026/20001", "KZ", "Fraud")],
                    record_notices,
                ),
                ("odf-news", [news], record_mentions),
                (watch.id, [Item(CASE_PAGE, "Case 123/2026", PAGE_AFTER, CASE_PAGE)], record_watch),
            ],
        )
        for source in session.query(models.Source):  # polled fine, as in a running service
            source.last_success_at = START
        incomplete_sweep(session, START + timedelta(hours=1))
        deliveries = queue_alerts(session, events, watchlist, "c2", START, PARIS)
        [alert] = [d for d in deliveries if d.advocate_id == "odf-legal" and d.channel == "email"]
        [signal] = [d for d in deliveries if d.advocate_id == "odf-legal" and d.channel != "email"]
        queue_due_digests(session, START + timedelta(days=2), PARIS)
        digests = session.query(models.Delivery).filter_by(kind="digest", advocate_id="odf-legal")
        digest = digests.filter_by(channel="email").one()
        digest_note = digests.filter(models.Delivery.channel != "email").one()
        login = sign_in_request(session, START + timedelta(days=2))
        ids = alert.id, digest.id, signal.id, digest_note.id, login.id
    mailing = Mailing(
        OutboxTransport(folder / "outbox"),
        "redwatch <alerts@redwatch.example>",
        default_templates_dir(),
        PARIS,
        public_url=PUBLIC_URL,
        # The web app's one-click verdict links, as with MONITOR_SECRET_KEY set.
        links=EmailLinks(Signer("render-emails-example-secret-key-0123456789"), PUBLIC_URL),
    )
    with factory() as session:
        emails = {
            "alert": build_message(session, mailing, ids[0]),
            "digest": build_message(session, mailing, ids[1]),
            "signin-email": build_message(session, mailing, ids[4]),
        }
        notes = {
            "signal": build_outgoing(session, mailing, ids[2]).notice,
            "digest-signal": build_outgoing(session, mailing, ids[3]).notice,
        }
    engine.dispose()
    return emails, {name: f"{n.title}\n\n{n.body}" for name, n in notes.items() if n}


def incomplete_sweep(session, at: datetime) -> None:  # type: ignore[no-untyped-def]
    """INTERPOL's full sweep at `at` could not reach 3 of its notices (as issue 14's sweep records
    it); the followed notices' own details answered then, so only the sweep cannot confirm."""
    reason = "3 notices could not be reached with the supported filters"
    coverage = {"red": {"reported_total": 6932, "collected": 6929, "reasons": [reason]}}
    session.add(
        models.SourceRun(
            source_id="interpol-red",
            cycle_id="c3",
            started_at=at,
            status="ok",
            full=True,
            complete=False,
            coverage=coverage,
        )
    )
    for observation in session.query(models.Observation).filter_by(kind="notice"):
        observation.checked_at = at


def sign_in_request(session, now: datetime) -> models.Delivery:  # type: ignore[no-untyped-def]
    """The legal team asks the web app for a sign-in link (what monitor/web does)."""
    delivery = models.Delivery(key="login:render", advocate_id="odf-legal", kind="login")
    delivery.created_at = delivery.next_attempt_at = now
    session.add(delivery)
    session.flush()
    link = models.SignInLink(
        advocate_id="odf-legal", delivery_id=delivery.id, expires_at=now + timedelta(minutes=15)
    )
    session.add(link)
    return delivery


def notice(name: str, forename: str, entity: str, issuer: str, charge: str) -> Item:
    return parse_detail(detail(entity, issuer, charge, name, forename), "red")


def signal_page(text: str) -> str:
    """The channel message as a phone's messaging app shows it: a bubble of plain text."""
    body = htmlescape.escape(text).replace("\n", "<br>")
    body = re.sub(r"(https://\S+)", r'<span style="text-decoration:underline">\1</span>', body)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="margin:0;background:#e9e4de;font-family:Arial,Helvetica,sans-serif;">'
        '<div style="max-width:390px;padding:16px;">'
        '<div style="font-size:13px;color:#555;margin:0 0 6px 4px;">redwatch</div>'
        '<div style="background:#fff;border-radius:14px;padding:10px 12px;font-size:15px;'
        f'line-height:1.4;color:#111;">{body}</div></div></body></html>'
    )


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_args(profile: str) -> list[str]:
    return [
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
    ]


def page_height(browser: str, page: Path, width: int) -> int:
    """The height of the page laid out at `width` (a copy with a line of script measures it)."""
    probe = page.with_suffix(".probe.html")
    probe.write_text(
        page.read_text(encoding="utf-8")
        + "<script>document.title='H'+Math.ceil(document.body.getBoundingClientRect().bottom)"
        + "</script>",
        encoding="utf-8",
    )
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        dom = subprocess.run(
            [
                browser,
                *_chromium_args(profile),
                f"--window-size={width},200",
                "--dump-dom",
                probe.as_uri(),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    probe.unlink()
    found = re.search(r"<title>H(\d+)</title>", dom)
    return int(found.group(1)) if found else 2400


def screenshot(page: Path, png: Path, width: int = 760) -> bool:
    """A full-length screenshot of `page`: as tall as its content, nothing cut."""
    browser = chromium()
    if browser is None:
        return False
    height = page_height(browser, page, width)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run(
            [
                browser,
                *_chromium_args(profile),
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return png.is_file()


def write(out: Path, name: str, message: EmailMessage, shots: Path | None) -> None:
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (out / f"{name}.html").write_text(html, encoding="utf-8")
    (out / f"{name}.txt").write_text(f"Subject: {message['Subject']}\n\n{text}", encoding="utf-8")
    shot = screenshot(out / f"{name}.html", (shots or out) / f"{name}.png")
    print(f"{name}: {message['Subject']}" + (" (screenshot)" if shot else " (no chromium)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="data/email-previews", help="output folder")
    parser.add_argument("--language", action="append", help="en, ru, uk, fr, de (repeatable)")
    parser.add_argument("--shots-to", type=Path, help="put the PNG files here instead")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for language in args.language or ["en"]:
        with tempfile.TemporaryDirectory() as folder:
            emails, notes = build(Path(folder), language)
        for kind, message in emails.items():
            write(out, f"{kind}-{language}", message, args.shots_to)
        for kind, text in notes.items():
            name = f"{kind}-{language}"
            (out / f"{name}.txt").write_text(text, encoding="utf-8")
            (out / f"{name}.html").write_text(signal_page(text), encoding="utf-8")
            screenshot(out / f"{name}.html", (args.shots_to or out) / f"{name}.png", 420)
            print(f"{name}: {text.splitlines()[0]}")


if __name__ == "__main__":
    main()
