"""A PostgreSQL server of the test's own, to stop and restart at will (never the shared one on
5432, which other tests use).

    with PrivatePostgres() as pg:                     # initdb + pg_ctl start, on a free port
        url = pg.create_database("redwatch")
        pg.restart()                                  # every connection is cut
        pg.stop(); pg.start()

Rules:
- the cluster lives in a fresh folder under the system's temp folder (owned by `postgres` when
  the tests run as root: initdb refuses root), listens on 127.0.0.1 only, trust authentication,
  fsync off (a test server), and is removed on exit;
- `available()` says whether the PostgreSQL 15 binaries are installed (/usr/lib/postgresql/15/bin,
  or PG_BIN).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from tests.servers.smtp_server import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"


def available() -> bool:
    return (BIN / "initdb").is_file() and (BIN / "pg_ctl").is_file()


class PrivatePostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="redwatch-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            shutil.chown(self.folder, self.user, self.user)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            user=self.user,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
        )

    def _options(self) -> str:
        return f"{OPTIONS} -c port={self.port} -c unix_socket_directories={self.folder}"

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self) -> None:
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", self._options())

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """Stop (cutting every connection, rolling back every open transaction), then start."""
        self.stop(mode)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def running(self) -> bool:
        done = subprocess.run(
            [str(BIN / "pg_ctl"), "status", "-D", str(self.data)],
            user=self.user,
            capture_output=True,
            cwd=self.folder,
        )
        return done.returncode == 0

    def close(self) -> None:
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        try:
            self.init().start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
