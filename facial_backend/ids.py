"""Unguessable identifiers, keeping each origin's prefix (``sess_``, ``note_``, ...)."""

import secrets
import uuid


def new_id(prefix: str = "") -> str:
    """``prefix`` + 24 random hex characters (96 bits)."""
    return f"{prefix}{secrets.token_hex(12)}"


def new_uuid() -> str:
    return str(uuid.uuid4())
