"""A Socket.IO connection refused for its token tells the client why: ``connect_error`` carries
``{code, message}`` as its data (python-socketio hides a plain ConnectionRefusedError)."""

from __future__ import annotations

import pytest
import socketio as socketio_client_lib


@pytest.mark.live
@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_a_bad_token_is_refused_with_its_code(live_server_factory, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path})
    refused: list = []
    client = socketio_client_lib.Client(reconnection=False)
    client.on("connect_error", refused.append)
    with pytest.raises(socketio_client_lib.exceptions.ConnectionError):
        client.connect(server.base_url, transports=["websocket"], auth={"token": "not-a-token"},
                       wait_timeout=10)
    client.disconnect()
    assert len(refused) == 1
    assert refused[0]["data"]["code"] == "invalid_token"
    assert refused[0]["message"] == refused[0]["data"]["message"] != "Connection rejected by server"
