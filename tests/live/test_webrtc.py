"""WebRTC for real: two aiortc peers (no STUN, loopback) signal through the service exactly as
the apps do: the evaluator starts the session, offers with data channel
``image-sync`` and trickles ICE; the client answers; images and acks go over the channel and
the client posts a segment with real m4a audio for every image change."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest
import requests
import socketio as socketio_lib
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from tests.live.conftest import WAIT_S

pytestmark = pytest.mark.live
IMAGES = 4


class SignalingPeer:
    """A python-socketio client (its own thread) whose events land in an asyncio queue."""

    def __init__(self, base_url: str, user_id: str, role: str, loop: asyncio.AbstractEventLoop):
        self.user_id, self.role, self.loop = user_id, role, loop
        self.events: asyncio.Queue = asyncio.Queue()
        self.sio = socketio_lib.Client(reconnection=False)
        for name in ("registered", "session_started", "session_ended", "webrtc_signal", "error"):
            self.sio.on(name, self._forward(name))
        self.sio.connect(base_url, transports=["websocket"], wait_timeout=WAIT_S)
        self.sio.emit("register", {"userId": user_id, "role": role, "package": "webrtc"})

    def _forward(self, name):
        return lambda data=None: self.loop.call_soon_threadsafe(self.events.put_nowait, (name, data))

    async def next(self, *names: str):
        while True:
            name, data = await asyncio.wait_for(self.events.get(), WAIT_S)
            assert name != "error", data
            if name in names:
                return name, data

    def signal(self, target: str, signal: dict) -> None:
        self.sio.emit("webrtc_signal", {"targetUserId": target, "signal": signal})

    def send_description(self, target: str, pc: RTCPeerConnection) -> None:
        """The description without its candidates, then each candidate as its own signal."""
        lines = pc.localDescription.sdp.splitlines()
        self.signal(target, {"type": pc.localDescription.type, "sdp": "\r\n".join(
            line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates"))) + "\r\n"})
        for line in lines:
            if line.startswith("a=candidate:"):
                self.signal(target, {"candidate": line[2:], "sdpMid": "0", "sdpMLineIndex": 0})


async def add_candidate(pc: RTCPeerConnection, signal: dict) -> None:
    candidate = candidate_from_sdp(signal["candidate"].removeprefix("candidate:"))
    candidate.sdpMid, candidate.sdpMLineIndex = signal["sdpMid"], signal["sdpMLineIndex"]
    await pc.addIceCandidate(candidate)


async def evaluator_side(peer: SignalingPeer, images: list[dict]) -> list[dict]:
    peer.sio.emit("start_session", {"clientId": "client1"})
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    channel = pc.createDataChannel("image-sync", ordered=True)
    inbox: asyncio.Queue = asyncio.Queue()
    channel.on("message", lambda text: inbox.put_nowait(json.loads(text)))
    await pc.setLocalDescription(await pc.createOffer())
    peer.send_description("client1", pc)
    while pc.remoteDescription is None or channel.readyState != "open":
        name, data = await peer.next("webrtc_signal", "session_started")
        if name == "webrtc_signal" and data["signal"].get("type") == "answer":
            await pc.setRemoteDescription(RTCSessionDescription(**data["signal"]))
        elif name == "webrtc_signal" and data["signal"].get("candidate"):
            await add_candidate(pc, data["signal"])
        if pc.remoteDescription is not None and channel.readyState != "open":
            await asyncio.wait_for(_opened(channel), WAIT_S)
    assert await asyncio.wait_for(inbox.get(), WAIT_S) == {"type": "ready"}
    acks = []
    for image in images:
        channel.send(json.dumps({**image, "sentAt": time.time() * 1000}))
        acks.append(await asyncio.wait_for(inbox.get(), WAIT_S))
    peer.sio.emit("end_session")
    await peer.next("session_ended")
    await pc.close()
    return acks


async def _opened(channel) -> None:
    opened = asyncio.Event()
    channel.on("open", opened.set)
    if channel.readyState != "open":
        await opened.wait()


async def client_side(peer: SignalingPeer, base_url: str, audio: list[bytes]) -> list[str]:
    """The RN client: buffer ICE until the offer, answer, ack images, post segments."""
    pc, pending, session, segments = None, [], {}, []
    current = None
    done = asyncio.Event()

    def on_channel(channel) -> None:
        def on_message(text: str) -> None:
            nonlocal current
            message = json.loads(text)
            channel.send(json.dumps({"type": "ack", "sentAt": message["sentAt"],
                                     "receivedAt": time.time() * 1000}))
            if current is not None and current["imageIndex"] != message["imageIndex"]:
                segments.append(asyncio.ensure_future(post(current)))
            current = message
        channel.on("message", on_message)
        channel.send(json.dumps({"type": "ready"}))

    async def post(image: dict) -> str:
        body = {"sessionId": session["sessionId"], "evaluatorId": session["evaluatorId"],
                "clientId": "client1", "imageIndex": image["imageIndex"],
                "signedUrl": image["signedUrl"],
                "audioBase64": base64.b64encode(audio[image["imageIndex"]]).decode()}
        response = await asyncio.to_thread(requests.post, f"{base_url}/api/session/segment",
                                           json=body, timeout=WAIT_S)
        assert response.status_code == 200, response.text
        return response.json()["segmentId"]

    while not done.is_set():
        name, data = await peer.next("session_started", "webrtc_signal", "session_ended")
        if name == "session_started":
            session = data
        elif name == "session_ended":
            segments.append(asyncio.ensure_future(post(current)))
            done.set()
        elif data["signal"].get("type") == "offer":
            pending.clear()
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            pc.on("datachannel", on_channel)
            await pc.setRemoteDescription(RTCSessionDescription(**data["signal"]))
            await pc.setLocalDescription(await pc.createAnswer())
            peer.send_description(data["fromUserId"], pc)
            for signal in pending:
                await add_candidate(pc, signal)
        elif data["signal"].get("candidate"):
            if pc is not None and pc.remoteDescription is not None:
                await add_candidate(pc, data["signal"])
            else:
                pending.append(data["signal"])
    ids = await asyncio.gather(*segments)
    await pc.close()
    return ids


def test_aiortc_peers_through_our_signaling(live_server, demo_users, m4a_audio):
    base = live_server.base_url
    images = [{"imageIndex": i, "imageUrl": f"https://picsum.photos/seed/img{i + 1}/800/600",
               "signedUrl": f"https://bucket/img{i}?sig=1"} for i in range(IMAGES)]

    async def scenario():
        loop = asyncio.get_running_loop()
        client = await asyncio.to_thread(SignalingPeer, base, "client1", "client", loop)
        await client.next("registered")
        evaluator = await asyncio.to_thread(SignalingPeer, base, "evaluator1", "evaluator", loop)
        await evaluator.next("registered")
        try:
            return await asyncio.wait_for(asyncio.gather(
                evaluator_side(evaluator, images), client_side(client, base, m4a_audio)), 60)
        finally:
            for peer in (client, evaluator):
                await asyncio.to_thread(peer.sio.disconnect)

    acks, segment_ids = asyncio.run(scenario())
    assert [a["type"] for a in acks] == ["ack"] * IMAGES
    assert all(isinstance(a["sentAt"], float) and a["receivedAt"] >= a["sentAt"] - 1 for a in acks)
    token = demo_users["evaluator1"]
    listing = requests.get(f"{base}/api/session/segments", headers={"Authorization": f"Bearer {token}"},
                           timeout=WAIT_S).json()["segments"]
    assert sorted(s["imageIndex"] for s in listing) == list(range(IMAGES))
    assert {s["signedUrl"] for s in listing} == {image["signedUrl"] for image in images}
    for segment_id in segment_ids:
        entry = next(s for s in listing if s["id"] == segment_id)
        audio = requests.get(f"{base}/api/session/segments/{segment_id}/audio",
                             headers={"Authorization": f"Bearer {token}"}, timeout=WAIT_S).content
        assert audio == m4a_audio[entry["imageIndex"]]
