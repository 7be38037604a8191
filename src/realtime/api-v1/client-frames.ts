import { Type, type Static } from 'typebox';
import { compileJsonValidator } from '../../http/validation.js';
import { MAX_ATTACHMENTS, MAX_TEXT_LENGTH } from '../../services/chats/message-service.js';
import type { ErrorCode } from '../../services/error-codes.js';

/** What a client may send over the socket (documented in docs/REALTIME.md). */

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const ClientId = Type.String({ minLength: 1, maxLength: 100 });

const MessageSend = Type.Object(
  {
    type: Type.Literal('message.send'),
    chatId: Id,
    text: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH })),
    replyToId: Type.Optional(Id),
    attachmentIds: Type.Optional(Type.Array(Id, { maxItems: MAX_ATTACHMENTS })),
    clientId: Type.Optional(ClientId),
  },
  { additionalProperties: false },
);
const Typing = Type.Object({ type: Type.Literal('typing'), chatId: Id }, { additionalProperties: false });
const Read = Type.Object({ type: Type.Literal('read'), chatId: Id, seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
const Ping = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: true });

/** Every frame a client may send, by type (the AsyncAPI document lists them). */
export const ClientFrames = { 'message.send': MessageSend, typing: Typing, read: Read, ping: Ping };

export type ClientFrame = Static<typeof MessageSend> | Static<typeof Typing> | Static<typeof Read> | Static<typeof Ping>;

// A Map, not an object literal: a frame's `type` is client input, and `constructor` or `__proto__`
// must be unknown types, not inherited properties.
const validators = new Map<string, (value: unknown) => ReturnType<ReturnType<typeof compileJsonValidator>>>([
  ['message.send', compileJsonValidator(MessageSend)],
  ['typing', compileJsonValidator(Typing)],
  ['read', compileJsonValidator(Read)],
  ['ping', compileJsonValidator(Ping)],
]);

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; clientId?: string };

/** Parses and validates one text frame. */
export function parseClientFrame(data: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, code: 'malformed_frame', message: 'A frame must be a JSON object' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'malformed_frame', message: 'A frame must be a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const clientId = Object.hasOwn(record, 'clientId') && typeof record.clientId === 'string' && record.clientId.length <= 100 ? record.clientId : undefined;
  const type = Object.hasOwn(record, 'type') ? record.type : undefined;
  const validate = typeof type === 'string' ? validators.get(type) : undefined;
  if (!validate) {
    return { ok: false, code: 'unknown_type', message: `Unknown frame type; send ${[...validators.keys()].join(', ')}`, clientId };
  }
  const errors = validate(value);
  if (errors) return { ok: false, code: 'validation_failed', message: errors.map((e) => `${e.field} ${e.message}`).join('; '), clientId };
  return { ok: true, frame: value as ClientFrame };
}
