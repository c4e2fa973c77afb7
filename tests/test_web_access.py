"""Need-to-know, CSRF and security headers in the web app (real uvicorn, SQLite and PostgreSQL).

An advocate sees only the people they follow; what they may not see answers exactly like what
does not exist. Every POST without a valid CSRF token is refused with 403 and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from monitor.store import models
from monitor.web.signing import EmailLinks, Signer
from tests.servers.smtp_server import SmtpTestServer
from tests.webapp import SECRET, START, WebWorld, csrf


@pytest.fixture
def web(db_url: str, tmp_path: Path) -> Iterator[WebWorld]:
    with SmtpTestServer() as smtp, WebWorld.start(db_url, tmp_path, smtp) as world:
        yield world


def signed_in(web: WebWorld, address: str) -> httpx.Client:
    client = web.client()
    web.sign_in(client, address)
    return client


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def links(web: WebWorld) -> EmailLinks:
    return EmailLinks(Signer(SECRET), web.settings.effective_public_url)


def test_an_advocate_gets_404_for_every_route_about_someone_they_do_not_follow(
    web: WebWorld,
) -> None:
    tom = signed_in(web, "tom@example.org")  # follows Boris only
    token = csrf(tom.get("/").text)
    amina_event, missing_event = web.seeded.events["possible_notice"], 999_999
    tom_link = links(web).verdict("adv-two", amina_event)["not_this_person"].split("/v/")[1]
    missing_link = links(web).verdict("adv-two", missing_event)["not_this_person"].split("/v/")[1]
    pairs = [
        (tom.get("/people/person-amina"), tom.get("/people/nobody-at-all")),
        (tom.get("/people/person-amina/evidence.zip"), tom.get("/people/nobody/evidence.zip")),
        (
            tom.post(
                f"/events/{amina_event}/verdict",
                data={"verdict": "not_this_person", "csrf_token": token},
            ),
            tom.post(
                f"/events/{missing_event}/verdict",
                data={"verdict": "not_this_person", "csrf_token": token},
            ),
        ),
        (tom.get(f"/v/{tom_link}"), tom.get(f"/v/{missing_link}")),
        (
            tom.post(f"/v/{tom_link}", data={"csrf_token": token}),
            tom.post(f"/v/{missing_link}", data={"csrf_token": token}),
        ),
        (tom.get(f"/events/{amina_event}"), tom.get(f"/events/{missing_event}")),
        (tom.get("/sources"), tom.get("/no-such-page")),
        (tom.get("/audit"), tom.get("/no-such-page")),
    ]
    for hidden, missing in pairs:
        assert hidden.status_code == missing.status_code == 404, hidden.url
        assert without_token(hidden.text) == without_token(missing.text)
    assert "Amina" not in tom.get("/").text and "Amina" not in tom.get("/review").text
    assert "Boris Pahlavin" in tom.get("/").text and "PAHLAVIN" in tom.get("/review").text
    with web.session() as session:
        assert session.scalar(select(func.count()).select_from(models.Decision)) == 0


def test_a_channel_messages_event_link_opens_the_followed_persons_page(web: WebWorld) -> None:
    tom = signed_in(web, "tom@example.org")  # follows Boris
    answer = tom.get(f"/events/{web.seeded.events['boris']}")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/people/person-boris#open"
    assert "Boris Pahlavin" in tom.get(answer.headers["location"]).text


def test_an_admin_sees_everyone_the_sources_and_the_audit_log(web: WebWorld) -> None:
    admin = signed_in(web, "admin@example.org")
    home = admin.get("/").text
    assert all(name in home for name in ("Amina Sadykova", "Boris Pahlavin", "Chen Weilin"))
    assert admin.get("/people/person-boris").status_code == 200
    sources = admin.get("/sources")
    assert sources.status_code == 200 and "interpol-red" in sources.text
    audit = admin.get("/audit")
    assert audit.status_code == 200
    assert (
        "sign in" in audit.text and "person viewed" in audit.text and "Boris Pahlavin" in audit.text
    )


def test_pages_ask_for_sign_in_without_saying_whether_anything_exists(web: WebWorld) -> None:
    anonymous = web.client()
    assert anonymous.get("/").headers["location"] == "/login"
    paths = ["/review", "/sources", "/audit", "/people/person-amina", "/people/nobody", "/events/1"]
    for path in paths:  # the page asked for comes back after sign-in, whether it exists or not
        answer = anonymous.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == f"/login?next={quote(path, safe='')}", path


def test_every_post_without_a_valid_csrf_token_is_refused_with_403_and_changes_nothing(
    web: WebWorld,
) -> None:
    olga = signed_in(web, "olga@example.org")
    event = web.seeded.events["possible_notice"]
    link = links(web).verdict("adv-one", event)["not_this_person"].split("/v/")[1]
    web.ask_for_link(web.client(), "olga@example.org")
    sign_in = web.sign_in_link(web.mail_to("olga@example.org", 2)[-1]).split("/login/")[1]
    posts = [
        ("/login", {"email": "olga@example.org"}),
        (f"/login/{sign_in}", {}),
        ("/logout", {}),
        (f"/events/{event}/verdict", {"verdict": "not_this_person"}),
        (f"/v/{link}", {}),
    ]
    for path, fields in posts:
        for token in (
            None,
            "forged",
            csrf(web.client().get("/login").text),
        ):  # the last: another browser's
            data = dict(fields) | ({"csrf_token": token} if token else {})
            answer = olga.post(path, data=data)
            assert answer.status_code == 403, (path, token)
            assert "rw_session" not in answer.headers.get("set-cookie", "")
    with web.session() as session:
        assert session.scalar(select(func.count()).select_from(models.Decision)) == 0
        assert session.scalar(select(func.count()).select_from(models.UsedLink)) == 0
        assert session.scalar(select(func.count()).select_from(models.SignInLink)) == 2
    assert olga.get("/").status_code == 200  # still signed in: the refused logout did nothing
    assert web.client().get(f"/login/{sign_in}").status_code == 200  # the link is still unused


def test_every_answer_carries_the_security_headers(web: WebWorld) -> None:
    olga = signed_in(web, "olga@example.org")
    answers = [
        olga.get("/"),
        olga.get("/people/person-amina"),
        olga.get("/people/person-amina/evidence.zip"),
        olga.get("/review"),
        olga.get("/no-such-page"),
        olga.post("/logout"),  # 403
        web.client().get("/"),  # a redirect
        web.client().get("/login"),
        olga.get("/static/app.css"),
    ]
    for answer in answers:
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        if answer.url.path != "/static/app.css":
            assert answer.headers["cache-control"] == "no-store", answer.url
    for page in answers[:4]:
        assert "<script" not in page.text and " style=" not in page.text
        assert not re.search(
            r'(src|href)="(https?:)?//',
            page.text.replace('href="https://www.interpol.int', "")
            .replace('href="https://news.example.org', "")
            .replace('href="https://court.example.org', ""),
        ), page.url


def test_home_says_not_on_the_public_list_only_after_the_whole_list_was_read(
    web: WebWorld,
) -> None:
    client = signed_in(web, "admin@example.org")

    def chen() -> str:
        [row] = [r for r in client.get("/").text.split("<tr") if "Chen" in r]
        return row

    assert "not on the public list" in chen()  # the list was read, all of it
    with web.session() as session, session.begin():
        session.add(
            models.SourceRun(
                source_id="interpol-red",
                cycle_id="sweep",
                started_at=START - timedelta(minutes=30),
                status="ok",
                full=True,
                complete=False,
                coverage={"red": {"reported_total": 100, "collected": 88, "reasons": ["x"]}},
            )
        )
    assert "not found on the public list, but 12 notices of it could not be read" in chen()
    assert "not on the public list" not in chen()
    with web.session() as session, session.begin():
        session.get_one(models.Source, "interpol-red").last_success_at = None
    assert "not read yet" in chen() and "public list" not in chen()
    with web.session() as session, session.begin():
        session.get_one(models.Source, "interpol-red").enabled = False
    assert "not watched (no INTERPOL source)" in chen() and "public list" not in chen()


def test_a_person_page_shows_the_timeline_notice_versions_diffs_and_verdicts(web: WebWorld) -> None:
    olga = signed_in(web, "olga@example.org")
    page = olga.get("/people/person-amina").text
    assert "2026/11111" in page and "on the public list" in page
    assert "2 stored versions" in page and "Charges" in page and "fraud" in page
    assert "Hearing: 19 December (postponed)" in page
    assert page.count('action="/events/') == 2  # the two possible matches await a verdict
    assert "birth date conflicts" in page


def test_the_review_page_shows_person_and_record_side_by_side_with_conflicts_marked(
    web: WebWorld,
) -> None:
    olga = signed_in(web, "olga@example.org")
    page = olga.get("/review").text
    notice = page.split(f'id="event-{web.seeded.events["possible_notice"]}"')[1].split(
        "</article>"
    )[0]
    assert "Watched person" in notice and "The record (notice)" in notice
    assert "1979-03-02" in notice and "1988-01-01" in notice
    assert (
        '<tr class="conflict"><th>Birth date</th><td>1988-01-01 <span class="badge red">differs'
        in notice
    )
    assert notice.count("differs") == 1  # KZ = KZ: nationalities agree
    oldest_first = [
        page.index(f'id="event-{web.seeded.events[n]}"')
        for n in ("possible_notice", "possible_news")
    ]
    assert oldest_first == sorted(oldest_first)
