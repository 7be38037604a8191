import type { ChatSummary } from '../../services/chats/chat-service.js';
import type { MessageDetails } from '../../services/chats/ports.js';
import { isImageType } from '../../services/image-input.js';
import type { User } from '../../services/users/user.js';
import { avatarView } from '../../views/avatars.js';
import type { AttachmentLinks } from '../../views/chats.js';
import { iso, isoOrNull } from '../../views/scalars.js';

/** 001's JSON, as its serializers wrote it. URLs are absolute: `absolute` puts a path on the API's origin. */
export type Absolute = (path: string) => string;

/** The uploaded picture; null while the user has the generated default, as an empty ImageField is. */
const pictureOf = (user: User, absolute: Absolute) => (user.avatarKey === null ? null : absolute(avatarView(user).large));

/** `second_name` is how the document's answer spells `last_name`; both are there for clients of either. */
export const registeredJson = (user: User) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  first_name: user.firstName,
  last_name: user.lastName,
  second_name: user.lastName,
});

export const meJson = (user: User, absolute: Absolute) => ({
  id: user.id,
  username: user.username,
  first_name: user.firstName,
  last_name: user.lastName,
  last_online: isoOrNull(user.lastSeenAt),
  email: user.email,
  profile_picture: pictureOf(user, absolute),
});

export const profileJson = (user: User, absolute: Absolute) => ({
  username: user.username,
  first_name: user.firstName,
  last_name: user.lastName,
  email: user.email,
  profile_picture: pictureOf(user, absolute),
});

/** A chat as `viewerId` sees it: a direct chat is named after the other person, as chat search finds it. */
export function chatJson(chat: ChatSummary, viewerId: number, users: number[]) {
  const direct = chat.kind === 'direct';
  return {
    id: chat.id,
    name: direct ? (chat.members.find((m) => m.userId !== viewerId)?.username ?? null) : chat.name,
    type: direct ? 'privat' : 'group',
    users,
    created_at: iso(chat.createdAt),
  };
}

/**
 * A message with at most one photo and one file: the first image attached is the photo, and the
 * first other attachment the file (the type comes from the bytes, as for every upload).
 */
export function messageJson(message: MessageDetails, links: AttachmentLinks, absolute: Absolute) {
  const photo = message.attachments.find((a) => isImageType(a.contentType));
  const file = message.attachments.find((a) => a !== photo);
  return {
    id: message.id,
    chat_id: message.chatId,
    from_user: message.senderId,
    text: message.text ?? '',
    created_at: iso(message.createdAt),
    photo: photo ? absolute(links.view(photo).url) : null,
    file: file ? absolute(links.view(file).url) : null,
  };
}
