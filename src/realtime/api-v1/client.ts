import type { FastifyBaseLogger } from 'fastify';
import type { MessageService } from '../../services/chats/message-service.js';
import { DomainError } from '../../services/errors.js';
import type { Connection } from '../connection.js';
import type { FrameReceiver } from '../protocol.js';
import { jsonFrame } from '../wire-frame.js';
import { parseClientFrame, type ClientFrame } from './client-frames.js';

const TYPING_INTERVAL_MS = 2000;

export interface ClientDeps {
  messages: MessageService;
  log: FastifyBaseLogger;
}

/** One `/api/v1/ws` socket's side of the conversation: the frames its client sends, and their answers. */
export class ApiV1Client implements FrameReceiver {
  // Both maps are made on first use: most sockets only listen, and 20,000 of them are held at once.
  private typingAt?: Map<number, number>;
  /** The last send into each chat from this socket: the next one waits for it, keeping their order. */
  private sendingTo?: Map<number, Promise<unknown>>;

  constructor(
    private readonly connection: Connection,
    private readonly username: string,
    private readonly deps: ClientDeps,
  ) {}

  private sendFrame(frame: Record<string, unknown>): void {
    this.connection.send(jsonFrame(frame));
  }

  /**
   * The one boundary for everything a client sends over a socket: whatever a frame holds and
   * whatever its handling throws, the answer is an error frame or a close code, and nothing
   * escapes to the process.
   */
  receive(data: Buffer, isBinary: boolean): void {
    try {
      if (isBinary) {
        this.sendFrame({ type: 'error', code: 'binary_frame', message: 'Send JSON text frames' });
        return;
      }
      this.onFrame(data.toString('utf8')).catch((error: unknown) => this.frameFailed(error));
    } catch (error) {
      this.frameFailed(error);
    }
  }

  private async onFrame(data: string): Promise<void> {
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      this.sendFrame({ type: 'error', code: parsed.code, message: parsed.message, ...(parsed.clientId ? { clientId: parsed.clientId } : {}) });
      return;
    }
    const frame = parsed.frame;
    try {
      await this.handle(frame);
    } catch (error) {
      this.frameFailed(error, frame.type === 'message.send' ? frame.clientId : undefined);
    }
  }

  /** Answers a frame whose handling failed: a domain error as itself, anything else as ours. */
  private frameFailed(error: unknown, clientId?: string): void {
    const withId = clientId ? { clientId } : {};
    try {
      if (error instanceof DomainError) {
        this.sendFrame({ type: 'error', code: error.code, message: error.message, ...withId });
      } else {
        this.deps.log.error({ err: error }, 'frame handling failed');
        this.sendFrame({ type: 'error', code: 'internal_error', message: 'Something went wrong on our side', ...withId });
      }
    } catch (sendError) {
      this.deps.log.error({ err: sendError }, 'could not answer a failed frame');
    }
  }

  private async handle(frame: ClientFrame): Promise<void> {
    const { messages } = this.deps;
    const userId = this.connection.userId;
    switch (frame.type) {
      case 'ping':
        this.sendFrame({ type: 'pong' });
        return;
      case 'message.send': {
        const { chatId, type: _type, ...input } = frame;
        // Messages one socket sends into one chat are stored in the order they were sent, even
        // when the client does not wait for each ack.
        const sendingTo = (this.sendingTo ??= new Map<number, Promise<unknown>>());
        const previous = sendingTo.get(chatId);
        const sending = (previous ? previous.catch(() => {}) : Promise.resolve()).then(() => messages.send(userId, chatId, input));
        sendingTo.set(chatId, sending);
        try {
          const { message } = await sending;
          this.sendFrame({ type: 'message.ack', clientId: frame.clientId ?? null, chatId, id: message.id, seq: message.seq });
        } finally {
          if (sendingTo.get(chatId) === sending) sendingTo.delete(chatId);
        }
        return;
      }
      case 'typing': {
        const now = Date.now();
        const typingAt = (this.typingAt ??= new Map<number, number>());
        if (now - (typingAt.get(frame.chatId) ?? 0) < TYPING_INTERVAL_MS) return;
        typingAt.set(frame.chatId, now);
        await messages.typing(userId, this.username, frame.chatId);
        return;
      }
      case 'read':
        await messages.markRead(userId, frame.chatId, frame.seq);
        return;
    }
  }
}
