import { client } from '../api.js';
import { refreshChat } from './chats.js';
import { blocked, loadPeople } from './people.js';

/**
 * What I can do about another person, shared by the People page and a person's page. Each change
 * reloads the people lists after, so every screen that shows them agrees.
 */

const to = (userId: number) => ({ params: { path: { userId } } });

async function change(work: Promise<unknown>): Promise<void> {
  await work;
  await loadPeople();
}

/** Sends a friend request, or accepts theirs (the server knows which). */
export const befriend = (id: number) => change(client.unwrap(client.api.PUT('/api/v1/friends/{userId}', to(id))));
/** Removes a friend, declines their request or cancels mine. */
export const unfriend = (id: number) => change(client.unwrap(client.api.DELETE('/api/v1/friends/{userId}', to(id))));
export const block = (id: number) => change(client.unwrap(client.api.PUT('/api/v1/blocks/{userId}', to(id))));
export const unblock = (id: number) => change(client.unwrap(client.api.DELETE('/api/v1/blocks/{userId}', to(id))));

/** Opens our direct chat, made if there is none yet; answers its id, for the caller to go to. */
export async function directChat(id: number): Promise<number> {
  const chat = await client.unwrap(client.api.POST('/api/v1/chats', { body: { type: 'direct', memberIds: [id] } }));
  await refreshChat(chat.id);
  return chat.id;
}

/** Whether I block them: a profile's `blocked` says only that one of us blocks the other. */
export const iBlock = (id: number) => blocked.value.some((person) => person.id === id);
