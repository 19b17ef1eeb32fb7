"""Fixtures of the tus tests: the recordings tests' users (alice, bob, an admin)."""

from tests.recordings.conftest import admin, alice, bob  # noqa: F401  (fixtures)
