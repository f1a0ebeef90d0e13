"""Sign-in under attack: failed attempts slow down, and password hashes are rationed.

**Throttling.** Failed sign-ins are counted per account name and per client address
(``ADDRESS`` allows more, since many people can share one address). After a rule's free
failures, each further failure locks that name or address for twice as long as the one before,
up to the rule's longest wait; an attempt while locked is answered 429 with ``Retry-After``
without looking at the password. A sign-in that succeeds clears its name's failures (not its
address's: one's own account must not reset the count of guesses at others). Failures are
forgotten once none has come for ``forget_after`` seconds. The counts are kept in memory, at
most ``MAX_KEYS`` names and addresses (the oldest forgotten first), and start afresh with the
server.

**Hash slots.** Checking a password costs argon2's 64 MiB for about a tenth of a second. At
most ``HASH_SLOTS`` checks run at once; up to ``HASH_QUEUE`` more wait their turn for at most
``HASH_WAIT`` seconds, and any beyond are answered 503 with ``Retry-After`` at once. So a flood
of sign-ins holds the memory at ``HASH_SLOTS`` × 64 MiB and leaves the other requests their
threads.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread

from openpeel.errors import OpenPeelError

T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """How many failures a name or an address may have before it waits, and how long."""

    free: int
    first_wait: float
    longest_wait: float
    forget_after: float

    def wait(self, failures: int) -> float:
        """Seconds locked after the ``failures``-th failure in a row."""
        beyond = failures - self.free
        if beyond <= 0:
            return 0.0
        return float(min(self.first_wait * 2 ** (beyond - 1), self.longest_wait))


ACCOUNT = Rule(free=5, first_wait=2.0, longest_wait=900.0, forget_after=3600.0)
ADDRESS = Rule(free=20, first_wait=2.0, longest_wait=900.0, forget_after=3600.0)
MAX_KEYS = 100_000

HASH_SLOTS = 2
HASH_QUEUE = 8
HASH_WAIT = 10.0


def in_words(seconds: float) -> str:
    """A wait in plain English: '1 second', '45 seconds', '3 minutes'."""
    whole = max(1, math.ceil(seconds))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minutes"


class TooManyAttempts(OpenPeelError):
    """Too many failed sign-ins for a name or from an address (429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            "Too many failed sign-ins for this name or from your address. Wait "
            f"{in_words(retry_after)} before trying again.",
            hint="If you have forgotten your password, ask an admin to set a new one.",
        )


class SignInBusy(OpenPeelError):
    """More sign-ins at once than the server checks; try again shortly (503)."""

    def __init__(self, retry_after: int = 2) -> None:
        self.retry_after = retry_after
        super().__init__(
            "Too many people are signing in at this moment. Wait a few seconds and try again.",
            hint="Nothing was checked or changed; send the form again.",
        )


@dataclass
class _Count:
    failures: int
    last: float
    locked_until: float


class Throttle:
    """Failed sign-ins by name and by address, with the waits the rules give."""

    def __init__(
        self,
        account: Rule = ACCOUNT,
        address: Rule = ADDRESS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.rules = {"account": account, "address": address}
        self.clock = clock
        self.max_keys = max_keys
        self._counts: OrderedDict[tuple[str, str], _Count] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> list[tuple[str, str]]:
        return [("account", name.strip().casefold()), ("address", address)]

    def retry_after(self, name: str, address: str) -> float:
        """Seconds until this name and address may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                c.locked_until - now
                for key in self._keys(name, address)
                if (c := self._live(key, now)) is not None
            ]
        return max([0.0, *waits])

    def check(self, name: str, address: str) -> None:
        """Refuse with 429 while the name or the address is locked."""
        wait = self.retry_after(name, address)
        if wait > 0:
            raise TooManyAttempts(wait)

    def failed(self, name: str, address: str) -> float:
        """Count a failed sign-in; the seconds the name or address is now locked for."""
        now = self.clock()
        with self._lock:
            for kind, key in self._keys(name, address):
                count = self._live((kind, key), now) or _Count(0, now, now)
                count.failures += 1
                count.last = now
                count.locked_until = now + self.rules[kind].wait(count.failures)
                self._counts[(kind, key)] = count
                self._counts.move_to_end((kind, key))
            while len(self._counts) > self.max_keys:
                self._counts.popitem(last=False)
        return self.retry_after(name, address)

    def succeeded(self, name: str) -> None:
        """A right password clears the name's failures."""
        with self._lock:
            self._counts.pop(self._keys(name, "")[0], None)

    def failures(self, name: str, address: str) -> tuple[int, int]:
        """The failures counted for the name and for the address."""
        now = self.clock()
        with self._lock:
            found = [self._live(k, now) for k in self._keys(name, address)]
        return (found[0].failures if found[0] else 0, found[1].failures if found[1] else 0)

    def _live(self, key: tuple[str, str], now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > self.rules[key[0]].forget_after:
            del self._counts[key]
            return None
        return count


class HashSlots:
    """At most ``slots`` password checks at once; ``queue`` more wait their turn (each in a
    worker thread, so at most ``slots + queue`` threads are ever taken), the rest are refused."""

    def __init__(
        self, slots: int = HASH_SLOTS, queue: int = HASH_QUEUE, wait: float = HASH_WAIT
    ) -> None:
        self.slots, self.queue, self.wait = slots, queue, wait
        self.running = 0
        self.peak = 0
        self.refused = 0
        self._admitted = 0  # running or waiting
        self._semaphore = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in a worker thread once a slot is free, or ``SignInBusy``."""
        with self._lock:
            if self._admitted >= self.slots + self.queue:
                self.refused += 1
                raise SignInBusy()
            self._admitted += 1
        try:
            return await anyio.to_thread.run_sync(self._in_slot, work)
        finally:
            with self._lock:
                self._admitted -= 1

    def _in_slot(self, work: Callable[[], T]) -> T:
        if not self._semaphore.acquire(timeout=self.wait):
            with self._lock:
                self.refused += 1
            raise SignInBusy()
        try:
            with self._lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            return work()
        finally:
            with self._lock:
                self.running -= 1
            self._semaphore.release()
