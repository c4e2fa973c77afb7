"""Odd and hostile INTERPOL answers, through real poll cycles (tests/fixtures/hostile/README.md,
section `interpol`).

An INTERPOL-like stub on 127.0.0.1 answers every list query of a source with one input (wrong
types, huge numbers, nested garbage, 10 MB strings, NUL and lone surrogates, an API that ignores
its filters). All inputs are sources of one watchlist, next to a good INTERPOL source; the first
cycle (the full sweep) is checked against the manifest, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.config.settings import Settings
from monitor.poll import Outcome
from tests.e2e import cycle, outbox, settings_for, write_watchlist
from tests.fixtures.hostile.corpus import (
    CONTROL,
    GENERATED,
    GENERATED_DETAILS,
    HERE,
    Entry,
    Stored,
    captured_logs,
    committed_files,
    interpol_list,
    interpol_notice,
    interpol_stub,
    live_markup,
    manifest,
    outcome_problems,
    scratch_database,
    stored,
)
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply

ENTRIES = manifest("interpol")
JSON = "application/json"


@dataclass
class Run:
    settings: Settings
    outcomes: dict[str, Outcome]
    store: Stored
    records: list[logging.LogRecord]
    requests: list[RecordedRequest]


def interpol_source(source_id: str, base_url: str) -> dict[str, object]:
    return {"id": source_id, "type": "interpol", "base_url": base_url, "rate": 100}


def serve(server: HttpTestServer, entry: Entry) -> str:
    """The base URL of a stub answering with `entry` (its detail file or generator, if any)."""
    name = entry.name.removeprefix("generated:")
    if entry.generated:
        return interpol_stub(
            server, f"/{entry.slug}", GENERATED[name](), GENERATED_DETAILS.get(name)
        )
    detail_file = entry.path.with_suffix(".detail.json")
    detail = None
    if detail_file.exists():
        body = detail_file.read_bytes()
        detail = lambda entity_id: Reply.raw(body, content_type=JSON)  # noqa: E731
    return interpol_stub(
        server, f"/{entry.slug}", Reply.raw(entry.body(), content_type=JSON), detail
    )


def control_list() -> Reply:
    notice = interpol_notice("2022/10101", "KETEBAYEV", "MURATBEK")
    return Reply.json(interpol_list([notice]))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp(f"interpol-{request.param}")
    with scratch_database(request.param, tmp) as url, HttpTestServer() as server:
        sources = [interpol_source(CONTROL, interpol_stub(server, "/control", control_list()))]
        sources += [interpol_source(entry.slug, serve(server, entry)) for entry in ENTRIES]
        settings = settings_for(tmp, write_watchlist(tmp / "w.yaml", sources), database_url=url)
        with captured_logs() as records:
            outcomes = {outcome.source_id: outcome for outcome in cycle(settings)}
        yield Run(settings, outcomes, stored(settings), records, server.requests)


def test_the_manifest_lists_every_committed_answer() -> None:
    assert {e.name for e in ENTRIES if not e.generated} == committed_files("interpol")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.name)
def test_each_odd_interpol_answer_is_handled_as_its_manifest_row_says(
    run: Run, entry: Entry
) -> None:
    problems = outcome_problems(entry, run.outcomes.get(entry.slug), run.store, run.records)
    assert problems == [], entry.what


def test_the_good_interpol_source_of_the_same_cycle_is_recorded(run: Run) -> None:
    assert run.outcomes[CONTROL].ok and run.outcomes[CONTROL].complete
    assert any(
        e.source_id == CONTROL and e.person_id == "muratbek-ketebayev" for e in run.store.events
    )


def test_the_cycle_logs_no_traceback(run: Run) -> None:
    assert [r.getMessage() for r in run.records if r.exc_info] == []


def test_links_to_other_hosts_are_never_followed(run: Run) -> None:
    paths = [r.path for r in run.requests if r.path.startswith("/foreign-links/")]
    assert "/foreign-links/notices/v1/red/2020-90001" in paths
    assert all(p.startswith("/foreign-links/notices/v1/red") for p in paths)


def test_links_to_other_hosts_are_never_shown(run: Run) -> None:
    # foreign-links.json: `_links` to evil.example, file:// and javascript:. Alerts show a
    # notice's stored link: it must be INTERPOL's own URL of the notice.
    [notice] = [o for o in run.store.observations if o.key == "interpol:red:2020/90001"]
    assert notice.url == "https://ws-public.interpol.int/notices/v1/red/2020-90001"
    links = [v for k, v in notice.data.items() if k.endswith("_url") and v]
    assert links == [notice.url]


def test_nothing_stored_holds_a_nul_a_lone_surrogate_or_an_infinite_number(run: Run) -> None:
    for observation in run.store.observations:
        text = f"{observation.title} {observation.data!r}"
        assert not re.search("[\x00\ud800-\udfff]", text), observation.key
        assert "inf" not in re.findall(r"\b(inf|nan)\b", repr(observation.data))


@pytest.mark.timeout(120)
def test_a_hostile_detail_of_a_new_notice_is_alerted_as_escaped_text(tmp_path: Path) -> None:
    hostile = HERE / "interpol" / "hostile-detail.json"
    detail = (HERE / "interpol" / "hostile-detail.detail.json").read_bytes()
    with HttpTestServer() as server:
        unrelated = interpol_list([interpol_notice("2020/11111", "DOE", "JOHN")])
        lists = Reply.json(unrelated), Reply.raw(hostile.read_bytes(), content_type=JSON)
        server.route_prefix("/api/notices/v1/red/", lambda r: Reply.raw(detail, content_type=JSON))
        server.route("/api/notices/v1/red", *lists)
        server.route(
            "/api/notices/v1/red/2021-31415/images", Reply.json({"_embedded": {"images": []}})
        )
        source = interpol_source("red", server.url("/api"))
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        cycle(settings)  # a complete sweep of an unrelated notice: the baseline
        [outcome] = cycle(settings)
    assert outcome.ok and outcome.alerts >= 1
    [message] = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in outbox(settings)
    ]
    assert message["Bcc"] is None and "Ablyazov" in str(message["Subject"])
    html = message.get_body(("html",))
    assert html is not None
    markup = html.get_content()
    assert live_markup(markup) == []
    # INTERPOL's own URL of the notice, not the detail's "javascript:alert(1)" self link.
    links = re.findall(r'<a href="([^"]+)"', markup)
    assert links == ["https://ws-public.interpol.int/notices/v1/red/2021-31415"]
