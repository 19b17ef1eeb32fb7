"""The live-session fixtures, for tests that run a live session through a deployment kit."""

from tests.live.conftest import demo_users, sockets  # noqa: F401  (fixtures)
