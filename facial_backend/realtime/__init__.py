"""Real-time: Socket.IO handlers, live events, the WebSocket route and the fenced fast path.

``init_app`` binds Socket.IO (gevent; the Redis queue ``socket_queue``, on this deployment's
channel, when ``REDIS_URL`` is set, while signals and images take ``user_relay``) and the raw
WebSocket route to the app, registers the live-session and live-event handlers, admits sockets
within their budgets (``socket_admission``), and engages the fast path only where ``fast_path``
allows it (SOCKET_FAST_PATH, verified library versions).
"""

from __future__ import annotations

from flask import Flask

from facial_backend.extensions import sock, socketio
from facial_backend.realtime import fast_path, live_socket, redis_channels, session_events, socket_admission
from facial_backend.realtime.serial_socket import with_serial_sockets
from facial_backend.realtime.upgrade_requests import refuse_broken_upgrades


def init_app(app: Flask) -> None:
    origins = list(app.config["CORS_ORIGINS"])
    fast = fast_path.wanted(app)
    # The manager is passed explicitly: Flask-SocketIO keeps the options of an earlier
    # init_app, so an app without Redis would otherwise inherit a previous app's queue.
    redis_url = app.config["REDIS_URL"]
    manager = fast_path.queue_manager(fast, redis_url, redis_channels.socketio_channel(app.config)) \
        if redis_url else None
    socketio.init_app(
        app,
        async_mode="gevent",
        client_manager=manager,
        cors_allowed_origins="*" if origins == ["*"] else origins,
        max_http_buffer_size=app.config["SOCKET_MAX_PAYLOAD"],
        ping_interval=25,
        ping_timeout=60,
        async_handlers=False,  # one socket's events are handled, and relayed, in the order sent
        **fast_path.server_options(fast),
    )
    sock.init_app(app)
    socket_admission.install(app)
    live_socket.register(app, fast_path.install(app, socketio.server) if fast else None)
    session_events.register(app)
    app.wsgi_app = with_serial_sockets(app.wsgi_app, skip_prefix=fast_path.TRANSPORT_PATH if fast else None)
    app.wsgi_app = refuse_broken_upgrades(app.wsgi_app)
    app.extensions["socket_fast_path"] = fast
