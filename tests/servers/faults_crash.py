"""The crash scenario: `monitor poll` / `monitor run` killed with SIGKILL at a chosen or random
point, restarted, cycle after cycle, while the sources keep publishing.

    outcome = play_crashes(folder, cycles=50, seed=8)
    outcome.kills          # each process of each cycle: where its SIGKILL landed
    outcome.events         # what the database holds at the end
    outcome.emails         # what the SMTP server received
    outcome.duplicates()   # extra copies, and those no kill explains

Each cycle: the world publishes (arrest reports in the news and court feeds, red notices on
watched people, unrelated items), a kill plan is drawn, the process starts through the launcher
(its clock STEP later than the previous one, so the dead process's leases have lapsed), and is
killed when the plan's moment comes:
- "fetch-feed" / "fetch-interpol": a request hangs at the server (a slow server), then SIGKILL;
- "recording": a feed was served and the SQLite write lock is held (a poll's transaction);
- "after-event": a new event row is committed (the delivery has not been sent yet);
- "smtp-mail" / "smtp-rcpt": the SMTP conversation hangs before DATA;
- "smtp-data": the server stored the message and never answers the end of DATA;
- "smtp-quit": the server answered 250 and hangs on QUIT (the sender may not record the send);
- "channel": the legal team's webhook (a `json://` target, through Apprise) received a message
  and never answers it;
- "random": a random delay after the start.
A process that finishes before its moment is followed by another in the same cycle (at most
ATTEMPTS). Just before the SIGKILL, SIGUSR2 makes the process write its Python stacks
(faulthandler), so the report says where each kill landed. After the last cycle, two clean
`monitor poll` recover. The plans, the modes and what is published follow the seed; where a
random kill lands depends on the machine's speed.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import signal
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import yaml
from sqlalchemy import select

from monitor.store import database, models
from tests.e2e import write_watchlist
from tests.servers.faults_http import FaultyHttpServer
from tests.servers.faults_process import ShiftedMonitor
from tests.servers.faults_smtp import StallingSmtpServer
from tests.servers.faults_world import SUBJECTS, World
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import InterpolSim
from tests.servers.webhook_server import WebhookServer

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday morning: no digest falls due
STEP = timedelta(minutes=3)  # past a source's lease (40 s) and a delivery's (2 min)
PLANS = {
    "fetch-feed": 2,
    "fetch-interpol": 1,
    "recording": 2,
    "after-event": 2,
    "smtp-mail": 1,
    "smtp-rcpt": 1,
    "smtp-data": 2,
    "smtp-quit": 1,
    "channel": 2,
    "random": 3,
}
CHANNEL_ADVOCATE = "odf-legal"  # follows every watched person of the sample
RUN_SHARE = 0.2  # the other cycles are `monitor poll`
ATTEMPTS = 3  # processes a cycle may start to reach its kill point
RETRY_LATER = timedelta(seconds=40)
WAIT_POLL = 45.0  # seconds a `monitor poll` gets to reach its kill point
WAIT_RUN = 25.0  # a `monitor run` that does not reach it is killed idle after this
SMTP_STAGES = {
    "smtp-mail": "mail",
    "smtp-rcpt": "rcpt",
    "smtp-data": "data",
    "smtp-quit": "quit",
}
LANDED_BY_PLAN = {
    "fetch-feed": "inside a fetch (a slow feed)",
    "fetch-interpol": "inside a fetch (a slow INTERPOL list)",
    "after-event": "between the event and its delivery",
    "smtp-mail": "inside an SMTP conversation, before DATA (MAIL)",
    "smtp-rcpt": "inside an SMTP conversation, before DATA (RCPT)",
    "smtp-data": "inside an SMTP conversation, after DATA was accepted, before the 250",
    "smtp-quit": "inside an SMTP conversation, after the 250, before QUIT ended",
    "channel": "inside a channel's request (json://), after the webhook received it",
}
NOT_KILLED = "not killed: the cycle ended before its kill point"


@dataclass
class Kill:
    cycle: int
    mode: str
    plan: str
    landed: str
    killed: bool
    seconds: float
    cut: list[str] = field(default_factory=list)  # Message-IDs accepted, then the sender died
    received: list[str] = field(default_factory=list)  # Message-IDs the SMTP server accepted
    hooked: list[str] = field(default_factory=list)  # delivery refs the webhook received


@dataclass
class CrashOutcome:
    """Everything a crash run left behind, for the tests and the benchmark."""

    kills: list[Kill]  # every process started in the cycles, killed or (rarely) finished
    world: World
    events: list[models.Event]
    deliveries: list[models.Delivery]
    delivery_events: list[tuple[int, int]]
    emails: list[EmailMessage]
    cut_after_accepting: list[str]
    clean: list[Kill]  # the first poll and the two recovery polls, left to finish
    leases_left: list[str]
    seconds: float = 0.0
    published: Counter[str] = field(default_factory=Counter)
    webhooks: list[dict[str, object]] = field(default_factory=list)  # each document received
    webhook_cut: list[str] = field(default_factory=list)  # received, never answered

    @property
    def recovery_codes(self) -> list[str]:
        return [poll.landed for poll in self.clean[1:]]

    @property
    def chronological(self) -> list[Kill]:
        return [self.clean[0], *self.kills, *self.clean[1:]]

    def duplicates(self) -> tuple[Counter[str], list[str]]:
        """Extra copies of each Message-ID, and those no SIGKILL explains.

        - a copy received in a cycle whose process was then killed may be sent again (the
          server accepted it, the sender died before recording the send); a copy received in a
          cycle that finished, or two copies in one cycle, is a real duplicate.
        """
        seen: dict[str, list[Kill]] = {}
        for cycle in self.chronological:
            for message_id in cycle.received:
                seen.setdefault(message_id, []).append(cycle)
        extra = Counter({mid: len(cycles) - 1 for mid, cycles in seen.items() if len(cycles) > 1})
        unexplained = [
            mid
            for mid, cycles in seen.items()
            if any(not c.killed for c in cycles[:-1])
            or len({c.cycle for c in cycles}) < len(cycles)
        ]
        return extra, unexplained

    def channel_duplicates(self) -> tuple[Counter[str], list[str]]:
        """The same for the webhook: extra copies of each delivery, and those no kill explains."""
        seen: dict[str, list[Kill]] = {}
        for cycle in self.chronological:
            for ref in cycle.hooked:
                seen.setdefault(ref, []).append(cycle)
        extra = Counter({ref: len(cycles) - 1 for ref, cycles in seen.items() if len(cycles) > 1})
        unexplained = [
            ref
            for ref, cycles in seen.items()
            if any(not c.killed for c in cycles[:-1])
            or len({c.cycle for c in cycles}) < len(cycles)
        ]
        return extra, unexplained


# Looking at the database from outside ---------------------------------------------------------
class Probe:
    """Read-only looks at the service's SQLite file while it runs (WAL: readers never block)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self, timeout: float = 0) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)

    def events(self) -> int:
        # A reader can still meet a brief SQLITE_BUSY (a checkpoint, the WAL index being
        # rebuilt after a kill): it waits for it rather than failing the scenario.
        with contextlib.closing(self._connect(timeout=10)) as connection:
            return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])

    def writing(self) -> bool:
        """True while another connection holds the write lock (a write transaction is open)."""
        with contextlib.closing(self._connect()) as connection:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            connection.execute("ROLLBACK")
            return False


# Classifying a kill -------------------------------------------------------------------------
STARTING = "starting up (imports, database, watchlist)"
CLAIMING = "claiming a source"
FETCHING = "inside a fetch (network or parsing)"
RECORDING = "inside matching or recording (the poll's transaction)"
DELIVERING = "inside the delivery step (claim, render, send, record)"
WAITING = "awaiting the network (a fetch, the SMTP server) or the next job"
# (file, function or "" for any) -> phase; along a stack the deepest match wins.
MARKERS = (
    ("monitor/cli.py", "", STARTING),
    ("monitor/commands/", "", STARTING),
    ("monitor/service/run.py", "poll_once", WAITING),
    ("monitor/service/run.py", "run_forever", WAITING),
    ("<frozen importlib", "", STARTING),
    ("monitor/service/runtime.py", "", STARTING),
    ("monitor/backfill.py", "", STARTING),
    ("monitor/poll.py", "claim", CLAIMING),
    ("monitor/poll.py", "renew", CLAIMING),
    ("monitor/interpol/collect.py", "", FETCHING),
    ("monitor/feeds/", "", FETCHING),
    ("monitor/pages/collect.py", "", FETCHING),
    ("monitor/http.py", "", FETCHING),
    ("monitor/interpol/sweep.py", "", FETCHING),
    ("monitor/interpol/partition.py", "", FETCHING),
    ("monitor/interpol/residual.py", "", FETCHING),
    ("monitor/interpol/locate.py", "", FETCHING),
    ("monitor/interpol/state.py", "", FETCHING),
    ("monitor/interpol/filters.py", "", FETCHING),
    ("monitor/interpol/ages.py", "", FETCHING),
    ("monitor/interpol/coverage.py", "", FETCHING),
    ("monitor/interpol/client.py", "", FETCHING),
    ("monitor/interpol/parse.py", "", FETCHING),
    ("monitor/pages/parse.py", "", FETCHING),
    ("monitor/text/", "", FETCHING),
    ("monitor/poll.py", "record_success", RECORDING),
    ("monitor/poll.py", "record_failure", RECORDING),
    ("monitor/events/", "", RECORDING),
    ("monitor/pages/record.py", "", RECORDING),
    ("monitor/interpol/record.py", "", RECORDING),
    ("monitor/outbox/send.py", "", DELIVERING),
    ("monitor/outbox/compose.py", "", DELIVERING),
    ("monitor/outbox/route.py", "", RECORDING),
    ("monitor/outbox/templates.py", "", DELIVERING),
    ("monitor/outbox/transports.py", "", DELIVERING),
    ("monitor/outbox/channels.py", "", DELIVERING),
    ("apprise/", "", DELIVERING),
)
PRIORITY = (RECORDING, DELIVERING, FETCHING, CLAIMING, STARTING, WAITING)
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line \d+ in (?P<func>\S+)')


def thread_phase(block: str) -> str | None:
    """The phase of one thread's stack: the deepest frame that names one."""
    frames = [m.groups() for m in _FRAME.finditer(block)][::-1]  # outermost first
    phase = None
    for path, function in frames:
        for needle, name, marked in MARKERS:
            if needle in path and (not name or function == name):
                phase = marked
    return phase


def landed_from_stacks(stacks: str) -> str:
    """Where a process was, from its faulthandler dump (all threads)."""
    if not stacks.strip():
        return STARTING
    found = {thread_phase(block) for block in re.split(r"\n\s*\n", stacks)}
    return next((phase for phase in PRIORITY if phase in found), WAITING)


def kill_with_stacks(service: ShiftedMonitor, stacks: Path) -> str:
    """SIGUSR2 (stack dump), wait for the dump, SIGKILL; returns the dump."""
    service.signal(signal.SIGUSR2)
    deadline = time.monotonic() + 1.0
    size = -1
    while time.monotonic() < deadline:
        now = stacks.stat().st_size if stacks.exists() else 0
        if now and now == size:
            break
        size = now
        time.sleep(0.005)
    service.kill()
    return stacks.read_text(encoding="utf-8", errors="replace") if stacks.exists() else ""


# One cycle -----------------------------------------------------------------------------------
@dataclass
class Stage:
    """The servers, the world and the plan of the running cycle."""

    folder: Path
    environ: dict[str, str]
    world: World
    server: HttpTestServer
    smtp: StallingSmtpServer
    hooks: WebhookServer
    probe: Probe
    rng: random.Random


def publish_for_cycle(stage: Stage, cycle: int) -> None:
    world, rng = stage.world, stage.rng
    world.publish_article(rng.choice(("news", "court")), cycle)
    if rng.random() < 0.5:
        world.publish_article(rng.choice(("news", "court")), cycle)
    if rng.random() < 0.4:
        world.publish_notice(cycle)
    world.publish_noise(rng.choice(("news", "court")))
    if rng.random() < 0.5:
        world.publish_noise_notice()


def arm(stage: Stage, plan: str) -> None:
    if plan == "fetch-feed":
        stage.world.hold_next(stage.rng.choice(("news", "court")))
    elif plan == "fetch-interpol":
        stage.world.sim.slow(1, 90.0, endpoints=("list",))
    elif plan in SMTP_STAGES:
        stage.smtp.stall_next(SMTP_STAGES[plan])
    elif plan == "channel":
        stage.hooks.stall_next()


def disarm(stage: Stage) -> None:
    stage.smtp.release()
    stage.hooks.release()
    stage.world.sim.reset_faults()
    stage.world.cancel_hold()


def feed_requests(server: HttpTestServer) -> int:
    return sum(1 for r in server.requests if r.path.startswith("/feeds/"))


def reached(stage: Stage, plan: str, started: float, baseline: dict[str, int]) -> bool:
    """Whether the plan's kill moment has come."""
    if plan == "fetch-feed":
        return stage.world.held.is_set()
    if plan == "fetch-interpol":
        return stage.world.sim.counts["list"] > baseline["list"]
    if plan in SMTP_STAGES:
        return stage.smtp.stalled
    if plan == "channel":
        return stage.hooks.stalled.is_set()
    if plan == "after-event":
        return stage.probe.events() > baseline["events"]
    if plan == "recording":
        return feed_requests(stage.server) > baseline["feeds"] and stage.probe.writing()
    return time.monotonic() - started >= baseline["delay_ms"] / 1000


def run_cycle(stage: Stage, cycle: int, mode: str, plan: str) -> list[Kill]:
    """Start a process and kill it at the plan's moment; start another one (the same cycle, a
    little later, a random delay halved) when a process finished before that moment."""
    attempts: list[Kill] = []
    delay_ms = stage.rng.randint(300, 1500 if mode == "poll" else 9000)
    for attempt in range(ATTEMPTS):
        cuts, received = len(stage.smtp.cut_after_accepting), len(stage.smtp.messages)
        hooked = len(stage.hooks.received)
        kill = _run_cycle(stage, cycle, attempt, mode, plan, delay_ms >> attempt)
        kill.cut = stage.smtp.cut_after_accepting[cuts:]
        with stage.smtp.lock:
            kill.received = [str(m["Message-ID"]) for m in stage.smtp.messages[received:]]
        kill.hooked = webhook_refs(stage.hooks, hooked)
        attempts.append(kill)
        if kill.killed:
            break
    return attempts


def _run_cycle(stage: Stage, cycle: int, attempt: int, mode: str, plan: str, delay_ms: int) -> Kill:
    arm(stage, plan)
    baseline = {
        "list": stage.world.sim.counts["list"],
        "events": stage.probe.events(),
        "feeds": feed_requests(stage.server),
        "delay_ms": delay_ms,
    }
    stacks = stage.folder / f"stacks-{cycle:02d}-{attempt}.txt"
    at = START + STEP * cycle + RETRY_LATER * attempt
    started = time.monotonic()
    limit = WAIT_POLL if mode == "poll" else WAIT_RUN
    with ShiftedMonitor(stage.environ, stage.folder, [mode], at=at, stacks=stacks) as service:
        while service.running() and time.monotonic() - started < limit:
            if reached(stage, plan, started, baseline):
                break
            time.sleep(0.002 if plan == "recording" else 0.01)
        if not service.running():
            disarm(stage)
            return Kill(cycle, mode, plan, NOT_KILLED, False, time.monotonic() - started)
        dump = kill_with_stacks(service, stacks)
    disarm(stage)
    landed = LANDED_BY_PLAN.get(plan) or landed_from_stacks(dump)
    return Kill(cycle, mode, plan, landed, True, time.monotonic() - started)


# The whole run -------------------------------------------------------------------------------
def webhook_refs(hooks: WebhookServer, since: int) -> list[str]:
    """The delivery refs of the webhook documents received since the `since`-th request."""
    return [str(doc["delivery"]) for doc in webhook_documents(hooks, since)]


def webhook_documents(hooks: WebhookServer, since: int = 0) -> list[dict[str, object]]:
    return [json.loads(r.json()["message"]) for r in hooks.received[since:] if r.path == "/hook"]


def with_channel(watchlist: Path, hooks: WebhookServer) -> Path:
    """The legal team also gets every alert on a webhook (a `json://` target)."""
    document = yaml.safe_load(watchlist.read_text(encoding="utf-8"))
    for advocate in document["advocates"]:
        if advocate["id"] == CHANNEL_ADVOCATE:
            advocate["notify"] = [f"json://127.0.0.1:{hooks.port}/hook"]
    watchlist.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return watchlist


def environ_for(folder: Path, watchlist: Path, smtp_port: int) -> dict[str, str]:
    return {
        "MONITOR_WATCHLIST": str(watchlist),
        "MONITOR_DATA_DIR": str(folder / "data"),
        "MONITOR_SMTP_HOST": "127.0.0.1",
        "MONITOR_SMTP_PORT": str(smtp_port),
        "MONITOR_SMTP_SECURITY": "none",
        "MONITOR_SMTP_TIMEOUT": "60",
        "MONITOR_HTTP_TIMEOUT": "120",
        "MONITOR_LOG_FORMAT": "json",
    }


def publish_initial(world: World) -> None:
    """What the sources hold before the first poll: mostly noise, one article and one notice on
    watched people (found at first scan: digest only, never an alert)."""
    for _ in range(40):
        world.publish_noise("news")
    for _ in range(20):
        world.publish_noise("court")
    for _ in range(20):
        world.publish_noise_notice()
    world.publish_article("news", 0, SUBJECTS[0], baseline=True)
    world.publish_notice(0, SUBJECTS[1], baseline=True)


def clean_poll(stage: Stage, cycle: int) -> Kill:
    """A `monitor poll` left to finish (the first one, and the recovery after the kills)."""
    started, before = time.monotonic(), len(stage.smtp.messages)
    hooked = len(stage.hooks.received)
    at = START + STEP * cycle
    with ShiftedMonitor(stage.environ, stage.folder, ["poll"], at=at) as service:
        code = service.wait(timeout=120)
    with stage.smtp.lock:
        received = [str(m["Message-ID"]) for m in stage.smtp.messages[before:]]
    ended = f"finished with exit code {code}"
    took = time.monotonic() - started
    return Kill(
        cycle, "poll", "none", ended, False, took, [], received, webhook_refs(stage.hooks, hooked)
    )


def play_crashes(folder: Path, *, cycles: int = 50, seed: int = 8) -> CrashOutcome:
    """Play the scenario in `folder`; the servers stop before it returns."""
    began = time.monotonic()
    rng = random.Random(seed)
    world = World(InterpolSim(), random.Random(seed + 1))
    publish_initial(world)
    with FaultyHttpServer() as server, StallingSmtpServer() as smtp, WebhookServer() as hooks:
        world.routes(server)
        watchlist = write_watchlist(folder / "watchlist.yaml", world.sources(server))
        stage = Stage(
            folder,
            environ_for(folder, with_channel(watchlist, hooks), smtp.port),
            world,
            server,
            smtp,
            hooks,
            Probe(folder / "data" / "monitor.sqlite3"),
            rng,
        )
        first = clean_poll(stage, 0)
        assert first.landed.endswith("code 0"), "the first, clean poll failed"
        kills = []
        for cycle in range(1, cycles + 1):
            publish_for_cycle(stage, cycle)
            mode = "run" if rng.random() < RUN_SHARE else "poll"
            plan = rng.choices(list(PLANS), weights=list(PLANS.values()))[0]
            kills += run_cycle(stage, cycle, mode, plan)
        recovery = [clean_poll(stage, cycles + n) for n in (1, 2)]
        with smtp.lock:
            received = list(smtp.messages)
        cut = list(smtp.cut_after_accepting)
        documents, webhook_cut = webhook_documents(hooks), list(hooks.cut_after_accepting)
    outcome = read_outcome(folder, kills, world, received, cut, [first, *recovery])
    outcome.webhooks, outcome.webhook_cut = documents, webhook_cut
    outcome.seconds = time.monotonic() - began
    return outcome


def read_outcome(
    folder: Path,
    kills: list[Kill],
    world: World,
    received: list[EmailMessage],
    cut: list[str],
    clean: list[Kill],
) -> CrashOutcome:
    engine = database.create_db_engine(f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}")
    try:
        with database.make_session_factory(engine)() as session:
            events = list(session.scalars(select(models.Event).order_by(models.Event.id)))
            deliveries = list(session.scalars(select(models.Delivery).order_by(models.Delivery.id)))
            links = [
                (row.delivery_id, row.event_id)
                for row in session.scalars(select(models.DeliveryEvent))
            ]
            leases = [
                s.id for s in session.scalars(select(models.Source)) if s.lease_owner is not None
            ]
    finally:
        engine.dispose()
    published = Counter(p.where for p in world.expected)
    return CrashOutcome(
        kills, world, events, deliveries, links, received, cut, clean, leases, 0.0, published
    )


# Reading what arrived --------------------------------------------------------------------------
def plain_body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def event_ref(event: models.Event) -> str:
    """The published reference an event is about: the article URL or the notice's entity id."""
    if event.type.startswith("notice_"):
        return str(event.details.get("entity_id"))
    return str(event.url)
