import type { FriendStatus, RemoveOutcome, RequestOutcome, SocialRepository } from '../../../src/store/social-repository.js';

type Used = 'status' | 'request' | 'remove' | 'block' | 'unblock' | 'isBlockedBetween' | 'blockedAcross' | 'friendsAmong';

const pair = (a: number, b: number) => `${a}:${b}`;

/**
 * Friendships, requests and blocks in memory, answering as the SQL repository does, so a service
 * spec can play out whole stories. The transitions are copied from the repository (that is where
 * they are decided today); test/social checks the real one over HTTP.
 */
export class FakeSocialGraph implements Pick<SocialRepository, Used> {
  private readonly friendships = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly blocks = new Set<string>();

  async status(userId: number, otherId: number): Promise<FriendStatus> {
    if (await this.isBlockedBetween(userId, otherId)) return 'blocked';
    if (this.friendships.has(pair(userId, otherId))) return 'friends';
    if (this.pending.has(pair(userId, otherId))) return 'outgoing';
    if (this.pending.has(pair(otherId, userId))) return 'incoming';
    return 'none';
  }

  async request(fromId: number, toId: number, _now: number, autoAccept: boolean): Promise<RequestOutcome> {
    const status = await this.status(fromId, toId);
    if (status === 'blocked') return 'blocked';
    if (status === 'friends') return 'already_friends';
    if (status === 'outgoing' && !autoAccept) return 'already_requested';
    if (status === 'incoming' || autoAccept) {
      this.dropRequests(fromId, toId);
      this.friendships.add(pair(fromId, toId)).add(pair(toId, fromId));
      return 'accepted';
    }
    this.pending.add(pair(fromId, toId));
    return 'requested';
  }

  async remove(userId: number, otherId: number): Promise<RemoveOutcome> {
    if (this.unfriend(userId, otherId)) return 'unfriended';
    if (this.pending.delete(pair(userId, otherId))) return 'cancelled';
    if (this.pending.delete(pair(otherId, userId))) return 'declined';
    return 'none';
  }

  async block(blockerId: number, blockedId: number, _now: number): Promise<{ created: boolean; unfriended: boolean; requestsRemoved: boolean }> {
    if (this.blocks.has(pair(blockerId, blockedId))) return { created: false, unfriended: false, requestsRemoved: false };
    this.blocks.add(pair(blockerId, blockedId));
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

  async friendsAmong(userId: number, otherIds: readonly number[]): Promise<Set<number>> {
    return new Set(otherIds.filter((id) => this.friendships.has(pair(userId, id))));
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
