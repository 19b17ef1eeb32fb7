"""The names of this deployment's Redis pub/sub channels.

Pub/sub channels are shared by every database of a Redis server, so each name starts with
REDIS_CHANNEL_PREFIX, by default ``facial-backend:<db>`` (the database number of REDIS_URL):
two deployments on one Redis, on different databases or with their own prefixes, see nothing
of each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

DEPLOYMENT = "facial-backend"


def prefix(config: Mapping[str, Any]) -> str:
    if config.get("REDIS_CHANNEL_PREFIX"):
        return config["REDIS_CHANNEL_PREFIX"]
    database = redis.ConnectionPool.from_url(config["REDIS_URL"]).connection_kwargs.get("db", 0)
    return f"{DEPLOYMENT}:{database}"


def socketio_channel(config: Mapping[str, Any]) -> str:
    """The channel of Socket.IO's Redis message queue."""
    return f"{prefix(config)}:socketio"


def events_channel(config: Mapping[str, Any]) -> str:
    """The channel of the live events' raw WebSocket fan-out."""
    return f"{prefix(config)}:session_events"


def relay_user_channel(config: Mapping[str, Any], user_id: str) -> str:
    """The channel of the events for one user's sockets (signals, images): only the processes
    hosting a socket of that user subscribe to it."""
    return f"{relay_user_prefix(config)}{user_id}"


def relay_user_prefix(config: Mapping[str, Any]) -> str:
    return f"{prefix(config)}:relay:user:"


def relay_process_channel(config: Mapping[str, Any], process_id: str) -> str:
    """One process's own relay channel: nothing is published on it; it keeps the process's relay
    subscription open while the process hosts no user. Also the name of that connection."""
    return f"{prefix(config)}:relay:process:{process_id}"
