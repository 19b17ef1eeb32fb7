"""How CLI commands that take time show it: a bar (known length) or a spinner (unknown) on a
terminal, plain lines when stderr is piped; log lines in a human format on a terminal."""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click

SPIN_FRAMES = "|/-\\"
SPIN_SECONDS = 0.1
HUMAN_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


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
    """Spin beside ``label`` with the time taken while the block runs (terminal), or print
    ``label ...`` then ``label: done in N s`` (piped)."""
    started = time.monotonic()
    if not on_terminal():
        click.echo(f"{label} ...", err=True)
        yield
        click.echo(f"{label}: done in {time.monotonic() - started:.1f} s", err=True)
        return
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
