import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Chat } from '@messenger/sdk';
import { client, problemText } from '../../api.js';
import { chats, online, refreshChat } from '../../state/chats.js';
import { friends, loadPeople } from '../../state/people.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';

const ROLE_NAMES = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

/** A group's members and settings: rename, add and remove, roles, hand over, leave, delete. Escape closes it. */
export function ChatInfo({ chat, onClose }: { chat: Chat; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { route } = useLocation();
  const [error, setError] = useState<string>();
  const myId = me.value?.id;
  const canManage = chat.myRole === 'owner' || chat.myRole === 'admin';
  const isOwner = chat.myRole === 'owner';
  const path = { id: chat.id };

  useEffect(() => {
    dialog.current?.showModal();
    void loadPeople().catch(() => undefined);
  }, []);

  const act = async (work: () => Promise<unknown>, after?: () => void) => {
    setError(undefined);
    try {
      await work();
      if (after) after();
      else await refreshChat(chat.id);
    } catch (caught) {
      setError(problemText(caught));
    }
  };
  /** Leaving or deleting: the chat is gone from my list. */
  const gone = () => {
    const next = new Map(chats.value);
    next.delete(chat.id);
    chats.value = next;
    dialog.current?.close();
    route('/');
  };

  const memberIds = new Set(chat.members.map((m) => m.id));
  const addable = friends.value.filter((f) => !memberIds.has(f.id));

  return (
    <dialog ref={dialog} class="dialog" onClose={onClose} aria-labelledby="chat-info-title">
      <h2 id="chat-info-title">{chat.name ?? 'Group'}</h2>
      <FormError message={error} />
      {canManage && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const name = formText(formOf(e), 'name').trim();
            if (name) void act(() => client.unwrap(client.api.PATCH('/api/v1/chats/{id}', { params: { path }, body: { name } })));
          }}
        >
          <label class="visually-hidden" for="group-name">
            Group name
          </label>
          <input id="group-name" name="name" defaultValue={chat.name ?? ''} maxLength={100} />
          <button type="submit">Rename</button>
        </form>
      )}
      <h3>{chat.memberCount} members</h3>
      <ul role="list" class="people-list">
        {chat.members.map((member) => (
          <li key={member.id} class="person-row">
            <Avatar person={member} size={32} online={online.value.get(member.id) ?? member.online} />
            <span class="person-name">
              <strong>{member.id === myId ? `${member.username} (you)` : member.username}</strong>
              <small>{ROLE_NAMES[member.role]}</small>
            </span>
            {member.id !== myId && (
              <span class="person-actions">
                {isOwner && member.role !== 'owner' && (
                  <button
                    type="button"
                    onClick={() => void act(() => client.unwrap(client.api.PATCH('/api/v1/chats/{id}/members/{userId}', { params: { path: { ...path, userId: member.id } }, body: { role: member.role === 'admin' ? 'member' : 'admin' } })))}
                  >
                    {member.role === 'admin' ? `Make ${member.username} a member` : `Make ${member.username} an admin`}
                  </button>
                )}
                {isOwner && (
                  <button type="button" onClick={() => void act(() => client.unwrap(client.api.PATCH('/api/v1/chats/{id}', { params: { path }, body: { ownerId: member.id } })))}>
                    Hand over to {member.username}
                  </button>
                )}
                {canManage && member.role !== 'owner' && (isOwner || member.role === 'member') && (
                  <button type="button" onClick={() => void act(() => client.unwrap(client.api.DELETE('/api/v1/chats/{id}/members/{userId}', { params: { path: { ...path, userId: member.id } } })))}>
                    Remove {member.username}
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {canManage && addable.length > 0 && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const id = Number(formText(formOf(e), 'friend'));
            if (id) void act(() => client.unwrap(client.api.POST('/api/v1/chats/{id}/members', { params: { path }, body: { userIds: [id] } })));
          }}
        >
          <label for="add-member">Add a friend</label>
          <select id="add-member" name="friend">
            {addable.map((friend) => (
              <option key={friend.id} value={friend.id}>
                {friend.username}
              </option>
            ))}
          </select>
          <button type="submit">Add</button>
        </form>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={() => void act(() => client.unwrap(client.api.DELETE('/api/v1/chats/{id}/members/{userId}', { params: { path: { ...path, userId: myId ?? 0 } } })), gone)}>
          Leave the group
        </button>
        {isOwner && (
          <button type="button" class="danger" onClick={() => confirm('Delete this group and its messages for everyone?') && void act(() => client.unwrap(client.api.DELETE('/api/v1/chats/{id}', { params: { path } })), gone)}>
            Delete the group
          </button>
        )}
        <button type="button" class="primary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
