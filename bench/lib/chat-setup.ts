import { requestJson } from './http.js';

/** An account a benchmark made: its id and an access token. */
export interface User {
  id: number;
  token: string;
}

/** A group chat made by `owner` over HTTP, with `members` (the owner among them or not); its id. */
export async function createGroup(url: string, owner: User, members: User[], name: string): Promise<number> {
  const chat = await requestJson<{ id: number }>(`${url}/api/v1/chats`, {
    body: { type: 'group', name, memberIds: members.filter((m) => m !== owner).map((m) => m.id) },
    headers: { authorization: `Bearer ${owner.token}` },
    expect: 201,
  });
  return chat.id;
}
