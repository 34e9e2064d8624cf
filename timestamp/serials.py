"""Serial numbers of time-stamp tokens.

RFC 3161 §2.4.2: "serialNumber ... MUST be unique for each TimeStampToken issued by a
given TSA", and it must stay so across restarts and crashes. We also make serials
strictly increasing in issuing order (across processes sharing an instance folder),
so that the order of two notifications can be read from their tokens even within the
same second of genTime.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_RECORD_SIZE = 96


class SerialSource(Protocol):
    def next_serial(self) -> int: ...


class SerialCounterError(RuntimeError):
    """The counter file is unreadable: never restart from 1, a human must look."""


class CounterSerials:
    """In-memory counter for unit tests and throw-away authorities (not durable)."""

    def __init__(self, start: int = 1) -> None:
        self._next = start
        self._lock = threading.Lock()

    def next_serial(self) -> int:
        with self._lock:
            serial = self._next
            self._next += 1
            return serial


def read_boot_id() -> str | None:
    """Linux identifier of the current boot, or None where the kernel does not expose it."""
    try:
        return _BOOT_ID.read_text("ascii").strip()
    except OSError:
        return None


class FileSerials:
    """Counter in a file shared by every process of one instance, under `flock`.

    The file holds one record "next reserved boot_id". Each serial is taken under an
    exclusive lock, so serials are strictly increasing in the order they are issued,
    whichever process issues them. Writing the record without fsync survives the
    death of any process (the page cache is shared), but not a power loss; so serials
    are issued only up to `reserved`, a ceiling fsync'ed once per `block` serials.
    When the boot id in the file differs from the running kernel's, the machine
    rebooted since the last write and `next` may have been lost: we restart after
    `reserved`, above anything that could have been issued. Serials therefore skip at
    most `block` values after a reboot, and never repeat.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        block: int = 1024,
        boot_id: Callable[[], str | None] = read_boot_id,
    ) -> None:
        if block < 1:
            raise ValueError("block must be at least 1")
        self.path = Path(path)
        self.block = block
        self._boot_id = boot_id
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    def _descriptor(self) -> int:
        # flock locks belong to the open file description, which a forked child shares
        # with its parent: each process must open the file itself to be excluded.
        if self._fd is None or self._pid != os.getpid():
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
            if created:
                _fsync_directory(self.path.parent)
        return self._fd

    def next_serial(self) -> int:
        with self._thread_lock:
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                return self._take(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _take(self, fd: int) -> int:
        next_serial, reserved, recorded_boot = self._read(fd)
        boot = self._boot_id()
        if boot is None or boot != recorded_boot:
            next_serial = max(next_serial, reserved + 1)
        serial = next_serial
        if boot is None:
            # Without a boot id a reboot cannot be detected: make each serial durable.
            reserved = serial
            self._write(fd, serial + 1, reserved, "-", durable=True)
        elif serial > reserved:
            reserved = serial + self.block - 1
            self._write(fd, serial + 1, reserved, boot, durable=True)
        else:
            self._write(fd, serial + 1, reserved, boot, durable=False)
        return serial

    def _read(self, fd: int) -> tuple[int, int, str]:
        raw = os.pread(fd, _RECORD_SIZE, 0)
        if not raw:
            return 1, 0, ""
        try:
            next_text, reserved_text, boot = raw.decode("ascii").split()
            next_serial, reserved = int(next_text), int(reserved_text)
        except ValueError as exc:
            raise SerialCounterError(f"corrupt serial counter {self.path}: {raw!r}") from exc
        if next_serial < 1 or reserved < next_serial - 1:
            raise SerialCounterError(f"inconsistent serial counter {self.path}: {raw!r}")
        return next_serial, reserved, boot

    def _write(self, fd: int, next_serial: int, reserved: int, boot: str, *, durable: bool) -> None:
        record = f"{next_serial} {reserved} {boot}".encode("ascii").ljust(_RECORD_SIZE - 1)
        os.pwrite(fd, record + b"\n", 0)
        if durable:
            os.fsync(fd)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


def _fsync_directory(directory: Path) -> None:
    """Make the creation of the counter file durable (a lost file would restart at 1)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
