"""A real browser (Debian's chromium, driven by Playwright) walks sign-in -> review -> "Not this
person" -> the match gone from /review, with JavaScript off: the app works without it.

Skipped with the reason shown when chromium is missing locally; in CI (CI=true) or with
MONITOR_TEST_REQUIRE_BROWSER=1 a missing browser fails the test instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.smtp_server import SmtpTestServer
from tests.webapp import WebWorld

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.slow


def require_browser() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get(
        "MONITOR_TEST_REQUIRE_BROWSER", ""
    ) not in ("", "0")


@pytest.fixture
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        reason = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if require_browser():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_a_browser_signs_in_from_the_email_and_dismisses_a_possible_match(
    chromium: object, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    with SmtpTestServer() as smtp, WebWorld.start(sqlite_url, tmp_path, smtp) as web:
        context = chromium.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        page.goto(f"{web.base_url}/")
        assert page.url.endswith("/login")
        page.fill("input[name=email]", "olga@example.org")
        page.click("text=Email me a sign-in link")
        assert page.locator("h1").inner_text() == "Check your email"

        page.goto(web.sign_in_link(web.mail_to("olga@example.org")[0]))
        page.click("button:has-text('Sign in')")
        assert page.url == f"{web.base_url}/"
        assert page.locator("text=Amina Sadykova").first.is_visible()

        page.click("text=Review")
        event = web.seeded.events["possible_notice"]
        card = page.locator(f"#event-{event}")
        assert card.is_visible() and "1988-01-01" in card.inner_text()
        card.locator("input[name=note]").fill("born 1988: a namesake")
        card.locator("button:has-text('Not this person')").click()

        assert page.url == f"{web.base_url}/review"
        assert page.locator(f"#event-{event}").count() == 0
        assert page.locator(f"#event-{web.seeded.events['possible_news']}").count() == 1
        page.goto(f"{web.base_url}/people/person-amina")
        assert "Not this person" in page.locator(".verdict").first.inner_text()
        assert "adv-one" in page.locator(".verdict").first.inner_text()
        context.close()
