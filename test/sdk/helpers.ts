import { randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import WebSocket from 'ws';
import { deriveKey } from '../../src/adapters/secrets.js';
import { MessengerClient, type MessengerClientOptions, type RealtimeClient, type RealtimeOptions, type ServerFrame } from '../../sdk/src/index.js';
import type { TestServer } from '../helpers/server.js';

/** A fetch that records each request's method and path before sending it. */
export function countingFetch(inner: (input: Request) => Promise<Response> = (input) => fetch(input)) {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input: Request) => {
      requests.push(`${input.method} ${new URL(input.url).pathname}`);
      return inner(input);
    },
    count: (entry: string) => requests.filter((r) => r === entry).length,
  };
}

/** A fetch with a cookie jar, as a browser has (Node's fetch keeps no cookies). */
export function cookieJarFetch() {
  const jar = new Map<string, string>();
  return {
    jar,
    fetch: async (input: Request) => {
      const headers = new Headers(input.headers);
      if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(new Request(input, { headers }));
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
        const at = pair.indexOf('=');
        const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
        if (value === '' || attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()))) jar.delete(name);
        else jar.set(name, value);
      }
      return response;
    },
  };
}

/** An access token of this session that expired 20 minutes ago, signed with the server's key. */
export function expiredAccessToken(authSecret: string, userId: number, sessionId: number): string {
  const key = deriveKey(Buffer.from(authSecret), 'access-token');
  return createSigner({ key, algorithm: 'HS256', iss: 'messenger', header: { alg: 'HS256', typ: 'at+jwt' }, expiresIn: 900_000, clockTimestamp: Date.now() - 20 * 60_000 })({
    sub: String(userId),
    sid: sessionId,
    jti: randomUUID(),
  });
}

export function sdk(server: TestServer, options: Partial<MessengerClientOptions> = {}): MessengerClient {
  return new MessengerClient({ baseUrl: server.url, ...options });
}

/**
 * The network between the realtime client and the server, which a test can cut: `drop()` ends the
 * client's socket without a close frame (as a lost connection does) and, while `offline`, new
 * sockets fail to connect.
 */
export class Network {
  offline = false;
  readonly sockets: WebSocket[] = [];
  readonly urls: string[] = [];

  readonly WebSocket = (() => {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const network = this;
    return class NetworkWebSocket extends WebSocket {
      constructor(url: string) {
        // Port 1 on loopback refuses connections: the socket errors and closes with 1006.
        super(network.offline ? 'ws://127.0.0.1:1/api/v1/ws' : url);
        network.urls.push(url);
        network.sockets.push(this);
      }
    };
  })();

  /** Cuts the current connection and keeps new ones from connecting. */
  drop(): void {
    this.offline = true;
    for (const socket of this.sockets) if (socket.readyState === WebSocket.OPEN) socket.terminate();
  }

  restore(): void {
    this.offline = false;
  }
}

/** A realtime client that records every frame type and every event it hands to the app. */
export function recordingRealtime(client: MessengerClient, options: RealtimeOptions) {
  const realtime: RealtimeClient = client.realtime({ backoff: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  const events: Array<ServerFrame & { replayed: boolean }> = [];
  realtime.on('event', (event, meta) => events.push({ ...event, replayed: meta.replayed }));
  return { realtime, events };
}
