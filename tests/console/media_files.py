"""Real media made with PyAV for the browser tests: a VP8 WebM video."""

from __future__ import annotations

import io

import av
import numpy as np


def make_webm(seconds: float = 3.0, fps: int = 25) -> bytes:
    """A small VP8 WebM whose frames change colour, ``seconds`` long."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(int(seconds * fps)):
            image = np.zeros((120, 160, 3), dtype=np.uint8)
            image[:, :, 0] = np.linspace(40, 255, 160, dtype=np.uint8)
            image[:, :, 2] = (index * 5) % 256
            image[40:80, (index * 2) % 120:(index * 2) % 120 + 40, 1] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
