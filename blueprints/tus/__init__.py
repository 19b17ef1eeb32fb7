"""Resumable uploads over tus 1.0.0 at ``/files/``."""
