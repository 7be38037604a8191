import { useState } from 'preact/hooks';
import type { Message } from '@messenger/sdk';
import { client, problemText } from '../../api.js';
import type { OutgoingMessage } from '../../state/chats.js';
import { clockTime, fileSize } from '../common/format.js';
import { memo } from '../common/memo.js';

const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢'];

/**
 * Where a row sits in the chat's list: only the rows near the viewport are in the page, measured
 * as they render. Plain values, so that a row renders again only when its own place changed.
 */
export interface RowPosition {
  index: number;
  measure: (element: HTMLElement | null) => void;
  /** How many rows the whole history has, or -1 while older pages are still to load. */
  setSize: number;
}

/** A row's attributes: its index for the list's measuring, and its place in the whole for assistive technology. */
const rowAttributes = ({ index, measure, setSize }: RowPosition) => ({ ref: measure, 'data-index': index, 'aria-posinset': setSize === -1 ? undefined : index + 1, 'aria-setsize': setSize });

interface MessageItemProps extends RowPosition {
  message: Message;
  mine: boolean;
  /** Shown above the text in a group. */
  showSender: boolean;
  quoted?: Message | undefined;
  seen: boolean;
  onReply: (message: Message) => void;
}

/** One message: its text or files, time, edits, reactions, and what I can do with it. */
export const MessageItem = memo(function MessageItem({ message, mine, showSender, quoted, seen, onReply, ...position }: MessageItemProps) {
  const [editing, setEditing] = useState(false);
  // The menu's buttons exist only while it is open: a long chat keeps ten fewer nodes per message.
  const [menuOpen, setMenuOpen] = useState(false);
  const [error, setError] = useState<string>();
  const path = { id: message.chatId, messageId: message.id };

  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(problemText(caught));
    }
  };
  const react = (emoji: string, on: boolean) =>
    act(() => client.unwrap((on ? client.api.PUT : client.api.DELETE)('/api/v1/chats/{id}/messages/{messageId}/reactions/{emoji}', { params: { path: { ...path, emoji } } })));

  if (message.deletedAt) {
    return (
      <li class={mine ? 'message mine deleted' : 'message deleted'} {...rowAttributes(position)}>
        <p class="bubble">Message deleted</p>
      </li>
    );
  }
  return (
    <li class={mine ? 'message mine' : 'message'} {...rowAttributes(position)} aria-label={`${message.sender?.username ?? 'Someone'} at ${clockTime(message.createdAt)}`}>
      <div class="bubble">
        {showSender && !mine && <p class="sender">{message.sender?.username ?? 'Deleted account'}</p>}
        {quoted && (
          <blockquote class="quote">
            <strong>{quoted.sender?.username}</strong> {quoted.text ?? (quoted.attachments.length > 0 ? 'Photo or file' : '')}
          </blockquote>
        )}
        {message.attachments.map((file) =>
          file.contentType.startsWith('image/') && file.width && file.height ? (
            <a key={file.id} href={file.url} target="_blank" rel="noopener" class="photo">
              <img src={file.thumbnailUrl ?? file.url} alt={file.name} width={file.width} height={file.height} loading="lazy" decoding="async" style={{ aspectRatio: `${file.width} / ${file.height}` }} />
            </a>
          ) : (
            <a key={file.id} href={file.url} download={file.name} class="file">
              📄 {file.name} <small>{fileSize(file.size)}</small>
            </a>
          ),
        )}
        {editing ? (
          <EditForm text={message.text ?? ''} onCancel={() => setEditing(false)} onSave={(text) => act(async () => {
            await client.unwrap(client.api.PATCH('/api/v1/chats/{id}/messages/{messageId}', { params: { path }, body: { text } }));
            setEditing(false);
          })} />
        ) : (
          message.text && <p class="text">{message.text}</p>
        )}
        <p class="meta">
          {message.editedAt && <span>edited · </span>}
          <time dateTime={message.createdAt}>{clockTime(message.createdAt)}</time>
          {mine && <span class="receipt">{seen ? ' · Seen' : ' · Sent'}</span>}
        </p>
      </div>
      {message.reactions.length > 0 && (
        <ul class="reactions" aria-label="Reactions">
          {message.reactions.map((r) => (
            <li key={r.emoji}>
              <button type="button" class={r.me ? 'reaction me' : 'reaction'} aria-pressed={r.me} aria-label={`${r.emoji} ${r.count}`} onClick={() => void react(r.emoji, !r.me)}>
                {r.emoji} {r.count}
              </button>
            </li>
          ))}
        </ul>
      )}
      <details
        class="actions"
        onToggle={(e) => setMenuOpen(e.currentTarget.open)}
        onKeyDown={(e) => {
          // Escape closes the menu and gives focus back to its button.
          if (e.key === 'Escape') {
            const details = e.currentTarget;
            details.open = false;
            details.querySelector('summary')?.focus();
          }
        }}
      >
        <summary aria-label="Message actions">⋯</summary>
        {menuOpen && (
          <div class="menu">
          {QUICK_REACTIONS.map((emoji) => (
            <button key={emoji} type="button" aria-label={`React ${emoji}`} onClick={() => void react(emoji, true)}>
              {emoji}
            </button>
          ))}
          <button type="button" onClick={() => onReply(message)}>
            Reply
          </button>
          {mine && message.text !== null && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {mine && (
            <button type="button" onClick={() => void act(() => client.unwrap(client.api.DELETE('/api/v1/chats/{id}/messages/{messageId}', { params: { path } })))}>
              Delete
            </button>
          )}
        </div>
        )}
      </details>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
});

/** A message of mine on its way: sending, queued while offline, or refused. */
export const PendingItem = memo(function PendingItem({ pending, onDismiss, ...position }: { pending: OutgoingMessage; onDismiss: (clientId: string) => void } & RowPosition) {
  return (
    <li class="message mine pending" {...rowAttributes(position)}>
      <div class="bubble">
        <p class="text">{pending.text}</p>
        <p class="meta">
          <time dateTime={pending.createdAt}>{clockTime(pending.createdAt)}</time>
          <span class="receipt"> · {pending.failed ? `Not sent: ${pending.failed}` : 'Sending…'}</span>
          {pending.failed && (
            <button type="button" class="link" onClick={() => onDismiss(pending.clientId)}>
              Dismiss
            </button>
          )}
        </p>
      </div>
    </li>
  );
});

function EditForm({ text, onSave, onCancel }: { text: string; onSave: (text: string) => Promise<void>; onCancel: () => void }) {
  const [value, setValue] = useState(text);
  return (
    <form
      class="edit"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(value);
      }}
    >
      <textarea aria-label="Edit the message" value={value} onInput={(e) => setValue((e.currentTarget).value)} onKeyDown={(e) => e.key === 'Escape' && onCancel()} autoFocus />
      <button type="submit" class="primary">
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
