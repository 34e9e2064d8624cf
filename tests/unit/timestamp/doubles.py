"""Test doubles for code that depends on the time-stamping service (unit tests only, kept
out of the shipped package).

Integration tests use the real authority over real HTTP instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from timestamp.authority import Authority
from timestamp.client import TimestampUnavailable
from timestamp.oids import TEST_POLICY
from timestamp.pki import AuthorityFiles, generate_authority
from timestamp.serials import CounterSerials


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def throwaway_authority(
    clock: FixedClock, *, algorithm: str = "ec"
) -> tuple[Authority, AuthorityFiles]:
    """An authority with fresh in-memory keys, certificates starting at the clock's time."""
    files = generate_authority(now=clock(), algorithm=algorithm)  # type: ignore[arg-type]
    authority = Authority.from_files(
        files, policy_oid=TEST_POLICY, serials=CounterSerials(), clock=clock
    )
    return authority, files


class FakeClient:
    """TimestampClient twin: real tokens from an in-memory authority, and outages on demand.

    `trust_anchors` verifies the tokens it returns; `calls` lists (digest, hash_name)
    of every call, failed ones included.
    """

    def __init__(self, clock: FixedClock | None = None) -> None:
        self.clock = clock or FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        self.authority, files = throwaway_authority(self.clock)
        self.trust_anchors = [files.root]
        self.calls: list[tuple[bytes, str]] = []
        self.down = False
        self._failures_left = 0

    def fail_next(self, count: int = 1) -> None:
        self._failures_left += count

    def timestamp(self, digest: bytes, hash_name: str = "sha256") -> bytes:
        self.calls.append((digest, hash_name))
        if self.down or self._failures_left:
            self._failures_left = max(0, self._failures_left - 1)
            raise TimestampUnavailable("fake TSA unavailable")
        return self.authority.timestamp(digest, hash_name)


def issue_serials_worker(path: str, count: int, block: int, barrier, results) -> None:
    """Multi-process test helper: take `count` serials, recording when each call ran.

    Lives here rather than in the test module so that a "spawn" child can import it.
    Puts (start_ns, end_ns, serial, pid) tuples on `results`; monotonic_ns is one
    system-wide clock on Linux, so intervals from different processes compare.
    """
    import os
    import time

    from timestamp.serials import FileSerials

    serials = FileSerials(path, block=block)
    barrier.wait()
    taken = []
    for _ in range(count):
        start = time.monotonic_ns()
        serial = serials.next_serial()
        taken.append((start, time.monotonic_ns(), serial, os.getpid()))
    results.put(taken)
