import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@messenger/sdk';
import { problemText } from '../../api.js';
import { chats, chatTitle, discardOutgoing, historyOf, loadOlder, markRead, online, openChatId, otherMember, refreshChat, typing } from '../../state/chats.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { clockTime } from '../common/format.js';
import { ChatInfo } from './ChatInfo.js';
import { Composer } from './Composer.js';
import { MessageItem } from './MessageItem.js';

/** One chat: its history (older pages load as you scroll up), live messages, and the composer. */
export function ChatView({ chatId }: { chatId: number }) {
  const chat = chats.value.get(chatId);
  const history = historyOf(chatId).value;
  const [error, setError] = useState<string>();
  const [replyTo, setReplyTo] = useState<Message>();
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [showInfo, setShowInfo] = useState(false);

  useEffect(() => {
    openChatId.value = chatId;
    stickToBottom.current = true;
    if (!chats.value.has(chatId)) void refreshChat(chatId);
    if (historyOf(chatId).value.messages.length === 0) loadOlder(chatId).catch((e: unknown) => setError(problemText(e)));
    const read = () => document.visibilityState === 'visible' && markRead(chatId);
    read();
    document.addEventListener('visibilitychange', read);
    return () => {
      openChatId.value = null;
      document.removeEventListener('visibilitychange', read);
    };
  }, [chatId]);

  // New messages: read them, announce others' to screen readers, and follow them down.
  const newest = history.messages.at(-1);
  useEffect(() => {
    if (!newest) return;
    if (document.visibilityState === 'visible') markRead(chatId);
    if (newest.sender && newest.sender.id !== me.value?.id) setAnnouncement(`${newest.sender.username}: ${newest.text ?? 'sent a file'}`);
  }, [newest?.id]);

  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    if (heightBeforeOlder.current !== null) {
      // Older messages went in above: keep what was on screen where it was.
      box.scrollTop += box.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    } else if (stickToBottom.current) {
      box.scrollTop = box.scrollHeight;
    }
  }, [history.messages, history.outgoing.length]);

  // Rows are laid out lazily (content-visibility) and photos load late: while following the
  // newest message, stay at the bottom as the content grows.
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const box = scroller.current;
    if (!box || !list.current) return;
    const observer = new ResizeObserver(() => {
      if (stickToBottom.current) box.scrollTop = box.scrollHeight;
    });
    observer.observe(list.current);
    return () => observer.disconnect();
  }, [chat === undefined]);

  const onScroll = () => {
    const box = scroller.current;
    if (!box) return;
    stickToBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    if (box.scrollTop < 200 && !history.complete && !history.loading) {
      heightBeforeOlder.current = box.scrollHeight;
      loadOlder(chatId).catch((e: unknown) => setError(problemText(e)));
    }
  };

  if (!chat) {
    return (
      <section class="chat-view" aria-label="Chat">
        <p class="empty" role="status">
          {error ?? 'Loading…'}
        </p>
      </section>
    );
  }

  const other = otherMember(chat);
  const title = chatTitle(chat);
  const othersRead = Math.max(0, ...history.readBy.values());
  const lastMine = [...history.messages].reverse().find((m) => m.sender?.id === me.value?.id);
  const typers = [...(typing.value.get(chatId)?.values() ?? [])].map((t) => t.username);
  const byId = new Map(history.messages.map((m) => [m.id, m]));
  const isOnline = other ? (online.value.get(other.id) ?? other.online) : false;

  return (
    <section class="chat-view" aria-label={`Chat with ${title}`}>
      <header class="chat-header">
        <a href="/" class="back" aria-label="Back to chats">
          ←
        </a>
        {other ? <Avatar person={other} online={isOnline} /> : <span class="group-icon" aria-hidden="true">{title.slice(0, 1).toUpperCase()}</span>}
        <div class="chat-heading">
          <h2>{title}</h2>
          <p class="subtitle">{other ? (isOnline ? 'online' : 'offline') : `${chat.memberCount} members`}</p>
        </div>
        {chat.type === 'group' && (
          <button type="button" onClick={() => setShowInfo(true)}>
            Members and settings
          </button>
        )}
      </header>
      {showInfo && <ChatInfo chat={chat} onClose={() => setShowInfo(false)} />}
      <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Messages">
        {history.loading && <p class="empty" role="status">Loading older messages…</p>}
        {history.complete && history.messages.length === 0 && history.outgoing.length === 0 && <p class="empty">No messages yet. Say hello!</p>}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <ol role="list" ref={list}>
          {history.messages.map((message, i) => (
            <MessageItem
              key={message.id}
              message={message}
              mine={message.sender?.id === me.value?.id}
              showSender={chat.type === 'group' && history.messages[i - 1]?.sender?.id !== message.sender?.id}
              quoted={message.replyToId !== null ? byId.get(message.replyToId) : undefined}
              seen={message.id === lastMine?.id && othersRead >= message.seq}
              onReply={setReplyTo}
            />
          ))}
          {history.outgoing.map((pending) => (
            <li key={pending.clientId} class="message mine pending">
              <div class="bubble">
                <p class="text">{pending.text}</p>
                <p class="meta">
                  <time dateTime={pending.createdAt}>{clockTime(pending.createdAt)}</time>
                  <span class="receipt"> · {pending.failed ? `Not sent: ${pending.failed}` : 'Sending…'}</span>
                  {pending.failed && (
                    <button type="button" class="link" onClick={() => discardOutgoing(chatId, pending.clientId)}>
                      Dismiss
                    </button>
                  )}
                </p>
              </div>
            </li>
          ))}
        </ol>
      </div>
      <p class="typing" aria-live="polite">
        {typers.length === 1 ? `${typers[0]} is typing…` : typers.length > 1 ? `${typers.join(', ')} are typing…` : ''}
      </p>
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {replyTo && (
        <p class="replying">
          Replying to <strong>{replyTo.sender?.username}</strong>: {replyTo.text}
          <button type="button" class="link" onClick={() => setReplyTo(undefined)}>
            Cancel
          </button>
        </p>
      )}
      <Composer
        chatId={chatId}
        replyTo={replyTo ? { id: replyTo.id, text: replyTo.text ?? '' } : undefined}
        onSent={() => {
          stickToBottom.current = true;
          setReplyTo(undefined);
        }}
      />
    </section>
  );
}
