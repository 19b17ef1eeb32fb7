"""In a gevent worker, a request finishing an upload goes first: while it holds its turn, the
other requests wait before each piece of body they read and each piece of work they hand to a
thread, for at most ``FINISHING_PRECEDENCE_S`` from the turn's start (so a stalled finisher
stalls no one for long). Run in a process of its own, as the worker runs: gevent patched
first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = r"""
from gevent import monkey
monkey.patch_all()
import json, sys
import gevent
from facial_backend.perf import offload

def run(hold):
    order = []
    def finisher():
        with offload.finishing_turn():
            order.append("finish start")
            gevent.sleep(0)
            gevent.sleep(hold)
            order.append("finish end")
    def reader():
        for _ in range(15):  # the precedence ends once, not at every piece
            offload.cooperate()
        order.append("body read")
    def writer():
        order.append(offload.in_thread(lambda: "thread work"))
    greenlets = [gevent.spawn(finisher), gevent.spawn(reader), gevent.spawn(writer)]
    gevent.joinall(greenlets, timeout=30, raise_error=True)
    return order

print(json.dumps({"short": run(0.0), "stalled": run(10 * offload.FINISHING_PRECEDENCE_S)}))
"""


def orders() -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_others_wait_for_a_finisher_and_not_longer_than_the_bound():
    found = orders()
    assert found["short"][:2] == ["finish start", "finish end"]
    assert sorted(found["short"][2:]) == ["body read", "thread work"]
    assert found["stalled"][0] == "finish start" and found["stalled"][-1] == "finish end"
    assert sorted(found["stalled"][1:3]) == ["body read", "thread work"]
