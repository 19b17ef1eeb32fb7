"""The upload "ceiling": a bare Flask app that receives bodies and throws them away.

Served by the same command as the service (``gunicorn -k gevent -w 1``) so that the
service's upload throughput can be compared with what Flask + Werkzeug + gevent can do
at best on this machine. No extensions, no storage, no database.

- ``POST /sink``: reads ``request.stream`` in 64 KiB pieces and discards it.
- ``POST /sink-multipart``: parses the multipart form (``request.files``) and reads the
  file part to the end in 64 KiB pieces.
- ``GET /livez``: 200 when up.
"""

from flask import Flask, jsonify, request

PIECE = 64 * 1024

app = Flask(__name__)


def _drain(stream) -> int:
    total = 0
    while True:
        piece = stream.read(PIECE)
        if not piece:
            return total
        total += len(piece)


@app.get("/livez")
def livez():
    return jsonify(status="ok")


@app.post("/sink")
def sink():
    return jsonify(bytes=_drain(request.stream))


@app.post("/sink-multipart")
def sink_multipart():
    total = 0
    for storage in request.files.values():
        total += _drain(storage.stream)
    return jsonify(bytes=total, fields=len(request.form))
