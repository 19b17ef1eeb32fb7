"""How CLI commands that take time show it on a terminal: a bar (known length) or a spinner
(unknown); piped, plain lines only (a transcription's progress through the audio, and each
command's own result lines). Log lines take a human format on a terminal."""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

SPIN_FRAMES = "|/-\\"
SPIN_SECONDS = 0.1
HUMAN_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
T = TypeVar("T")


def on_terminal() -> bool:
    return sys.stderr.isatty()


def use_human_logs_on_terminal() -> None:
    """A CLI run on a terminal logs ``time LEVEL logger: message`` instead of JSON lines."""
    if click.get_current_context(silent=True) is None or not on_terminal():
        return
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(HUMAN_LOG_FORMAT, "%H:%M:%S"))


@contextmanager
def spinner(label: str) -> Iterator[None]:
    """Spin beside ``label`` with the time taken while the block runs, on a terminal; piped,
    the command's own lines are all there is."""
    if not on_terminal():
        yield
        return
    started = time.monotonic()
    stop = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle(SPIN_FRAMES):
            click.echo(f"\r{frame} {label} {time.monotonic() - started:.1f} s", nl=False, err=True)
            if stop.wait(SPIN_SECONDS):
                break
    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        click.echo(f"\r{label}: done in {time.monotonic() - started:.1f} s", err=True)


class SecondsProgress:
    """Progress through audio of ``total`` seconds: ``advance_to(seconds)`` as text comes in.
    A bar on a terminal; a plain ``label: N / T s`` line per step when piped."""

    def __init__(self, label: str, total: float):
        self.label, self.total, self.done = label, total, 0.0
        self.bar = click.progressbar(length=max(int(total * 1000), 1), label=label, file=sys.stderr,
                                     show_percent=True) if on_terminal() else None

    def __enter__(self) -> SecondsProgress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def advance_to(self, seconds: float) -> None:
        seconds = min(max(seconds, self.done), self.total)
        if self.bar is not None:
            self.bar.update(int((seconds - self.done) * 1000))
        else:
            click.echo(f"{self.label}: {seconds:.1f} / {self.total:.1f} s", err=True)
        self.done = seconds

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)


def run_steps(label: str, steps: list[tuple[str, Callable[[], T]]]) -> list[T]:
    """Run named steps in order and return their results, with a bar through the steps on a
    terminal; piped, the command's own lines are all there is."""
    if not on_terminal():
        return [step() for _, step in steps]
    results: list[T] = []
    with click.progressbar(steps, label=label, file=sys.stderr, show_pos=True,
                           item_show_func=lambda item: item[0] if item else None) as bar:
        for _, step in bar:
            results.append(step())
    return results
