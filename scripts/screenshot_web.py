"""Screenshots of every page of the web app at 390 px (a phone) and 1280 px, in headless Debian
chromium driven by Playwright, over a real uvicorn and a small realistic world.

    .venv/bin/python scripts/screenshot_web.py [OUTPUT_DIR]      # default docs/screenshots

Every page is reached as an advocate would: the sign-in link read from a real (local) SMTP
server, then the pages, the one-click link of an alert email, the admin's pages. JavaScript is
off, as the app needs none. Nothing touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the small world lives with the tests

from monitor.outbox.send import deliver_pending_async  # noqa: E402
from monitor.service.run import mailing_for  # noqa: E402
from monitor.store import database, models  # noqa: E402
from tests.servers.smtp_server import SmtpTestServer  # noqa: E402
from tests.webapp import START, WebWorld  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (390, 1280)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def healthy_sources(web: WebWorld) -> None:
    """Give the sources a history, as months of polling would."""
    with database.transaction(web.factory) as session:
        red = session.get_one(models.Source, "interpol-red")
        red.status, red.last_success_at, red.next_run_at = (
            "ok",
            START - timedelta(minutes=9),
            START + timedelta(minutes=6),
        )
        session.add(
            models.SourceRun(
                source_id="interpol-red",
                cycle_id="c1",
                started_at=START - timedelta(hours=3),
                finished_at=START - timedelta(hours=3) + timedelta(minutes=14),
                status="ok",
                full=True,
                complete=True,
                coverage={"listed": 6512, "fetched": 6512, "queries": 1840, "unreachable": 0},
            )
        )
        news = session.get_one(models.Source, "court-news")
        news.status, news.consecutive_failures = "failing", 4
        news.last_success_at, news.last_failure_at = (
            START - timedelta(days=2),
            START - timedelta(minutes=20),
        )
        news.last_error, news.next_run_at = (
            "http://127.0.0.1:9/rss: connection refused",
            START + timedelta(minutes=40),
        )


def alert_link(web: WebWorld) -> str:
    web.queue_alert("possible_notice")
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        sending = deliver_pending_async(web.factory, mailing_for(web.settings), "shots", web.clock)
        pool.submit(asyncio.run, sending).result()
    html = web.mail_to("olga@example.org", 2)[-1].get_body(("html",)).get_content()  # type: ignore[union-attr]
    return str(re.findall(r'href="([^"]+/v/[^"]+)"[^>]*>Not this person<', html)[0])


def shoot(page: Page, folder: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        print(path)


def sign_in(
    page: Page, web: WebWorld, address: str, folder: Path | None, start: str = "/login"
) -> None:
    """Sign in from `start` (a page opened signed out leads to the sign-in form, then back)."""
    before = len([m for m in web.smtp.messages if address in str(m["To"])])  # type: ignore[union-attr]
    page.goto(f"{web.base_url}{start}")
    if folder:
        shoot(page, folder, "login")
    page.fill("input[name=email]", address)
    page.click("button[type=submit]")
    if folder:
        shoot(page, folder, "login-sent")
    page.goto(web.sign_in_link(web.mail_to(address, before + 1)[-1]))
    if folder:
        shoot(page, folder, "login-confirm")
    page.click("button:has-text('Sign in')")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SmtpTestServer() as smtp,
        WebWorld.start(f"sqlite:///{tmp}/web.sqlite3", Path(tmp), smtp) as web,
        sync_playwright() as playwright,
    ):
        healthy_sources(web)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        olga = browser.new_context(java_script_enabled=False).new_page()
        # as from an alert email's link, signed out: the form, then the page that was asked for
        sign_in(olga, web, "olga@example.org", folder, start="/people/person-amina")
        assert olga.url == f"{web.base_url}/people/person-amina", olga.url
        shoot(olga, folder, "person")
        olga.goto(f"{web.base_url}/")
        shoot(olga, folder, "home")
        olga.goto(f"{web.base_url}/review")
        shoot(olga, folder, "review")
        olga.goto(f"{web.base_url}/people/someone-else")
        shoot(olga, folder, "not-found")

        mail_reader = browser.new_context(java_script_enabled=False).new_page()
        mail_reader.goto(alert_link(web))
        shoot(mail_reader, folder, "verdict-link")
        mail_reader.click("button[type=submit]")
        shoot(mail_reader, folder, "verdict-done")

        admin = browser.new_context(java_script_enabled=False).new_page()
        sign_in(admin, web, "admin@example.org", None)
        admin.goto(f"{web.base_url}/sources")
        shoot(admin, folder, "sources")
        admin.goto(f"{web.base_url}/audit")
        shoot(admin, folder, "audit")
        browser.close()


if __name__ == "__main__":
    main()
