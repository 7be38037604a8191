import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { HttpServer } from '../../http/server.js';
import type { MessageService } from '../../services/chats/message-service.js';
import { DomainError } from '../../services/errors.js';
import type { ConnectionRegistry } from '../../realtime/connection-registry.js';
import type { Connection } from '../../realtime/connection.js';
import type { RealtimeEvent } from '../../realtime/events.js';
import { webSocketRoute, type HandshakeResult } from '../../realtime/handshake.js';
import type { FrameReceiver, Protocol } from '../../realtime/protocol.js';
import { jsonFrame } from '../../realtime/wire-frame.js';
import { findUnstorableText } from '../../http/untrusted-input.js';
import type { Principal } from '../../services/auth/context.js';
import { integerOf } from '../body.js';
import type { DjangoAuth } from '../django/auth.js';
import { textOf } from './views.js';

/** Close code for a socket to a conversation the caller is not in. */
const NOT_A_PARTICIPANT = 4403;

export interface Chat000Deps {
  registry: ConnectionRegistry;
  auth: DjangoAuth;
  messages: Pick<MessageService, 'send'>;
  isMember: (chatId: number, userId: number) => Promise<boolean>;
  log: FastifyBaseLogger;
}

/**
 * 000's chat socket, `ws/chat/<id>/` (Django Channels): one conversation per socket. A client
 * sends `{"type": "chat_message", "message": "..."}`; every socket of the conversation, the
 * sender's own included, gets `{"text", "realSender"}`, whichever API the message was sent through.
 */
export class Chat000Protocol implements Protocol {
  readonly name = 'compat-000';

  constructor(private readonly deps: Chat000Deps) {}

  render(event: RealtimeEvent): Buffer | undefined {
    if (event.type !== 'message.created') return undefined;
    return jsonFrame({ text: textOf(event.message), realSender: event.message.senderUsername ?? '' });
  }

  routes(scope: HttpServer): void {
    webSocketRoute(scope, {
      url: '/ws/chat/:convoId/',
      handshake: (request) => this.handshake(request),
      open: (socket, request, { principal, chatId }) => {
        this.deps.registry.open(socket, request.raw.socket, {
          principal,
          protocol: this,
          accepts: (event) => event.type === 'message.created' && event.message.chatId === chatId,
          receiver: (connection) => new Chat000Client(connection, chatId, this.deps),
        });
      },
    });
  }

  /** The `Authorization` header, or `?token=` for browsers; then the conversation must be the caller's. */
  private async handshake(request: FastifyRequest): Promise<HandshakeResult<{ principal: Principal; chatId: number }>> {
    const chatId = integerOf((request.params as Record<string, unknown>).convoId);
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    try {
      const principal =
        request.headers.authorization === undefined && typeof query === 'string'
          ? await this.deps.auth.identify(`${query.includes('.') ? 'Bearer' : 'Token'} ${query}`)
          : await this.deps.auth.identify(request.headers.authorization);
      if (chatId === undefined || !(await this.deps.isMember(chatId, principal.userId))) {
        return { ok: false, code: 'chat_not_found', closeCode: NOT_A_PARTICIPANT };
      }
      return { ok: true, accepted: { principal, chatId } };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: error.code };
      throw error;
    }
  }
}

/** What one 000 socket's client sends. */
class Chat000Client implements FrameReceiver {
  /** Sends from one socket are stored in the order they came. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly chatId: number,
    private readonly deps: Chat000Deps,
  ) {}

  receive(data: Buffer, isBinary: boolean): void {
    const text = isBinary ? undefined : messageOf(data.toString('utf8'));
    if (text === undefined) {
      this.error('Send {"type": "chat_message", "message": "<text>"} as a JSON text frame');
      return;
    }
    // The author is whoever this socket signed in as; a `sender` in the frame is ignored.
    this.last = this.last
      .then(() => this.deps.messages.send(this.connection.userId, this.chatId, { text }))
      .catch((error: unknown) => {
        if (error instanceof DomainError) this.error(error.message);
        else {
          this.deps.log.error({ err: error }, 'sending a 000 chat message failed');
          this.error('The message could not be sent');
        }
      });
  }

  private error(message: string): void {
    this.connection.send(jsonFrame({ type: 'error', message }));
  }
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
