import type { Clock } from '../../adapters/clock.js';
import type { ConnectedUsersRepository } from '../../store/connected-users-repository.js';
import type { SocialRepository } from '../../store/social-repository.js';
import type { VisiblePresence } from './visible-presence.js';

export interface ConnectionStatusDeps {
  connected: Pick<ConnectedUsersRepository, 'mark' | 'clear' | 'among'>;
  presence: Pick<VisiblePresence, 'onlineAsSeenBy'>;
  social: Pick<SocialRepository, 'blockedAcross'>;
  clock: Clock;
}

/**
 * "Connected", as the older clients knew it (`is_connected`): from a login or an explicit
 * "connect" until logout or "disconnect", and whenever a socket is open. Like presence, a block
 * either way hides it.
 */
export class ConnectionStatus {
  constructor(private readonly deps: ConnectionStatusDeps) {}

  mark(userId: number): Promise<void> {
    return this.deps.connected.mark(userId, this.deps.clock.now());
  }

  clear(userId: number): Promise<void> {
    return this.deps.connected.clear(userId);
  }

  /** Those of `userIds` that `viewerId` may see as connected. */
  async connectedAsSeenBy(viewerId: number, userIds: readonly number[]): Promise<Set<number>> {
    const [online, marked] = await Promise.all([this.deps.presence.onlineAsSeenBy([viewerId], userIds), this.deps.connected.among(userIds)]);
    const others = [...marked].filter((id) => id !== viewerId && !online.has(id));
    const hidden = others.length > 0 ? await this.deps.social.blockedAcross([viewerId], others) : new Set<number>();
    for (const id of marked) if (!hidden.has(id)) online.add(id);
    return online;
  }
}
