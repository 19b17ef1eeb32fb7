"""Real-time: Socket.IO handlers, live events, the WebSocket route and the fenced fast transport.

``init_app`` binds Socket.IO (gevent; the Redis queue when ``REDIS_URL`` is set) and the raw
WebSocket route to the app, and registers the live-session and live-event handlers.
"""

from __future__ import annotations

from flask import Flask
from socketio import RedisManager

from facial_backend.extensions import sock, socketio
from facial_backend.realtime import live_socket, session_events, socket_codec, socket_transport
from facial_backend.realtime.websocket_compression import without_websocket_compression

SOCKETIO_CHANNEL = "facial-backend-socketio"


def init_app(app: Flask) -> None:
    origins = list(app.config["CORS_ORIGINS"])
    # The manager is passed explicitly: Flask-SocketIO keeps the options of an earlier
    # init_app, so an app without Redis would otherwise inherit a previous app's queue.
    redis_url = app.config["REDIS_URL"]
    socketio.init_app(
        app,
        async_mode="gevent",
        client_manager=RedisManager(redis_url, channel=SOCKETIO_CHANNEL) if redis_url else None,
        cors_allowed_origins="*" if origins == ["*"] else origins,
        max_http_buffer_size=app.config["SOCKET_MAX_PAYLOAD"],
        ping_interval=25,
        ping_timeout=60,
        async_handlers=False,  # one socket's events are handled, and relayed, in the order sent
        json=socket_codec,
        serializer=socket_codec.SocketPacket,
    )
    socket_transport.use_for(socketio.server.eio)
    sock.init_app(app)
    app.register_blueprint(live_socket.bp)
    app.register_blueprint(session_events.bp)
    app.wsgi_app = without_websocket_compression(app.wsgi_app)
