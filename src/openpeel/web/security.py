"""Security headers sent with every response, declared as data and applied by the ``secure``
package's ASGI middleware.

The content-security policy lets pages load scripts, styles, images and fonts only from this
site (every asset is served from ``/static``; nothing comes from a CDN) and forbids inline
scripts, framing, plugins and forms that post elsewhere. Two allowances, both for libraries the
dashboard serves itself: ``'unsafe-eval'`` for Vega, which compiles chart expressions into
functions, and inline styles, which vega-embed and Swagger UI set from their scripts.
Cache-Control is left to the pages (public pages are cached for a minute, signed-in ones not).

Three small ASGI middlewares keep the promises about requests and cookies that no page should
have to remember:

- ``ProxyHeaders``: behind a TLS proxy, the client's address and scheme are taken from
  ``X-Forwarded-For`` and ``X-Forwarded-Proto``, but only when the request comes from an address
  ``OPENPEEL_TRUSTED_PROXIES`` lists (from anyone else the headers are ignored: they could say
  anything).
- ``CookiePolicy``: every cookie is ``Secure`` when the request came over HTTPS; and a response
  that sets a cookie is never cacheable by others (``Cache-Control: private, no-store``).
- ``HeadAsGet``: HEAD is answered wherever GET is, with GET's headers and no body.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache
from typing import Any

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    XContentTypeOptions,
    XFrameOptions,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openpeel.errors import OpenPeelError
from openpeel.settings import setting

CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", "'unsafe-eval'"),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


@cache
def security_headers() -> Secure:
    """The headers every response carries."""
    csp = ContentSecurityPolicy().clear()
    for directive, sources in CONTENT_SECURITY_POLICY.items():
        csp = csp.custom_directive(directive, *sources)
    return Secure(
        csp=csp,
        referrer=ReferrerPolicy().same_origin(),
        xcto=XContentTypeOptions(),
        xfo=XFrameOptions().deny(),
    )


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(given: str | None = None) -> tuple[Network, ...]:
    """The proxies whose forwarded headers are believed (``OPENPEEL_TRUSTED_PROXIES``: addresses
    or networks, separated by commas); none by default."""
    text = setting("trusted_proxies") if given is None else given
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise OpenPeelError(
                f"OPENPEEL_TRUSTED_PROXIES: {part!r} is not an address or a network",
                hint="list addresses or networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8",
            ) from None
    return tuple(networks)


def _within(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


class ProxyHeaders:
    """The client's address and scheme from a trusted proxy's forwarded headers."""

    def __init__(self, app: ASGIApp, proxies: tuple[Network, ...]) -> None:
        self.app, self.proxies = app, proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and self.proxies and client and _within(client[0], self.proxies):
            headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
            proto = headers.get(b"x-forwarded-proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
            hops = [h.strip() for h in headers.get(b"x-forwarded-for", "").split(",") if h.strip()]
            # the nearest hop not a trusted proxy is the client (those before it could be forged)
            for hop in reversed(hops):
                if not _within(hop, self.proxies):
                    scope["client"] = (hop, 0)
                    break
        await self.app(scope, receive, send)


class CookiePolicy:
    """Cookies ``Secure`` over HTTPS; a response that sets one not publicly cacheable."""

    def __init__(self, app: ASGIApp, always_secure: bool) -> None:
        self.app, self.always_secure = app, always_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.always_secure or scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        flagged = "; secure" in cookie.lower()
                        headers.append(
                            "set-cookie", cookie + ("; secure" if secure and not flagged else "")
                        )
                    headers["cache-control"] = "private, no-store"
            await send(message)

        await self.app(scope, receive, send_wrapper)


class HeadAsGet:
    """HEAD answered as GET without the body (FastAPI routes answer only the methods named)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                out: dict[str, Any] = {**message, "body": b""}
                await send(out)
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, no_body)
