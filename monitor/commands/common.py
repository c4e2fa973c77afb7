"""What the sub-commands share: the settings with logging set up, a session on a current schema."""

from __future__ import annotations

from monitor.config.settings import Settings, load_settings
from monitor.logs import setup_logging
from monitor.store import Session, database


def settings() -> Settings:
    """The settings, with logging set up as they say (JSON lines off a terminal)."""
    loaded = load_settings()
    setup_logging(loaded.log_level, loaded.log_format)
    return loaded


def session_for(settings: Settings) -> Session:
    engine = database.open_engine(settings)
    database.require_current_schema(engine)
    return database.make_session_factory(engine)()
