"""The endpoints. Each async handler reads its form, then does its database work in a thread.

Rules:
- every POST checks its CSRF token first: without a valid one the answer is 403 and nothing changes;
- pages of people, events and evidence answer 404 to a viewer who may not see them;
- a GET never changes anything (mail scanners open links): only the buttons' POSTs sign in and
  record verdicts;
- /login answers the same page whether or not the address is an advocate's, and queues the email
  after the answer is sent; each client address may call /login 30 times an hour;
- logs carry ids only (advocate, event), never a name, an address or a path with a person's id.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.events.verdicts import decide, export_evidence
from monitor.outbox.send import deliver_pending_async
from monitor.store import Session
from monitor.store.withdrawals import list_reading
from monitor.web import auth, queries, views
from monitor.web.context import (
    SESSION_COOKIE,
    Refused,
    WebContext,
    csrf_valid,
    error_page,
    event_of,
    page,
    person_of,
    set_session_cookie,
    signed_in,
    to_login,
)
from monitor.web.paths import local_path
from monitor.web.signing import BadLink, read_sign_in_link, read_verdict_link

log = logging.getLogger(__name__)
Form = dict[str, str]
VERDICTS = ("confirmed", "not_this_person")
MAX_NOTE = 2000


async def form_of(request: Request) -> Form:
    async with request.form(max_files=0, max_fields=20, max_part_size=64 * 1024) as form:
        return {k: v for k, v in form.items() if isinstance(v, str)}


def handler(
    ctx: WebContext, work: Callable[[WebContext, Request, Form], Response], *, post: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint: read the form (POST), refuse a bad CSRF token, run `work` in a thread (and
    answer what its checks refused, `Refused`, instead of its page)."""

    def guarded(request: Request, form: Form) -> Response:
        try:
            return work(ctx, request, form)
        except Refused as refused:
            return refused.response

    async def endpoint(request: Request) -> Response:
        form = await form_of(request) if post else {}
        if post and not csrf_valid(ctx, request, form):
            return error_page(ctx, request, 403)
        return await run_in_threadpool(guarded, request, form)

    return endpoint


def limited(
    ctx: WebContext, inner: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """At most LOGIN_REQUESTS_PER_HOUR requests per client address to the sign-in pages."""

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        if not await run_in_threadpool(count_login_request, ctx, client):
            log.warning("sign-in requests over the hourly limit for one client")
            return error_page(ctx, request, 429)
        return await inner(request)

    return endpoint


def count_login_request(ctx: WebContext, client: str) -> bool:
    """Count a request against its client's limit (in the database, the address as a keyed hash)."""
    with ctx.factory() as session, session.begin():
        return auth.allow_login_request(
            session, ctx.signer.keyed_hash("login-client", client), ctx.clock()
        )


# sign-in ------------------------------------------------------------------------------------------
def login_form(ctx: WebContext, request: Request, form: Form) -> Response:
    """The form; `next` (a local path only) is the page to land on after signing in."""
    return page(ctx, request, "login.html", {"next": local_path(request.query_params.get("next"))})


def login_request(ctx: WebContext, request: Request, form: Form) -> Response:
    email = form.get("email", "")[:320]
    task = BackgroundTask(send_sign_in, ctx, email, local_path(form.get("next")))
    response = page(ctx, request, "login_sent.html", {})
    response.background = task
    return response


async def send_sign_in(ctx: WebContext, email: str, next_path: str | None) -> None:
    """Queue the sign-in email through the outbox (if the address is an advocate's), then send."""
    if await run_in_threadpool(queue_sign_in, ctx, email, next_path):
        await deliver_pending_async(ctx.factory, ctx.mailing, ctx.owner, ctx.clock)


def queue_sign_in(ctx: WebContext, email: str, next_path: str | None) -> bool:
    with ctx.factory() as session, session.begin():
        advocate = auth.advocate_by_email(session, email)
        if advocate is None:
            log.info("sign-in asked for an address that is no advocate's")
            return False
        queued = auth.queue_sign_in(session, advocate, ctx.clock(), next_path)
    log.info(
        "sign-in email queued" if queued else "sign-in email refused: hourly limit",
        extra={"advocate_id": advocate.id},
    )
    return queued


def login_link(ctx: WebContext, request: Request, form: Form) -> Response:
    """GET of an emailed link: a "Sign in" button, nothing changed (mail scanners open links)."""
    token = request.path_params["token"]
    try:
        link_id = read_sign_in_link(ctx.signer, token)
    except BadLink:
        return error_page(ctx, request, 410)
    with ctx.factory() as session:
        usable = auth.sign_in_link_usable(session, link_id, ctx.clock())
    if not usable:
        return error_page(ctx, request, 410)
    return page(ctx, request, "login_confirm.html", {"token": token})


def login_redeem(ctx: WebContext, request: Request, form: Form) -> Response:
    try:
        link_id = read_sign_in_link(ctx.signer, request.path_params["token"])
    except BadLink:
        return error_page(ctx, request, 410)
    now = ctx.clock()
    with ctx.factory() as session, session.begin():
        done = auth.redeem_sign_in(session, link_id, now)
        if done is None:
            return error_page(ctx, request, 410)
        cookie = auth.start_session(session, ctx.signer, done.advocate_id, now)
        auth.audit(session, done.advocate_id, "sign_in", now)
    log.info("signed in", extra={"advocate_id": done.advocate_id})
    response = RedirectResponse(done.next_path, status_code=303)
    set_session_cookie(ctx, response, cookie)
    return response


def logout(ctx: WebContext, request: Request, form: Form) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with ctx.factory() as session, session.begin():
            auth.end_session(session, ctx.signer, cookie, ctx.clock())
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# pages of a signed-in advocate ---------------------------------------------------------------------
def home(ctx: WebContext, request: Request, form: Form) -> Response:
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session)
        people = ctx.directory.visible(session, who)
        number = _page_number(request)
        shown = people[number * queries.PAGE_SIZE : (number + 1) * queries.PAGE_SIZE]
        ids = [p.id for p in shown]
        last, counts = queries.last_events(session, ids), queries.open_matches(session, ids)
        notices: dict[str, list[queries.NoticeState]] = {}
        for state in queries.notice_states(session, ids):
            notices.setdefault(state.person_id, []).append(state)
        reading = list_reading(session)
    rows = [
        views.home_row(p, last.get(p.id), counts.get(p.id, 0), notices.get(p.id, []), ctx.tz)
        for p in shown
    ]
    context = {
        "rows": rows,
        "interpol": reading,
        "total": len(people),
        "page": number,
        "pages": _pages(len(people), queries.PAGE_SIZE),
    }
    return page(ctx, request, "home.html", context, viewer=who)


def person_page(ctx: WebContext, request: Request, form: Form) -> Response:
    now = ctx.clock()
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session)
        card = person_of(ctx, request, session, who)
        events = queries.person_events(session, card.id)
        decisions = queries.decisions_of(session, card.id)
        notices = queries.matched_notices(session, card.id)
        versions = queries.versions(session, [obs.id for obs, _ in notices])
        auth.audit(session, who.advocate_id, "person_viewed", now, person_id=card.id)
        timeline = [
            views.event_item(e, card.name, decisions.get(e.observation_id or -1), ctx.tz)
            for e in events
        ]
        cards = [
            views.notice_card(
                obs, m, versions.get(obs.id, []), events, decisions.get(obs.id), ctx.tz
            )
            for obs, m in notices
        ]
    context = {
        "person": {
            "id": card.id,
            "name": card.name,
            "fields": views.person_side(card),
            "archived": card.archived,
        },
        "timeline": timeline,
        "notices": cards,
        "open": sum(1 for item in timeline if item["awaiting"]),
    }
    return page(ctx, request, "person.html", context, viewer=who)


def event_page(ctx: WebContext, request: Request, form: Form) -> Response:
    """A channel message's link (`/events/<id>`: ids only, no name in the URL): the person's
    page, for a viewer who may see that person; 404 like any other unseen page."""
    raw = request.path_params["event_id"]
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session)
        found = event_of(ctx, request, session, who, int(raw) if raw.isdigit() else None)
        person_id = found.event.person_id
    return RedirectResponse(f"/people/{person_id}#open", status_code=303)


def evidence(ctx: WebContext, request: Request, form: Form) -> Response:
    now = ctx.clock()
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session)
        card = person_of(ctx, request, session, who)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "evidence.zip"
            export_evidence(session, card.id, path, now)
            body = path.read_bytes()
        auth.audit(session, who.advocate_id, "evidence_downloaded", now, person_id=card.id)
    log.info("evidence downloaded", extra={"advocate_id": who.advocate_id, "bytes": len(body)})
    headers = {"Content-Disposition": 'attachment; filename="evidence.zip"'}
    return Response(body, media_type="application/zip", headers=headers)


def review(ctx: WebContext, request: Request, form: Form) -> Response:
    with ctx.factory() as session:
        who = signed_in(ctx, request, session)
        people = ctx.directory.people(session)
        visible = [] if who.admin else [p.id for p in ctx.directory.visible(session, who)]
        number = _page_number(request)
        found, total = queries.reviews(session, who, visible, number)
        session.commit()
    items = [
        views.review_item(r, people[r.event.person_id], ctx.tz)
        for r in found
        if r.event.person_id in people
    ]
    context = {
        "items": items,
        "total": total,
        "cap": queries.COUNT_CAP,
        "page": number,
        "pages": _pages(total, queries.REVIEW_PAGE),
    }
    return page(ctx, request, "review.html", context, viewer=who)


def verdict(ctx: WebContext, request: Request, form: Form) -> Response:
    now = ctx.clock()
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session)
        found = event_of(ctx, request, session, who, request.path_params["event_id"])
        given = form.get("verdict", "")
        if given not in VERDICTS or found.observation is None:
            return error_page(ctx, request, 400)
        _record(
            session, found.event.id, given, form.get("note", ""), who.advocate_id, now, "web app"
        )
    back = local_path(form.get("next")) or f"/people/{found.event.person_id}"
    return RedirectResponse(back, status_code=303)


def _record(
    session: Session,
    event_id: int,
    given: str,
    note: str,
    advocate_id: str,
    now: datetime,
    via: str,
) -> None:
    """What `monitor decide` records (casework.decide), plus its audit row."""
    decision = decide(session, event_id, given, note[:MAX_NOTE], now, decided_by=advocate_id)
    auth.audit(
        session,
        advocate_id,
        "verdict",
        now,
        person_id=decision.person_id,
        event_id=event_id,
        verdict=given,
        via=via,
    )
    log.info(
        "verdict recorded",
        extra={"advocate_id": advocate_id, "event_id": event_id, "verdict": given},
    )


# one-click verdicts from the email ------------------------------------------------------------------
def verdict_link(ctx: WebContext, request: Request, form: Form) -> Response:
    """GET: the record and the person side by side, with one button; nothing is recorded."""
    token = request.path_params["token"]
    with ctx.factory() as session:
        checked = _check_link(ctx, session, token)
        if isinstance(checked, int):
            return error_page(ctx, request, checked)
        found, card, given = checked
        item = views.review_item(found, card, ctx.tz)
    return page(ctx, request, "verdict_link.html", {"item": item, "verdict": given, "token": token})


def verdict_link_post(ctx: WebContext, request: Request, form: Form) -> Response:
    token = request.path_params["token"]
    now = ctx.clock()
    with ctx.factory() as session, session.begin():
        checked = _check_link(ctx, session, token)
        if isinstance(checked, int):
            return error_page(ctx, request, checked)
        found, card, given = checked
        if not auth.use_link(session, token, found_advocate(ctx, token), now):
            return error_page(ctx, request, 410)
        _record(
            session,
            found.event.id,
            given,
            form.get("note", ""),
            found_advocate(ctx, token),
            now,
            "email link",
        )
    words = views.VERDICT_WORDS[given]
    return page(
        ctx, request, "verdict_done.html", {"name": card.name, "words": words, "person_id": card.id}
    )


def found_advocate(ctx: WebContext, token: str) -> str:
    return read_verdict_link(ctx.signer, token)[0]


def _check_link(
    ctx: WebContext, session: Session, token: str
) -> int | tuple[queries.Review, queries.PersonCard, str]:
    """The link's possible match, person and verdict, or the error status to answer."""
    try:
        advocate_id, event_id, given = read_verdict_link(ctx.signer, token)
    except BadLink:
        return 410
    advocate = auth.active_advocate(session, advocate_id)
    if advocate is None or auth.link_used(session, token):
        return 410
    found = queries.review_of(session, event_id)
    if found is None or found.observation is None:
        return 404
    card = ctx.directory.get(session, auth.viewer_of(advocate), found.event.person_id)
    return 404 if card is None else (found, card, given)


# admins -------------------------------------------------------------------------------------------
def sources(ctx: WebContext, request: Request, form: Form) -> Response:
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session, admin=True)
        rows = [views.source_row(s, run, ctx.tz) for s, run in queries.sources_with_sweeps(session)]
    return page(ctx, request, "sources.html", {"sources": rows}, viewer=who)


def audit_log(ctx: WebContext, request: Request, form: Form) -> Response:
    with ctx.factory() as session, session.begin():
        who = signed_in(ctx, request, session, admin=True)
        people = ctx.directory.people(session)
        rows = [views.audit_row(e, people, ctx.tz) for e in queries.audit_entries(session)]
    return page(ctx, request, "audit.html", {"entries": rows}, viewer=who)


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "0")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))
