import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../../src/realtime/wire-frame.js';

// Connections write frames a protocol encoded itself straight to the TCP socket: a standard client must
// read them as the very text sent, at every length encoding (7-bit, 16-bit and 64-bit lengths).
const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];
const server = createServer();
const wss = new WebSocketServer({ noServer: true });
let url: string;
beforeAll(async () => {
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      for (const size of SIZES) socket.write(textFrame(Buffer.from('x'.repeat(size))));
      socket.write(textFrame(Buffer.from('{"text":"naïve café ☕"}')));
      ws.close(1000, 'done');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('text frames written to the wire', () => {
  it('arrive whole and in order at a standard client, as text, at every length', async () => {
    const client = new WebSocket(url);
    const received: Array<{ binary: boolean; text: string }> = [];
    client.on('message', (data, isBinary) => received.push({ binary: isBinary, text: (data as Buffer).toString('utf8') }));
    const closed = await new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
    expect(closed).toBe(1000);
    expect(received.map((r) => r.binary)).toEqual(Array(SIZES.length + 1).fill(false));
    expect(received.slice(0, SIZES.length).map((r) => r.text)).toEqual(SIZES.map((size) => 'x'.repeat(size)));
    expect(received.at(-1)!.text).toBe('{"text":"naïve café ☕"}');
  });

  it('encode the length as RFC 6455 says', () => {
    expect([...textFrame(Buffer.from('hi')).subarray(0, 2)]).toEqual([0x81, 2]);
    expect([...textFrame(Buffer.alloc(126)).subarray(0, 4)]).toEqual([0x81, 126, 0, 126]);
    expect([...textFrame(Buffer.alloc(65_536)).subarray(0, 10)]).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(textFrame(Buffer.alloc(65_536)).length).toBe(65_546);
  });
});
