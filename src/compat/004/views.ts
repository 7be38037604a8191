import type { ChatSummary } from '../../services/chats/chat-service.js';
import type { MessageDetails } from '../../services/chats/ports.js';
import type { Post, PostPerson } from '../../services/posts/ports.js';
import { avatarView } from '../../views/avatars.js';
import type { PostImageLinks } from '../../views/posts.js';
import { iso } from '../../views/scalars.js';
import type { PublicIds } from './public-ids.js';

/** A person as 004's views need them: any of our user shapes has these. */
export type Person = PostPerson & { bio?: string };

/** Puts a path of this API on its public origin: 004's clients are given absolute URLs. */
export type Absolute = (path: string) => string;

/**
 * 004's JSON, as its pydantic models wrote it: ids as UUIDs, pictures as absolute URLs. An e-mail
 * address is shown to its owner only (`null` for anyone else's), which the document's API leaked.
 */
export class Views004 {
  constructor(
    readonly ids: PublicIds,
    private readonly absolute: Absolute,
    /** Who is looking, when someone is signed in. */
    private readonly viewer?: { id: number; email: string },
  ) {}

  avatar(person: Person): string {
    return this.absolute(avatarView(person).large);
  }

  user(person: Person) {
    return { id: this.ids.uuid('user', person.id), username: person.username, email: person.id === this.viewer?.id ? this.viewer.email : null, avatar: this.avatar(person) };
  }

  /** A profile: the user and their description. */
  profile(person: Person) {
    return { ...this.user(person), description: person.bio ?? '' };
  }

  author(person: Person) {
    return { id: this.ids.uuid('user', person.id), username: person.username, avatar: this.avatar(person) };
  }

  post(post: Post, likers: Person[], links: PostImageLinks) {
    return {
      id: this.ids.uuid('post', post.id),
      author: this.author(post.author),
      description: post.text,
      images: post.images.map((image) => this.absolute(links.display(image.key))),
      likes: likers.map((person) => this.user(person)),
      likes_count: post.likeCount,
      created_at: iso(post.createdAt),
      views: post.viewCount,
    };
  }

  /** A chat as the viewer sees it: a direct chat is titled and pictured after the other person. */
  chat(chat: ChatSummary) {
    const other = chat.kind === 'direct' ? chat.members.find((m) => m.userId !== this.viewer?.id) : undefined;
    return {
      id: this.ids.uuid('chat', chat.id),
      title: other ? other.username : (chat.name ?? ''),
      avatar: other ? this.avatar({ ...other, id: other.userId }) : null,
      users: chat.members.map((m) => this.user({ ...m, id: m.userId })),
    };
  }

  /** A message, its sender as `sender` (undefined once their account is gone). */
  message(message: Pick<MessageDetails, 'id' | 'text' | 'createdAt'>, sender: Person | undefined) {
    return {
      id: message.id,
      message: message.text ?? '',
      created_at: iso(message.createdAt),
      user: sender ? this.user(sender) : null,
    };
  }
}
