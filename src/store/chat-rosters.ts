import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { EventBus } from '../adapters/bus/bus.js';
import type { ChatKind, ChatRole, Database } from './schema.js';

/** Who belongs to a chat and in which role: what every send, typing and read checks. */
export interface Roster {
  kind: ChatKind;
  roles: ReadonlyMap<number, ChatRole>;
  memberIds: readonly number[];
}

const INVALIDATE_TOPIC = 'cache.rosters.invalidate';

/**
 * Chat rosters cached by chat id, so the hot path (sending into a chat, fanning an event out to
 * its members) makes no membership query. Every change of membership goes through the chats
 * repository, which calls `invalidate`; other nodes hear of it through the bus; entries also
 * expire, which bounds staleness if a bus message is lost.
 */
export class ChatRosters {
  private readonly cache: LRUCache<number, Roster>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
    options: { max?: number; ttlMs?: number } = {},
  ) {
    this.cache = new LRUCache({ max: options.max ?? 20_000, ttl: options.ttlMs ?? 60_000 });
  }

  async start(): Promise<void> {
    await this.bus.subscribe(INVALIDATE_TOPIC, (event) => this.cache.delete((event as { chatId: number }).chatId));
  }

  /** The chat's roster, or undefined when the chat does not exist. */
  async get(chatId: number): Promise<Roster | undefined> {
    const cached = this.cache.get(chatId);
    if (cached) return cached;
    const rows = await this.db
      .selectFrom('chats')
      .leftJoin('chat_members', 'chat_members.chat_id', 'chats.id')
      .select(['chats.kind as kind', 'chat_members.user_id as userId', 'chat_members.role as role'])
      .where('chats.id', '=', chatId)
      .execute();
    if (rows.length === 0) return undefined;
    const roles = new Map<number, ChatRole>();
    for (const row of rows) if (row.userId !== null && row.role !== null) roles.set(row.userId, row.role);
    const roster: Roster = { kind: rows[0]!.kind, roles, memberIds: [...roles.keys()] };
    this.cache.set(chatId, roster);
    return roster;
  }

  async invalidate(chatId: number): Promise<void> {
    this.cache.delete(chatId);
    await this.bus.publish(INVALIDATE_TOPIC, { chatId });
  }
}
