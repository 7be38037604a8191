import { expect } from 'vitest';
import WebSocket from 'ws';
import { sleep, waitUntil } from '../helpers/wait.js';
import type { MailCatcher } from '../helpers/mail-catcher.js';
import type { TestServer } from '../helpers/server.js';

/** A form body (`application/x-www-form-urlencoded`), as `requests.post(url, data)` sends it. */
export const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return { body: params.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};

/** A call to a dialect's path, with a JSON body when `json` is given; answers status and parsed JSON. */
export async function call(
  server: TestServer,
  path: string,
  init: RequestInit & { json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await server.request(path, init);
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '', `${path} answers JSON: ${text}`).toMatch(/^application\/json/);
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** The claims of a JWT, decoded as a client does it. */
export const claimsOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

/** A socket of a dialect (any path), recording every JSON frame and its close. */
export class DialectSocket {
  readonly frames: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8'))));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** Opens the socket; resolves once it is open, or once the server closed it. */
  static async open(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<DialectSocket> {
    const socket = new DialectSocket(new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { headers }));
    await Promise.race([new Promise((resolve) => socket.ws.once('open', resolve)), socket.closed]);
    // The server registers the socket just after the upgrade: give it a moment before sending.
    await sleep(50);
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async next(predicate: (frame: any) => boolean, what: string): Promise<any> {
    let found: any;
    await waitUntil(() => (found = this.frames.find(predicate)) !== undefined, `${what}; got ${JSON.stringify(this.frames)}`);
    return found;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closed;
  }
}

/** Signs in through 000 as its clients do: a code is asked for, read from the mail, and sent with the password. */
export async function logIn000(server: TestServer, mail: MailCatcher, user: { username: string; email: string; password: string }) {
  const after = mail.messages.length;
  const sent = await call(server, '/compat/000/twofa/send-code/', { method: 'POST', json: { username: user.username, email: user.email } });
  expect(sent.status).toBe(200);
  const code = /^\s*(\d{6})\s*$/m.exec((await mail.waitForMail(user.email, { after, subject: /code/i })).text)?.[1];
  const res = await call(server, '/compat/000/auth/login/', { method: 'POST', json: { username: user.username, code, password: user.password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string, token: res.body.token_auth as string };
}
