"""Public pages kept per data version: their contexts and their rendered answers.

What the public sees changes only when the warehouse is loaded (a new file swapped in: its data
version, ``openpeel.warehouse.versions``), when the assessment store changes (every change is an
entry of its audit log: the last entry's number), when an embargo's moment passes, or when the
day changes (dates due). Together these are the *versions* of a request; an answer built for one
set of versions is the answer to every later request with the same address and versions.

Two bounded least-recently-used caches use them:

* page contexts (``contexts``), shared by a page and its JSON twin (``openpeel.web.routers.pages``);
* rendered answers (``PageCache``), an ASGI middleware in front of the app that answers a
  repeated public request without routing it, with a strong ETag derived from the versions and
  the address, and 304 Not Modified to a matching ``If-None-Match``.

Only the public's views are kept: a request with an API token or a session cookie is built
afresh (a signed-in user's pages never come from, nor go into, the cache), and only answers the
app marks ``Cache-Control: public`` and that set no cookie are kept. Each worker process keeps
its own caches; the ETags agree between workers, since they derive from the same versions.

HEAD is answered as GET without the body, here, for every address.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import select, union_all

from openpeel import access
from openpeel.assess.models import AuditEntry, Correction, Publication
from openpeel.assess.store import Store
from openpeel.settings import setting
from openpeel.warehouse.versions import data_version
from openpeel.web.render import cache_headers

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: where a request's versions are kept in its ASGI scope (``request.state``)
STATE_KEY = "openpeel_versions"
#: set in a request's state when its answer must not be kept (read from another data version)
STALE_KEY = "openpeel_stale"
SESSION_COOKIE = "openpeel_session"
LAST_SEQ = f"SELECT max(seq) FROM {AuditEntry.__tablename__}"
NOT_CACHED_PREFIXES = ("/static/",)
#: what a 304 says where the answer is not at hand: the caching headers of the public's pages
PUBLIC_HEADERS = tuple(
    (k.lower().encode(), v.encode()) for k, v in cache_headers(access.PUBLIC).items()
)


def cache_entries() -> int:
    """The size of each cache, in entries (the ``page_cache_entries`` setting)."""
    value = setting("page_cache_entries")
    try:
        size = int(value)
    except ValueError:
        size = -1
    if size < 0:
        raise ValueError(
            f"OPENPEEL_PAGE_CACHE_ENTRIES is {value!r}: give a whole number of entries, 0 or "
            "more (0 keeps nothing)"
        )
    return size


class LRU(Generic[K, V]):
    """A dict of at most ``size`` entries that forgets the least recently used; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: K, value: V) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class Versions:
    """What the public's view of the site depends on, at one moment."""

    data: str | None  # the warehouse's data version (None: no warehouse)
    store: int  # the number of the audit log's last entry (0: none)
    embargoes_passed: int  # how many embargo moments of publications and corrections are past
    day: str  # the date (UTC), for what is due or overdue

    def key(self) -> tuple[str | None, int, int, str]:
        return (self.data, self.store, self.embargoes_passed, self.day)


@dataclass
class StoreGeneration:
    """The store's last change, and its embargo moments (read again when it changes)."""

    store: Store
    _seq: int = -1
    _moments: list[datetime] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, now: datetime) -> tuple[int, int]:
        """(the last audit entry's number, how many embargo moments are at or before now)."""
        seq = self._last_seq()
        with self._lock:
            known = seq == self._seq
        if not known:
            with self.store.session() as session:
                moments = sorted(
                    access.aware(m)
                    for (m,) in session.execute(
                        union_all(
                            select(Publication.embargo_until).where(
                                Publication.embargo_until.is_not(None)
                            ),
                            select(Correction.embargo_until).where(
                                Correction.embargo_until.is_not(None)
                            ),
                        )
                    )
                    if m is not None
                )
            with self._lock:
                self._seq, self._moments = seq, moments
        with self._lock:
            return seq, bisect.bisect_right(self._moments, now)

    def _last_seq(self) -> int:
        """The audit log's last entry, asked on every request: through the pool's database
        connection directly (60 µs; an ORM session costs 1 ms)."""
        raw = self.store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(LAST_SEQ)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
        return int(row[0]) if row and row[0] is not None else 0


class SiteVersions:
    """The versions of a home's site (its warehouse and its store), asked per request."""

    def __init__(self, home: Path, store: Store, clock: Callable[[], datetime]) -> None:
        self.home = home
        self.clock = clock
        self._store = StoreGeneration(store)

    def now(self) -> Versions:
        at = self.clock()
        seq, passed = self._store.read(at)
        return Versions(data_version(self.home), seq, passed, at.date().isoformat())


def request_versions(scope: Scope, site: SiteVersions) -> Versions:
    """The request's versions, found once (by the middleware, or by the first to ask)."""
    state = scope.setdefault("state", {})
    found = state.get(STATE_KEY)
    if not isinstance(found, Versions):
        found = state[STATE_KEY] = site.now()
    return found


def mark_stale(scope: Scope) -> None:
    """Keep nothing of this request's answer (it was built from other versions than its key's)."""
    scope.setdefault("state", {})[STALE_KEY] = True


def etag(versions: Versions, path: str, query: bytes) -> str:
    """A strong ETag for the public answer at this address under these versions."""
    text = repr((versions.key(), path, query))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


def anonymous(scope: Scope) -> bool:
    """A request with neither an API token nor a session cookie."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return False
        if name == b"cookie" and SESSION_COOKIE.encode() in value:
            return False
    return True


class PageCache:
    """ASGI middleware: HEAD as GET without a body, and the public's answers kept per versions."""

    def __init__(
        self, app: ASGIApp, site: SiteVersions, answers: LRU[tuple[Any, ...], Answer]
    ) -> None:
        self.app = app
        self.site = site
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
            send = _without_body(send)
        path: str = scope["path"]
        if path.startswith(NOT_CACHED_PREFIXES) or not anonymous(scope):
            await self.app(scope, receive, send)
            return
        versions = request_versions(scope, self.site)
        query: bytes = scope.get("query_string", b"")
        key = (path, query, versions.key())
        asked = _header(list(scope.get("headers", ())), b"if-none-match")
        kept = self.answers.get(key)
        if kept is not None:
            if asked is not None and _matches(asked, kept.etag):
                await _not_modified(send, kept.headers)
                return
            await send(
                {"type": "http.response.start", "status": kept.status, "headers": kept.headers}
            )
            await send({"type": "http.response.body", "body": kept.body})
            return
        tag = etag(versions, path, query).encode()
        if asked is not None and _matches(asked, tag):
            # the client holds this address's public answer under these versions, from another
            # worker or from before this one's cache forgot it: the same answer
            await _not_modified(send, [(b"etag", tag), *PUBLIC_HEADERS])
            return
        await self._build(scope, receive, send, key, tag)

    async def _build(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[Any, ...],
        tag: bytes,
    ) -> None:
        """Answer through the app; keep a public 200 answer under ``key``."""
        start: Message = {}
        chunks: list[bytes] = []
        keep = False

        async def capture(message: Message) -> None:
            nonlocal keep, start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                control = (_header(headers, b"cache-control") or b"").lower()
                keep = (
                    message["status"] == 200
                    and control.startswith(b"public")
                    and _header(headers, b"set-cookie") is None
                    and not scope.get("state", {}).get(STALE_KEY)
                )
                if keep and _header(headers, b"etag") is None:
                    headers.append((b"etag", tag))
                start = {**message, "headers": headers}
                await send(start)
            elif message["type"] == "http.response.body":
                if keep:
                    chunks.append(message.get("body", b""))
                await send(message)
            else:
                await send(message)

        await self.app(scope, receive, capture)
        if keep and not scope.get("state", {}).get(STALE_KEY) and start:
            headers = start["headers"]
            found = _header(headers, b"etag") or tag
            self.answers.put(key, Answer(200, headers, b"".join(chunks), found))


def _matches(asked: bytes, tag: bytes) -> bool:
    return asked.strip() == b"*" or tag in [t.strip() for t in asked.split(b",")]


async def _not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    keep = (b"etag", b"cache-control", b"vary", b"content-location", b"expires")
    await send(
        {
            "type": "http.response.start",
            "status": 304,
            "headers": [(k, v) for k, v in headers if k.lower() in keep],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _without_body(send: Send) -> Send:
    """The answer to a HEAD request: the GET's status and headers, no body."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending
