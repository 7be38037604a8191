import type { PersonRecord } from '../../store/user-directory.js';

/** A change in the social graph, as one of the two people should hear of it. */
export type SocialEvent =
  | { type: 'friend.request'; direction: 'incoming' | 'outgoing'; user: PersonRecord; online: boolean }
  | { type: 'friend.added'; user: PersonRecord; online: boolean }
  | { type: 'friend.removed'; userId: number }
  /** To the blocker's own devices only: the other person is never told. */
  | { type: 'block.added'; userId: number }
  | { type: 'block.removed'; userId: number };

/** Delivers social events to a user wherever they are connected (the realtime layer implements it). */
export interface SocialEventSink {
  notify(userId: number, event: SocialEvent): Promise<void>;
}
