import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An answer can leave before its request body has all arrived: a 413 for a body over the limit,
 * a 401 or 415 decided from the headers. Closing the connection at once then resets it while the
 * client is still sending, and many clients (Node's fetch among them) report the reset (EPIPE)
 * instead of the answer. So the rest of the body is read and thrown away, up to these bounds,
 * and the connection is cut only past them; a body that does arrive in full leaves the
 * connection as usable as any other.
 */
export const DISCARD_LIMIT = { bytes: 4 * 1024 * 1024, ms: 5000 } as const;

/** For onSend: when the request body is still arriving, the connection stays open while the rest is discarded within bounds. */
export function discardUnreadBody(request: FastifyRequest, reply: FastifyReply): void {
  if (request.raw.complete) return;
  // `Connection: close` would make Node close the socket as soon as the answer is written.
  reply.removeHeader('connection');
  // Started before the answer goes out: once it has, Node would discard the body itself, unbounded
  // and out of sight.
  discardRest(request.raw);
}

function discardRest(body: IncomingMessage): void {
  const cut = () => body.socket.destroy();
  const deadline = setTimeout(cut, DISCARD_LIMIT.ms).unref();
  let discarded = 0;
  body.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT.bytes) cut();
  });
  body.once('close', () => clearTimeout(deadline));
  body.resume();
}
