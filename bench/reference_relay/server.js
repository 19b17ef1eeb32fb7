'use strict';
// Reference signaling relay for the `signaling_relay` benchmark.
//
// Does what the proof of concept's relay does for WebRTC signaling (ORIGINS A.2), nothing more:
//   register {userId, role, package}  -> remember userId on the socket
//   webrtc_signal {targetUserId, signal} -> emit webrtc_signal {fromUserId, signal} to every
//                                           socket whose userId equals targetUserId
// Any other event (start_session, ...) is ignored.
//
// Usage: node server.js [port]   (or PORT=...; 0 picks a free port). Prints "listening <port>".

const http = require('http');
const { Server } = require('socket.io');

const portArg = process.argv[2] !== undefined ? process.argv[2] : process.env.PORT;
const port = portArg !== undefined ? Number(portArg) : 3001;
const host = process.env.HOST || '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end('{"error":"not found"}');
});

const io = new Server(httpServer, {
  cors: { origin: '*' },
  pingTimeout: 60000,
  pingInterval: 25000,
});

io.on('connection', (socket) => {
  socket.on('register', (data) => {
    if (!data || !data.userId || !data.role) return;
    socket.data.userId = String(data.userId);
    socket.data.role = data.role;
    socket.data.package = data.package;
  });

  socket.on('webrtc_signal', (data) => {
    const from = socket.data.userId;
    if (!from || !data || !data.targetUserId) return;
    const target = String(data.targetUserId);
    for (const other of io.of('/').sockets.values()) {
      if (other.data.userId === target) {
        other.emit('webrtc_signal', { fromUserId: from, signal: data.signal });
      }
    }
  });
});

httpServer.listen(port, host, () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
