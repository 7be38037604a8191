import WebSocket from 'ws';
import type { TestServer } from './server.js';
import { waitUntil } from './wait.js';

export type Frame = Record<string, unknown> & { type: string };

/** A real WebSocket client that records every frame it receives. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
    ws.on('error', () => {});
  }

  /** Opens a socket; resolves once the server said `ready`, or once it closed the socket. */
  static async open(server: TestServer, options: { token?: string; headers?: Record<string, string>; query?: string } = {}): Promise<TestSocket> {
    const url = `${server.url.replace(/^http/, 'ws')}/api/v1/ws${options.query ? `?${options.query}` : ''}`;
    const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    const socket = new TestSocket(new WebSocket(url, { headers }));
    await waitUntil(() => socket.closeInfo !== undefined || socket.frames.some((f) => f.type === 'ready'), 'the socket to be ready or closed');
    return socket;
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (from index `from`) matching, waiting for it to arrive. */
  async next(predicate: (frame: Frame) => boolean, what = 'a frame', timeoutMs = 5000, from = 0): Promise<Frame> {
    let found: Frame | undefined;
    await waitUntil(() => (found = this.frames.slice(from).find(predicate)) !== undefined, `${what}; got ${JSON.stringify(this.frames.map((f) => f.type))}`, timeoutMs);
    return found!;
  }

  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closed;
  }
}
