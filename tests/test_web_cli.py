"""The web app from the command line: `monitor web`, `monitor run` with MONITOR_WEB_PORT, and
`monitor check` asking for MONITOR_SECRET_KEY; and logs at INFO that name nobody."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers.smtp_server import SmtpTestServer, free_port
from tests.webapp import EMAILS, NAMES, PEOPLE, SECRET, WebWorld, csrf, write_watchlist


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        {
            "MONITOR_WATCHLIST": str(write_watchlist(tmp_path / "watchlist.yaml")),
            "MONITOR_DATA_DIR": str(tmp_path / "data"),
            "MONITOR_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def upgrade(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    return process.returncode, err


def test_monitor_check_says_the_secret_key_is_required_when_the_app_is_on(tmp_path: Path) -> None:
    env = environment(tmp_path, MONITOR_WEB_PORT="8123")
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 1
    assert "MONITOR_SECRET_KEY: required when the web app is on" in run.stderr
    env["MONITOR_SECRET_KEY"] = SECRET
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    env["MONITOR_SECRET_KEY"] = "short"
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (
        run.returncode == 1 and "MONITOR_SECRET_KEY: must be at least 32 characters" in run.stderr
    )
    assert "short" not in run.stderr  # a secret is never echoed


def test_monitor_web_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "web"],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
        timeout=60,
    )
    assert run.returncode == 1 and "MONITOR_SECRET_KEY: required by the web app" in run.stderr


def test_monitor_web_serves_the_app_on_loopback_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    env = environment(
        tmp_path, MONITOR_WEB_PORT=str(port), MONITOR_SECRET_KEY_FILE=str(secret_file)
    )
    upgrade(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "web"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    answer = wait_for(f"http://127.0.0.1:{port}/login", process)
    assert answer.status_code == 200 and "Sign in to redwatch" in answer.text
    code, err = stop(process)
    assert code == 0, err


def test_monitor_run_serves_the_app_when_the_web_port_is_set(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, MONITOR_WEB_PORT=str(port), MONITOR_SECRET_KEY=SECRET)
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    answer = wait_for(f"http://127.0.0.1:{port}/", process)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    children = [
        int(pid)
        for task in Path(f"/proc/{process.pid}/task").iterdir()
        for pid in (task / "children").read_text().split()
    ]
    assert len(children) == 1  # the app is a `monitor web` child, a poll goes first on busy cores
    assert os.getpriority(os.PRIO_PROCESS, children[0]) == 10
    code, err = stop(process)
    assert code == 0, err
    assert "web app started" in err and "monitor: stopped" in err
    for word in [*NAMES, *EMAILS, *(p["id"] for p in PEOPLE)]:
        assert word not in err


def test_logs_at_info_carry_ids_only_never_a_name_or_an_email(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with SmtpTestServer() as smtp, WebWorld.start(sqlite_url, tmp_path, smtp) as web:
        olga = web.client()
        web.sign_in(olga, "olga@example.org")
        web.ask_for_link(web.client(), "stranger@example.org")
        page = olga.get("/people/person-amina")
        olga.get("/people/person-amina/evidence.zip")
        olga.get("/people/person-boris")
        event = web.seeded.events["possible_notice"]
        olga.post(
            f"/events/{event}/verdict", data={"verdict": "confirmed", "csrf_token": csrf(page.text)}
        )
        for _ in range(31):
            web.client().get("/login")
    # Everything at INFO but the test's own SMTP server and HTTP client (they log what they see).
    logged = [
        r
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name not in ("mail.log", "httpx", "httpcore")
    ]
    assert any(r.getMessage() == "signed in" for r in logged)
    assert any(r.getMessage() == "verdict recorded" for r in logged)
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in logged)
    for word in [*NAMES, *EMAILS, "stranger@example.org", *(p["id"] for p in PEOPLE)]:
        assert word not in text, [t for t in text.splitlines() if word in t][:2]


def children_of(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def gone(pid: int) -> bool:
    """No such process, or only its zombie (nobody may reap an orphan in a container)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return True


def test_a_hard_killed_monitor_run_takes_its_web_app_with_it(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, MONITOR_WEB_PORT=str(port), MONITOR_SECRET_KEY=SECRET)
    url = f"http://127.0.0.1:{port}/login"
    with (tmp_path / "run.log").open("w") as log:  # a file: the orphan would hold a pipe open
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run"], env=env, text=True, stdout=log, stderr=log
        )
        try:
            assert wait_for(url, process).status_code == 200
            [web] = children_of(process.pid)
            process.send_signal(signal.SIGKILL)  # no handler runs: the child must see it alone
            process.wait(10)
            deadline = time.monotonic() + 30  # generous: the app stops within a few seconds
            while (answers(url) or not gone(web)) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            process.kill()
            process.wait(10)
    assert not answers(url), "the web app still answers after its parent was killed"
    assert gone(web), (tmp_path / "run.log").read_text()


def test_monitor_web_started_for_a_parent_that_is_not_its_own_stops_by_itself(
    tmp_path: Path,
) -> None:
    """The check that needs no signal from the kernel: a parent pid other than the real one
    (a parent that died while this process started, or any system without prctl) stops it."""
    port = free_port()
    env = environment(tmp_path, MONITOR_WEB_PORT=str(port), MONITOR_SECRET_KEY=SECRET)
    upgrade(env)
    stranger = subprocess.Popen(["sleep", "120"])
    try:
        run = subprocess.run(
            [sys.executable, "-m", "monitor", "web", "--parent-pid", str(stranger.pid)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stranger.kill()
        stranger.wait(5)
    assert run.returncode == 0, run.stderr
    assert "the process that started the web app is gone: stopping" in run.stderr
    assert "monitor: stopped" in run.stderr
