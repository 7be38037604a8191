import { afterEach, describe, expect, it } from 'vitest';
import { MessengerClient, type RealtimeClient, type WebSocketLike } from '../../sdk/src/index.js';
import { waitUntil } from '../helpers/wait.js';

type Listener = (event: unknown) => void;

/** A socket the test plays the server of: it records what the client sends and closes on demand. */
class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = [];
  static onCreate: (socket: FakeSocket) => void = () => {};
  readyState = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
    setTimeout(() => FakeSocket.onCreate(this), 0);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000, reason = ''): void {
    this.serverClose(code, reason);
  }

  open(): void {
    this.readyState = 1;
    for (const listener of this.listeners.get('open') ?? []) listener({});
  }

  frame(value: unknown): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: JSON.stringify(value) });
  }

  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    for (const listener of this.listeners.get('close') ?? []) listener({ code, reason });
  }
}

const clients: RealtimeClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  FakeSocket.made = [];
  FakeSocket.onCreate = () => {};
});

function realtime(options: Parameters<MessengerClient['realtime']>[0] = {}) {
  const client = new MessengerClient({ baseUrl: 'https://chat.example.test' }).realtime({ WebSocket: FakeSocket, ...options });
  clients.push(client);
  return client;
}

describe('realtime reconnects (against a stand-in socket)', () => {
  it('backs off exponentially with jitter, up to the ceiling, and starts over after a ready', async () => {
    FakeSocket.onCreate = (socket) => socket.serverClose(1006);
    const client = realtime({ backoff: { initialDelayMs: 8, maxDelayMs: 64, factor: 2 } });
    const waits: number[] = [];
    client.on('disconnected', ({ retryInMs }) => waits.push(retryInMs!));
    void client.connect().catch(() => {});
    await waitUntil(() => waits.length >= 6, 'six reconnect attempts');
    const ceilings = [8, 16, 32, 64, 64, 64];
    waits.slice(0, 6).forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(wait).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect(FakeSocket.made[0]!.url).toBe('wss://chat.example.test/api/v1/ws');

    FakeSocket.onCreate = (socket) => {
      socket.open();
      socket.frame({ type: 'ready', userId: 1, heartbeatSeconds: 25, syncToken: '10' });
    };
    await waitUntil(() => client.status === 'live', 'a connection');
    FakeSocket.onCreate = (socket) => socket.serverClose(1006);
    waits.length = 0;
    FakeSocket.made.at(-1)!.serverClose(1001);
    await waitUntil(() => waits.length >= 1, 'the next attempt');
    expect(waits[0]).toBeLessThanOrEqual(8);
    // It resumes from the token ready gave.
    await waitUntil(() => FakeSocket.made.at(-1)!.url.includes('since=10'), 'a reconnect with since');
  });

  it('pings a quiet connection, and gives up on one that stays silent, then reconnects', async () => {
    FakeSocket.onCreate = (socket) => {
      socket.open();
      socket.frame({ type: 'ready', userId: 1, heartbeatSeconds: 25, syncToken: '5' });
    };
    const client = realtime({ heartbeatMs: 100, backoff: { initialDelayMs: 5, maxDelayMs: 5 } });
    await client.connect();
    const first = FakeSocket.made[0]!;
    await waitUntil(() => first.sent.some((f) => f.type === 'ping'), 'a ping', 2000);
    await waitUntil(() => FakeSocket.made.length >= 2, 'a new socket after the silence', 2000);
    expect(first.readyState).toBe(3);
    await waitUntil(() => client.status === 'live', 'the new connection');
  });

  it('drops a socket whose network went away at once, and sends what was in flight again, under the same clientId, on the next one', async () => {
    FakeSocket.onCreate = (socket) => {
      socket.open();
      socket.frame({ type: 'ready', userId: 1, heartbeatSeconds: 25, syncToken: '5' });
    };
    const client = realtime({ backoff: { initialDelayMs: 5, maxDelayMs: 5 } });
    await client.connect();
    const first = FakeSocket.made[0]!;
    const sent = client.send(3, 'in the tunnel');
    await waitUntil(() => first.sent.some((f) => f.type === 'message.send'), 'the send on the first socket');
    const statuses: string[] = [];
    client.on('status', (status) => statuses.push(status));
    client.dropConnection();
    // Given up at once, without waiting for heartbeats; the send is still waiting.
    expect(first.readyState).toBe(3);
    expect(statuses[0]).toBe('connecting');
    expect(client.queued).toBe(1);
    await waitUntil(() => FakeSocket.made.length >= 2 && client.status === 'live', 'the next connection');
    const second = FakeSocket.made[1]!;
    const resent = second.sent.filter((f) => f.type === 'message.send');
    expect(resent).toHaveLength(1);
    expect(resent[0]!.clientId).toBe(first.sent.find((f) => f.type === 'message.send')!.clientId);
    second.frame({ type: 'message.ack', clientId: resent[0]!.clientId, chatId: 3, id: 40, seq: 7 });
    await expect(sent).resolves.toMatchObject({ id: 40, seq: 7 });
  });

  it('stops for good when another socket replaced this one (4409)', async () => {
    FakeSocket.onCreate = (socket) => {
      socket.open();
      socket.frame({ type: 'ready', userId: 1, heartbeatSeconds: 25, syncToken: '5' });
    };
    const client = realtime();
    await client.connect();
    const pending = client.send(1, 'never acknowledged');
    FakeSocket.made[0]!.serverClose(4409, 'replaced');
    await expect(pending).rejects.toMatchObject({ code: 'replaced' });
    expect(client.status).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(FakeSocket.made).toHaveLength(1);
  });
});
