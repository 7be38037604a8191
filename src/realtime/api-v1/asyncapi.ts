import type { TSchema } from 'typebox';
import { ClientFrames } from './client-frames.js';
import { FrameComponents, ServerFrames, SyncToken } from './frame-schemas.js';

const CLIENT_FRAME_DESCRIPTIONS: Record<keyof typeof ClientFrames, string> = {
  'message.send': 'Send a message (the fields of `POST /api/v1/chats/{id}/messages`, plus `chatId`); answered by `message.ack` or `error` with the same `clientId`.',
  typing: 'I am typing in this chat (at most one is forwarded every 2 s per chat from a socket).',
  read: 'Move my read marker forward to `seq` (never back).',
  ping: 'Answered by `pong`.',
};

/**
 * The AsyncAPI 3 document of `/api/v1/ws`, built from the same schemas as the frames
 * (frame-schemas.ts, client-frames.ts): what a client developer, or a code generator, needs to
 * speak the protocol. docs/REALTIME.md tells the same with its reasons.
 */
export function asyncApiDocument(options: { version: string; host: string; secure: boolean }): Record<string, unknown> {
  const names = new Map<object, string>(Object.entries(FrameComponents).map(([name, schema]) => [schema, name]));
  const schema = (value: TSchema) => withRefs(value, names);
  type Described = TSchema & { examples?: unknown[]; description?: string };
  const message = (name: string, payload: Described, summary: string) => ({
    name,
    title: name,
    summary,
    contentType: 'application/json',
    payload: schema(payload),
    ...(payload.examples ? { examples: payload.examples.map((example) => ({ payload: example })) } : {}),
  });
  const serverMessages = Object.fromEntries(Object.entries(ServerFrames).map(([type, payload]) => [type, message(type, payload, (payload as Described).description ?? '')]));
  const clientMessages = Object.fromEntries(
    Object.entries(ClientFrames).map(([type, payload]) => [`client.${type}`, message(type, payload, CLIENT_FRAME_DESCRIPTIONS[type as keyof typeof ClientFrames])]),
  );
  const refs = (which: Record<string, unknown>) => Object.keys(which).map((name) => ({ $ref: `#/channels/socket/messages/${name}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Messenger WebSocket API',
      version: options.version,
      description:
        'One socket per client session carries every event the user may see. Frames are JSON text objects with a `type`. ' +
        'Kept events carry a `syncToken`: reconnect with `?since=<token>` (or `GET /api/v1/sync?since=`) to get what was missed, each once, in order. ' +
        'Close codes: 1001 server restarting, 4008 too slow, 4029 too many frames, 4400 bad `since`, 4401 credentials, 4409 too many sockets, ' +
        '4410 `resync_required`, 4413 `sync_backlog_too_large`. The REST API is described at /openapi.json; error codes at /docs.',
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: options.host,
        protocol: options.secure ? 'wss' : 'ws',
        description: 'This server',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }, { $ref: '#/components/securitySchemes/bearer' }],
      },
    },
    channels: {
      socket: {
        address: '/api/v1/ws',
        title: 'The event socket',
        description: 'Open with a credential; the first frame is `ready`.',
        messages: Object.fromEntries([...Object.keys(serverMessages), ...Object.keys(clientMessages)].map((name) => [name, { $ref: `#/components/messages/${name}` }])),
        bindings: {
          ws: {
            bindingVersion: '0.1.0',
            query: {
              type: 'object',
              properties: {
                access_token: { type: 'string', description: 'An access token or personal access token, for clients that cannot set headers (browsers)' },
                since: { ...schema(SyncToken) as object, description: 'Replay what was missed after this token, then go live' },
              },
              additionalProperties: false,
            },
          },
        },
      },
    },
    operations: {
      sendEvents: {
        action: 'send',
        channel: { $ref: '#/channels/socket' },
        title: 'Events to the client',
        summary: 'Everything that changes for the signed-in user, and answers to its frames.',
        messages: refs(serverMessages),
      },
      receiveClientFrames: {
        action: 'receive',
        channel: { $ref: '#/channels/socket' },
        title: 'Frames from the client',
        summary: 'Sending messages, typing, read markers, pings.',
        messages: refs(clientMessages),
      },
    },
    components: {
      schemas: Object.fromEntries(Object.entries(FrameComponents).map(([name, value]) => [name, withRefs(value, names, true)])),
      messages: { ...serverMessages, ...clientMessages },
      securitySchemes: {
        accessToken: { type: 'httpApiKey', in: 'query', name: 'access_token', description: 'An access token or a personal access token' },
        bearer: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <access token>` (or `Token <personal access token>`), or the session cookie from our own origins' },
      },
    },
  };
}

/** The schema as plain JSON, with each named shape inside it a `$ref` to its component. */
function withRefs(value: unknown, names: ReadonlyMap<object, string>, top = true): unknown {
  if (Array.isArray(value)) return value.map((item) => withRefs(item, names, false));
  if (value === null || typeof value !== 'object') return value;
  const name = names.get(value);
  if (!top && name !== undefined) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '$id').map(([key, item]) => [key, withRefs(item, names, false)]));
}
