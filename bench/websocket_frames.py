"""WebSocket frames as a bench client on a plain socket reads them: what a server sends
(unmasked), parsed as it arrives."""

from __future__ import annotations

import struct


class Frames:
    """The frames a server sends on one socket (unmasked), parsed from what has arrived."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= 2:
            opcode, length, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    break
                length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif length == 127:
                if len(self.buffer) < 10:
                    break
                length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < start + length:
                break
            frames.append((opcode, self.buffer[start:start + length]))
            self.buffer = self.buffer[start + length:]
        return frames
