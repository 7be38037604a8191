import { useState } from 'preact/hooks';
import type { Chat } from '@messenger/sdk';
import { chatList, chatTitle, chatsLoaded, online, otherMember, typing } from '../../state/chats.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { shortTime } from '../common/format.js';

/** My chats by last activity: who, the last message, when, and how many I have not read. */
export function ChatList({ selected, onNewChat }: { selected: number | null; onNewChat: () => void }) {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const items = chatList.value.filter((chat) => needle === '' || chatTitle(chat).toLowerCase().includes(needle));
  return (
    <section class="chat-list" aria-label="Chats">
      <div class="list-head">
        <input type="search" placeholder="Search chats" aria-label="Search chats" value={filter} onInput={(e) => setFilter((e.currentTarget).value)} />
        <button type="button" class="primary" onClick={onNewChat}>
          New chat
        </button>
      </div>
      {!chatsLoaded.value ? (
        <p class="empty" role="status">
          Loading chats…
        </p>
      ) : items.length === 0 ? (
        <p class="empty">{needle ? 'No chat matches.' : 'No chats yet. Start one with a friend.'}</p>
      ) : (
        <ul role="list">
          {items.map((chat) => (
            <ChatItem key={chat.id} chat={chat} selected={chat.id === selected} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ChatItem({ chat, selected }: { chat: Chat; selected: boolean }) {
  const other = otherMember(chat);
  const title = chatTitle(chat);
  const typers = [...(typing.value.get(chat.id)?.values() ?? [])];
  const last = chat.lastMessage;
  const preview = typers.length > 0 ? `${typers[0]?.username} is typing…` : last ? previewOf(last, chat) : 'No messages yet';
  return (
    <li>
      <a href={`/chats/${chat.id}`} class={selected ? 'chat-item selected' : 'chat-item'} aria-current={selected ? 'page' : undefined}>
        {other ? <Avatar person={other} online={online.value.get(other.id) ?? other.online} /> : <span class="group-icon" aria-hidden="true">{title.slice(0, 1).toUpperCase()}</span>}
        <span class="chat-text">
          <span class="chat-title">{title}</span>
          <span class={typers.length > 0 ? 'chat-preview typing' : 'chat-preview'}>{preview}</span>
        </span>
        <span class="chat-meta">
          {last && <time dateTime={last.createdAt}>{shortTime(last.createdAt)}</time>}
          {chat.unreadCount > 0 && <span class="badge" aria-label={`${chat.unreadCount} unread`}>{chat.unreadCount}</span>}
        </span>
      </a>
    </li>
  );
}

function previewOf(message: NonNullable<Chat['lastMessage']>, chat: Chat): string {
  if (message.deletedAt) return 'Message deleted';
  const who = message.sender?.id === me.value?.id ? 'You: ' : chat.type === 'group' && message.sender ? `${message.sender.username}: ` : '';
  const what = message.text ?? (message.attachments.some((a) => a.contentType.startsWith('image/')) ? 'Photo' : (message.attachments[0]?.name ?? ''));
  return who + what;
}
