"""The recording-session backend: one Flask service for four kinds of clients."""

__version__ = "1.0.0"

from facial_backend.factory import create_app  # noqa: E402

__all__ = ["create_app", "__version__"]
