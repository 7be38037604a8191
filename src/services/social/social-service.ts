import type { Clock } from '../../adapters/clock.js';
import type { ContactRecord, FriendStatus, SocialRepository } from '../../store/social-repository.js';
import type { UserDirectory } from '../../store/user-directory.js';
import { conflict, forbidden, notFound, validationError } from '../errors.js';
import type { PublicUser } from '../users/user.js';
import type { SocialEventSink } from './ports.js';
import type { VisiblePresence } from './visible-presence.js';

/** A friend, a pending request or a block, with when it began. */
export type SocialContact = ContactRecord;

export interface SocialServiceDeps {
  social: Pick<SocialRepository, 'status' | 'request' | 'remove' | 'block' | 'unblock' | 'friends' | 'requests' | 'blocked' | 'friendsOf'>;
  directory: Pick<UserDirectory, 'byIds'>;
  presence: VisiblePresence;
  events: SocialEventSink;
  clock: Clock;
  /** Requests become friendships at once (FRIENDS_AUTO_ACCEPT), as in the older clients' APIs. */
  autoAccept: boolean;
}

export interface FriendChange {
  status: FriendStatus;
}

/** Friends, friend requests and blocks; every change is pushed to both people. */
export class SocialService {
  constructor(private readonly deps: SocialServiceDeps) {}

  /**
   * Each person's friends (id and username), as `viewerId` may know them: all of their own; of
   * someone else's, only the friends they share with the viewer (and the viewer themself).
   */
  async friendsSeenBy(viewerId: number, userIds: readonly number[]): Promise<Map<number, Array<{ id: number; username: string }>>> {
    const friends = await this.deps.social.friendsOf([...new Set([viewerId, ...userIds])]);
    const known = new Set([viewerId, ...(friends.get(viewerId) ?? []).map((f) => f.id)]);
    return new Map(userIds.map((id) => [id, (friends.get(id) ?? []).filter((f) => id === viewerId || known.has(f.id))]));
  }

  async status(userId: number, otherId: number): Promise<FriendStatus> {
    await this.requireOther(userId, otherId);
    return this.deps.social.status(userId, otherId);
  }

  /** Asks `otherId` to be friends, or accepts their request; refused when either blocks the other. */
  async befriend(userId: number, otherId: number): Promise<FriendChange> {
    const [me, other] = await this.requireOther(userId, otherId);
    const outcome = await this.deps.social.request(userId, otherId, this.deps.clock.now(), this.deps.autoAccept);
    switch (outcome) {
      case 'blocked':
        throw forbidden('blocked', 'You cannot send a friend request to this person');
      case 'already_friends':
        return { status: 'friends' };
      case 'already_requested':
        return { status: 'outgoing' };
      case 'requested': {
        const online = await this.deps.presence.onlineAsSeenBy([userId, otherId], [userId, otherId]);
        await this.deps.events.notify(userId, { type: 'friend.request', direction: 'outgoing', user: other, online: online.has(otherId) });
        await this.deps.events.notify(otherId, { type: 'friend.request', direction: 'incoming', user: me, online: online.has(userId) });
        return { status: 'outgoing' };
      }
      case 'accepted': {
        const online = await this.deps.presence.onlineAsSeenBy([userId, otherId], [userId, otherId]);
        await this.deps.events.notify(userId, { type: 'friend.added', user: other, online: online.has(otherId) });
        await this.deps.events.notify(otherId, { type: 'friend.added', user: me, online: online.has(userId) });
        return { status: 'friends' };
      }
    }
  }

  /** Ends the friendship, cancels my request or declines theirs; 404 when there is none of these. */
  async unfriend(userId: number, otherId: number): Promise<void> {
    await this.requireOther(userId, otherId);
    const outcome = await this.deps.social.remove(userId, otherId);
    if (outcome === 'none') throw notFound('not_friends', 'You are not friends and there is no pending request between you');
    await this.announceRemoval(userId, otherId);
  }

  async block(userId: number, otherId: number): Promise<void> {
    await this.requireOther(userId, otherId);
    const result = await this.deps.social.block(userId, otherId, this.deps.clock.now());
    if (!result.created) throw conflict('already_blocked', 'You already block this person');
    if (result.unfriended || result.requestsRemoved) await this.announceRemoval(userId, otherId);
    await this.deps.events.notify(userId, { type: 'block.added', userId: otherId });
  }

  async unblock(userId: number, otherId: number): Promise<void> {
    await this.requireOther(userId, otherId);
    if (!(await this.deps.social.unblock(userId, otherId))) throw notFound('not_blocked', 'You do not block this person');
    await this.deps.events.notify(userId, { type: 'block.removed', userId: otherId });
  }

  async friends(userId: number, page: { after?: [string, number]; limit: number }) {
    return this.deps.presence.seenBy(userId, await this.deps.social.friends(userId, page));
  }

  async requests(userId: number, direction: 'incoming' | 'outgoing', page: { after?: [number, number]; limit: number }) {
    return this.deps.presence.seenBy(userId, await this.deps.social.requests(userId, direction, page));
  }

  /** The people I block: their presence stays hidden from me, as mine from them. */
  async blocked(userId: number, page: { after?: [number, number]; limit: number }) {
    return this.deps.presence.seenBy(userId, await this.deps.social.blocked(userId, page));
  }

  private async announceRemoval(userId: number, otherId: number): Promise<void> {
    await this.deps.events.notify(userId, { type: 'friend.removed', userId: otherId });
    await this.deps.events.notify(otherId, { type: 'friend.removed', userId });
  }

  /** Both people; refuses myself and unknown users. */
  private async requireOther(userId: number, otherId: number): Promise<[PublicUser, PublicUser]> {
    if (userId === otherId) throw validationError('self', 'That is you', [{ field: 'userId', message: 'must be another user' }]);
    const people = await this.deps.directory.byIds([userId, otherId]);
    const me = people.get(userId);
    const other = people.get(otherId);
    if (!me || !other) throw notFound('user_not_found', 'No such user');
    return [me, other];
  }
}
