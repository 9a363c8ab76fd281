"""Every HTTP response's guard: the CSRF cookie and token, security headers and
the access log line.

A plain ASGI middleware, not Starlette's BaseHTTPMiddleware: that one runs each
request's endpoint in a task of its own and passes the response through memory
streams, which cost a question's post more than its database work does.
"""

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security import CSRF_COOKIE, csrf_token_for, new_csrf_cookie

access_log = logging.getLogger("roundtable.access")

# Scripts come only from here and the pinned CDN (with integrity hashes); no inline script.
CSP = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class BrowserGuard:
    def __init__(self, app: ASGIApp, secret_key: str, secure_cookies: bool):
        self.app = app
        self.secret_key = secret_key
        self.secure_cookies = secure_cookies

    def csrf_cookie(self, value: str) -> str:
        """The Set-Cookie value, made as Starlette makes every other cookie of ours."""
        response = Response()
        response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax", secure=self.secure_cookies)
        return response.headers["set-cookie"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header = next((v for k, v in scope["headers"] if k == b"cookie"), b"").decode("latin-1")
        cookie = cookie_parser(cookie_header).get(CSRF_COOKIE) if cookie_header else None
        fresh = None
        if not cookie or len(cookie) > 100:
            cookie = fresh = new_csrf_cookie()
        scope.setdefault("state", {})["csrf_token"] = csrf_token_for(self.secret_key, cookie)
        path: str = scope["path"]
        started = time.perf_counter()

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if fresh and not path.startswith("/api/"):
                    headers.append("set-cookie", self.csrf_cookie(fresh))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not path.startswith("/docs"):
                    headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                # Our access log: the route's pattern, never the client's address or the
                # path's ids and codes, so no line can tie a person to what they posted.
                route = scope.get("route")
                access_log.info("%s %s %s %.0fms", scope["method"], getattr(route, "path", "(no route)"),
                                message["status"], (time.perf_counter() - started) * 1000)
            await send(message)

        await self.app(scope, receive, guarded_send)
