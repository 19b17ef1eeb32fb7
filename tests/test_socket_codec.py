"""Socket.IO packets encoded with orjson (facial_backend/socket_codec.py): the same text as
python-socketio's own packets, and binary attachments still found."""

from __future__ import annotations

import pytest
from socketio import packet as sio_packet

from facial_backend.realtime import socket_codec
from facial_backend.realtime.socket_codec import SocketPacket, contains_binary


@pytest.mark.parametrize("kwargs", [
    {"packet_type": sio_packet.EVENT, "data": ["webrtc_signal", {"fromUserId": "a", "signal": {"sdp": "é"}}]},
    {"packet_type": sio_packet.EVENT, "data": ["x", 1, None, [True, 2.5]], "namespace": "/live"},
    {"packet_type": sio_packet.ACK, "data": [], "id": 17},
    {"packet_type": sio_packet.CONNECT, "data": {"sid": "abc"}},
    {"packet_type": sio_packet.DISCONNECT},
])
def test_text_packets_encode_as_python_socketio_does(kwargs):
    expected = sio_packet.Packet(**kwargs)
    expected.json = socket_codec  # the same JSON codec, python-socketio's own encoder
    assert SocketPacket(**kwargs).encode() == expected.encode()


def test_binary_data_becomes_attachments():
    packet = SocketPacket(sio_packet.EVENT, data=["webrtc_signal", {"blob": b"\x00\x01"}])

    encoded = packet.encode()
    assert packet.packet_type == sio_packet.BINARY_EVENT
    assert encoded[0] == '51-["webrtc_signal",{"blob":{"_placeholder":true,"num":0}}]'
    assert encoded[1:] == [b"\x00\x01"]


def test_data_changed_after_the_check_is_encoded_as_it_is_now():
    packet = SocketPacket(sio_packet.EVENT, data=["a"])
    packet.data = ["b"]
    assert packet.encode() == '2["b"]'


def test_contains_binary_looks_everywhere():
    assert contains_binary([1, {"a": [None, {"b": bytearray(b"x")}]}])
    assert not contains_binary([1, {"a": [None, {"b": "x"}]}, "s", 2.0])


def test_decoding_keeps_working():
    packet = SocketPacket(encoded_packet='2["webrtc_signal",{"n":1}]')
    assert (packet.packet_type, packet.data) == (sio_packet.EVENT, ["webrtc_signal", {"n": 1}])
