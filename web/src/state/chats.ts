import { computed, signal, type Signal } from '@preact/signals';
import type { Chat, Message, SharedChat } from '@messenger/sdk';
import { client, realtime } from '../api.js';
import { me } from './session.js';

/** A message of mine that the server has not acknowledged yet (sending, or queued while offline). */
export interface OutgoingMessage {
  clientId: string;
  text: string;
  createdAt: string;
  failed?: string;
}

/** What this page holds of one chat's history: a window ending at the newest message, loaded upward by seq. */
export interface ChatHistory {
  messages: Message[];
  outgoing: OutgoingMessage[];
  /** Whether the oldest message has been loaded. */
  complete: boolean;
  loading: boolean;
}

// The most the API gives at once: a long history loads in as few round trips as it can.
const PAGE = 100;
const TYPING_MS = 6000;

export const chats = signal<Map<number, Chat>>(new Map());
export const chatsLoaded = signal(false);
/** The chat on screen: its new messages are read as they come. */
export const openChatId = signal<number | null>(null);
/** Who is typing where: chat → user id → username and until when. */
export const typing = signal<Map<number, Map<number, { username: string; until: number }>>>(new Map());
/** Online people, as presence events and member lists say. */
export const online = signal<Map<number, boolean>>(new Map());

const histories = new Map<number, Signal<ChatHistory>>();

/** Chats by last activity, newest first. */
export const chatList = computed(() => [...chats.value.values()].sort((a, b) => activity(b).localeCompare(activity(a)) || b.id - a.id));
export const unreadTotal = computed(() => [...chats.value.values()].reduce((sum, chat) => sum + chat.unreadCount, 0));

const activity = (chat: Chat) => chat.lastMessage?.createdAt ?? chat.updatedAt;

export function historyOf(chatId: number): Signal<ChatHistory> {
  let history = histories.get(chatId);
  if (!history) {
    history = signal<ChatHistory>({ messages: [], outgoing: [], complete: false, loading: false });
    histories.set(chatId, history);
  }
  return history;
}

/** A chat's title as I see it: a direct chat is named after the other person. */
export function chatTitle(chat: Pick<Chat, 'type' | 'name' | 'members'>): string {
  if (chat.type === 'group') return chat.name ?? 'Group';
  return chat.members.find((m) => m.id !== me.value?.id)?.username ?? 'Chat';
}

export function otherMember(chat: Pick<Chat, 'type' | 'members'>) {
  return chat.type === 'direct' ? chat.members.find((m) => m.id !== me.value?.id) : undefined;
}

function putChat(chat: Chat): void {
  const next = new Map(chats.value);
  next.set(chat.id, chat);
  chats.value = next;
  const seen = new Map(online.value);
  for (const member of chat.members) seen.set(member.id, member.online);
  online.value = seen;
}

/** Merges what an event says of a chat into what I know of it (my own fields stay). */
function mergeShared(shared: SharedChat): void {
  const known = chats.value.get(shared.id);
  putChat({ ...shared, myRole: known?.myRole ?? 'member', lastReadSeq: known?.lastReadSeq ?? 0, unreadCount: known?.unreadCount ?? 0, othersReadSeq: known?.othersReadSeq ?? 0 });
}

export async function loadChats(): Promise<void> {
  const all = new Map<number, Chat>();
  let cursor: string | undefined;
  do {
    const page = await client.unwrap(client.api.GET('/api/v1/chats', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    for (const chat of page.items) all.set(chat.id, chat);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  chats.value = new Map();
  for (const chat of all.values()) putChat(chat);
  chatsLoaded.value = true;
}

export async function refreshChat(chatId: number): Promise<Chat | undefined> {
  const { data } = await client.api.GET('/api/v1/chats/{id}', { params: { path: { id: chatId } } });
  if (data) putChat(data);
  return data;
}

/** Loads the newest page, or the page before the oldest loaded. */
export async function loadOlder(chatId: number): Promise<void> {
  const history = historyOf(chatId);
  if (history.value.loading || history.value.complete) return;
  history.value = { ...history.value, loading: true };
  const oldest = history.value.messages[0]?.seq;
  try {
    const page = await client.unwrap(client.api.GET('/api/v1/chats/{id}/messages', { params: { path: { id: chatId }, query: { limit: PAGE, ...(oldest !== undefined ? { before: oldest } : {}) } } }));
    const current = historyOf(chatId).value;
    history.value = { ...current, messages: mergeMessages(current.messages, page.items), complete: page.items.length < PAGE, loading: false };
  } catch (error) {
    history.value = { ...history.value, loading: false };
    throw error;
  }
}

/** Messages by seq, each once (a later copy of a message replaces the earlier). */
function mergeMessages(known: Message[], incoming: Message[]): Message[] {
  // The usual case, a new message after the newest: no need to sort thousands again.
  const [only] = incoming;
  if (incoming.length === 1 && only && (known.at(-1)?.seq ?? 0) < only.seq) return [...known, only];
  const bySeq = new Map(known.map((m) => [m.seq, m]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Sends over the live socket; while offline it waits in the SDK's queue and goes once, on reconnect. */
export function sendMessage(chatId: number, text: string, attachmentIds?: number[], replyToId?: number): void {
  const clientId = crypto.randomUUID();
  const history = historyOf(chatId);
  history.value = { ...history.value, outgoing: [...history.value.outgoing, { clientId, text, createdAt: new Date().toISOString() }] };
  const options = { clientId, ...(attachmentIds ? { attachmentIds } : {}), ...(replyToId !== undefined ? { replyToId } : {}) };
  realtime.send(chatId, text.trim() === '' ? undefined : text, options).catch((error: unknown) => {
    const current = historyOf(chatId).value;
    history.value = { ...current, outgoing: current.outgoing.map((o) => (o.clientId === clientId ? { ...o, failed: error instanceof Error ? error.message : 'Not sent' } : o)) };
  });
}

export function discardOutgoing(chatId: number, clientId: string): void {
  const history = historyOf(chatId);
  history.value = { ...history.value, outgoing: history.value.outgoing.filter((o) => o.clientId !== clientId) };
}

/** Marks the chat read up to its newest message, and tells the others. */
export function markRead(chatId: number): void {
  const chat = chats.value.get(chatId);
  if (!chat || chat.lastSeq <= chat.lastReadSeq) return;
  putChat({ ...chat, lastReadSeq: chat.lastSeq, unreadCount: 0 });
  realtime.read(chatId, chat.lastSeq);
}

function onMessage(message: Message): void {
  const history = histories.get(message.chatId);
  if (history) {
    const current = history.value;
    history.value = {
      ...current,
      // Kept once the newest page is here or on its way (it will merge with it); a chat never
      // opened loads its newest page when it is.
      messages: current.messages.length > 0 || current.complete || current.loading ? mergeMessages(current.messages, [message]) : current.messages,
      outgoing: message.clientId ? current.outgoing.filter((o) => o.clientId !== message.clientId) : current.outgoing,
    };
  }
  const chat = chats.value.get(message.chatId);
  if (!chat) {
    void refreshChat(message.chatId);
    return;
  }
  const mine = message.sender?.id === me.value?.id;
  const seen = mine || (openChatId.value === message.chatId && document.visibilityState === 'visible');
  const lastSeq = Math.max(chat.lastSeq, message.seq);
  putChat({
    ...chat,
    lastSeq,
    lastMessage: !chat.lastMessage || message.seq >= chat.lastMessage.seq ? message : chat.lastMessage,
    unreadCount: seen ? 0 : message.seq > chat.lastReadSeq ? chat.unreadCount + 1 : chat.unreadCount,
    lastReadSeq: seen ? lastSeq : chat.lastReadSeq,
  });
  if (seen && !mine) realtime.read(message.chatId, message.seq);
  stopTyping(message.chatId, message.sender?.id);
}

function onMessageChanged(message: Message): void {
  const history = histories.get(message.chatId);
  if (history) history.value = { ...history.value, messages: history.value.messages.map((m) => (m.id === message.id ? { ...message, reactions: m.reactions } : m)) };
  const chat = chats.value.get(message.chatId);
  if (chat?.lastMessage?.id === message.id) putChat({ ...chat, lastMessage: message });
}

function stopTyping(chatId: number, userId: number | undefined): void {
  if (userId === undefined) return;
  const inChat = typing.value.get(chatId);
  if (!inChat?.has(userId)) return;
  const next = new Map(typing.value);
  const users = new Map(inChat);
  users.delete(userId);
  next.set(chatId, users);
  typing.value = next;
}

/** The live events, into the state above. */
export function followRealtime(): void {
  realtime.on('message.created', (event) => onMessage(event.message));
  realtime.on('message.updated', (event) => onMessageChanged(event.message));
  realtime.on('message.deleted', (event) => {
    const history = histories.get(event.chatId);
    if (history) history.value = { ...history.value, messages: history.value.messages.map((m) => (m.id === event.messageId ? { ...m, text: null, attachments: [], deletedAt: new Date().toISOString() } : m)) };
  });
  realtime.on('reaction.updated', (event) => {
    const history = histories.get(event.chatId);
    if (!history) return;
    history.value = {
      ...history.value,
      messages: history.value.messages.map((m) => {
        if (m.id !== event.messageId) return m;
        const others = m.reactions.filter((r) => r.emoji !== event.emoji);
        const mine = m.reactions.find((r) => r.emoji === event.emoji)?.me ?? false;
        const me_ = event.userId === me.value?.id ? event.added : mine;
        return { ...m, reactions: event.count > 0 ? [...others, { emoji: event.emoji, count: event.count, me: me_ }] : others };
      }),
    };
  });
  realtime.on('read.updated', (event) => {
    const chat = chats.value.get(event.chatId);
    if (!chat) return;
    if (event.userId === me.value?.id) {
      if (event.lastReadSeq > chat.lastReadSeq) putChat({ ...chat, lastReadSeq: event.lastReadSeq, unreadCount: Math.max(0, chat.lastSeq - event.lastReadSeq) });
    } else if (event.lastReadSeq > chat.othersReadSeq) {
      putChat({ ...chat, othersReadSeq: event.lastReadSeq });
    }
  });
  realtime.on('typing', (event) => {
    if (event.userId === me.value?.id) return;
    const next = new Map(typing.value);
    const users = new Map(next.get(event.chatId) ?? []);
    users.set(event.userId, { username: event.username, until: Date.now() + TYPING_MS });
    next.set(event.chatId, users);
    typing.value = next;
    setTimeout(() => {
      const entry = typing.value.get(event.chatId)?.get(event.userId);
      if (entry && entry.until <= Date.now()) stopTyping(event.chatId, event.userId);
    }, TYPING_MS + 50);
  });
  realtime.on('presence', (event) => {
    const next = new Map(online.value);
    next.set(event.userId, event.online);
    online.value = next;
  });
  realtime.on('chat.created', (event) => mergeShared(event.chat));
  realtime.on('chat.updated', (event) => mergeShared(event.chat));
  realtime.on('chat.deleted', (event) => {
    const next = new Map(chats.value);
    next.delete(event.chatId);
    chats.value = next;
  });
  realtime.on('member.added', (event) => void refreshChat(event.chatId));
  realtime.on('member.removed', (event) => {
    if (event.userId === me.value?.id) {
      const next = new Map(chats.value);
      next.delete(event.chatId);
      chats.value = next;
    } else void refreshChat(event.chatId);
  });
  // Too much was missed to replay: start again from the server's state.
  realtime.on('resync', async () => {
    for (const history of histories.values()) history.value = { ...history.value, messages: [], complete: false };
    await loadChats();
  });
}

/** Forgets everything (signed out). */
export function resetChats(): void {
  chats.value = new Map();
  chatsLoaded.value = false;
  histories.clear();
  typing.value = new Map();
}
