"""Idle Socket.IO connections: health latency while 1,000 are held, and clients_updated bytes.

Health: GET /livez and /readyz, each on a new connection (a request that must find a free
connection slot of the worker), 500 of each in turns, p50/p99: with no socket; with 1,000 idle
anonymous Socket.IO connections (engine.io WebSocket handshake plus Socket.IO connect ``40``,
never registered) held under a budget that admits them (SOCKET_MAX_CONNECTIONS=1000,
worker_connections 1200 as deploy/gunicorn.conf.py computes it); with the defaults
(SOCKET_MAX_CONNECTIONS=800, gunicorn's default 1000 slots: 200 refused 503); and, for
comparison, without an effective budget (the origin: 1,000 sockets fill the 1,000 slots; 10
requests with a 1 s timeout). SOCKET_REGISTER_TIMEOUT=0 while sockets are held idle on purpose.

Presence: 10 evaluators of package socketio, then 1,000 clients register as fast as they can;
every byte of ``clients_updated`` frames received by any socket is counted until the last
update lists all 1,000 (and 2 intervals more). The origin's cost is computed for the same ids:
each registration sent the whole list to every open socket.

``--quick``: 200 sockets, 100 requests of each, 200 registrations. Every phase is bounded.
Target: health p99 < 50 ms with the sockets held.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import selectors
import socket
import struct
import time
from urllib.parse import urlparse

from bench import stats
from bench.websocket_frames import Frames

SOCKETS, QUICK_SOCKETS = 1000, 200
REQUESTS, QUICK_REQUESTS = 500, 100
EVALUATORS = 10
PHASE_S = 120.0
HEALTH_P99_MS = 50.0
INTERVAL_S = 1.0
HANDSHAKE = (b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: bench\r\n"
             b"Connection: Upgrade\r\nUpgrade: websocket\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def _masked(text: str) -> bytes:
    payload, mask = text.encode(), os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        return bytes([0x81, 0x80 | len(payload)]) + mask + body
    return bytes([0x81, 0x80 | 126]) + struct.pack("!H", len(payload)) + mask + body


class IdleSockets:
    """Socket.IO connections on plain sockets: the 101 answer read, ``40`` sent; refused
    handshakes (503) counted and closed."""

    def __init__(self, base_url: str, count: int, deadline: float):
        parsed = urlparse(base_url)
        self.address = (parsed.hostname, parsed.port)
        self.held: list[socket.socket] = []
        self.early: dict[socket.socket, bytes] = {}  # frames that came with the 101 answer
        self.refused = 0
        self.failed = 0
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            self._open()

    def _open(self) -> None:
        sock = socket.create_connection(self.address, timeout=10)
        try:
            sock.sendall(HANDSHAKE)
            head = b""
            while b"\r\n\r\n" not in head:
                piece = sock.recv(4096)
                if not piece:
                    break
                head += piece
        except OSError:
            self.failed += 1
            sock.close()
            return
        if head.startswith(b"HTTP/1.1 101"):
            sock.sendall(_masked("40"))
            self.held.append(sock)
            self.early[sock] = head.partition(b"\r\n\r\n")[2]
        else:
            self.refused += head.startswith(b"HTTP/1.1 503")
            self.failed += not head.startswith(b"HTTP/1.1 503")
            sock.close()

    def close(self) -> None:
        for sock in self.held:
            sock.close()
        self.held = []


def _health(base_url: str, count: int, timeout: float, deadline: float) -> dict:
    """``count`` GETs of /livez and of /readyz in turns, each on a new connection (ms)."""
    parsed = urlparse(base_url)
    times: dict[str, list[float]] = {"/livez": [], "/readyz": []}
    timeouts = errors = 0
    for number in range(count * 2):
        if time.monotonic() > deadline:
            break
        path = "/livez" if number % 2 == 0 else "/readyz"
        started = time.monotonic()
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status == 200:
                times[path].append(stats.ms(time.monotonic() - started))
            else:
                errors += 1
        except TimeoutError:
            timeouts += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
    return {"times": times, "timeouts": timeouts, "errors": errors}


def _health_rows(label: str, held: IdleSockets | None, result: dict) -> list[dict]:
    rows = []
    for path, values in result["times"].items():
        summary = stats.summary(values)
        rows.append({"case": label, "path": path,
                     "held": len(held.held) if held else 0, "refused": held.refused if held else 0,
                     "n": summary["n"], "p50_ms": summary["p50"], "p99_ms": summary["p99"],
                     "max_ms": summary["max"], "timeouts": result["timeouts"],
                     "errors": result["errors"]})
    return rows


def _held_phase(ctx, label: str, env: dict, sockets: int, requests: int, timeout: float) -> list[dict]:
    base_url = ctx.restart_service(env)
    _health(base_url, 20, 5.0, time.monotonic() + 30)  # warm up
    deadline = time.monotonic() + PHASE_S
    ctx.log(f"{label}: opening {sockets} idle Socket.IO connections")
    opened = time.monotonic()
    held = IdleSockets(base_url, sockets, deadline)
    ctx.log(f"{label}: {len(held.held)} held, {held.refused} refused in "
            f"{time.monotonic() - opened:.1f} s; {requests} + {requests} health requests")
    try:
        return _health_rows(label, held, _health(base_url, requests, timeout, deadline))
    finally:
        held.close()


class Presence:
    """Evaluators and clients on plain sockets, read by one selector: bytes of clients_updated
    frames per socket, and the last list an evaluator got."""

    def __init__(self, base_url: str, evaluators: int, clients: int, deadline: float):
        opened = IdleSockets(base_url, evaluators, deadline), IdleSockets(base_url, clients, deadline)
        self.evaluators, self.clients = opened[0].held, opened[1].held
        self.selector = selectors.DefaultSelector()
        self.update_bytes = {"evaluator": 0, "client": 0}
        self.updates = {"evaluator": 0, "client": 0}
        self.last: list[str] | None = None
        for role, group in (("evaluator", self.evaluators), ("client", self.clients)):
            for sock in group:
                sock.setblocking(False)
                frames = Frames()
                frames.feed(opened[0].early.get(sock) or opened[1].early.get(sock, b""))
                self.selector.register(sock, selectors.EVENT_READ, (role, frames))

    def register(self, deadline: float) -> None:
        for number, sock in enumerate(self.evaluators):
            self._send(sock, ["register", {"userId": f"ev{number:03d}", "role": "evaluator",
                                           "package": "socketio"}])
        self.read_for(1.0)
        for number, sock in enumerate(self.clients):
            if time.monotonic() > deadline:
                break
            self._send(sock, ["register", {"userId": f"c{number:04d}", "role": "client",
                                           "package": "socketio"}])
            if number % 50 == 0:
                self.read_for(0)

    def _send(self, sock: socket.socket, event: list) -> None:
        data = _masked("42" + json.dumps(event, separators=(",", ":")))
        sock.setblocking(True)
        sock.sendall(data)
        sock.setblocking(False)

    def read_for(self, seconds: float) -> None:
        stop = time.monotonic() + seconds
        while True:
            for key, _ in self.selector.select(timeout=max(0.0, min(0.1, stop - time.monotonic()))):
                role, frames = key.data
                try:
                    data = key.fileobj.recv(1 << 16)
                except BlockingIOError:
                    continue
                for opcode, payload in frames.feed(data):
                    if opcode == 0x1 and payload.startswith(b'42["clients_updated"'):
                        self.update_bytes[role] += len(payload)
                        self.updates[role] += 1
                        if role == "evaluator":
                            self.last = json.loads(payload[2:])[1]["clients"]
                    elif opcode == 0x1 and payload == b"2":
                        key.fileobj.setblocking(True)
                        key.fileobj.sendall(_masked("3"))
                        key.fileobj.setblocking(False)
            if time.monotonic() >= stop:
                return

    def close(self) -> None:
        self.selector.close()
        for sock in self.evaluators + self.clients:
            sock.close()


def _origin_bytes(evaluators: int, clients: int) -> int:
    """What the origin sent: at the k-th registration, the k ids to every open socket."""
    total, ids = 0, []
    for number in range(clients):
        ids.append(f"c{number:04d}")
        frame = len("42" + json.dumps(["clients_updated", {"clients": ids}], separators=(",", ":")))
        total += frame * (evaluators + clients)
    return total


def _presence(ctx, clients: int) -> dict:
    ctx.restart_service({"SOCKET_MAX_CONNECTIONS": clients + EVALUATORS + 50,
                         "SOCKET_MAX_PER_ADDRESS": "0", "SOCKET_REGISTER_TIMEOUT": "0",
                         "PRESENCE_UPDATE_INTERVAL": f"{INTERVAL_S}s",
                         "GUNICORN_CMD_ARGS": f"--worker-connections {clients + EVALUATORS + 250}"})
    deadline = time.monotonic() + PHASE_S
    presence = Presence(ctx.base_url, EVALUATORS, clients, deadline)
    try:
        ctx.log(f"presence: {len(presence.evaluators)} evaluators, {len(presence.clients)} clients register")
        started = time.monotonic()
        presence.register(deadline)
        expected = clients
        while (presence.last is None or len(presence.last) < expected) and time.monotonic() < deadline:
            presence.read_for(0.2)
        settled = time.monotonic() - started
        presence.read_for(2 * INTERVAL_S)
        complete = presence.last is not None and len(presence.last) == expected
        per_evaluator = presence.update_bytes["evaluator"] / max(1, len(presence.evaluators))
        return {
            "rows": [{"clients": len(presence.clients), "evaluators": len(presence.evaluators),
                      "seconds": round(settled, 2),
                      "updates_per_evaluator": presence.updates["evaluator"] / max(1, len(presence.evaluators)),
                      "bytes_to_evaluators": presence.update_bytes["evaluator"],
                      "bytes_to_clients": presence.update_bytes["client"],
                      "bytes_per_s_per_evaluator": round(per_evaluator / max(settled, INTERVAL_S)),
                      "origin_bytes_computed": _origin_bytes(len(presence.evaluators), len(presence.clients)),
                      "final_list_complete": complete}],
            "complete": complete,
        }
    finally:
        presence.close()


def run(ctx) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or (soft < 4096 and hard == resource.RLIM_INFINITY):
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
    sockets = QUICK_SOCKETS if ctx.quick else SOCKETS
    requests = QUICK_REQUESTS if ctx.quick else REQUESTS
    idle = {"SOCKET_REGISTER_TIMEOUT": "0", "SOCKET_MAX_PER_ADDRESS": "0"}
    rows = []
    base_url = ctx.restart_service({**idle, "SOCKET_MAX_CONNECTIONS": None, "GUNICORN_CMD_ARGS": None})
    _health(base_url, 20, 5.0, time.monotonic() + 30)
    ctx.log(f"no sockets: {requests} + {requests} health requests")
    rows += _health_rows("no sockets", None, _health(base_url, requests, 5.0, time.monotonic() + PHASE_S))
    rows += _held_phase(ctx, f"{sockets} held (budget {sockets}, {sockets + 200} slots)",
                        {**idle, "SOCKET_MAX_CONNECTIONS": sockets,
                         "GUNICORN_CMD_ARGS": f"--worker-connections {sockets + 200}"},
                        sockets, requests, 5.0)
    if not ctx.quick:
        rows += _held_phase(ctx, f"{sockets} tried, defaults (budget 800, 1000 slots)",
                            {**idle, "SOCKET_MAX_CONNECTIONS": None, "GUNICORN_CMD_ARGS": None},
                            sockets, requests, 5.0)
        rows += _held_phase(ctx, f"{sockets} tried, no budget (origin), 1000 slots",
                            {**idle, "SOCKET_MAX_CONNECTIONS": "100000", "GUNICORN_CMD_ARGS": None},
                            sockets, 5, 1.0)
    presence = _presence(ctx, sockets)
    ctx.restart_service({"SOCKET_MAX_CONNECTIONS": None, "SOCKET_MAX_PER_ADDRESS": None,
                         "SOCKET_REGISTER_TIMEOUT": None, "PRESENCE_UPDATE_INTERVAL": None,
                         "GUNICORN_CMD_ARGS": None})
    held_p99 = [row["p99_ms"] for row in rows if row["case"].startswith(f"{sockets} held")]
    worst = max((value for value in held_p99 if value is not None), default=None)
    defaults_p99 = [row["p99_ms"] for row in rows if "defaults" in row["case"]]
    targets = [stats.target(f"health p99 with {sockets} idle sockets held (ms)", worst,
                            f"< {HEALTH_P99_MS:.0f}", stats.below(worst, HEALTH_P99_MS))]
    if defaults_p99:
        worst_default = max((v for v in defaults_p99 if v is not None), default=None)
        targets.append(stats.target(f"health p99, {sockets} tried with the defaults (ms)", worst_default,
                                    f"< {HEALTH_P99_MS:.0f}", stats.below(worst_default, HEALTH_P99_MS)))
    targets.append(stats.target("final clients_updated lists every client", presence["complete"],
                                "true", presence["complete"]))
    return {
        "tables": {"health latency (new connection per request)": rows,
                   "clients_updated bytes": presence["rows"]},
        "targets": targets,
        "notes": ["Health requests open a new TCP connection each: they need a free slot of the worker.",
                  "The origin's presence bytes are computed, not measured: each registration sent the "
                  "whole list to every open socket.",
                  f"{ctx.cpu_count} CPUs shared with other work: rerun if noisy."],
    }
