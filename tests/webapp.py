"""A real web app for tests: a migrated database with a small world, uvicorn on 127.0.0.1.

    with WebWorld.start(db_url, tmp_path, smtp_port=smtp.port) as web:
        client = web.client()                      # httpx, cookies kept, no redirects followed
        web.sign_in(client, "legal@example.org")   # through the real sign-in email (SMTP)

The world: three people, three advocates (an admin, two who each follow other people), an
INTERPOL source, a notice strongly matched (published, then changed), a notice and a news
article that are possible matches, and a case-page diff. The clock is the app's own
`WebContext.clock`, given a controllable one here (its constructor argument, not a patch).
"""

from __future__ import annotations

import dataclasses
import html
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.settings import Settings, load_settings
from monitor.config.watchlist import load_watchlist
from monitor.service.run import mailing_for
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from monitor.web.server import uvicorn_config, web_context
from tests.servers.smtp_server import SmtpTestServer, free_port

SECRET = "a-test-secret-key-that-is-long-enough-0123456789"
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

PEOPLE = [
    {
        "id": "person-amina",
        "name": "Amina Sadykova",
        "aliases": ["Амина Садыкова"],
        "birth_date": "1979-03-02",
        "sex": "F",
        "nationalities": ["KZ"],
        "advocates": ["adv-one"],
    },
    {
        "id": "person-boris",
        "name": "Boris Pahlavin",
        "birth_date": "1966",
        "nationalities": ["RU"],
        "advocates": ["adv-two"],
    },
    {
        "id": "person-chen",
        "name": "Chen Weilin",
        "nationalities": ["CN"],
        "advocates": ["adv-admin"],
    },
]
ADVOCATES = [
    {"id": "adv-admin", "name": "Admin Desk", "email": "admin@example.org", "role": "admin"},
    {"id": "adv-one", "name": "Olga Lawyer", "email": "olga@example.org"},
    {"id": "adv-two", "name": "Tom Counsel", "email": "tom@example.org"},
]
SOURCES = [
    {"id": "interpol-red", "type": "interpol", "base_url": "http://127.0.0.1:9/", "rate": 10},
    {"id": "court-news", "type": "feed", "url": "http://127.0.0.1:9/rss", "kind": "news"},
]
NAMES = [p["name"] for p in PEOPLE] + ["Амина Садыкова"]
EMAILS = [a["email"] for a in ADVOCATES]


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Seeded:
    """Ids of what the world holds."""

    events: dict[str, int] = field(default_factory=dict)
    observations: dict[str, int] = field(default_factory=dict)


def write_watchlist(path: Path, people: list[dict[str, Any]] | None = None) -> Path:
    document = {"people": people or PEOPLE, "advocates": ADVOCATES, "sources": SOURCES}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def settings_for(
    tmp_path: Path, db_url: str, web_port: int, smtp_port: int | None = None, **extra: str
) -> Settings:
    environ = {
        "MONITOR_WATCHLIST": str(write_watchlist(tmp_path / "watchlist.yaml")),
        "MONITOR_DATA_DIR": str(tmp_path / "data"),
        "MONITOR_DATABASE_URL": db_url,
        "MONITOR_WEB_PORT": str(web_port),
        "MONITOR_SECRET_KEY": SECRET,
        "MONITOR_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        **(
            {
                "MONITOR_SMTP_HOST": "127.0.0.1",
                "MONITOR_SMTP_PORT": str(smtp_port),
                "MONITOR_SMTP_SECURITY": "none",
            }
            if smtp_port
            else {}
        ),
        **extra,
    }
    return load_settings(environ, env_file=tmp_path / "no.env")


def seed(factory: sessionmaker[Session], settings: Settings, now: datetime = START) -> Seeded:
    """The world's rows, as polls would have stored them."""
    seeded = Seeded()
    with database.transaction(factory) as session:
        sync_watchlist(session, load_watchlist(settings.watchlist), now - timedelta(days=30))
        _notice(session, seeded, now)
        _possible_notice(session, seeded, now)
        _possible_news(session, seeded, now)
        _case_page(session, seeded, now)
        _boris(session, seeded, now)
        session.get_one(models.Source, "interpol-red").last_success_at = now - timedelta(hours=1)
    return seeded


def _observation(
    session: Session, key: str, kind: str, source: str, at: datetime, **fields: Any
) -> models.Observation:
    row = models.Observation(
        key=key,
        kind=kind,
        source_id=source,
        content_hash=key[-8:],
        first_seen_at=at,
        last_seen_at=at,
        last_changed_at=at,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def _event(session: Session, seeded: Seeded, name: str, **fields: Any) -> models.Event:
    event = models.Event(key=f"test:{name}", **fields)
    session.add(event)
    session.flush()
    seeded.events[name] = event.id
    return event


def _notice(session: Session, seeded: Seeded, now: datetime) -> None:
    data = {
        "notice_type": "red",
        "entity_id": "2026/11111",
        "name": "SADYKOVA",
        "forename": "AMINA",
        "birth_date": "1979-03-02",
        "nationalities": ["KZ"],
    }
    obs = _observation(
        session,
        "interpol:red:2026/11111",
        "notice",
        "interpol-red",
        now - timedelta(days=10),
        title="SADYKOVA AMINA",
        data=data,
        url="https://www.interpol.int/notice/2026-11111",
    )
    seeded.observations["notice"] = obs.id
    session.add(
        models.MatchRow(
            observation_id=obs.id,
            person_id="person-amina",
            score=0.97,
            band="strong",
            explanation={"summary": "SADYKOVA AMINA matched 'Amina Sadykova'; birth date agrees"},
            content_hash="x",
        )
    )
    for days, body in (
        (10, b'{"name": "SADYKOVA", "forename": "AMINA"}'),
        (3, b'{"name": "SADYKOVA", "forename": "AMINA", "charges": "fraud"}'),
    ):
        session.add(
            models.Evidence(
                observation_id=obs.id,
                url=obs.url,
                status=200,
                sha256=str(days) * 64 if days < 10 else "a" * 64,
                body=body,
                retrieved_at=now - timedelta(days=days),
                first_seen_at=now - timedelta(days=days),
                last_seen_at=now - timedelta(days=days),
            )
        )
    _event(
        session,
        seeded,
        "published",
        person_id="person-amina",
        observation_id=obs.id,
        source_id="interpol-red",
        type="notice_published",
        severity="high",
        title="SADYKOVA AMINA",
        url=obs.url,
        detected_at=now - timedelta(days=10),
        details={
            "notice_type": "red",
            "explanation": "SADYKOVA AMINA matched 'Amina Sadykova' (ICAO 9303); birth date agrees; score 0.97, strong",
            "flags": ["Issued by KZ, a state this person is protected from."],
        },
    )
    _event(
        session,
        seeded,
        "changed",
        person_id="person-amina",
        observation_id=obs.id,
        source_id="interpol-red",
        type="notice_changed",
        severity="high",
        title="SADYKOVA AMINA",
        url=obs.url,
        detected_at=now - timedelta(days=3),
        details={
            "notice_type": "red",
            "changes": [{"field": "Charges", "before": "", "after": "fraud"}],
        },
    )


def _possible_notice(session: Session, seeded: Seeded, now: datetime) -> None:
    data = {
        "notice_type": "red",
        "entity_id": "2026/22222",
        "name": "SADYKOVA",
        "forename": "AMINA",
        "birth_date": "1988-01-01",
        "nationalities": ["KZ"],
    }
    obs = _observation(
        session,
        "interpol:red:2026/22222",
        "notice",
        "interpol-red",
        now - timedelta(days=5),
        title="SADYKOVA AMINA",
        data=data,
        url="https://www.interpol.int/notice/2026-22222",
    )
    seeded.observations["possible_notice"] = obs.id
    session.add(
        models.MatchRow(
            observation_id=obs.id,
            person_id="person-amina",
            score=0.91,
            band="review",
            explanation={
                "summary": "SADYKOVA AMINA matched 'Amina Sadykova'; birth date conflicts (1988-01-01 vs 1979-03-02)",
                "notes": ["birth date conflicts"],
            },
            content_hash="y",
        )
    )
    _event(
        session,
        seeded,
        "possible_notice",
        person_id="person-amina",
        observation_id=obs.id,
        source_id="interpol-red",
        type="possible_match",
        severity="medium",
        title="SADYKOVA AMINA",
        url=obs.url,
        detected_at=now - timedelta(days=5),
        details={
            "notice_type": "red",
            "explanation": "birth date conflicts (1988-01-01 vs 1979-03-02)",
            "band": "review",
            "score": 0.91,
        },
    )


def _possible_news(session: Session, seeded: Seeded, now: datetime) -> None:
    sentence = "A. Sadykova was questioned by police in Almaty on Monday."
    obs = _observation(
        session,
        "feed:court-news:abc12345",
        "news",
        "court-news",
        now - timedelta(days=2),
        title="Police question activist",
        text=sentence,
        url="https://news.example.org/a/1",
    )
    seeded.observations["possible_news"] = obs.id
    session.add(
        models.MatchRow(
            observation_id=obs.id,
            person_id="person-amina",
            score=0.8,
            band="review",
            explanation={"summary": "initial + distinctive surname 'Sadykova'"},
            content_hash="z",
        )
    )
    _event(
        session,
        seeded,
        "possible_news",
        person_id="person-amina",
        observation_id=obs.id,
        source_id="court-news",
        type="possible_match",
        severity="low",
        title="Police question activist",
        url=obs.url,
        evidence=sentence,
        detected_at=now - timedelta(days=2),
        details={
            "sentence": sentence,
            "spans": [[0, 11]],
            "explanation": "initial + distinctive surname 'Sadykova'",
            "band": "review",
        },
    )


def _case_page(session: Session, seeded: Seeded, now: datetime) -> None:
    _event(
        session,
        seeded,
        "page",
        person_id="person-amina",
        source_id="court-news",
        type="page_changed",
        severity="medium",
        title="Case 2026-123",
        url="https://court.example.org/case/123",
        detected_at=now - timedelta(days=1),
        details={
            "diff": "- Hearing: 12 December\n+ Hearing: 19 December (postponed)",
            "headline": "case page changed",
        },
    )


def _boris(session: Session, seeded: Seeded, now: datetime) -> None:
    data = {
        "notice_type": "red",
        "entity_id": "2026/33333",
        "name": "PAHLAVIN",
        "forename": "BORYS",
        "nationalities": ["UA"],
    }
    obs = _observation(
        session,
        "interpol:red:2026/33333",
        "notice",
        "interpol-red",
        now - timedelta(days=4),
        title="PAHLAVIN BORYS",
        data=data,
    )
    seeded.observations["boris"] = obs.id
    session.add(
        models.MatchRow(
            observation_id=obs.id,
            person_id="person-boris",
            score=0.7,
            band="review",
            explanation={"summary": "nationality conflicts"},
            content_hash="w",
        )
    )
    _event(
        session,
        seeded,
        "boris",
        person_id="person-boris",
        observation_id=obs.id,
        source_id="interpol-red",
        type="possible_match",
        severity="medium",
        title="PAHLAVIN BORYS",
        detected_at=now - timedelta(days=4),
        details={"explanation": "nationality conflicts"},
    )


@dataclass
class WebWorld:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    seeded: Seeded
    clock: Clock
    base_url: str
    smtp: SmtpTestServer | None
    server: uvicorn.Server
    clients: list[httpx.Client] = field(default_factory=list)

    @classmethod
    @contextmanager
    def start(
        cls,
        db_url: str,
        tmp_path: Path,
        smtp: SmtpTestServer | None = None,
        *,
        seeded: Seeded | None = None,
        **extra: str,
    ) -> Iterator[WebWorld]:
        """An app instance; over a new world, or (`seeded`) over the database of one already made,
        as a restarted process or a second instance on the same database would be."""
        port = free_port()
        settings = settings_for(tmp_path, db_url, port, smtp.port if smtp else None, **extra)
        engine = database.create_db_engine(settings.effective_database_url)
        database.upgrade(engine)
        factory = database.make_session_factory(engine)
        seeded = seeded or seed(factory, settings)
        clock = Clock(START)
        ctx = dataclasses.replace(
            web_context(settings, engine, "test-web", mailing_for(settings)), clock=clock
        )
        server = uvicorn.Server(uvicorn_config(ctx, port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        try:
            yield cls(
                settings, engine, factory, seeded, clock, f"http://127.0.0.1:{port}", smtp, server
            )
        finally:
            server.should_exit = True
            thread.join(10)
            engine.dispose()

    def client(self, **options: Any) -> httpx.Client:
        client = httpx.Client(
            base_url=self.base_url,
            follow_redirects=False,
            timeout=20,
            limits=httpx.Limits(max_keepalive_connections=0),
            **options,
        )
        self.clients.append(client)
        return client

    def session(self) -> Session:
        return self.factory()

    def queue_alert(self, event_name: str, advocate_id: str = "adv-one") -> None:
        """A pending alert email to the advocate about one of Amina's seeded events."""
        with database.transaction(self.factory) as session:
            delivery = models.Delivery(
                key=f"alert:test:{event_name}:{advocate_id}",
                advocate_id=advocate_id,
                kind="alert",
                person_id="person-amina",
                next_attempt_at=START,
                created_at=START,
            )
            session.add(delivery)
            session.flush()
            event_id = self.seeded.events[event_name]
            session.add(models.DeliveryEvent(delivery_id=delivery.id, event_id=event_id))

    def mail_to(self, address: str, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        """The messages the SMTP server received for `address`, once there are `count`."""
        assert self.smtp is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.smtp.messages if address in str(m["To"])]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} message(s) for {address} did not arrive")

    def sign_in_link(self, message: EmailMessage) -> str:
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(re.escape(self.settings.effective_public_url) + r"/login/\S+", text)
        assert found, text
        return found.group(0)

    def ask_for_link(
        self, client: httpx.Client, address: str, form_path: str = "/login"
    ) -> httpx.Response:
        """Fill in the sign-in form of `form_path` (with its hidden fields) and send it."""
        form = client.get(form_path)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text))
        sent = {name: html.unescape(value) for name, value in fields.items()}
        return client.post("/login", data={**sent, "email": address})

    def sign_in(self, client: httpx.Client, address: str, form_path: str = "/login") -> str:
        """Sign in as an advocate through the real email: ask (on the form of `form_path`), read
        the link, press the button. Returns where the app sends the browser then."""
        before = len([m for m in self.smtp.messages if address in str(m["To"])]) if self.smtp else 0
        self.ask_for_link(client, address, form_path)
        link = self.sign_in_link(self.mail_to(address, before + 1)[-1])
        button = client.get(link)
        assert button.status_code == 200, button.text
        done = client.post(link, data={"csrf_token": csrf(button.text)})
        assert done.status_code == 303, done.text
        return done.headers["location"]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token in the page"
    return found.group(1)
