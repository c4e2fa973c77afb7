from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.settings import load_settings
from monitor.exc import ConfigError


def test_defaults_are_the_embedded_ones() -> None:
    settings = load_settings({})
    assert settings.effective_database_url == "sqlite:///data/monitor.sqlite3"
    assert settings.effective_outbox_dir == Path("data/outbox")
    assert settings.watchlist == Path("watchlist.yaml")
    assert settings.smtp_security == "starttls"


def test_a_bad_value_names_the_variable_and_what_is_wrong() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"MONITOR_SMTP_PORT": "smtp", "MONITOR_TIMEZONE": "Europe/Atlantis"})
    message = str(caught.value)
    assert "MONITOR_SMTP_PORT" in message
    assert "MONITOR_TIMEZONE" in message and "Europe/Atlantis" in message


def test_a_secret_never_appears_in_an_error_or_a_repr() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"MONITOR_DATABASE_URL": "mysql://u:hunter2@db/x"})
    assert "hunter2" not in str(caught.value)
    settings = load_settings({"MONITOR_SMTP_PASSWORD": "hunter2", "MONITOR_SMTP_HOST": "mail"})
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "hunter2"


def test_a_file_variable_reads_a_docker_secret(tmp_path: Path) -> None:
    secret = tmp_path / "smtp_password"
    secret.write_text("s3cret\n")
    settings = load_settings({"MONITOR_SMTP_PASSWORD_FILE": str(secret)})
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "s3cret"


def test_a_missing_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MONITOR_SMTP_PASSWORD_FILE"):
        load_settings({"MONITOR_SMTP_PASSWORD_FILE": str(tmp_path / "nope")})


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MONITOR_TIMEZONE=Europe/Warsaw\nMONITOR_LOG_LEVEL=DEBUG\n")
    settings = load_settings({"MONITOR_TIMEZONE": "Asia/Almaty"}, env_file=env_file)
    assert settings.timezone == "Asia/Almaty"
    assert settings.log_level == "DEBUG"


def test_plain_postgresql_urls_use_the_installed_driver() -> None:
    settings = load_settings({"MONITOR_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"
