"""Logging set-up: one JSON object per line off a terminal, readable lines on one.

Rules:
- structured fields go in `extra={...}` (source_id, cycle_id, counts, durations) and are emitted as
  JSON keys or `key=value` pairs;
- never log a watched person's name at INFO or above: log source, event and delivery ids;
- as a safety net, every line is scrubbed before it is written: the names, aliases and ids of the
  watched people (registered with `protect()` when a watchlist is loaded) become "[redacted]", and
  so do the values a database error quotes (SQL parameters, PostgreSQL's DETAIL line);
- never log secrets: the settings keep them in SecretStr, which prints as '**********'.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

REDACTED = "[redacted]"
MIN_PROTECTED = 4  # shorter strings ("Li") would blank out ordinary words
# Attributes every LogRecord has; anything else was passed through `extra` and is structured data.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
# What SQLAlchemy and PostgreSQL quote from the rows involved in a failed statement.
_DATABASE_VALUES = re.compile(r"\[parameters: [^\n]*|DETAIL: [^\n]*")


def _fold(text: str) -> str:
    """Lower case, one character for one (so positions in the folded text are positions in text)."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


class Redactor:
    """Replaces registered strings (case-insensitively) wherever they occur in a text."""

    def __init__(self) -> None:
        self._automaton: Any = None

    def protect(self, words: Iterable[str]) -> None:
        """Replace the protected strings by `words` (the current watchlist's names and ids)."""
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for word in {_fold(w.strip()) for w in words if len(w.strip()) >= MIN_PROTECTED}:
            automaton.add_word(word, len(word))
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton if len(automaton) else None

    def scrub(self, text: str) -> str:
        automaton = self._automaton  # one read: protect() may swap it from another thread
        if automaton is None:
            return text
        spans = sorted((end - size + 1, end + 1) for end, size in automaton.iter(_fold(text)))
        if not spans:
            return text
        return _blank(text, spans)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, position = [], 0
    for start, end in spans:
        if end <= position:
            continue
        pieces.append(text[position : max(start, position)] + REDACTED)
        position = end
    return "".join(pieces) + text[position:]


REDACTOR = Redactor()


def protect(words: Iterable[str]) -> None:
    """Never let these strings (watched people's names, aliases and ids) reach the log."""
    REDACTOR.protect(words)


def scrub_values(text: str) -> str:
    """Drop the row values a database error quotes (they may be a person's id or name)."""
    return _DATABASE_VALUES.sub(REDACTED, text)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: scrub_values(v) if isinstance(v, str) else v
        for k, v in record.__dict__.items()
        if k not in _STANDARD and not k.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub_values(record.getMessage()),
        }
        entry.update(extra_fields(record))
        if record.exc_info:
            entry["exc"] = scrub_values(self.formatException(record.exc_info))
        return REDACTOR.scrub(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in extra_fields(record).items())
        message = scrub_values(record.getMessage())
        line = f"{when} {record.levelname:<7} {message}" + (f"  {pairs}" if pairs else "")
        if record.exc_info:
            line += "\n" + scrub_values(self.formatException(record.exc_info))
        return REDACTOR.scrub(line)


def setup_logging(
    level: str = "INFO",
    fmt: Literal["auto", "json", "text"] = "auto",
    stream: TextIO | None = None,
) -> None:
    """Send every log line to `stream` (stderr), as JSON unless it is a terminal or told otherwise."""
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosmtplib", "alembic", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
