import type { CommentRecord, PostAuthor, PostRecord } from '../../store/posts-repository.js';

export type Post = PostRecord;
export type PostComment = CommentRecord;
export type PostPerson = PostAuthor;

/**
 * What a post tells people live: its author's friends that it exists, its author that it was liked
 * or commented on. Plain JSON, like every event on the bus.
 */
export type PostEvent =
  | { type: 'post.created'; post: Post }
  | { type: 'post.liked'; postId: number; user: PostPerson; likeCount: number }
  | { type: 'comment.created'; postId: number; comment: PostComment };

/** Delivers post events to users wherever they are connected (the realtime layer implements it). */
export interface PostEventSink {
  send(to: number[], event: PostEvent): Promise<void>;
}

/** The image pipeline of posts, as the service uses it (post-images.ts). */
export interface PostImageStore<Prepared> {
  /** Checks and encodes every image, storing nothing; throws validation errors naming the image. */
  prepare(files: Array<{ data: Buffer }>): Promise<Prepared[]>;
  /** Writes the prepared images; on failure removes what it wrote. */
  store(prepared: Prepared[]): Promise<Array<{ key: string; width: number; height: number; placeholder: string }>>;
  remove(images: Array<{ key: string }>): Promise<void>;
}
