import { signal } from '@preact/signals';
import { client, realtime } from '../api.js';

/** A person as lists show them. */
export interface Person {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  avatar: { small: string; large: string; isDefault: boolean };
  isOnline: boolean;
}

export const friends = signal<Person[]>([]);
export const incoming = signal<Person[]>([]);
export const outgoing = signal<Person[]>([]);
export const blocked = signal<Person[]>([]);

export async function loadPeople(): Promise<void> {
  const [f, i, o, b] = await Promise.all([
    client.unwrap(client.api.GET('/api/v1/friends', { params: { query: { limit: 100 } } })),
    client.unwrap(client.api.GET('/api/v1/friends/requests', { params: { query: { direction: 'incoming', limit: 100 } } })),
    client.unwrap(client.api.GET('/api/v1/friends/requests', { params: { query: { direction: 'outgoing', limit: 100 } } })),
    client.unwrap(client.api.GET('/api/v1/blocks', { params: { query: { limit: 100 } } })),
  ]);
  friends.value = f.items;
  incoming.value = i.items;
  outgoing.value = o.items;
  blocked.value = b.items;
}

/** Friend changes from elsewhere (another tab, the other person) keep the lists true. */
export function followPeople(): void {
  const reload = () => void loadPeople().catch(() => undefined);
  for (const type of ['friend.request', 'friend.added', 'friend.removed', 'block.added', 'block.removed'] as const) realtime.on(type, reload);
  realtime.on('presence', (event) => {
    friends.value = friends.value.map((f) => (f.id === event.userId ? { ...f, isOnline: event.online } : f));
  });
}

export const displayName = (person: Pick<Person, 'username' | 'firstName' | 'lastName'>) => [person.firstName, person.lastName].filter(Boolean).join(' ') || person.username;
