import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message } from '@messenger/sdk';
import { problemText } from '../../api.js';
import { chats, chatTitle, discardOutgoing, historyOf, loadOlder, markRead, online, openChatId, otherMember, refreshChat, typing } from '../../state/chats.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { useVirtualizer } from '../common/useVirtualizer.js';
import { ChatInfo } from './ChatInfo.js';
import { Composer } from './Composer.js';
import { MessageItem, PendingItem } from './MessageItem.js';

/** One chat: its history (older pages load as you scroll up), live messages, and the composer. */
export function ChatView({ chatId }: { chatId: number }) {
  const chat = chats.value.get(chatId);
  const history = historyOf(chatId).value;
  const [error, setError] = useState<string>();
  const [replyTo, setReplyTo] = useState<Message>();
  const scroller = useRef<HTMLDivElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const [showInfo, setShowInfo] = useState(false);
  // Sent messages the server has not acknowledged yet follow the history, as rows of the same list.
  const rowCount = history.messages.length + history.outgoing.length;
  const rowKey = (index: number) => (index < history.messages.length ? history.messages[index]!.id : `pending:${history.outgoing[index - history.messages.length]!.clientId}`);
  // Only the rows near the viewport are in the page, so a chat of any length costs the same to
  // scroll. Anchored at the end: older pages go in above without moving what is on screen, and
  // new messages are followed only while the newest is in view.
  const rows = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => 64,
    getItemKey: rowKey,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 80,
    overscan: 8,
    paddingStart: 12,
    paddingEnd: 12,
    onNearStart: () => void loadOlder(chatId).catch((e: unknown) => setError(problemText(e))),
  });

  const dismiss = useCallback((clientId: string) => discardOutgoing(chatId, clientId), [chatId]);

  useEffect(() => {
    openChatId.value = chatId;
    if (!chats.value.has(chatId)) void refreshChat(chatId);
    const read = () => document.visibilityState === 'visible' && markRead(chatId);
    read();
    document.addEventListener('visibilitychange', read);
    return () => {
      openChatId.value = null;
      document.removeEventListener('visibilitychange', read);
    };
  }, [chatId]);

  // The newest page: on opening the chat, and again after a resync emptied the history.
  const empty = history.messages.length === 0 && !history.complete;
  useEffect(() => {
    if (empty) loadOlder(chatId).catch((e: unknown) => setError(problemText(e)));
  }, [empty]);

  // Start at the newest message once the list is on screen (the chat itself may load after the history).
  useLayoutEffect(() => {
    if (chat) rows.scrollToEnd();
  }, [chat === undefined]);

  // New messages: read them, announce others' to screen readers.
  const newest = history.messages.at(-1);
  useEffect(() => {
    if (!newest) return;
    if (document.visibilityState === 'visible') markRead(chatId);
    if (newest.sender && newest.sender.id !== me.value?.id) setAnnouncement(`${newest.sender.username}: ${newest.text ?? 'sent a file'}`);
  }, [newest?.id]);

  // Replies quote messages by id, and "Seen" goes under my latest message: both looked up per row,
  // so built once per history change rather than on every scroll frame.
  const byId = useMemo(() => new Map(history.messages.map((m) => [m.id, m])), [history.messages]);
  const myId = me.value?.id;
  const lastMine = useMemo(() => history.messages.findLast((m) => m.sender?.id === myId), [history.messages, myId]);

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
  const typers = [...(typing.value.get(chatId)?.values() ?? [])].map((t) => t.username);
  const visible = rows.getVirtualItems();
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
      <div class="messages-area">
        <div class="messages" ref={scroller} tabIndex={0} aria-label="Messages">
          <ol role="list" style={{ paddingTop: `${visible[0]?.start ?? 0}px`, paddingBottom: `${rows.getTotalSize() - (visible.at(-1)?.end ?? 0)}px` }}>
            {visible.map(({ index }) => {
              const position = { index, measure: rows.measureElement, setSize: history.complete ? rowCount : -1 };
              const message = history.messages[index];
              if (!message) {
                const pending = history.outgoing[index - history.messages.length]!;
                return <PendingItem key={pending.clientId} pending={pending} {...position} onDismiss={dismiss} />;
              }
              return (
                <MessageItem
                  key={message.id}
                  {...position}
                  message={message}
                  mine={message.sender?.id === me.value?.id}
                  showSender={chat.type === 'group' && history.messages[index - 1]?.sender?.id !== message.sender?.id}
                  quoted={message.replyToId !== null ? byId.get(message.replyToId) : undefined}
                  seen={message.id === lastMine?.id && chat.othersReadSeq >= message.seq}
                  onReply={setReplyTo}
                />
              );
            })}
          </ol>
        </div>
        {(history.loading || error || (history.complete && rowCount === 0)) && (
          <p class={error ? 'history-status error' : 'history-status'} role={error ? 'alert' : 'status'}>
            {error ?? (history.loading ? 'Loading older messages…' : 'No messages yet. Say hello!')}
          </p>
        )}
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
          rows.scrollToEnd();
          setReplyTo(undefined);
        }}
      />
    </section>
  );
}
