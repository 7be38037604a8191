import { sql, type Kysely } from 'kysely';
import type { ChatRosters, Roster } from './chat-rosters.js';
import { uniqueViolation } from './errors.js';
import { containsPattern } from './like.js';
import type { ChatKind, ChatRole, Database } from './schema.js';

export interface ChatRecord {
  id: number;
  kind: ChatKind;
  name: string | null;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
  lastSeq: number;
  activityAt: number;
}

/** A chat as one member sees it. */
export interface MembershipRecord extends ChatRecord {
  role: ChatRole;
  lastReadSeq: number;
}

export interface MemberRecord {
  chatId: number;
  userId: number;
  username: string;
  firstName: string;
  lastName: string;
  avatarKey: string | null;
  role: ChatRole;
  joinedAt: number;
}

export interface ChatPageQuery {
  search?: string;
  /** Only the chats this user is also a member of. */
  withMember?: number;
  /** Continue after this (activityAt, id). */
  after?: { activityAt: number; id: number };
  limit: number;
}

const chatColumns = [
  'chats.id as id',
  'chats.kind as kind',
  'chats.name as name',
  'chats.created_by as createdBy',
  'chats.created_at as createdAt',
  'chats.updated_at as updatedAt',
  'chats.last_seq as lastSeq',
  'chats.activity_at as activityAt',
] as const;

export const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

export class ChatsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rosters: ChatRosters,
  ) {}

  /** Who belongs to the chat (cached); undefined when there is no such chat. */
  roster(chatId: number): Promise<Roster | undefined> {
    return this.rosters.get(chatId);
  }

  /** The direct chat of the pair, created when there is none; safe against two creating it at once. */
  async findOrCreateDirect(userId: number, otherId: number, now: number): Promise<{ chatId: number; created: boolean }> {
    const key = directKey(userId, otherId);
    const existing = await this.db.selectFrom('chats').select('id').where('direct_key', '=', key).executeTakeFirst();
    if (existing) return { chatId: existing.id, created: false };
    try {
      const chatId = await this.db.transaction().execute(async (tx) => {
        const { id } = await tx
          .insertInto('chats')
          .values({ kind: 'direct', name: null, direct_key: key, created_by: userId, created_at: now, updated_at: now, activity_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await tx
          .insertInto('chat_members')
          .values([userId, otherId].map((member) => ({ chat_id: id, user_id: member, role: 'member' as const, joined_at: now })))
          .execute();
        return id;
      });
      return { chatId, created: true };
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
      const raced = await this.db.selectFrom('chats').select('id').where('direct_key', '=', key).executeTakeFirstOrThrow();
      return { chatId: raced.id, created: false };
    }
  }

  createGroup(creatorId: number, name: string, memberIds: number[], now: number): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('chats')
        .values({ kind: 'group', name, direct_key: null, created_by: creatorId, created_at: now, updated_at: now, activity_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const members = [
        { chat_id: id, user_id: creatorId, role: 'owner' as const, joined_at: now },
        ...memberIds.filter((m) => m !== creatorId).map((m) => ({ chat_id: id, user_id: m, role: 'member' as const, joined_at: now })),
      ];
      await tx.insertInto('chat_members').values(members).execute();
      return id;
    });
  }

  /** The chat and this user's membership in it, or undefined when they are not a member. */
  findMembership(chatId: number, userId: number): Promise<MembershipRecord | undefined> {
    return this.db
      .selectFrom('chats')
      .innerJoin('chat_members', 'chat_members.chat_id', 'chats.id')
      .select([...chatColumns, 'chat_members.role as role', 'chat_members.last_read_seq as lastReadSeq'])
      .where('chats.id', '=', chatId)
      .where('chat_members.user_id', '=', userId)
      .executeTakeFirst();
  }

  async memberIds(chatId: number): Promise<number[]> {
    return [...((await this.rosters.get(chatId))?.memberIds ?? [])];
  }

  async isMember(chatId: number, userId: number): Promise<boolean> {
    return (await this.rosters.get(chatId))?.roles.has(userId) ?? false;
  }

  async countMembers(chatId: number): Promise<number> {
    const row = await this.db.selectFrom('chat_members').select((eb) => eb.fn.countAll<number>().as('n')).where('chat_id', '=', chatId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Members of these chats with their usernames, oldest member first, at most `perChat` each. */
  async members(chatIds: number[], perChat = 100): Promise<MemberRecord[]> {
    if (chatIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('chat_members')
      .innerJoin('users', 'users.id', 'chat_members.user_id')
      .select([
        'chat_members.chat_id as chatId',
        'chat_members.user_id as userId',
        'users.username as username',
        'users.first_name as firstName',
        'users.last_name as lastName',
        'users.avatar_key as avatarKey',
        'chat_members.role as role',
        'chat_members.joined_at as joinedAt',
      ])
      .where('chat_members.chat_id', 'in', chatIds)
      .orderBy('chat_members.chat_id')
      .orderBy('chat_members.joined_at')
      .orderBy('chat_members.user_id')
      .execute();
    const seen = new Map<number, number>();
    return rows.filter((r) => {
      const n = (seen.get(r.chatId) ?? 0) + 1;
      seen.set(r.chatId, n);
      return n <= perChat;
    });
  }

  /**
   * Per chat: how many members it has, and how far the furthest reader other than `viewerId` has
   * read (what a sender's "seen" mark is made of). Across a block, a direct chat's other member
   * counts as having read nothing, as `read.updated` is not sent there either. One query for a page
   * of chats.
   */
  async memberStats(chatIds: number[], viewerId: number): Promise<Map<number, { count: number; othersReadSeq: number }>> {
    if (chatIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('chat_members as m')
      .innerJoin('chats', 'chats.id', 'm.chat_id')
      .select((eb) => {
        const blockedAcross = eb.exists(
          eb
            .selectFrom('blocks')
            .select('blocks.blocker_id')
            .where((b) =>
              b.or([
                b.and([b('blocks.blocker_id', '=', viewerId), b('blocks.blocked_id', '=', b.ref('m.user_id'))]),
                b.and([b('blocks.blocker_id', '=', b.ref('m.user_id')), b('blocks.blocked_id', '=', viewerId)]),
              ]),
            ),
        );
        const countsAsReader = eb.and([eb('m.user_id', '!=', viewerId), eb.or([eb('chats.kind', '=', 'group'), eb.not(blockedAcross)])]);
        return ['m.chat_id', eb.fn.countAll<number>().as('n'), eb.fn.max<number | null>(eb.case().when(countsAsReader).then(eb.ref('m.last_read_seq')).end()).as('othersRead')];
      })
      .where('m.chat_id', 'in', chatIds)
      .groupBy('m.chat_id')
      .execute();
    return new Map(rows.map((r) => [r.chat_id, { count: Number(r.n), othersReadSeq: Number(r.othersRead ?? 0) }]));
  }

  /** My chats, most recent activity first; `search` matches group names and the other person in direct chats. */
  listForUser(userId: number, query: ChatPageQuery): Promise<MembershipRecord[]> {
    let q = this.db
      .selectFrom('chat_members as me')
      .innerJoin('chats', 'chats.id', 'me.chat_id')
      .select([...chatColumns, 'me.role as role', 'me.last_read_seq as lastReadSeq'])
      .where('me.user_id', '=', userId);
    if (query.search) {
      const pattern = containsPattern(query.search);
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('chats.kind', '=', 'group'), sql<boolean>`lower(${eb.ref('chats.name')}) like ${pattern} escape '\\'`]),
          eb.and([
            eb('chats.kind', '=', 'direct'),
            eb.exists(
              eb
                .selectFrom('chat_members as other')
                .innerJoin('users', 'users.id', 'other.user_id')
                .select('other.user_id')
                .whereRef('other.chat_id', '=', 'chats.id')
                .where('other.user_id', '!=', userId)
                .where((sub) => sql<boolean>`${sub.ref('users.username_key')} like ${pattern} escape '\\'`),
            ),
          ]),
        ]),
      );
    }
    if (query.withMember !== undefined) {
      const withMember = query.withMember;
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('chat_members as shared').select('shared.user_id').whereRef('shared.chat_id', '=', 'chats.id').where('shared.user_id', '=', withMember)),
      );
    }
    if (query.after) {
      const { activityAt, id } = query.after;
      q = q.where((eb) => eb.or([eb('chats.activity_at', '<', activityAt), eb.and([eb('chats.activity_at', '=', activityAt), eb('chats.id', '<', id)])]));
    }
    return q.orderBy('chats.activity_at', 'desc').orderBy('chats.id', 'desc').limit(query.limit).execute();
  }

  /** Adds those not yet members; returns the ids added. */
  addMembers(chatId: number, userIds: number[], now: number): Promise<number[]> {
    return this.db.transaction().execute(async (tx) => {
      const existing = new Set(
        (await tx.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).where('user_id', 'in', userIds).execute()).map((r) => r.user_id),
      );
      const added = [...new Set(userIds)].filter((id) => !existing.has(id));
      if (added.length > 0) {
        await tx
          .insertInto('chat_members')
          .values(added.map((id) => ({ chat_id: chatId, user_id: id, role: 'member' as const, joined_at: now })))
          .execute();
        await tx.updateTable('chats').set({ updated_at: now }).where('id', '=', chatId).execute();
      }
      return added;
    }).finally(() => this.rosters.invalidate(chatId));
  }

  async removeMember(chatId: number, userId: number, now: number): Promise<boolean> {
    const result = await this.db.deleteFrom('chat_members').where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
    await this.db.updateTable('chats').set({ updated_at: now }).where('id', '=', chatId).execute();
    await this.rosters.invalidate(chatId);
    return Number(result.numDeletedRows) > 0;
  }

  async setRole(chatId: number, userId: number, role: ChatRole, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('chat_members').set({ role }).where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
      await tx.updateTable('chats').set({ updated_at: now }).where('id', '=', chatId).execute();
    });
    await this.rosters.invalidate(chatId);
  }

  /** Hands the owner role to another member; the old owner becomes an admin. */
  async transferOwnership(chatId: number, fromId: number, toId: number, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('chat_members').set({ role: 'admin' }).where('chat_id', '=', chatId).where('user_id', '=', fromId).execute();
      await tx.updateTable('chat_members').set({ role: 'owner' }).where('chat_id', '=', chatId).where('user_id', '=', toId).execute();
      await tx.updateTable('chats').set({ updated_at: now }).where('id', '=', chatId).execute();
    });
    await this.rosters.invalidate(chatId);
  }

  async rename(chatId: number, name: string, now: number): Promise<void> {
    await this.db.updateTable('chats').set({ name, updated_at: now }).where('id', '=', chatId).execute();
  }

  async delete(chatId: number): Promise<void> {
    await this.db.deleteFrom('chats').where('id', '=', chatId).execute();
    await this.rosters.invalidate(chatId);
  }

  /** Moves my read marker forward only; returns the marker after the update. */
  async markRead(chatId: number, userId: number, seq: number): Promise<number> {
    await this.db
      .updateTable('chat_members')
      .set({ last_read_seq: seq })
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .where('last_read_seq', '<', seq)
      .execute();
    const row = await this.db
      .selectFrom('chat_members')
      .select('last_read_seq')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.last_read_seq ?? 0;
  }

  /** The people this user has a direct chat with. */
  /** Every chat the user belongs to, with its kind and their role. */
  membershipsOf(userId: number): Promise<Array<{ chatId: number; kind: ChatKind; role: ChatRole }>> {
    return this.db
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .select(['chats.id as chatId', 'chats.kind as kind', 'chat_members.role as role'])
      .where('chat_members.user_id', '=', userId)
      .execute();
  }

  /** Who takes over a group from `leavingId`: the longest-standing admin, else the longest-standing member. */
  async successor(chatId: number, leavingId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('chat_members')
      .select('user_id')
      .where('chat_id', '=', chatId)
      .where('user_id', '!=', leavingId)
      .orderBy(sql`case when role = 'admin' then 0 else 1 end`)
      .orderBy('joined_at')
      .orderBy('user_id')
      .limit(1)
      .executeTakeFirst();
    return row?.user_id;
  }

  async directPartners(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('chat_members as me')
      .innerJoin('chats', 'chats.id', 'me.chat_id')
      .innerJoin('chat_members as other', 'other.chat_id', 'me.chat_id')
      .select('other.user_id as userId')
      .where('me.user_id', '=', userId)
      .where('chats.kind', '=', 'direct')
      .where('other.user_id', '!=', userId)
      .execute();
    return rows.map((r) => r.userId);
  }

  /** Which of these users exist (and may be added to chats). */
  async existingUserIds(userIds: number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.selectFrom('users').select('id').where('id', 'in', userIds).execute();
    return rows.map((r) => r.id);
  }
}
