"""A short path through python-socketio for one hot event (the signaling relay's
``webrtc_signal``), next to its general dispatch.

python-socketio builds packet objects for every message received and sent, walks them for
binary attachments and dispatches through several layers: a fifth of the relay's CPU time.

- Receiving: a text packet ``2["<event>",<payload>]`` (default namespace, no ack id) from a
  connected socket is parsed once and handed to the handler with the socket's sid. Everything
  else (other events, namespaces, acks, binary attachments, malformed JSON, a payload that is
  not exactly one argument) takes python-socketio's own path, errors included.
- Sending: an event goes as one engine.io message to each socket of the room in this process
  (the rooms of python-socketio's managers, Redis or not, hold this process's sockets), written
  at once by the sending greenlet when that socket has nothing queued
  (``socket_transport.send_now``), else through its queue and writer greenlet, so the order is
  kept. Other processes are ``user_relay``'s job, never the message queue's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import socketio
from engineio import packet as eio_packet

from facial_backend.realtime import socket_transport
from facial_backend.realtime.socket_codec import dumps

NAMESPACE = "/"


class FastEvents:
    """The short path of one python-socketio server: its engine.io ``message`` handler."""

    def __init__(self, server: socketio.Server):
        self._server = server
        self._routes: dict[str, Callable[[str, Any], Any]] = {}
        self._standard = server._handle_eio_message  # python-socketio's own dispatch
        server.eio.on("message", self._on_message)

    def route(self, event: str, handler: Callable[[str, Any], Any]) -> None:
        """Send ``event`` straight to ``handler(sid, payload)``; it is also registered the
        usual way, for the packets the short path leaves to python-socketio."""
        self._server.on(event, handler)
        self._routes[f'2["{event}",'] = handler

    def emit(self, event: str, payload: Any, room: str) -> None:
        """``event`` to the sockets of ``room`` in this process only (never through a message
        queue: ``user_relay`` decides what goes to other processes)."""
        try:
            message = eio_packet.Packet(eio_packet.MESSAGE, "2" + dumps([event, payload]))
        except TypeError:  # bytes in the payload: binary attachments
            self._server.emit(event, payload, to=room, ignore_queue=True)
            return
        server, encoded = self._server, message.encode()
        for _sid, eio_sid in server.manager.get_participants(NAMESPACE, room):
            if not socket_transport.send_now(eio_sid, encoded):
                server._send_eio_packet(eio_sid, message)  # as the client manager does

    def _on_message(self, eio_sid: str, data: Any) -> Any:
        if isinstance(data, str) and eio_sid not in self._server._binary_packet:
            handler = self._routes.get(data[:data.find(",") + 1])
            if handler is not None:
                manager = self._server.manager
                sid = manager.sid_from_eio_sid(eio_sid, NAMESPACE)
                if sid is not None and manager.is_connected(sid, NAMESPACE):
                    try:
                        args = orjson.loads(data[1:])
                    except orjson.JSONDecodeError:
                        args = None
                    if isinstance(args, list) and len(args) == 2:
                        return handler(sid, args[1])
        return self._standard(eio_sid, data)
