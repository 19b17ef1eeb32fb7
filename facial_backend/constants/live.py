"""Constants of the evaluator/client apps shared by their schemas and services."""

# How a client reaches the service: Socket.IO, MQTT (HTTP presence) or WebRTC.
PACKAGES = ("socketio", "mqtt", "webrtc")
ROLES = ("evaluator", "client")
