"""``covering_write`` (group commit for mirror files): every change is in a write that began
after it, and callers that ask while a write is under way share the next one."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest

from facial_backend.services.shared import locks

WAIT_S = 10


@pytest.fixture
def about_to_wait(monkeypatch) -> threading.Semaphore:
    """Released by each ``covering_write`` caller once it has asked, before it waits."""
    released = threading.Semaphore(0)
    real_keyed_lock = locks.keyed_lock

    @contextmanager
    def observed_keyed_lock(key):
        released.release()
        with real_keyed_lock(key):
            yield

    monkeypatch.setattr(locks, "keyed_lock", observed_keyed_lock)
    return released


class Mirror:
    """Callers commit a change, then ask for a write; a write copies every change so far."""

    def __init__(self, key) -> None:
        self.key = key
        self.changes: list[str] = []
        self.writes: list[list[str]] = []
        self.first_writing, self.first_may_finish = threading.Event(), threading.Event()

    def caller(self, name: str, hold: bool = False) -> threading.Thread:
        def run() -> None:
            self.changes.append(name)
            with locks.covering_write(self.key) as needed:
                if needed:
                    self.writes.append(list(self.changes))
                    if hold:
                        self.first_writing.set()
                        assert self.first_may_finish.wait(WAIT_S)
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def run(self, about_to_wait: threading.Semaphore, later: list[str]) -> None:
        """``first`` writes; the ``later`` callers ask while it writes; then all finish."""
        threads = [self.caller("first", hold=True)]
        assert self.first_writing.wait(WAIT_S)
        for name in later:
            threads.append(self.caller(name))
        for _ in range(1 + len(later)):
            assert about_to_wait.acquire(timeout=WAIT_S)
        self.first_may_finish.set()
        for thread in threads:
            thread.join(WAIT_S)


def test_a_change_made_during_a_write_gets_a_write_of_its_own(about_to_wait):
    mirror = Mirror(("mirror", "session-1"))
    mirror.run(about_to_wait, ["second"])
    assert mirror.writes == [["first"], ["first", "second"]]


def test_callers_that_ask_during_a_write_share_the_next_one(about_to_wait):
    mirror = Mirror(("mirror", "session-2"))
    mirror.run(about_to_wait, ["second", "third", "fourth"])
    assert len(mirror.writes) == 2
    assert mirror.writes[0] == ["first"]
    assert sorted(mirror.writes[1]) == ["first", "fourth", "second", "third"]


def test_a_failed_write_covers_nobody(about_to_wait):
    key = ("mirror", "session-3")
    failing, fail_now = threading.Event(), threading.Event()
    outcome = []

    def failing_writer() -> None:
        with pytest.raises(OSError), locks.covering_write(key) as needed:
            assert needed
            failing.set()
            assert fail_now.wait(WAIT_S)
            raise OSError("disk full")

    def waiter() -> None:
        with locks.covering_write(key) as needed:
            outcome.append(needed)

    threads = [threading.Thread(target=failing_writer), threading.Thread(target=waiter)]
    threads[0].start()
    assert failing.wait(WAIT_S)
    threads[1].start()
    for _ in range(2):
        assert about_to_wait.acquire(timeout=WAIT_S)
    fail_now.set()
    for thread in threads:
        thread.join(WAIT_S)
    assert outcome == [True]
