/**
 * The Socket.IO 4 yardstick for `npm run bench:realtime`: what a common real-time library does on
 * this machine with its own rooms. No auth, no storage, no validation. WebSocket transport only
 * (no HTTP long-polling first), no compression, Socket.IO's default heartbeat (an engine.io text
 * ping every 25 s per socket, like ours). A socket joins the room named by `?room=N` in its
 * handshake; a `message.send` event becomes one `io.to(room).emit('message.created', …)`, which
 * Socket.IO encodes once and sends to every socket of the room (the sender's too, as our server
 * does), and the sender gets a `message.ack` event. The payloads carry the bare server's fields so
 * that one load generator drives all three servers. GET /ready answers 200 so the benchmark starts
 * it like the real server.
 */
import http from 'node:http';
import { Server } from 'socket.io';

interface SendEvent {
  chatId?: number;
  text?: string;
  clientId?: string;
}

// Requests Socket.IO does not take (those under /socket.io/) end up here.
const server = http.createServer((_request, response) => response.end('ok'));
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false, maxHttpBufferSize: 64 * 1024 });

io.on('connection', (socket) => {
  const room = String(Number(socket.handshake.query.room ?? 0));
  void socket.join(room);
  // For the benchmark's responsiveness probe, as the bare server answers `{"type":"ping"}`.
  socket.on('ping', () => socket.emit('pong'));
  socket.on('message.send', (frame: SendEvent) => {
    io.to(room).emit('message.created', { chatId: frame.chatId, message: { chatId: frame.chatId, text: frame.text, clientId: frame.clientId } });
    socket.emit('message.ack', { clientId: frame.clientId, chatId: frame.chatId });
  });
});

server.listen(Number(process.env.PORT ?? 8001), process.env.HOST ?? '127.0.0.1');
// Nothing to save: a stop signal ends it at once, with a clean exit code.
process.on('SIGTERM', () => process.exit(0));
