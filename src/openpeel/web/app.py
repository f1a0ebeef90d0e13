"""The OpenPEEL web app: the public dashboard, its JSON API, sign-in, and the workspaces of
inspectors and forces, from one FastAPI app over the home's warehouse and store."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from secure.middleware import SecureASGIMiddleware
from starlette.middleware.sessions import SessionMiddleware

from openpeel import __version__, access
from openpeel.assess.sessions import SESSION_HOURS
from openpeel.assess.store import Store
from openpeel.clock import now as real_now
from openpeel.private import private_file
from openpeel.settings import setting
from openpeel.web import errors
from openpeel.web.cache import LRU, PageCache, SiteVersions, cache_entries
from openpeel.web.dependencies import DB, SESSION_CSRF, SESSION_ID, WebState, Who, check_csrf, state
from openpeel.web.render import ENV, PUBLIC_MAX_AGE, page
from openpeel.web.routers import (
    admin,
    assessments,
    downloads,
    indicators,
    pages,
    publications,
    recommendations,
)
from openpeel.web.schemas import TAGS
from openpeel.web.security import (
    CookiePolicy,
    HeadAsGet,
    ProxyHeaders,
    security_headers,
    trusted_proxies,
)
from openpeel.web.throttle import in_words

log = logging.getLogger("openpeel.web")

SECRET_FILE = "secret.key"  # noqa: S105  (a file name, not a secret)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def secret_key(home: Path) -> str:
    """``OPENPEEL_SECRET_KEY``, else the home's own key (made once, readable by its owner)."""
    given = setting("secret_key")
    if given:
        return given
    path = home / SECRET_FILE
    private_file(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def secure_cookies(host: str) -> bool:
    given = setting("secure_cookies").strip().lower()
    if given:
        return given in ("1", "true", "yes")
    return host not in LOCAL_HOSTS


def static_folder() -> Path:
    return Path(str(resources.files("openpeel.web") / "static"))


def assets_built() -> bool:
    """Whether the GOV.UK Frontend and Vega assets were built (`make assets`)."""
    folder = static_folder()
    return all((folder / f).exists() for f in ("govuk/openpeel.css", "vega/.built", "swagger"))


def create_app(
    home: Path,
    *,
    host: str = "127.0.0.1",
    clock: Callable[[], datetime] = real_now,
    store: Store | None = None,
) -> FastAPI:
    """The app over ``home`` (its warehouse, and its store unless ``store`` is given); ``clock``
    decides what embargoes have released (tests set it)."""
    app = FastAPI(
        title="OpenPEEL",
        version=__version__,
        description="PEEL assessments of the police forces of England and Wales: grades, "
        "indicators and publications. Every page of the dashboard has its JSON twin here. "
        'Errors have one shape: `{"error": {"status", "title", "detail", "hint"}}`. '
        "Scripts sign in with `Authorization: Bearer TOKEN` (`openpeel users token`).",
        docs_url=None,  # served below from local files: FastAPI's own loads from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=errors.RESPONSES,
        openapi_tags=TAGS,
    )
    app.state.web = WebState(home=home, store=store or Store.open(home), clock=clock)
    app.state.versions = SiteVersions(home, app.state.web.store, clock)
    app.state.contexts = LRU(cache_entries())  # page contexts (openpeel.web.routers.pages)
    app.state.answers = LRU(cache_entries())  # rendered public answers
    # the last added runs first: the page cache, HEAD as GET, the proxy's headers, then the
    # cookie rules
    app.add_middleware(SecureASGIMiddleware, secure=security_headers())
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(home),
        session_cookie="openpeel_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=secure_cookies(host),
    )
    app.add_middleware(CookiePolicy, always_secure=secure_cookies(host))
    app.add_middleware(ProxyHeaders, proxies=trusted_proxies())
    app.add_middleware(HeadAsGet)
    # outermost: a public page already built is answered before any other work
    app.add_middleware(PageCache, site=app.state.versions, answers=app.state.answers)
    if not assets_built():
        log.warning(
            "the GOV.UK Frontend and Vega assets are not built: pages will look plain and "
            "charts will not draw; run `make assets`"
        )
    app.mount("/static", StaticFiles(directory=static_folder(), check_dir=False), name="static")
    errors.install(app)
    app.include_router(_docs_router())
    app.include_router(_sign_in_router())
    # the public reads first, in /api/docs too; the indicators' /indicators/all.csv and
    # /indicators/{indicator}.csv before the page /indicators/{indicator}
    app.include_router(indicators.router)
    app.include_router(publications.router)
    app.include_router(pages.router)
    app.include_router(downloads.router)
    app.include_router(assessments.router)
    app.include_router(recommendations.router)
    app.include_router(admin.router)
    return app


def prepare_home(home: Path) -> None:
    """What the workers of one server share, made once before they start: the store, migrated,
    its audit key, and the session key."""
    Store.open(home).close()
    secret_key(home)


def app_from_environment() -> FastAPI:
    """The app of one worker of `openpeel serve --workers N`: the home and whether cookies
    need HTTPS are passed in the environment (``OPENPEEL_HOME``, ``OPENPEEL_SECURE_COOKIES``)."""
    return create_app(Path(setting("home")))


def _docs_router() -> APIRouter:
    router = APIRouter()

    @router.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        # browsers ask for it where a page names no icon (the published reports)
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @router.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from local files, started by a script file (FastAPI's own page loads it
        # from a CDN and starts it with an inline script, which the security policy forbids)
        return HTMLResponse(
            ENV.get_template("api_docs.html.j2").render(),
            headers={"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"},
        )

    return router


def _sign_in_router() -> APIRouter:
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    def login_form(request: Request, who: Who, next: str = "/") -> HTMLResponse:
        return page(
            request,
            "login.html.j2",
            {"title": "Sign in", "next": _local(next), "error": None},
            who,
            api="",  # a form: no JSON twin
        )

    @router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
    async def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        web = state(request)
        name, address = username.strip(), client_address(request)
        web.throttle.check(name, address)  # 429 while locked, before any password is hashed

        def attempt() -> tuple[str, str, str, str] | str | None:
            from openpeel.assess.sessions import start_session
            from openpeel.assess.users import AccountDisabled, authenticate

            with web.store.session() as session:
                try:
                    user = authenticate(session, name, password)
                except AccountDisabled as exc:
                    return exc.message
                if user is None:
                    return None
                return (user.name, start_session(session, user), user.role, user.force_code or "")

        result = await web.hash_slots.run(attempt)  # 503 when too many are signing in at once
        if not isinstance(result, tuple):
            error = "The account is disabled: ask an admin to enable it."
            if result is None:
                locked = web.throttle.failed(name, address)
                error = "The name or the password is wrong." + (
                    f" Too many failed attempts: wait {in_words(locked)} before trying again."
                    if locked
                    else ""
                )
            context = {"title": "Sign in", "next": _local(next), "error": error}
            return page(request, "login.html.j2", context, access.PUBLIC, status=401, api="")
        web.throttle.succeeded(name)
        request.session.clear()  # a new session (and CSRF token) on every sign-in
        request.session[SESSION_ID] = result[1]
        request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
        return RedirectResponse(
            landing(result[2], result[3] or None, _local(next)), status_code=303
        )

    @router.post("/logout", include_in_schema=False, dependencies=[Depends(check_csrf)])
    def logout(request: Request, session: DB) -> Response:
        from openpeel.assess.sessions import end_session

        session_id = request.session.get(SESSION_ID)
        if session_id:
            end_session(session, str(session_id))  # the cookie signs nobody in from now on
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    return router


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For is applied by ProxyHeaders)."""
    return request.client.host if request.client else "unknown"


def landing(role: str, force_code: str | None, asked: str) -> str:
    """Where a sign-in leads: the page asked for; from the home page, a force user's own
    force (what they work on) rather than the national overview."""
    if asked == "/" and role == "force" and force_code:
        from openpeel.reference.forces import forces

        return f"/forces/{forces().get(force_code).policeuk_slug}"
    return asked


def _local(target: str) -> str:
    """Only a path on this site (never an open redirect elsewhere)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
