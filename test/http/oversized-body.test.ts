import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerUser } from '../helpers/accounts.js';
import { multipart } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// What the server reads and throws away after answering early (see src/http/unread-body.ts).
const DISCARD_BYTES = 4 * 1024 * 1024;
const DISCARD_MS = 5000;

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ env: { BODY_LIMIT_BYTES: '2048', MAX_UPLOAD_BYTES: '1000' } });
  token = (await login(server, await registerUser(server))).accessToken;
});
afterAll(() => server?.close());

/** A request body that arrives in pieces, as from a file or a generator: no Content-Length, so the server finds the size out while reading. */
function streamed(body: Buffer, chunkBytes: number, pauseMs: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent >= body.length) return controller.close();
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      controller.enqueue(body.subarray(sent, sent + chunkBytes));
      sent += chunkBytes;
    },
  });
}

async function post(path: string, headers: Record<string, string>, body: ReadableStream<Uint8Array>) {
  // Node's fetch (undici), as a script or another service would call us.
  const res = await fetch(server.url + path, { method: 'POST', headers, body, duplex: 'half' });
  return { status: res.status, type: res.headers.get('content-type'), problem: (await res.json()) as { code: string } };
}

interface RawExchange {
  response: string;
  sent: number;
  closedAfterMs: number;
}

/**
 * Sends a request head declaring `declaredBytes`, then body bytes as fast as the server takes them
 * (or only `sendBytes` of them), and records what came back until the server closed the connection.
 */
function rawPost(path: string, headers: Record<string, string>, declaredBytes: number, sendBytes = declaredBytes): Promise<RawExchange> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let response = '';
    let sent = 0;
    let closed = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!closed && sent < sendBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, sendBytes - sent));
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    socket.on('error', () => {}); // a reset is one way of closing
    socket.on('close', () => {
      closed = true;
      resolve({ response, sent, closedAfterMs: Date.now() - started });
    });
    socket.setTimeout(30_000, () => reject(new Error(`connection still open after 30 s; got ${response.slice(0, 200)}`)));
    const head = Object.entries({ host: 'localhost', 'content-length': String(declaredBytes), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n`);
    pump();
  });
}

describe('a body over the limit', () => {
  it('gets the 413 problem in a fetch client that is still sending it (JSON)', async () => {
    // About 2 MB, streamed fast: the answer comes while most of the body is still on its way.
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await post('/api/v1/auth/login', { 'content-type': 'application/json' }, streamed(Buffer.alloc(2_000_000, 0x20), 256 * 1024, 1));
      expect(answer).toMatchObject({ status: 413, type: expect.stringMatching(/^application\/problem\+json/) as unknown, problem: { code: 'payload_too_large' } });
    }
  });

  it('gets the 413 problem in a fetch client that is still sending it (upload)', async () => {
    const { body, contentType } = multipart([{ name: 'file', filename: 'big.bin', data: Buffer.alloc(2_000_000) }]);
    for (const [chunkBytes, pauseMs] of [
      [256 * 1024, 1],
      [64 * 1024, 50], // a slow link: the rest takes longer than a second
    ]) {
      const answer = await post('/api/v1/uploads', { 'content-type': contentType, ...bearer(token) }, streamed(body, chunkBytes!, pauseMs!));
      expect(answer).toMatchObject({ status: 413, problem: { code: 'payload_too_large' } });
    }
  });

  it.each([
    ['JSON', '/api/v1/auth/login', () => ({ 'content-type': 'application/json' })],
    ['an upload', '/api/v1/uploads', () => ({ 'content-type': 'multipart/form-data; boundary=x', ...bearer(token) })],
  ])('of %s is read no further than the discard bound: past it the connection is closed', async (_what, path, headers) => {
    const declared = 256 * 1024 * 1024;
    const exchange = await rawPost(path, headers(), declared);
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    // What the kernel buffers on both sides (a few MB each) comes on top of what the server reads.
    expect(exchange.sent).toBeLessThan(DISCARD_BYTES + 28 * 1024 * 1024);
  });

  it.each([
    ['JSON', '/api/v1/auth/login', () => ({ 'content-type': 'application/json' })],
    ['an upload', '/api/v1/uploads', () => ({ 'content-type': 'multipart/form-data; boundary=x', ...bearer(token) })],
  ])('of %s that stops arriving has its connection closed after the discard time', async (_what, path, headers) => {
    const exchange = await rawPost(path, headers(), 10 * 1024 * 1024, 1024);
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.closedAfterMs).toBeLessThan(DISCARD_MS + 2000);
  }, 15_000);
});
