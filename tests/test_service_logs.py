"""What the service's logs may and may not say: structure, and never a watched person's name."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from monitor import logs
from monitor.config.watchlist import WatchlistError, load_watchlist, parse_watchlist
from monitor.service.runtime import redact_problem
from monitor.store import database, models
from tests.paths import FIXTURES, ROOT

SAMPLE = load_watchlist(ROOT / "watchlist.yaml")
BROKEN = FIXTURES / "watchlists" / "broken"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Logging set up as the service does it, into a buffer; the previous set-up restored after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    logs.setup_logging("INFO", "json", stream)
    logs.protect(w for p in SAMPLE.people for w in (p.id, p.name, *p.aliases))
    yield stream
    logs.protect([])
    root.handlers[:], root.level = saved


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_lines_are_json_objects_with_the_structured_fields(output: io.StringIO) -> None:
    logging.getLogger("monitor.poll").info(
        "source polled",
        extra={"source_id": "news", "cycle_id": "c1", "items": 3, "duration_s": 0.2},
    )
    [entry] = lines(output)
    assert (entry["level"], entry["msg"], entry["source_id"], entry["items"]) == (
        "info",
        "source polled",
        "news",
        3,
    )


def test_on_a_terminal_log_lines_are_readable_text() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        logs.setup_logging("INFO", "text", stream)
        logging.getLogger("x").warning("source failed", extra={"source_id": "news"})
    finally:
        root.handlers[:], root.level = saved
    assert "WARNING source failed  source_id=news" in stream.getvalue()


def test_a_watched_persons_name_alias_or_id_never_reaches_the_log(output: io.StringIO) -> None:
    log = logging.getLogger("careless")
    log.warning("matched MUKHTAR ABLYAZOV in an article")  # any case
    log.error("no detail", extra={"person": "Мухтар Аблязов", "id": "zhanara-akhmetova"})
    try:
        raise KeyError("tatiana-paraskevich")
    except KeyError:
        log.exception("lookup failed")
    text = output.getvalue()
    for secret in ("ABLYAZOV", "Аблязов", "zhanara-akhmetova", "tatiana-paraskevich"):
        assert secret.lower() not in text.lower()
    assert text.count("[redacted]") >= 4
    assert all(entry["msg"] for entry in lines(output))  # still valid JSON lines


def test_a_database_error_does_not_leak_the_row_it_was_writing(
    output: io.StringIO, tmp_path: Path
) -> None:
    logs.protect([])  # the scrubbing of database values must hold on its own
    engine = database.create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    database.upgrade(engine)
    factory = database.make_session_factory(engine)
    row = {"id": "yerzhan-kadesov", "spec": {"name": "Yerzhan Kadesov"}, "spec_hash": "h"}
    with database.transaction(factory) as session:
        session.add(models.PersonRow(**row))
    try:
        with database.transaction(factory) as session:
            session.add(models.PersonRow(**row))
    except IntegrityError:
        logging.getLogger("monitor.service.scheduler").exception("scheduled job failed")
    engine.dispose()
    text = output.getvalue()
    assert "IntegrityError" in text and "yerzhan" not in text.lower()


def test_a_broken_watchlist_report_keeps_positions_and_keys_but_not_names_or_ids() -> None:
    reports = []
    for name in (
        "02_duplicate_person_id.yaml",
        "22_bad_slug.yaml",
        "01_unknown_key_in_person.yaml",
    ):
        with pytest.raises(WatchlistError) as caught:
            parse_watchlist((BROKEN / name).read_bytes(), filename=name)
        reports += [redact_problem(p.format(name), SAMPLE) for p in caught.value.problems]
    duplicate, slug, unknown = reports
    assert duplicate.startswith("02_duplicate_person_id.yaml:7:9: duplicate id '…' in people")
    assert slug.startswith("22_bad_slug.yaml:3:9: id: '…' is not a valid id")
    assert "mukhtar" not in (duplicate + slug).lower()
    assert unknown.endswith("unknown key 'nmae' (did you mean 'name'?)")  # keys stay readable
