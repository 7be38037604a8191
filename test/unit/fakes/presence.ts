import type { PresenceReader, PresenceView } from '../../../src/services/chats/ports.js';

/** Whoever is in `online` is online; as a view it hides nobody (specs about hiding use the real VisiblePresence). */
export class FakePresence implements PresenceReader, PresenceView {
  readonly online = new Set<number>();

  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    return new Set(userIds.filter((id) => this.online.has(id)));
  }

  async onlineAsSeenBy(_viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>> {
    return this.onlineAmong([...userIds]);
  }
}
