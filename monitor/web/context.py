"""What every request handler shares: the database, the signer, the templates, and page helpers.

Rules:
- every page is rendered from templates/web/ with autoescape on and strict variables;
- every page carries a CSRF token for its forms; the token's cookie is set on the first page;
- cookies are HttpOnly and SameSite=Lax, and Secure when MONITOR_PUBLIC_URL is https;
- the answer to anything a viewer may not see is the one for what does not exist (404);
- a signed-out browser asking for a page is sent to sign in with that page as `next`, so that
  signing in lands on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from monitor.config.settings import Settings
from monitor.outbox.compose import Mailing
from monitor.store import Session, sessionmaker
from monitor.web import auth, queries
from monitor.web.paths import local_path
from monitor.web.queries import Directory, PersonCard, Review
from monitor.web.signing import CSRF_VALID, SESSION_MAX, Signer

SESSION_COOKIE = "rw_session"
CSRF_COOKIE = "rw_csrf"


@dataclass
class WebContext:
    settings: Settings
    factory: sessionmaker[Session]
    signer: Signer
    mailing: Mailing
    owner: str
    templates_dir: Path
    clock: Callable[[], datetime]
    directory: Directory = field(default_factory=Directory)

    @property
    def secure(self) -> bool:
        return self.settings.effective_public_url.startswith("https://")

    @property
    def tz(self) -> Any:
        return self.settings.tz


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir / "web"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def csrf_id(request: Request) -> tuple[str, bool]:
    """The request's CSRF cookie value, and whether it is new (to be set on the answer)."""
    known = request.cookies.get(CSRF_COOKIE)
    if known and 16 <= len(known) <= 64:
        return known, False
    return auth.new_csrf_id(), True


def page(
    ctx: WebContext,
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    viewer: auth.Viewer | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A page of templates/web/, with the viewer (for the menu) and the CSRF token of its forms."""
    token_id, new = csrf_id(request)
    body = (
        environment(ctx.templates_dir)
        .get_template(name)
        .render({**context, "viewer": viewer, "csrf_token": auth.csrf_token(ctx.signer, token_id)})
    )
    response = HTMLResponse(body, status_code=status)
    if new:
        set_cookie(ctx, response, CSRF_COOKIE, token_id, CSRF_VALID.total_seconds())
    return response


def set_cookie(ctx: WebContext, response: Response, name: str, value: str, max_age: float) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(max_age),
        httponly=True,
        samesite="lax",
        secure=ctx.secure,
        path="/",
    )


def set_session_cookie(ctx: WebContext, response: Response, value: str) -> None:
    set_cookie(ctx, response, SESSION_COOKIE, value, SESSION_MAX.total_seconds())


def csrf_valid(ctx: WebContext, request: Request, form: Mapping[str, Any]) -> bool:
    return auth.csrf_ok(
        ctx.signer, str(form.get("csrf_token", "")), request.cookies.get(CSRF_COOKIE)
    )


def viewer(ctx: WebContext, request: Request, session: Session) -> auth.Viewer | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return auth.session_viewer(session, ctx.signer, cookie, ctx.clock())


def error_page(ctx: WebContext, request: Request, status: int) -> HTMLResponse:
    """The one page for each error status: the same whatever was asked (need-to-know)."""
    return page(
        ctx, request, "error.html", {"status": status, "message": ERRORS[status]}, status=status
    )


def to_login(request: Request | None = None) -> RedirectResponse:
    """To the sign-in form; from a page asked for with GET, carrying that page as `next`."""
    asked = None
    if request is not None and request.method == "GET" and request.url.path != "/":
        query = request.url.query
        asked = local_path(request.url.path + (f"?{query}" if query else ""))
    target = f"/login?{urlencode({'next': asked})}" if asked else "/login"
    return RedirectResponse(target, status_code=303)


class Refused(Exception):
    """What to answer instead of the page: raised by the checks below, answered by the handler."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def signed_in(
    ctx: WebContext, request: Request, session: Session, *, admin: bool = False
) -> auth.Viewer:
    """The viewer of the request; else Refused: to sign in, or 404 for a page of admins only."""
    who = viewer(ctx, request, session)
    if who is None:
        raise Refused(to_login(request))
    if admin and not who.admin:
        raise Refused(error_page(ctx, request, 404))
    return who


def person_of(ctx: WebContext, request: Request, session: Session, who: auth.Viewer) -> PersonCard:
    """The person of the path (`person_id`) if the viewer may see them; else Refused (404)."""
    card = ctx.directory.get(session, who, request.path_params["person_id"])
    if card is None:
        raise Refused(error_page(ctx, request, 404))
    return card


def event_of(
    ctx: WebContext, request: Request, session: Session, who: auth.Viewer, event_id: int | None
) -> Review:
    """The event `event_id` if the viewer may see its person; else Refused (404)."""
    found = queries.review_of(session, event_id) if event_id is not None else None
    if found is None or ctx.directory.get(session, who, found.event.person_id) is None:
        raise Refused(error_page(ctx, request, 404))
    return found


ERRORS = {
    400: "This request could not be understood.",
    403: "This form has expired or was not sent from redwatch. Go back, reload the page and try again.",
    404: "There is nothing here, or nothing you may see.",
    405: "This address does not answer that kind of request.",
    410: "This link is no longer valid: it was already used, it expired, or it was altered.",
    429: "Too many requests from your address. Wait an hour and try again.",
    500: "Something went wrong on our side. The error was logged; try again in a moment.",
}
