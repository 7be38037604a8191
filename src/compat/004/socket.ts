import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { findUnstorableText } from '../../http/untrusted-input.js';
import { publicBase } from '../../http/public-url.js';
import { jsonFrame } from '../../realtime/wire-frame.js';
import { forbidden } from '../../services/errors.js';
import type { ChatService } from '../../services/chats/chat-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import { ChatRoomProtocol, type ChatRoomSocketDeps } from '../chat-room-socket.js';
import type { Auth004 } from './auth.js';
import type { PublicIds } from './public-ids.js';
import { Views004, type Person } from './views.js';

export interface Chat004SocketDeps extends ChatRoomSocketDeps {
  auth: Auth004;
  ids: PublicIds;
  profiles: Pick<ProfileService, 'byIds'>;
  chats: Pick<ChatService, 'memberIds'>;
  publicUrl: string | undefined;
}

/**
 * 004's chat socket, `/api/chats/ws/<chat>/<client>`: a member sends a message as a text frame
 * (plain text, or `{"message": "..."}`), and every socket of the chat gets
 * `{id, message, created_at, user}`. The caller is whoever the token or cookie names; a
 * `<client>` that is not their own UUID is refused (4403), as is a chat they are not in.
 */
export function chat004Socket(deps: Chat004SocketDeps): ChatRoomProtocol {
  // Senders as frames show them, filled with a chat's members when a socket to it opens: a frame
  // is rendered once for every socket on the node, with nothing to look up on the way.
  const people = new LRUCache<number, Person>({ max: 20_000 });
  let base = deps.publicUrl ?? 'http://localhost';
  return new ChatRoomProtocol(
    {
      name: 'compat-004',
      url: '/api/chats/ws/:chatId/:clientId',
      identify: async (request: FastifyRequest) => {
        const principal = await deps.auth.identify(request, { queryToken: true });
        const params = request.params as Record<string, unknown>;
        if (deps.ids.idOf('user', params.clientId) !== principal.userId) throw forbidden('forbidden', 'The client id is not yours');
        const chatId = deps.ids.idOf('chat', params.chatId);
        if (chatId !== undefined) {
          base = publicBase(request, deps.publicUrl);
          const members = await deps.chats.memberIds(principal.userId, chatId).catch(() => []);
          for (const person of (await deps.profiles.byIds(members.filter((id) => !people.has(id)))).values()) people.set(person.id, person);
        }
        return { principal, chatId };
      },
      textOf,
      usage: 'Send the message as a text frame',
      render: (message) => {
        const views = new Views004(deps.ids, (path) => `${base}${path}`);
        const sender = message.senderId === null ? undefined : (people.get(message.senderId) ?? { id: message.senderId, username: message.senderUsername ?? '', firstName: '', lastName: '', avatarKey: null });
        return jsonFrame(views.message(message, sender));
      },
      errorFrame: (message) => jsonFrame({ detail: message }),
    },
    deps,
  );
}

/** A frame's text: `{"message": "..."}`, or the frame itself. */
function textOf(raw: string): string | undefined {
  let text = raw;
  if (raw.startsWith('{')) {
    try {
      const frame = JSON.parse(raw) as unknown;
      if (typeof frame === 'object' && frame !== null && typeof (frame as Record<string, unknown>).message === 'string') text = (frame as { message: string }).message;
    } catch {
      // Not JSON: the text as it came.
    }
  }
  return text.trim() === '' || findUnstorableText(text) ? undefined : text;
}
