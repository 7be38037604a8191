/**
 * The yardstick for `npm run bench:realtime`: the least a WebSocket broadcast server can do with
 * `ws` on this machine. No auth, no storage, no validation. A socket joins the room named by
 * `?room=N`; a `message.send` frame is re-serialized once as `message.created` and sent to every
 * socket of the room (the sender's too, as our server does), and the sender gets an ack. It speaks
 * just enough of our protocol (`ready` first, the same frame types) for one load generator to
 * drive both servers. GET /ready answers 200 so the benchmark starts it like the real server.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<number, Set<WebSocket>>();
const server = http.createServer((_request, response) => response.end('ok'));
const wss = new WebSocketServer({ server, path: '/api/v1/ws', perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (socket, request) => {
  const room = Number(new URL(request.url ?? '/', 'http://localhost').searchParams.get('room') ?? 0);
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on('close', () => members.delete(socket));
  socket.on('error', () => socket.terminate());
  socket.on('message', (data) => {
    const frame = JSON.parse((data as Buffer).toString('utf8')) as { type?: string; chatId?: number; text?: string; clientId?: string };
    if (frame.type === 'ping') return socket.send('{"type":"pong"}');
    if (frame.type !== 'message.send') return;
    const out = JSON.stringify({ type: 'message.created', chatId: frame.chatId, message: { chatId: frame.chatId, text: frame.text, clientId: frame.clientId } });
    for (const member of members) member.send(out);
    socket.send(JSON.stringify({ type: 'message.ack', clientId: frame.clientId, chatId: frame.chatId }));
  });
  socket.send('{"type":"ready"}');
});

server.listen(Number(process.env.PORT ?? 8001), process.env.HOST ?? '127.0.0.1');
// Nothing to save: a stop signal ends it at once, with a clean exit code.
process.on('SIGTERM', () => process.exit(0));
