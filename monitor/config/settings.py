"""Every MONITOR_* variable, read once, typed, failing loudly on bad values.

Rules:
- values come from the environment, then from an optional `.env` file (the environment wins);
- `MONITOR_X_FILE` names a file holding the value of `MONITOR_X` (Docker secrets);
- a bad value raises ConfigError naming the variable and what is wrong, never echoing a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from monitor.exc import ConfigError

# How redwatch names itself to news and court sites (MONITOR_USER_AGENT overrides it).
DEFAULT_USER_AGENT = "redwatch/0.1 (+https://github.com/redwatch; monitoring public notices)"

PREFIX = "MONITOR_"
MIN_SECRET_KEY = 32
DEFAULT_WEB_PORT = 8000
SECRET_FIELDS = frozenset({"smtp_password", "database_url", "smtp_username", "secret_key"})


class Settings(BaseModel):
    """The service's infrastructure settings (what to watch lives in watchlist.yaml)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    watchlist: Path = Path("watchlist.yaml")
    data_dir: Path = Path("data")
    database_url: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(default=30.0, gt=0)
    mail_from: str = "redwatch <redwatch@localhost>"
    outbox_dir: Path | None = None
    timezone: str = "UTC"
    names_in_subjects: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    http_port: int | None = Field(default=None, ge=1, le=65535)
    http_host: str = "127.0.0.1"
    user_agent: str = DEFAULT_USER_AGENT
    retention_days: int = Field(default=365, ge=1)
    http_timeout: float = Field(default=30.0, gt=0, le=600)
    http_deadline: float = Field(default=60.0, gt=0, le=3600)
    http_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    http_attempts: int = Field(default=3, ge=1, le=10)
    poll_concurrency: int = Field(default=8, ge=1, le=64)
    templates_dir: Path | None = None
    # --- the web app (monitor/web/) ---
    web_host: str = "127.0.0.1"
    web_port: int | None = Field(default=None, ge=1, le=65535)
    # whose X-Forwarded-For names the client (the /login limit counts per client): the reverse
    # proxies' addresses or networks, comma-separated; "none" believes no header
    web_trusted_proxies: str = "127.0.0.1,::1"
    public_url: str | None = None
    secret_key: SecretStr | None = None
    # --- end of the web app ---

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("sqlite", "postgresql")):
            raise ValueError(
                "must start with sqlite:// or postgresql:// (other databases are not supported)"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _http_base(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// on a test machine)")
        return value.rstrip("/") if value is not None else None

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_KEY:
            raise ValueError(
                f"must be at least {MIN_SECRET_KEY} characters (make one with "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return value

    @property
    def web_enabled(self) -> bool:
        """The web app is on when MONITOR_WEB_PORT is set (`monitor web` always serves it)."""
        return self.web_port is not None

    @property
    def effective_public_url(self) -> str:
        """The base of links in emails: MONITOR_PUBLIC_URL, else the app's own address."""
        return self.public_url or f"http://{self.web_host}:{self.web_port or DEFAULT_WEB_PORT}"

    @property
    def trusted_proxies(self) -> str | None:
        """The peers whose X-Forwarded-For is believed, or None ("none": the peer is the client)."""
        value = self.web_trusted_proxies.strip()
        return None if value.lower() == "none" else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The database to use: MONITOR_DATABASE_URL, else a SQLite file in the data folder."""
        if self.database_url is not None:
            return normalise_database_url(self.database_url.get_secret_value())
        return f"sqlite:///{(self.data_dir / 'monitor.sqlite3').as_posix()}"

    @property
    def effective_outbox_dir(self) -> Path:
        return self.outbox_dir if self.outbox_dir is not None else self.data_dir / "outbox"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (the only driver installed)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Read the settings from `environ` (default: os.environ) and the `.env` file."""
    raw = _collect(os.environ if environ is None else environ, env_file or Path(".env"))
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _collect(environ: Mapping[str, str], env_file: Path) -> dict[str, str]:
    values = dict(_read_env_file(env_file))
    values.update({k: v for k, v in environ.items() if k.startswith(PREFIX)})
    fields: dict[str, str] = {}
    for key, value in values.items():
        name = key[len(PREFIX) :].lower()
        if name.endswith("_file") and name[: -len("_file")] in Settings.model_fields:
            fields[name[: -len("_file")]] = _read_secret_file(key, value)
        elif name in Settings.model_fields and value != "":
            fields.setdefault(name, value)
    return fields


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8 text") from None
    return {k: v for k, v in values.items() if v is not None and k.startswith(PREFIX)}


MAX_SECRET_BYTES = 65536


def _read_secret_file(variable: str, path: str) -> str:
    try:
        with open(path, "rb") as handle:  # bounded: /dev/zero is a file name too
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise ConfigError(f"{variable}: {path} is larger than {MAX_SECRET_BYTES:,} bytes")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{variable}: {path} is not UTF-8 text") from None


def secret_from_environment(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of the environment variable `name`, or of the file named by `name_FILE`.

    For the `${NAME}` secrets inside notify URLs of watchlist.yaml: read here, like every other
    setting, and never stored anywhere. None when neither is set.
    """
    environ = os.environ if environ is None else environ
    if environ.get(name):
        return environ[name]
    if environ.get(f"{name}_FILE"):
        return _read_secret_file(f"{name}_FILE", environ[f"{name}_FILE"])
    return None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if field in SECRET_FIELDS else f" (got {error.get('input')!r})"
        lines.append(f"{PREFIX}{field.upper()}: {message}{shown}")
    return "\n".join(lines)
