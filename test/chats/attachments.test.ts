import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { call, group, person, type MessageJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

async function upload(who: Person, filename: string, data: Buffer): Promise<{ id: number; url: string }> {
  const form = new FormData();
  form.append('file', new Blob([data]), filename);
  const res = await server.request('/api/v1/uploads', { method: 'POST', headers: bearer(who.token), body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; url: string };
}

const photo = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer();
const pathOf = (url: string) => url.split('?')[0]!;

describe('messages with attachments', () => {
  it('attaches my uploads once; members can fetch them, outsiders cannot', async () => {
    const [a, b, outsider] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, a, [b]);
    const live = await TestSocket.open(server, { token: b.token });
    try {
      const file = await upload(a, 'beach.png', await photo());
      const sent = await call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { attachmentIds: [file.id] });
      expect(sent.status).toBe(201);
      expect(sent.body.text).toBeNull();
      expect(sent.body.attachments).toEqual([expect.objectContaining({ id: file.id, name: 'beach.png', contentType: 'image/png', width: 64, height: 48 })]);

      const frame = await live.next((f) => f.type === 'message.created', 'message.created');
      const url = (frame.message as MessageJson).attachments[0]!.url;
      const signed = await server.request(url);
      expect(signed.status).toBe(200);
      expect(signed.headers.get('content-type')).toBe('image/png');

      // With credentials instead of a signature: members yes, outsiders no (404, nothing leaked).
      expect((await server.request(pathOf(url), { headers: bearer(b.token) })).status).toBe(200);
      expect((await server.request(pathOf(url), { headers: bearer(outsider.token) })).status).toBe(404);

      // An upload goes to one message only, and only its uploader may attach it.
      const again = await call<{ code: string }>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'again', attachmentIds: [file.id] });
      expect(again.body.code).toBe('attachment_unavailable');
      const mine = await upload(a, 'mine.png', await photo());
      const stolen = await call<{ code: string }>(server, b, 'POST', `/chats/${chat.id}/messages`, { text: 'mine now', attachmentIds: [mine.id] });
      expect(stolen.status).toBe(400);
      expect(stolen.body.code).toBe('attachment_unavailable');
      expect((await server.request(pathOf(mine.url), { headers: bearer(b.token) })).status).toBe(404);

      // Deleting the message takes the attachment out of the chat.
      await call(server, a, 'DELETE', `/chats/${chat.id}/messages/${sent.body.id}`);
      expect((await server.request(pathOf(url), { headers: bearer(b.token) })).status).toBe(404);
      const history = await call<{ items: MessageJson[] }>(server, b, 'GET', `/chats/${chat.id}/messages`);
      expect(history.body.items.find((m) => m.id === sent.body.id)?.attachments).toEqual([]);
    } finally {
      await live.close();
    }
  });

  it('answers a retried photo send with the first message, and a refused one leaves no gap in seq', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await group(server, a, [b]);
    const file = await upload(a, 'retry.png', await photo());
    const burst = await Promise.all(
      [1, 2, 3].map(() => call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'photo', attachmentIds: [file.id], clientId: 'p-1' })),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
    for (const sent of burst) expect(sent.body.attachments.map((f) => f.id)).toEqual([file.id]);

    const refused = await call<{ code: string }>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'taken', attachmentIds: [file.id], clientId: 'p-2' });
    expect(refused.body.code).toBe('attachment_unavailable');
    const next = await call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'next', clientId: 'p-2' });
    expect(next.status).toBe(201);
    const history = await call<{ items: MessageJson[] }>(server, b, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items.map((m) => [m.seq, m.text])).toEqual([
      [2, 'next'],
      [1, 'photo'],
    ]);
  });
});
