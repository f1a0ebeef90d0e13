"""Security headers sent with every response, declared as data and applied by the ``secure``
package's ASGI middleware.

The content-security policy lets pages load scripts, styles, images and fonts only from this
site (every asset is served from ``/static``; nothing comes from a CDN) and forbids inline
scripts, framing, plugins and forms that post elsewhere. Two allowances, both for libraries the
dashboard serves itself: ``'unsafe-eval'`` for Vega, which compiles chart expressions into
functions, and inline styles, which vega-embed and Swagger UI set from their scripts.
Cache-Control is left to the pages (public pages are cached for a minute, signed-in ones not).
"""

from __future__ import annotations

from functools import cache

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    XContentTypeOptions,
    XFrameOptions,
)

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
