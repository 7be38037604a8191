import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ChatList } from './ChatList.js';
import { ChatView } from './ChatView.js';
import { NewChat } from './NewChat.js';

/** The chat list beside the open chat (one at a time on a phone). */
export function ChatsPage() {
  const { params } = useRoute();
  const chatId = params.id !== undefined && /^\d+$/.test(params.id) ? Number(params.id) : null;
  const [creating, setCreating] = useState(false);
  return (
    <div class={chatId === null ? 'chats' : 'chats has-chat'}>
      <ChatList selected={chatId} onNewChat={() => setCreating(true)} />
      {chatId === null ? (
        <section class="chat-view placeholder" aria-label="No chat open">
          <p class="empty">Pick a chat, or start a new one.</p>
        </section>
      ) : (
        <ChatView key={chatId} chatId={chatId} />
      )}
      {creating && <NewChat onClose={() => setCreating(false)} />}
    </div>
  );
}
