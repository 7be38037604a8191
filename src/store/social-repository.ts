import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { personColumns, type PersonRecord } from './user-directory.js';

export type FriendStatus = 'none' | 'friends' | 'outgoing' | 'incoming' | 'blocked';

export type RequestOutcome = 'requested' | 'accepted' | 'already_requested' | 'already_friends' | 'blocked';
export type RemoveOutcome = 'unfriended' | 'cancelled' | 'declined' | 'none';

/** A friend, requester or blocked user, with when that began. */
export interface ContactRecord extends PersonRecord {
  since: number;
}

/** Friendships, friend requests and blocks. Every change that touches two rows is one transaction. */
export class SocialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** How `userId` stands towards `otherId`. A block either way reads as `blocked`. */
  async status(userId: number, otherId: number): Promise<FriendStatus> {
    if (await this.isBlockedBetween(userId, otherId)) return 'blocked';
    const friend = await this.db.selectFrom('friendships').select('user_id').where('user_id', '=', userId).where('friend_id', '=', otherId).executeTakeFirst();
    if (friend) return 'friends';
    const request = await this.db
      .selectFrom('friend_requests')
      .select(['from_id'])
      .where((eb) => eb.or([eb.and([eb('from_id', '=', userId), eb('to_id', '=', otherId)]), eb.and([eb('from_id', '=', otherId), eb('to_id', '=', userId)])]))
      .executeTakeFirst();
    if (!request) return 'none';
    return request.from_id === userId ? 'outgoing' : 'incoming';
  }

  /** How `userId` stands towards each of `otherIds`, in two queries. */
  async statuses(userId: number, otherIds: number[]): Promise<Map<number, FriendStatus>> {
    const result = new Map<number, FriendStatus>(otherIds.map((id) => [id, 'none']));
    if (otherIds.length === 0) return result;
    const [friends, requests] = await Promise.all([
      this.db.selectFrom('friendships').select('friend_id').where('user_id', '=', userId).where('friend_id', 'in', otherIds).execute(),
      this.db
        .selectFrom('friend_requests')
        .select(['from_id', 'to_id'])
        .where((eb) => eb.or([eb.and([eb('from_id', '=', userId), eb('to_id', 'in', otherIds)]), eb.and([eb('to_id', '=', userId), eb('from_id', 'in', otherIds)])]))
        .execute(),
    ]);
    for (const r of requests) result.set(r.from_id === userId ? r.to_id : r.from_id, r.from_id === userId ? 'outgoing' : 'incoming');
    for (const f of friends) result.set(f.friend_id, 'friends');
    return result;
  }

  /** One primary-key lookup each way: every write into a direct chat asks this. */
  async isBlockedBetween(userId: number, otherId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('blocks')
      .select('blocker_id')
      .where((eb) => eb.or([eb.and([eb('blocker_id', '=', userId), eb('blocked_id', '=', otherId)]), eb.and([eb('blocker_id', '=', otherId), eb('blocked_id', '=', userId)])]))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Those of `userIds` in a block, either way, with any of `viewerIds`. Reads the viewers' blocks
   * through the two indexes on `blocks` (few people block many), whatever the size of `userIds`.
   */
  async blockedAcross(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>> {
    const blocked = new Set<number>();
    if (viewerIds.length === 0 || userIds.length === 0) return blocked;
    const viewers = [...new Set(viewerIds)];
    const rows = await this.db
      .selectFrom('blocks')
      .select(['blocker_id', 'blocked_id'])
      .where((eb) => eb.or([eb('blocker_id', 'in', viewers), eb('blocked_id', 'in', viewers)]))
      .execute();
    const isViewer = new Set(viewers);
    const wanted = new Set(userIds);
    for (const { blocker_id: blocker, blocked_id: target } of rows) {
      if (isViewer.has(blocker) && wanted.has(target)) blocked.add(target);
      if (isViewer.has(target) && wanted.has(blocker)) blocked.add(blocker);
    }
    return blocked;
  }

  /** Those of `otherIds` who are friends of `userId`. */
  async friendsAmong(userId: number, otherIds: readonly number[]): Promise<Set<number>> {
    if (otherIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('friendships').select('friend_id').where('user_id', '=', userId).where('friend_id', 'in', [...otherIds]).execute();
    return new Set(rows.map((r) => r.friend_id));
  }

  /** Sends a request, or accepts the other's pending one; with `autoAccept`, befriends at once. */
  request(fromId: number, toId: number, now: number, autoAccept: boolean): Promise<RequestOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const repo = new SocialRepository(tx);
      const status = await repo.status(fromId, toId);
      if (status === 'blocked') return 'blocked';
      if (status === 'friends') return 'already_friends';
      if (status === 'outgoing' && !autoAccept) return 'already_requested';
      if (status === 'incoming' || autoAccept) {
        await tx
          .deleteFrom('friend_requests')
          .where((eb) => eb.or([eb.and([eb('from_id', '=', fromId), eb('to_id', '=', toId)]), eb.and([eb('from_id', '=', toId), eb('to_id', '=', fromId)])]))
          .execute();
        await tx
          .insertInto('friendships')
          .values([
            { user_id: fromId, friend_id: toId, created_at: now },
            { user_id: toId, friend_id: fromId, created_at: now },
          ])
          .execute();
        return 'accepted';
      }
      await tx.insertInto('friend_requests').values({ from_id: fromId, to_id: toId, created_at: now }).execute();
      return 'requested';
    });
  }

  /** Ends a friendship, cancels my request or declines theirs, whichever there is. */
  remove(userId: number, otherId: number): Promise<RemoveOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const unfriended = await tx
        .deleteFrom('friendships')
        .where((eb) => eb.or([eb.and([eb('user_id', '=', userId), eb('friend_id', '=', otherId)]), eb.and([eb('user_id', '=', otherId), eb('friend_id', '=', userId)])]))
        .executeTakeFirst();
      if (Number(unfriended.numDeletedRows) > 0) return 'unfriended';
      const cancelled = await tx.deleteFrom('friend_requests').where('from_id', '=', userId).where('to_id', '=', otherId).executeTakeFirst();
      if (Number(cancelled.numDeletedRows) > 0) return 'cancelled';
      const declined = await tx.deleteFrom('friend_requests').where('from_id', '=', otherId).where('to_id', '=', userId).executeTakeFirst();
      if (Number(declined.numDeletedRows) > 0) return 'declined';
      return 'none';
    });
  }

  /** Blocks, ending any friendship and pending request between the two; false when already blocked. */
  block(blockerId: number, blockedId: number, now: number): Promise<{ created: boolean; unfriended: boolean; requestsRemoved: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('blocks').select('blocker_id').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
      if (existing) return { created: false, unfriended: false, requestsRemoved: false };
      await tx.insertInto('blocks').values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now }).execute();
      const unfriended = await tx
        .deleteFrom('friendships')
        .where((eb) => eb.or([eb.and([eb('user_id', '=', blockerId), eb('friend_id', '=', blockedId)]), eb.and([eb('user_id', '=', blockedId), eb('friend_id', '=', blockerId)])]))
        .executeTakeFirst();
      const requests = await tx
        .deleteFrom('friend_requests')
        .where((eb) => eb.or([eb.and([eb('from_id', '=', blockerId), eb('to_id', '=', blockedId)]), eb.and([eb('from_id', '=', blockedId), eb('to_id', '=', blockerId)])]))
        .executeTakeFirst();
      return { created: true, unfriended: Number(unfriended.numDeletedRows) > 0, requestsRemoved: Number(requests.numDeletedRows) > 0 };
    });
  }

  async unblock(blockerId: number, blockedId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** My friends by username, after the cursor (a username key and id). */
  friends(userId: number, page: { after?: [string, number]; limit: number }): Promise<Array<ContactRecord & { sortKey: string }>> {
    let q = this.db
      .selectFrom('friendships')
      .innerJoin('users', 'users.id', 'friendships.friend_id')
      .select([...personColumns, 'friendships.created_at as since', 'users.username_key as sortKey'])
      .where('friendships.user_id', '=', userId);
    if (page.after) {
      const [key, id] = page.after;
      q = q.where((eb) => eb.or([eb('users.username_key', '>', key), eb.and([eb('users.username_key', '=', key), eb('users.id', '>', id)])]));
    }
    return q.orderBy('users.username_key').orderBy('users.id').limit(page.limit).execute();
  }

  /** The friends of each of `userIds`, by id and username. */
  async friendsOf(userIds: readonly number[]): Promise<Map<number, Array<{ id: number; username: string }>>> {
    const result = new Map<number, Array<{ id: number; username: string }>>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('friendships')
      .innerJoin('users', 'users.id', 'friendships.friend_id')
      .select(['friendships.user_id as userId', 'users.id as id', 'users.username as username'])
      .where('friendships.user_id', 'in', [...new Set(userIds)])
      .orderBy('users.username_key')
      .execute();
    for (const row of rows) result.get(Number(row.userId))?.push({ id: Number(row.id), username: row.username });
    return result;
  }

  async friendIds(userId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('friendships').select('friend_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.friend_id);
  }

  /** Pending requests to me (incoming) or from me (outgoing), newest first. */
  requests(userId: number, direction: 'incoming' | 'outgoing', page: { after?: [number, number]; limit: number }): Promise<ContactRecord[]> {
    const mine = direction === 'incoming' ? 'friend_requests.to_id' : 'friend_requests.from_id';
    const theirs = direction === 'incoming' ? 'friend_requests.from_id' : 'friend_requests.to_id';
    let q = this.db
      .selectFrom('friend_requests')
      .innerJoin('users', 'users.id', theirs)
      .select([...personColumns, 'friend_requests.created_at as since'])
      .where(mine, '=', userId);
    if (page.after) {
      const [since, id] = page.after;
      q = q.where((eb) => eb.or([eb('friend_requests.created_at', '<', since), eb.and([eb('friend_requests.created_at', '=', since), eb('users.id', '<', id)])]));
    }
    return q.orderBy('friend_requests.created_at', 'desc').orderBy('users.id', 'desc').limit(page.limit).execute();
  }

  /** The people I block, newest first. */
  blocked(userId: number, page: { after?: [number, number]; limit: number }): Promise<ContactRecord[]> {
    let q = this.db
      .selectFrom('blocks')
      .innerJoin('users', 'users.id', 'blocks.blocked_id')
      .select([...personColumns, 'blocks.created_at as since'])
      .where('blocks.blocker_id', '=', userId);
    if (page.after) {
      const [since, id] = page.after;
      q = q.where((eb) => eb.or([eb('blocks.created_at', '<', since), eb.and([eb('blocks.created_at', '=', since), eb('users.id', '<', id)])]));
    }
    return q.orderBy('blocks.created_at', 'desc').orderBy('users.id', 'desc').limit(page.limit).execute();
  }
}
