import type { FastifyRequest } from 'fastify';
import { findUnstorableText } from '../../http/untrusted-input.js';
import { jsonFrame } from '../../realtime/wire-frame.js';
import { integerOf } from '../body.js';
import { ChatRoomProtocol, type ChatRoomSocketDeps } from '../chat-room-socket.js';
import type { DjangoAuth } from '../django/auth.js';
import { textOf } from './views.js';

/**
 * 000's chat socket, `ws/chat/<id>/` (Django Channels): one conversation per socket. A client
 * sends `{"type": "chat_message", "message": "..."}`; every socket of the conversation gets
 * `{"text", "realSender"}`. The author is whoever the socket signed in as: a `sender` in the frame
 * is ignored.
 */
export function chat000Socket(deps: ChatRoomSocketDeps & { auth: DjangoAuth }): ChatRoomProtocol {
  return new ChatRoomProtocol(
    {
      name: 'compat-000',
      url: '/ws/chat/:convoId/',
      // The `Authorization` header, or `?token=` for browsers.
      identify: async (request: FastifyRequest) => {
        const query = (request.query as Record<string, unknown> | undefined)?.token;
        const principal =
          request.headers.authorization === undefined && typeof query === 'string'
            ? await deps.auth.identify(`${query.includes('.') ? 'Bearer' : 'Token'} ${query}`)
            : await deps.auth.identify(request.headers.authorization);
        return { principal, chatId: integerOf((request.params as Record<string, unknown>).convoId) };
      },
      textOf: messageOf,
      usage: 'Send {"type": "chat_message", "message": "<text>"} as a JSON text frame',
      render: (message) => jsonFrame({ text: textOf(message), realSender: message.senderUsername ?? '' }),
      errorFrame: (message) => jsonFrame({ type: 'error', message }),
    },
    deps,
  );
}

/** The text of a well-formed `chat_message` frame; undefined for anything else. */
function messageOf(raw: string): string | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return undefined;
  const { type, message } = frame as Record<string, unknown>;
  if ((type !== undefined && type !== 'chat_message') || typeof message !== 'string' || findUnstorableText(message)) return undefined;
  return message;
}
