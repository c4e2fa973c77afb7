"""The Starlette application: routes, security headers on every answer, error pages.

Rules:
- every answer carries a Content-Security-Policy without any script (the pages need none),
  X-Frame-Options DENY, Referrer-Policy no-referrer, X-Content-Type-Options nosniff, and
  Cache-Control no-store (pages show people; only the style sheet may be cached);
- an unexpected error answers a plain 500 page and logs its type only, never a stack trace on the
  page, never the request's path (a person's id may be in it);
- nothing is loaded from another site: the style sheet is served from the package.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.web import routes
from monitor.web.context import WebContext, error_page

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
STYLE_PATH = "/static/app.css"


class SecurityHeaders:
    """ASGI middleware: the security headers on every answer, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope.get("path") == STYLE_PATH

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                cache = b"public, max-age=3600" if cacheable else b"no-store"
                message["headers"] = [*headers, *HEADERS, (b"cache-control", cache)]
            await send(message)

        await self.app(scope, receive, with_headers)


def build_app(ctx: WebContext) -> Starlette:
    """The web app over `ctx` (database, signer, templates, outbox)."""
    r = routes
    login = [
        Route("/login", r.limited(ctx, r.handler(ctx, r.login_form)), methods=["GET"]),
        Route(
            "/login", r.limited(ctx, r.handler(ctx, r.login_request, post=True)), methods=["POST"]
        ),
        Route("/login/{token}", r.limited(ctx, r.handler(ctx, r.login_link)), methods=["GET"]),
        Route(
            "/login/{token}",
            r.limited(ctx, r.handler(ctx, r.login_redeem, post=True)),
            methods=["POST"],
        ),
    ]
    pages = [
        Route("/", r.handler(ctx, r.home), methods=["GET"]),
        Route("/logout", r.handler(ctx, r.logout, post=True), methods=["POST"]),
        Route("/people/{person_id}", r.handler(ctx, r.person_page), methods=["GET"]),
        Route("/people/{person_id}/evidence.zip", r.handler(ctx, r.evidence), methods=["GET"]),
        Route("/review", r.handler(ctx, r.review), methods=["GET"]),
        Route(
            "/events/{event_id:int}/verdict", r.handler(ctx, r.verdict, post=True), methods=["POST"]
        ),
        Route("/v/{token}", r.handler(ctx, r.verdict_link), methods=["GET"]),
        Route("/v/{token}", r.handler(ctx, r.verdict_link_post, post=True), methods=["POST"]),
        Route("/sources", r.handler(ctx, r.sources), methods=["GET"]),
        Route("/audit", r.handler(ctx, r.audit_log), methods=["GET"]),
        Route(STYLE_PATH, style(ctx), methods=["GET"]),
    ]
    app = Starlette(
        routes=login + pages,
        exception_handlers={HTTPException: http_error(ctx), Exception: server_error(ctx)},
    )
    app.add_middleware(SecurityHeaders)
    return app


def style(ctx: WebContext) -> Callable[[Request], Awaitable[Response]]:
    css = (ctx.templates_dir / "web" / "app.css").read_bytes()

    async def endpoint(request: Request) -> Response:
        return Response(css, media_type="text/css")

    return endpoint


def http_error(ctx: WebContext) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return error_page(ctx, request, status if status in (400, 404, 405) else 400)

    return handle


def server_error(ctx: WebContext) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        log.error("web request failed", extra={"error": type(exc).__name__})
        return error_page(ctx, request, 500)

    return handle
