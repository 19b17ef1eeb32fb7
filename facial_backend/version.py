"""The service's version (``facial_backend.__version__``), importable without the package's app factory."""

__version__ = "1.0.0"
