"""Signing in to the web app from an email: the link works once, for 15 minutes, and a GET of it
changes nothing (mail scanners open links). Real uvicorn, real SMTP, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.store import models
from tests.servers.smtp_server import SmtpTestServer
from tests.webapp import WebWorld, csrf


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def web(db_url: str, tmp_path: Path, smtp: SmtpTestServer) -> Iterator[WebWorld]:
    with WebWorld.start(db_url, tmp_path, smtp) as world:
        yield world


def test_a_sign_in_link_arrives_by_email_and_signs_in_exactly_once(web: WebWorld) -> None:
    client = web.client()
    assert client.get("/").headers["location"] == "/login"
    web.ask_for_link(client, "Olga@Example.org")
    link = web.sign_in_link(web.mail_to("olga@example.org")[0])
    assert link.startswith(f"{web.settings.effective_public_url}/login/")

    opened = client.get(link)  # what a mail scanner does: nothing may change
    assert opened.status_code == 200 and ">Sign in</button>" in opened.text
    assert "rw_session" not in client.cookies
    with web.session() as session:
        assert session.scalar(select(models.SignInLink.used_at)) is None

    signed_in = client.post(link, data={"csrf_token": csrf(opened.text)})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "rw_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on a test machine
    home = client.get("/")
    assert home.status_code == 200 and "Amina Sadykova" in home.text

    other = web.client()  # the same link replayed from another browser
    replay_form = other.get("/login")
    replayed = other.post(link, data={"csrf_token": csrf(replay_form.text)})
    assert replayed.status_code == 410 and "rw_session" not in other.cookies
    assert client.get(link).status_code == 410


def test_the_login_answer_is_the_same_for_an_unknown_address_and_no_email_leaves(
    web: WebWorld,
) -> None:
    client = web.client()
    known = web.ask_for_link(client, "olga@example.org")
    unknown = web.ask_for_link(client, "stranger@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    web.mail_to("olga@example.org")
    assert not [m for m in web.smtp.messages if "stranger" in str(m["To"])]  # type: ignore[union-attr]


def test_a_sign_in_link_expires_after_15_minutes(web: WebWorld) -> None:
    client = web.client()
    web.ask_for_link(client, "olga@example.org")
    link = web.sign_in_link(web.mail_to("olga@example.org")[0])
    web.clock.advance(minutes=16)
    assert client.get(link).status_code == 410
    form = client.get("/login")
    assert client.post(link, data={"csrf_token": csrf(form.text)}).status_code == 410
    assert client.get("/").status_code == 303


def test_a_sign_in_link_altered_by_one_character_is_refused(web: WebWorld) -> None:
    client = web.client()
    web.ask_for_link(client, "olga@example.org")
    link = web.sign_in_link(web.mail_to("olga@example.org")[0])
    position = len(link) - 5
    altered = link[:position] + ("A" if link[position] != "A" else "B") + link[position + 1 :]
    assert client.get(altered).status_code == 410
    form = client.get("/login")
    assert client.post(altered, data={"csrf_token": csrf(form.text)}).status_code == 410
    assert client.get(link).status_code == 200  # the real one still works


def test_at_most_five_sign_in_emails_per_address_per_hour(web: WebWorld) -> None:
    client = web.client()
    for _ in range(7):
        web.ask_for_link(client, "tom@example.org")
    web.mail_to("tom@example.org", count=5)
    with web.session() as session:
        assert session.scalar(select(func.count()).select_from(models.SignInLink)) == 5
    web.clock.advance(minutes=61)
    web.ask_for_link(client, "tom@example.org")
    web.mail_to("tom@example.org", count=6)


def test_at_most_thirty_requests_to_login_per_client_address_per_hour(web: WebWorld) -> None:
    client = web.client()
    answers = [client.get("/login").status_code for _ in range(30)]
    assert set(answers) == {200}
    refused = client.get("/login")
    assert refused.status_code == 429
    assert client.post("/login", data={"email": "olga@example.org"}).status_code == 429
    web.clock.advance(minutes=61)
    assert client.get("/login").status_code == 200


def test_behind_a_trusted_proxy_each_visitor_has_their_own_login_limit(web: WebWorld) -> None:
    # the app sees every request from its reverse proxy (127.0.0.1 here, trusted by default)
    one, two = ({"X-Forwarded-For": address} for address in ("203.0.113.7", "198.51.100.9"))
    client = web.client()
    assert {client.get("/login", headers=one).status_code for _ in range(30)} == {200}
    assert client.get("/login", headers=one).status_code == 429
    assert client.get("/login", headers=two).status_code == 200


def test_a_forwarded_address_from_an_untrusted_peer_does_not_escape_the_login_limit(
    db_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    with WebWorld.start(db_url, tmp_path, smtp, MONITOR_WEB_TRUSTED_PROXIES="none") as web:
        client = web.client()
        answers = [
            client.get("/login", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
            for n in range(31)
        ]
        assert answers == [200] * 30 + [429]


def test_the_login_limit_holds_across_a_restart_and_two_instances_and_keeps_no_address(
    db_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    with WebWorld.start(db_url, tmp_path, smtp) as first:
        assert {first.client().get("/login").status_code for _ in range(20)} == {200}
        seeded = first.seeded
    # the first process has ended: a restarted one and a second one, on the same database
    with (
        WebWorld.start(db_url, tmp_path, smtp, seeded=seeded) as restarted,
        WebWorld.start(db_url, tmp_path, smtp, seeded=seeded) as other,
    ):
        answers = [web.client().get("/login").status_code for web in [restarted, other] * 5]
        assert answers == [200] * 10
        assert restarted.client().get("/login").status_code == 429
        assert other.client().get("/login").status_code == 429
        with other.session() as session:
            clients = session.scalars(select(models.LoginHit.client)).all()
        assert len(clients) == 30 and len(set(clients)) == 1
        assert "127.0.0.1" not in clients[0] and re.fullmatch("[0-9a-f]{64}", clients[0])

        other.clock.advance(minutes=61)
        assert other.client().get("/login").status_code == 200
        with other.session() as session:  # the hour-old requests are gone
            assert session.scalar(select(func.count()).select_from(models.LoginHit)) == 1


def test_at_most_five_sign_in_emails_per_address_per_hour_across_two_instances(
    db_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    with WebWorld.start(db_url, tmp_path, smtp) as first:
        for _ in range(3):
            first.ask_for_link(first.client(), "tom@example.org")
        first.mail_to("tom@example.org", count=3)
        with WebWorld.start(db_url, tmp_path, smtp, seeded=first.seeded) as second:
            for _ in range(3):
                second.ask_for_link(second.client(), "tom@example.org")
            second.mail_to("tom@example.org", count=5)
            with second.session() as session:
                assert session.scalar(select(func.count()).select_from(models.SignInLink)) == 5


def test_signing_in_from_a_link_to_a_page_lands_on_that_page(web: WebWorld) -> None:
    client = web.client()
    asked = client.get("/people/person-amina?tab=notices")  # opened from an email, signed out
    assert asked.status_code == 303
    landed = web.sign_in(client, "olga@example.org", form_path=asked.headers["location"])
    assert landed == "/people/person-amina?tab=notices"
    page = client.get(landed)
    assert page.status_code == 200 and "Amina Sadykova" in page.text


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "/\t/evil.example/x",
        "javascript:alert(1)",
    ],
)
def test_a_next_that_leads_off_the_site_lands_on_home(web: WebWorld, elsewhere: str) -> None:
    client = web.client()
    form = client.get("/login", params={"next": elsewhere})
    assert 'name="next"' not in form.text  # not carried by the form
    asked = client.post(  # nor taken when posted by hand
        "/login",
        data={"email": "olga@example.org", "next": elsewhere, "csrf_token": csrf(form.text)},
    )
    assert asked.status_code == 200
    link = web.sign_in_link(web.mail_to("olga@example.org")[-1])
    button = client.get(link)
    done = client.post(link, data={"csrf_token": csrf(button.text)})
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_sign_out_ends_the_session_even_for_a_copied_cookie(web: WebWorld) -> None:
    client = web.client()
    web.sign_in(client, "olga@example.org")
    copied = client.cookies["rw_session"]
    page = client.get("/")
    assert client.post("/logout", data={"csrf_token": csrf(page.text)}).status_code == 303
    thief = web.client(cookies={"rw_session": copied})
    assert thief.get("/").status_code == 303


def test_a_session_ends_after_12_hours_idle_and_after_7_days_in_all(web: WebWorld) -> None:
    client = web.client()
    web.sign_in(client, "olga@example.org")
    web.clock.advance(hours=11)
    assert client.get("/").status_code == 200
    web.clock.advance(hours=11)  # 11 h after the last use: still alive
    assert client.get("/").status_code == 200
    web.clock.advance(hours=12, minutes=1)
    assert client.get("/").status_code == 303

    client = web.client()
    web.sign_in(client, "olga@example.org")
    answers = []
    for _ in range(16):  # used every 11 hours: alive for 7 days (15 x 11 h = 165 h), then not
        web.clock.advance(hours=11)
        answers.append(client.get("/").status_code)
    assert answers == [200] * 15 + [303]


def test_the_cookies_are_secure_when_the_public_url_is_https(
    db_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    public = "https://redwatch.example.org"
    with WebWorld.start(db_url, tmp_path, smtp, MONITOR_PUBLIC_URL=public) as web:
        client = web.client()  # plain http to the app, as behind a TLS proxy: cookies by hand
        form = client.get("/login")
        assert "secure" in form.headers["set-cookie"].lower()
        jar = {"Cookie": form.headers["set-cookie"].split(";")[0]}
        asked = client.post(
            "/login",
            data={"email": "olga@example.org", "csrf_token": csrf(form.text)},
            headers=jar,
        )
        assert asked.status_code == 200
        link = web.sign_in_link(web.mail_to("olga@example.org")[0])
        assert link.startswith(f"{public}/login/")
        local = link.removeprefix(public)
        button = client.get(local, headers=jar)
        done = client.post(local, data={"csrf_token": csrf(button.text)}, headers=jar)
        assert done.status_code == 303
        cookie = done.headers["set-cookie"].lower()
        assert "rw_session=" in cookie and "secure" in cookie and "httponly" in cookie
