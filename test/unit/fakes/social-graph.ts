import { usernameKey } from '../../../src/services/auth/account-rules.js';
import type { SocialServiceDeps } from '../../../src/services/social/social-service.js';
import type { ContactRecord, FriendStatus, RemoveOutcome, RequestOutcome, SocialRepository } from '../../../src/store/social-repository.js';
import type { FakePeople } from './people.js';

/** What the social service asks, and what blocks and presence ask of the graph. */
type SocialPort = SocialServiceDeps['social'] & Pick<SocialRepository, 'isBlockedBetween' | 'blockedAcross' | 'friendsAmong'>;

const pair = (a: number, b: number) => `${a}:${b}`;

/**
 * Friendships, requests and blocks in memory, answering as the SQL repository does, so a service
 * spec can play out whole stories. The transitions are copied from the repository (that is where
 * they are decided today); test/social checks the real one over HTTP. Each relation keeps when it
 * began, keyed by "from:to".
 */
export class FakeSocialGraph implements SocialPort {
  private readonly friendships = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private readonly blocks = new Map<string, number>();

  constructor(private readonly people: FakePeople) {}

  async status(userId: number, otherId: number): Promise<FriendStatus> {
    if (await this.isBlockedBetween(userId, otherId)) return 'blocked';
    if (this.friendships.has(pair(userId, otherId))) return 'friends';
    if (this.pending.has(pair(userId, otherId))) return 'outgoing';
    if (this.pending.has(pair(otherId, userId))) return 'incoming';
    return 'none';
  }

  async request(fromId: number, toId: number, now: number, autoAccept: boolean): Promise<RequestOutcome> {
    const status = await this.status(fromId, toId);
    if (status === 'blocked') return 'blocked';
    if (status === 'friends') return 'already_friends';
    if (status === 'outgoing' && !autoAccept) return 'already_requested';
    if (status === 'incoming' || autoAccept) {
      this.dropRequests(fromId, toId);
      this.friendships.set(pair(fromId, toId), now).set(pair(toId, fromId), now);
      return 'accepted';
    }
    this.pending.set(pair(fromId, toId), now);
    return 'requested';
  }

  async remove(userId: number, otherId: number): Promise<RemoveOutcome> {
    if (this.unfriend(userId, otherId)) return 'unfriended';
    if (this.pending.delete(pair(userId, otherId))) return 'cancelled';
    if (this.pending.delete(pair(otherId, userId))) return 'declined';
    return 'none';
  }

  async block(blockerId: number, blockedId: number, now: number): Promise<{ created: boolean; unfriended: boolean; requestsRemoved: boolean }> {
    if (this.blocks.has(pair(blockerId, blockedId))) return { created: false, unfriended: false, requestsRemoved: false };
    this.blocks.set(pair(blockerId, blockedId), now);
    return { created: true, unfriended: this.unfriend(blockerId, blockedId), requestsRemoved: this.dropRequests(blockerId, blockedId) };
  }

  async unblock(blockerId: number, blockedId: number): Promise<boolean> {
    return this.blocks.delete(pair(blockerId, blockedId));
  }

  async isBlockedBetween(userId: number, otherId: number): Promise<boolean> {
    return this.blocks.has(pair(userId, otherId)) || this.blocks.has(pair(otherId, userId));
  }

  async blockedAcross(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>> {
    return new Set(userIds.filter((id) => viewerIds.some((viewer) => this.blocks.has(pair(viewer, id)) || this.blocks.has(pair(id, viewer)))));
  }

  async friendsOf(userIds: readonly number[]): Promise<Map<number, Array<{ id: number; username: string }>>> {
    const result = new Map<number, Array<{ id: number; username: string }>>(userIds.map((id) => [id, []]));
    for (const key of this.friendships.keys()) {
      const [from, to] = key.split(':').map(Number) as [number, number];
      const friend = this.people.person(to);
      if (friend) result.get(from)?.push({ id: to, username: friend.username });
    }
    for (const list of result.values()) list.sort((a, b) => usernameKey(a.username).localeCompare(usernameKey(b.username)));
    return result;
  }

  async friendsAmong(userId: number, otherIds: readonly number[]): Promise<Set<number>> {
    return new Set(otherIds.filter((id) => this.friendships.has(pair(userId, id))));
  }

  /** By username key, then id, after the cursor. */
  async friends(userId: number, page: { after?: [string, number]; limit: number }): Promise<Array<ContactRecord & { sortKey: string }>> {
    const rows = this.contacts(this.friendships, userId, 'from').map((contact) => ({ ...contact, sortKey: usernameKey(contact.username) }));
    const after = page.after;
    const order = (a: { sortKey: string; id: number }, b: { sortKey: string; id: number }) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.id - b.id);
    return rows
      .sort(order)
      .filter((row) => !after || order(row, { sortKey: after[0], id: after[1] }) > 0)
      .slice(0, page.limit);
  }

  async requests(userId: number, direction: 'incoming' | 'outgoing', page: { after?: [number, number]; limit: number }): Promise<ContactRecord[]> {
    return newestFirst(this.contacts(this.pending, userId, direction === 'incoming' ? 'to' : 'from'), page);
  }

  async blocked(userId: number, page: { after?: [number, number]; limit: number }): Promise<ContactRecord[]> {
    return newestFirst(this.contacts(this.blocks, userId, 'from'), page);
  }

  /** The other side of each of `userId`'s relations in `relations`, where `userId` stands on `side`. */
  private contacts(relations: Map<string, number>, userId: number, side: 'from' | 'to'): ContactRecord[] {
    return [...relations].flatMap(([key, since]) => {
      const [from, to] = key.split(':').map(Number) as [number, number];
      const [mine, theirs] = side === 'from' ? [from, to] : [to, from];
      const person = mine === userId ? this.people.person(theirs) : undefined;
      return person ? [{ ...person, since }] : [];
    });
  }

  private unfriend(a: number, b: number): boolean {
    const removed = this.friendships.delete(pair(a, b));
    return this.friendships.delete(pair(b, a)) || removed;
  }

  private dropRequests(a: number, b: number): boolean {
    const removed = this.pending.delete(pair(a, b));
    return this.pending.delete(pair(b, a)) || removed;
  }
}

/** Newest first, then by id downwards, after the cursor (a time and an id). */
function newestFirst(rows: ContactRecord[], page: { after?: [number, number]; limit: number }): ContactRecord[] {
  const after = page.after;
  const order = (a: { since: number; id: number }, b: { since: number; id: number }) => b.since - a.since || b.id - a.id;
  return rows
    .sort(order)
    .filter((row) => !after || order(row, { since: after[0], id: after[1] }) > 0)
    .slice(0, page.limit);
}
