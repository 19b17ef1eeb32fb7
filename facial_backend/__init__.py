"""The recording-session backend: one Flask service for four kinds of clients."""

from facial_backend.factory import create_app
from facial_backend.version import __version__

__all__ = ["create_app", "__version__"]
