"""The world a fault test changes between cycles: news and court feeds, the INTERPOL simulator,
and the ledger of what they published, from which the expected events are derived.

    world = World(InterpolSim(), random.Random(7))
    server.route_prefix("/feeds/", world.serve_feed)
    server.route_prefix("/notices/v1/", world.serve_interpol)
    world.publish_article("news", cycle=3)        # an arrest report naming a watched person
    world.publish_notice(cycle=3)                 # a red notice on a watched person
    world.expected                                # what the service must turn into events

Rules:
- the expected events come from what was published and the watchlist (who follows whom), never
  from the code under test: one `news_mention` (news feed) or `court_item` (court feed) per
  article naming a watched person, one `notice_published` per notice on one, each emailed to
  every advocate who follows the person (every article and notice here is high severity);
- articles stay in their feed once published and notices stay public unless `remove_notice`:
  whatever a cycle misses, a later one can still find;
- references are fixed-width (`/news/0007`, `2026/90007`), so no reference is a prefix of another
  in an email body;
- `hold_next(feed)` makes the next request for that feed hang (a slow server: HOLD_SECONDS, or
  `seconds`); `held` is set when it arrives;
- `feed_faults` / `interpol_resets` script the replies of the current cycle (see the sources test).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.e2e import SAMPLE
from tests.news import UNRELATED, rss
from tests.servers.faults_http import RESET, is_reset
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply
from tests.servers.interpol_sim import InterpolSim, red_item

NEWS_SITE = "https://news.example.org"
HOLD_SECONDS = 90.0  # longer than any test waits: the harness kills or the server stops first


@dataclass(frozen=True)
class Subject:
    """A watched person as the sources write about them."""

    person_id: str
    sentence: str  # an arrest or extradition report, with {n} for a unique number
    notice: tuple[str, str, str | None, list[str]]  # name, forename, birth date, nationalities
    sex: str


SUBJECTS = (
    Subject(
        "muratbek-ketebayev",
        "В Мадриде задержан Муратбек Кетебаев по запросу Казахстана (сообщение {n}).",
        ("KETEBAEV", "MURATBEK", None, ["KZ"]),
        "M",
    ),
    Subject(
        "mukhtar-ablyazov",
        "Spanish police detained Mukhtar Ablyazov on an extradition request from Kazakhstan "
        "(report {n}).",
        ("ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]),
        "M",
    ),
    Subject(
        "zhanara-akhmetova",
        "Police in Kyiv arrested Zhanara Akhmetova on an INTERPOL Red Notice (report {n}).",
        ("AKHMETOVA", "ZHANARA", None, ["KZ"]),
        "F",
    ),
    Subject(
        "aleksandr-pavlov",
        "Aleksandr Pavlov was detained in Madrid at the request of Kazakhstan (report {n}).",
        ("PAVLOV", "ALEXANDR", None, ["KZ"]),
        "M",
    ),
    Subject(
        "nail-malyutin",
        "Nail Malyutin was arrested in Vienna on an extradition request from Russia (report {n}).",
        ("MALIUTIN", "NAIL", None, ["RU"]),
        "M",
    ),
    Subject(
        "yerzhan-kadesov",
        "Yerzhan Kadesov was detained in Budapest pending extradition to Kazakhstan (report {n}).",
        ("KADESOV", "ERZHAN", None, ["KZ"]),
        "M",
    ),
    Subject(
        "muratbek-tungishbayev",
        "Muratbek Tungishbayev was arrested in Kyiv and faces extradition to Kazakhstan "
        "(report {n}).",
        ("TUNGISHBAEV", "MURATBEK", None, ["KZ"]),
        "M",
    ),
)
EVENT_TYPES = {"news": "news_mention", "court": "court_item", "notice": "notice_published"}
NOISE_NAMES = ("GARCIA", "MUELLER", "NOVAK", "ROSSI", "DUBOIS", "SILVA", "JANSEN", "KOWALSKI")


@dataclass(frozen=True)
class Published:
    """One thing a source published about a watched person."""

    person_id: str
    where: str  # "news", "court" or "notice"
    ref: str  # the article URL or the notice's entity id
    cycle: int
    baseline: bool = False

    @property
    def event_type(self) -> str:
        return EVENT_TYPES[self.where]


def _fault_of(reply: Reply) -> str | None:
    """What is wrong with a reply the simulator (or the reset wrapper) is about to send."""
    if is_reset(reply):
        return "reset"
    if reply.status == 403:
        return "403"
    if reply.status >= 500:
        return str(reply.status)
    if reply.truncate_to is not None:
        return "truncated"
    return "timeout" if reply.delay else None


def followers(person_id: str) -> list[str]:
    """The e-mail addresses of the advocates who follow `person_id` in the sample watchlist."""
    person = next(p for p in SAMPLE["people"] if p["id"] == person_id)
    emails = {a["id"]: a["email"] for a in SAMPLE["advocates"]}
    return [emails[a] for a in person["advocates"]]


@dataclass
class World:
    sim: InterpolSim
    rng: random.Random
    feeds: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: {"news": [], "court": []}
    )
    ledger: list[Published] = field(default_factory=list)
    removed: list[Published] = field(default_factory=list)
    feed_faults: dict[str, Callable[[Reply], Reply]] = field(default_factory=dict)
    interpol_resets: int = 0
    served_faults: Counter[str] = field(default_factory=Counter)
    held: threading.Event = field(default_factory=threading.Event)
    _hold: set[str] = field(default_factory=set)
    _hold_for: float = HOLD_SECONDS
    _number: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Publishing -------------------------------------------------------------------------------
    def _next(self) -> int:
        self._number += 1
        return self._number

    def publish_article(
        self, feed: str, cycle: int, subject: Subject | None = None, *, baseline: bool = False
    ) -> Published:
        subject = subject or self.rng.choice(SUBJECTS)
        number = self._next()
        path = f"/{feed}/{number:04d}"
        text = subject.sentence.format(n=number)
        with self._lock:
            self.feeds[feed].insert(0, (path, f"Report {number}", text))
        published = Published(subject.person_id, feed, NEWS_SITE + path, cycle, baseline)
        self.ledger.append(published)
        return published

    def publish_noise(self, feed: str) -> None:
        number = self._next()
        with self._lock:
            self.feeds[feed].insert(0, (f"/{feed}/{number:04d}", f"Budget {number}", UNRELATED))

    def publish_notice(
        self, cycle: int, subject: Subject | None = None, *, baseline: bool = False
    ) -> Published:
        subject = subject or self.rng.choice(SUBJECTS)
        entity_id = f"2026/{90000 + self._next()}"
        name, forename, born, nationalities = subject.notice
        self.sim.add(red_item(entity_id, name, forename, born, nationalities), sex=subject.sex)
        published = Published(subject.person_id, "notice", entity_id, cycle, baseline)
        self.ledger.append(published)
        return published

    def publish_noise_notice(self) -> None:
        number = self._next()
        name = self.rng.choice(NOISE_NAMES)
        item = red_item(f"2026/{90000 + number}", name, "JOHN", "1970/01/01", ["FR"])
        self.sim.add(item, sex="M")

    def remove_notice(self, published: Published, cycle: int) -> Published:
        """Take a watched person's notice off the public list (its detail answers 404)."""
        self.sim.remove(published.ref)
        gone = Published(published.person_id, "gone", published.ref, cycle)
        self.removed.append(gone)
        return gone

    # Serving ----------------------------------------------------------------------------------
    def hold_next(self, feed: str, seconds: float = HOLD_SECONDS) -> None:
        self.held.clear()
        self._hold_for = seconds
        self._hold.add(feed)

    def cancel_hold(self) -> None:
        self._hold.clear()

    def serve_feed(self, request: RecordedRequest) -> Reply:
        feed = request.path.rsplit("/", 1)[-1]
        if feed not in self.feeds:
            return Reply.text("not found", status=404)
        with self._lock:
            body = rss(list(self.feeds[feed]))
            holding = feed in self._hold
            self._hold.discard(feed)
        reply = Reply.raw(body, content_type="application/rss+xml")
        if holding:
            self.held.set()
            return Reply.raw(body, content_type="application/rss+xml", delay=self._hold_for)
        fault = self.feed_faults.get(feed)
        return fault(reply) if fault is not None else reply

    def serve_interpol(self, request: RecordedRequest) -> Reply:
        with self._lock:
            reset = self.interpol_resets > 0
            self.interpol_resets -= 1 if reset else 0
        reply = RESET if reset else self.sim.handle(request)
        fault = _fault_of(reply)
        if fault:
            self.served_faults[f"interpol {fault}"] += 1
        return reply

    def routes(self, server: HttpTestServer) -> None:
        server.route_prefix("/feeds/", self.serve_feed)
        server.route_prefix("/notices/v1/", self.serve_interpol)

    def sources(self, server: HttpTestServer, **interpol: Any) -> list[dict[str, Any]]:
        """The watchlist's sources: the two feeds and INTERPOL, all on `server`."""
        feeds = [
            {
                "id": feed,
                "type": "feed",
                "kind": feed,
                "url": server.url(f"/feeds/{feed}"),
                "interval": "1m",
            }
            for feed in self.feeds
        ]
        options = {"interval": "1m", "sweep_interval": "10m", "rate": 100, **interpol}
        return [
            *feeds,
            {"id": "interpol", "type": "interpol", "base_url": server.base_url, **options},
        ]

    # Expectations -----------------------------------------------------------------------------
    @property
    def expected(self) -> list[Published]:
        """What must become an alerted event (published after the sources' first poll)."""
        return [p for p in self.ledger if not p.baseline]

    @property
    def expected_baseline(self) -> list[Published]:
        return [p for p in self.ledger if p.baseline]
