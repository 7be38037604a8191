import type { SocialRepository } from '../../store/social-repository.js';
import type { PresenceReader, PresenceView } from '../chats/ports.js';
import type { PublicUser } from '../users/user.js';

export interface VisiblePresenceDeps {
  presence: PresenceReader;
  social: Pick<SocialRepository, 'blockedAcross'>;
}

/**
 * Presence as people may see it: a block, either way, hides whether each is online and when each
 * was last seen from the other. Services and the socket's presence frames read presence only
 * through here.
 */
export class VisiblePresence implements PresenceView {
  constructor(private readonly deps: VisiblePresenceDeps) {}

  async onlineAsSeenBy(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>> {
    const [online, hidden] = await Promise.all([this.deps.presence.onlineAmong([...userIds]), this.hiddenFrom(viewerIds, userIds)]);
    for (const id of hidden) online.delete(id);
    return online;
  }

  /** Those of `userIds` in a block with any viewer; no query when one viewer looks at themself (my own profile). */
  private async hiddenFrom(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>> {
    const self = viewerIds.length === 1 && userIds.every((id) => id === viewerIds[0]);
    return self ? new Set() : this.deps.social.blockedAcross(viewerIds, userIds);
  }

  /** People as `viewerId` may see them: across a block, never online and never seen. */
  async seenBy<T extends PublicUser>(viewerId: number, people: T[]): Promise<Array<{ person: T; online: boolean }>> {
    const ids = people.map((p) => p.id);
    const [online, hidden] = await Promise.all([this.deps.presence.onlineAmong(ids), this.deps.social.blockedAcross([viewerId], ids)]);
    return people.map((person) => (hidden.has(person.id) ? { person: { ...person, lastSeenAt: null }, online: false } : { person, online: online.has(person.id) }));
  }

  /** Those of `candidates` who may hear when `userId` comes online or goes offline. */
  async audience(userId: number, candidates: readonly number[]): Promise<number[]> {
    const unique = [...new Set(candidates)];
    const hidden = await this.deps.social.blockedAcross([userId], unique);
    return unique.filter((id) => !hidden.has(id));
  }
}
