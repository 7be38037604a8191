import type { Clock } from '../../adapters/clock.js';
import type { Feed, PostsRepository, PostVisibility } from '../../store/posts-repository.js';
import type { SocialRepository } from '../../store/social-repository.js';
import { forbidden, notFound, validationError } from '../errors.js';
import type { Post, PostComment, PostEventSink, PostImageStore, PostPerson } from './ports.js';
import type { ViewCounter } from './view-counter.js';

export const POST_TEXT_MAX = 5000;
export const POST_IMAGES_MAX = 10;
export const COMMENT_TEXT_MAX = 2000;
/** An image's description, as long as Mastodon allows. */
export const IMAGE_ALT_MAX = 1500;

export type FeedKind = 'latest' | 'friends' | 'popular';

export interface PostServiceDeps<Prepared> {
  posts: Pick<
    PostsRepository,
    'create' | 'find' | 'feed' | 'update' | 'delete' | 'imageKeysOfAuthor' | 'like' | 'unlike' | 'likers' | 'addComment' | 'comments' | 'comment' | 'deleteComment'
  >;
  social: Pick<SocialRepository, 'friendIds' | 'isBlockedBetween'>;
  /** A user as posts show them; undefined when there is none. */
  person: (userId: number) => Promise<PostPerson | undefined>;
  images: PostImageStore<Prepared>;
  events: PostEventSink;
  views: Pick<ViewCounter, 'saw'>;
  clock: Clock;
}

const postNotFound = () => notFound('post_not_found', 'No such post');
const commentNotFound = () => notFound('comment_not_found', 'No such comment');
const characters = (text: string) => [...text].length;

/**
 * Posts with images, the feeds, likes, comments and views. Who may see a post is decided in the
 * store's queries (author, friends-only, blocks either way); a post one may not see is a 404, as if
 * it did not exist.
 */
export class PostService<Prepared> {
  constructor(private readonly deps: PostServiceDeps<Prepared>) {}

  /** Checks every image first, then stores the files, then the post: all of it or nothing. */
  async create(authorId: number, input: { text?: string; visibility?: PostVisibility; images: Array<{ data: Buffer; alt?: string | undefined }> }): Promise<Post> {
    const text = (input.text ?? '').trim();
    if (text === '' && input.images.length === 0) {
      throw validationError('post_empty', 'A post needs text, images, or both', [{ field: 'text', message: 'is required without images' }]);
    }
    if (characters(text) > POST_TEXT_MAX) {
      throw validationError('validation_failed', `text must be at most ${POST_TEXT_MAX} characters`, [{ field: 'text', message: `must be at most ${POST_TEXT_MAX} characters` }]);
    }
    if (input.images.length > POST_IMAGES_MAX) {
      throw validationError('too_many_images', `A post has at most ${POST_IMAGES_MAX} images`, [{ field: 'images', message: `must be at most ${POST_IMAGES_MAX}` }]);
    }
    const alts = input.images.map((image) => (image.alt ?? '').trim());
    alts.forEach((alt, i) => {
      if (characters(alt) > IMAGE_ALT_MAX) {
        throw validationError('validation_failed', `An image description has at most ${IMAGE_ALT_MAX} characters`, [{ field: `alt[${i}]`, message: `must be at most ${IMAGE_ALT_MAX} characters` }]);
      }
    });
    const { images, posts, clock } = this.deps;
    const prepared = await images.prepare(input.images);
    const stored = await images.store(prepared);
    let postId: number;
    try {
      const described = stored.map((image, i) => ({ ...image, alt: alts[i] ?? '' }));
      postId = await posts.create({ authorId, text, visibility: input.visibility ?? 'public', images: described, now: clock.now() });
    } catch (error) {
      await images.remove(stored);
      throw error;
    }
    const post = await this.visible(authorId, postId);
    await this.deps.events.send(await this.deps.social.friendIds(authorId), { type: 'post.created', post });
    return post;
  }

  /** One post, counted as a view. */
  async get(viewerId: number, postId: number): Promise<Post> {
    const post = await this.visible(viewerId, postId);
    this.deps.views.saw(viewerId, [post]);
    return post;
  }

  /** A page of a feed; each post on it counts as a view. */
  async feed(viewerId: number, kind: FeedKind, limit: number, after?: { id: number; rankAt?: number }): Promise<Post[]> {
    const feed: Feed =
      kind === 'popular'
        ? { kind, after: after && after.rankAt !== undefined ? { rankAt: after.rankAt, id: after.id } : undefined }
        : kind === 'friends'
          ? { kind, friendIds: await this.deps.social.friendIds(viewerId), after: after && { id: after.id } }
          : { kind, after: after && { id: after.id } };
    const items = await this.deps.posts.feed(feed, viewerId, limit);
    this.deps.views.saw(viewerId, items);
    return items;
  }

  /** A person's posts, as the viewer may see them; 404 for someone unknown or across a block. */
  async byAuthor(viewerId: number, authorId: number, limit: number, after?: number): Promise<Post[]> {
    const hidden = authorId !== viewerId && (await this.deps.social.isBlockedBetween(viewerId, authorId));
    if (hidden || !(await this.deps.person(authorId))) throw notFound('user_not_found', 'No such user');
    const items = await this.deps.posts.feed({ kind: 'author', authorId, after: after === undefined ? undefined : { id: after } }, viewerId, limit);
    this.deps.views.saw(viewerId, items);
    return items;
  }

  async update(userId: number, postId: number, changes: { text?: string; visibility?: PostVisibility }): Promise<Post> {
    const post = await this.visible(userId, postId);
    if (post.author.id !== userId) throw forbidden('not_post_author', 'Only its author can change a post');
    const text = changes.text?.trim();
    if (text !== undefined && text === '' && post.images.length === 0) {
      throw validationError('post_empty', 'A post without images needs text', [{ field: 'text', message: 'must not be empty' }]);
    }
    await this.deps.posts.update(postId, userId, { ...(text !== undefined ? { text } : {}), ...(changes.visibility ? { visibility: changes.visibility } : {}) }, this.deps.clock.now());
    return this.visible(userId, postId);
  }

  /** Deletes the author's post, its likes and comments, then its image files. */
  async delete(userId: number, postId: number): Promise<void> {
    const post = await this.visible(userId, postId);
    if (post.author.id !== userId) throw forbidden('not_post_author', 'Only its author can delete a post');
    const keys = await this.deps.posts.delete(postId, userId);
    if (keys) await this.deps.images.remove(keys.map((key) => ({ key })));
  }

  /** Likes a post (again is fine); the author hears of a new like. */
  async like(userId: number, postId: number): Promise<Post> {
    await this.visible(userId, postId);
    const added = await this.deps.posts.like(postId, userId, this.deps.clock.now());
    const post = await this.visible(userId, postId);
    if (added && post.author.id !== userId) {
      const liker = await this.deps.person(userId);
      if (liker) await this.deps.events.send([post.author.id], { type: 'post.liked', postId, user: liker, likeCount: post.likeCount });
    }
    return post;
  }

  async unlike(userId: number, postId: number): Promise<Post> {
    await this.visible(userId, postId);
    await this.deps.posts.unlike(postId, userId);
    return this.visible(userId, postId);
  }

  async likers(viewerId: number, postId: number, limit: number, after?: { likedAt: number; userId: number }) {
    await this.visible(viewerId, postId);
    return this.deps.posts.likers(postId, viewerId, limit, after);
  }

  async comment(userId: number, postId: number, input: { text: string; replyToId?: number }): Promise<PostComment> {
    const post = await this.visible(userId, postId);
    const text = input.text.trim();
    if (text === '' || characters(text) > COMMENT_TEXT_MAX) {
      throw validationError('validation_failed', `text must be 1 to ${COMMENT_TEXT_MAX} characters`, [{ field: 'text', message: `must be 1 to ${COMMENT_TEXT_MAX} characters` }]);
    }
    const comment = await this.deps.posts.addComment({ postId, authorId: userId, text, replyToId: input.replyToId ?? null, now: this.deps.clock.now() });
    if (!comment) throw validationError('reply_not_found', 'replyToId is not a comment of this post', [{ field: 'replyToId', message: 'is not a comment of this post' }]);
    if (post.author.id !== userId) await this.deps.events.send([post.author.id], { type: 'comment.created', postId, comment });
    return comment;
  }

  async comments(viewerId: number, postId: number, limit: number, after?: number): Promise<PostComment[]> {
    await this.visible(viewerId, postId);
    return this.deps.posts.comments(postId, viewerId, limit, after);
  }

  /** The comment's author or the post's author may delete it. */
  async deleteComment(userId: number, postId: number, commentId: number): Promise<void> {
    await this.visible(userId, postId);
    const comment = await this.deps.posts.comment(commentId);
    if (!comment || comment.postId !== postId) throw commentNotFound();
    if (!(await this.deps.posts.deleteComment(postId, commentId, userId))) {
      throw forbidden('not_comment_author', 'Only the comment’s author or the post’s author can delete a comment');
    }
  }

  /** The image files of every post of an account that is going (its rows go with the account). */
  async removeAccount(userId: number): Promise<void> {
    const keys = await this.deps.posts.imageKeysOfAuthor(userId);
    await this.deps.images.remove(keys.map((key) => ({ key })));
  }

  private async visible(viewerId: number, postId: number): Promise<Post> {
    const post = await this.deps.posts.find(postId, viewerId);
    if (!post) throw postNotFound();
    return post;
  }
}
