"""Serial numbers: unique (RFC 3161 §2.4.2) and increasing in issuing order, across processes."""

from __future__ import annotations

import multiprocessing

import pytest

from tests.unit.timestamp.doubles import issue_serials_worker
from timestamp.serials import CounterSerials, FileSerials, SerialCounterError


def test_counter_serials():
    serials = CounterSerials(start=41)
    assert [serials.next_serial() for _ in range(3)] == [41, 42, 43]


def test_file_serials_start_at_one_and_persist(tmp_path):
    path = tmp_path / "serial"
    first = FileSerials(path, boot_id=lambda: "boot-a")
    assert [first.next_serial() for _ in range(3)] == [1, 2, 3]
    first.close()
    assert FileSerials(path, boot_id=lambda: "boot-a").next_serial() == 4
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_reservation_moves_by_blocks(tmp_path):
    path = tmp_path / "serial"
    serials = FileSerials(path, block=5, boot_id=lambda: "boot-a")
    serials.next_serial()
    assert path.read_text().split() == ["2", "5", "boot-a"]
    for _ in range(4):
        serials.next_serial()
    assert path.read_text().split() == ["6", "5", "boot-a"]
    assert serials.next_serial() == 6
    assert path.read_text().split() == ["7", "10", "boot-a"]


def test_after_a_reboot_serials_restart_above_the_reservation(tmp_path):
    """A power loss may lose the unsynced `next`, never the fsync'ed reservation."""
    path = tmp_path / "serial"
    before = FileSerials(path, block=100, boot_id=lambda: "boot-a")
    assert [before.next_serial() for _ in range(3)] == [1, 2, 3]
    # Simulate the state a power loss can leave: only the last durable record survived.
    path.write_text("2 100 boot-a".ljust(95) + "\n")
    after = FileSerials(path, block=100, boot_id=lambda: "boot-b")
    assert after.next_serial() == 101
    assert after.next_serial() == 102


def test_without_a_boot_id_every_serial_is_durable(tmp_path):
    path = tmp_path / "serial"
    serials = FileSerials(path, block=100, boot_id=lambda: None)
    assert [serials.next_serial() for _ in range(2)] == [1, 2]
    assert path.read_text().split() == ["3", "2", "-"]


@pytest.mark.parametrize("content", ["garbage", "5 2 boot-a", "0 0 boot-a"])
def test_corrupt_counter_is_not_reset(tmp_path, content):
    path = tmp_path / "serial"
    path.write_text(content)
    with pytest.raises(SerialCounterError):
        FileSerials(path).next_serial()


def test_forked_child_takes_its_own_lock(tmp_path):
    """flock is per open file description: a child must not reuse the parent's."""
    serials = FileSerials(tmp_path / "serial")
    serials.next_serial()
    parent_fd = serials._fd
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    child = context.Process(target=lambda: queue.put((serials.next_serial(), serials._fd)))
    child.start()
    child.join()
    serial, child_fd = queue.get()
    assert serial == 2
    assert child_fd != parent_fd  # the child opened the file itself
    assert serials.next_serial() == 3


def test_unique_and_increasing_across_processes(tmp_path):
    """Linearizable: a serial taken after another one was returned is greater than it."""
    processes, count = 4, 1500
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.SimpleQueue()
    workers = [
        context.Process(
            target=issue_serials_worker,
            args=(str(tmp_path / "serial"), count, 7, barrier, results),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    taken = [entry for _ in workers for entry in results.get()]
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0

    serials = sorted(serial for _, _, serial, _ in taken)
    assert serials == list(range(1, processes * count + 1))

    # The processes really ran concurrently (else the test would prove little).
    owners = [pid for _, _, _, pid in sorted(taken, key=lambda entry: entry[2])]
    switches = sum(1 for a, b in zip(owners, owners[1:], strict=False) if a != b)
    assert switches > processes * 5

    # For every call, all calls that had ended before it started got smaller serials.
    by_end = sorted(taken, key=lambda entry: entry[1])
    highest_finished, position = 0, 0
    for start, _, serial, _ in sorted(taken):
        while position < len(by_end) and by_end[position][1] < start:
            highest_finished = max(highest_finished, by_end[position][2])
            position += 1
        assert serial > highest_finished
