"""Live-session segments transcribed by the built-in engine when STT_SEGMENTS is on."""

import base64

from facial_backend.stt.engines import FAKE_TEXT


def post(client, audio: bytes, index: int = 0):
    response = client.post("/api/session/segment", json={
        "sessionId": "sess_t", "evaluatorId": "evaluator1", "clientId": "client1",
        "imageIndex": index, "signedUrl": f"https://img/{index}",
        "audioBase64": base64.b64encode(audio).decode()})
    assert response.status_code == 200, response.json
    return response.json["segmentId"]


def listing(client, token):
    response = client.get("/api/session/segments", headers={"Authorization": f"Bearer {token}"})
    return {entry["id"]: entry for entry in response.json["segments"]}




def test_segments_are_not_transcribed_by_default(client, app, demo_users, m4a_audio, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    segment_id = post(client, m4a_audio[0])
    assert run_stt_jobs() == []
    entry = listing(client, demo_users["evaluator1"])[segment_id]
    assert entry["transcriptStatus"] is None and entry["transcript"] is None


def test_segment_transcript_is_listed(client, app, demo_users, m4a_audio, run_stt_jobs):
    app.config.update(STT_ENGINE="fake", STT_SEGMENTS=True)
    segment_id = post(client, m4a_audio[0])
    assert listing(client, demo_users["evaluator1"])[segment_id]["transcriptStatus"] == "queued"
    post(client, m4a_audio[1])  # a retry with new audio: the older job must not win
    assert run_stt_jobs() == ["done", "done"]
    entry = listing(client, demo_users["evaluator1"])[segment_id]
    assert entry["transcriptStatus"] == "done" and entry["transcript"] == FAKE_TEXT


def test_without_engine_segments_are_marked_skipped(client, app, demo_users, m4a_audio):
    app.config.update(STT_ENGINE="none", STT_SEGMENTS=True)
    segment_id = post(client, m4a_audio[0])
    entry = listing(client, demo_users["evaluator1"])[segment_id]
    assert entry["transcriptStatus"] == "skipped" and entry["transcript"] is None
