"""Socket.IO subscribers of a session through Flask-SocketIO's test client (no Redis)."""

from __future__ import annotations

from facial_backend.extensions import socketio
from tests.testbed.conftest import new_note


def events_of(client) -> list[tuple[str, dict]]:
    return [(item["name"], item["args"][0]) for item in client.get_received()]


def test_subscribe_then_every_event_in_order(client, socketio_client, sid):
    ack = socketio_client.emit("subscribe", {"session_id": sid}, callback=True)
    assert ack == {"ok": True, "session_id": sid}
    assert events_of(socketio_client) == [("connected", {
        "event": "connected", "session_id": sid, "data": {"message": f"Connected to session {sid}"}})]

    note = new_note(client, sid)
    updated = client.put(f"/api/sessions/{sid}/notes/{note['id']}", json={"content": "b"}).json
    appended = client.patch(f"/api/sessions/{sid}/notes/{note['id']}", json={"append_content": "c"}).json
    client.delete(f"/api/sessions/{sid}/notes/{note['id']}")
    task = client.post(f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "a"}).json
    done = client.put(f"/api/sessions/{sid}/stt/tasks/{task['id']}", json={"status": "done",
                                                                           "transcript": "hi"}).json
    other = client.post(f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "b"}).json
    client.put(f"/api/sessions/{sid}/stt/tasks/{other['id']}", json={"status": "failed"})
    ended = client.patch(f"/api/sessions/{sid}", json={"status": "ended"}).json
    client.patch(f"/api/sessions/{sid}", json={"status": "ended"})  # no second session.ended

    received = events_of(socketio_client)
    assert [name for name, _ in received] == [
        "note.created", "note.updated", "note.appended", "note.deleted", "stt.task.created",
        "stt.task.done", "stt.task.created", "error.occurred", "session.ended"]
    assert all(body["event"] == name and body["session_id"] == sid for name, body in received)
    datas = [body["data"] for _, body in received]
    assert datas[0] == note and datas[1] == updated and datas[2] == appended
    assert datas[3] == {"id": note["id"]} and datas[4] == task and datas[5] == done
    assert datas[7] == {"message": "STT transcription failed", "source": "stt", "task_id": other["id"]}
    assert datas[8] == ended


def test_unknown_session_unsubscribe_and_other_sessions(app, client, socketio_client, sid):
    ack = socketio_client.emit("subscribe", "sess_none", callback=True)
    assert ack["ok"] is False and ack["event"] == "session.not_found"
    assert events_of(socketio_client)[0][0] == "session.not_found"
    assert socketio_client.emit("subscribe", {}, callback=True)["ok"] is False

    other = client.post("/api/sessions", json={"name": "other"}).json["id"]
    socketio_client.emit("subscribe", sid, callback=True)
    socketio_client.get_received()
    new_note(client, other)  # another session's event is not delivered
    assert events_of(socketio_client) == []
    socketio_client.emit("unsubscribe", {"session_id": sid}, callback=True)
    new_note(client, sid)
    assert events_of(socketio_client) == []


def test_subscribe_needs_a_token_when_auth_is_required(app, client, make_user, sid):
    app.config["AUTH_REQUIRED"] = True
    _, token = make_user("eng", "operator")
    anonymous = socketio.test_client(app, flask_test_client=client)
    try:
        ack = anonymous.emit("subscribe", {"session_id": sid}, callback=True)
        assert ack == {"ok": False, "event": "unauthorized", "error": "Not authenticated"}
        bad = anonymous.emit("subscribe", {"session_id": sid, "token": "x"}, callback=True)
        assert bad["ok"] is False and bad["error"] == "Could not validate credentials"
        assert anonymous.emit("subscribe", {"session_id": sid, "token": token}, callback=True)["ok"]
    finally:
        anonymous.disconnect()
    with_query = socketio.test_client(app, flask_test_client=client, query_string=f"token={token}")
    try:
        assert with_query.emit("subscribe", sid, callback=True)["ok"]
    finally:
        with_query.disconnect()
