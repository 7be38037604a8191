import { setImmediate } from 'node:timers/promises';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { engineOf } from './database.js';
import { preparedQuery } from './prepared-query.js';
import type { Database, PostVisibility } from './schema.js';

export type { PostVisibility };

export interface PostImageRecord {
  key: string;
  width: number;
  height: number;
  placeholder: string;
  /** What the image shows, for people who cannot see it; empty when the author gave nothing. */
  alt: string;
}

/** Who wrote a post or a comment, or liked one: enough for a name and an avatar. */
export interface PostAuthor {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  avatarKey: string | null;
}

export interface PostRecord {
  id: number;
  author: PostAuthor;
  text: string;
  visibility: PostVisibility;
  likeCount: number;
  commentCount: number;
  viewCount: number;
  rankAt: number;
  createdAt: number;
  editedAt: number | null;
  images: PostImageRecord[];
  likedByMe: boolean;
}

export interface CommentRecord {
  id: number;
  postId: number;
  author: PostAuthor;
  replyToId: number | null;
  text: string;
  createdAt: number;
}

export interface LikerRecord {
  user: PostAuthor;
  likedAt: number;
}

export type Feed =
  | { kind: 'latest'; after?: { id: number } }
  | { kind: 'friends'; friendIds: readonly number[]; after?: { id: number } }
  | { kind: 'popular'; after?: { rankAt: number; id: number } }
  | { kind: 'author'; authorId: number; after?: { id: number } };

/**
 * How far engagement moves a post forward in the popular feed: a day for each tenfold of likes,
 * comments (twice a like) and views (a tenth of one). The Hacker News idea (engagement against age)
 * in the form that does not change with the clock, so it can be stored and indexed.
 */
const rankAt = sql<number>`created_at + cast(log10(1 + like_count + 2 * comment_count + view_count / 10.0) * 86400000 as bigint)`;

type Posts = ExpressionBuilder<Database, 'posts'>;

/**
 * Posts whose views one statement adds. SQLite runs each statement on the event loop, so it is
 * kept short: a hundred rows take a couple of milliseconds, and requests run between statements.
 */
const VIEW_CHUNK = 100;

/** Whether `viewerId` may see the post: theirs, or not blocked either way and public or a friend's. */
function visibleTo(eb: Posts, viewerId: number): Expression<SqlBool> {
  const blocked = eb.exists(
    eb
      .selectFrom('blocks')
      .select(sql`1`.as('one'))
      .where((b) =>
        b.or([
          b.and([b('blocks.blocker_id', '=', viewerId), b('blocks.blocked_id', '=', b.ref('posts.author_id'))]),
          b.and([b('blocks.blocker_id', '=', b.ref('posts.author_id')), b('blocks.blocked_id', '=', viewerId)]),
        ]),
      ),
  );
  const friend = eb.exists(
    eb.selectFrom('friendships').select(sql`1`.as('one')).where('friendships.user_id', '=', viewerId).whereRef('friendships.friend_id', '=', 'posts.author_id'),
  );
  return eb.or([eb('posts.author_id', '=', viewerId), eb.and([eb.not(blocked), eb.or([eb('posts.visibility', '=', 'public'), friend])])]);
}

const authorColumns = ['users.username as authorUsername', 'users.first_name as authorFirstName', 'users.last_name as authorLastName', 'users.avatar_key as authorAvatarKey'] as const;

interface AuthorRow {
  authorId: number;
  authorUsername: string;
  authorFirstName: string;
  authorLastName: string;
  authorAvatarKey: string | null;
}

const authorOf = (row: AuthorRow): PostAuthor => ({
  id: Number(row.authorId),
  username: row.authorUsername,
  firstName: row.authorFirstName,
  lastName: row.authorLastName,
  avatarKey: row.authorAvatarKey,
});

const postColumns = [
  'posts.id',
  'posts.author_id as authorId',
  ...authorColumns,
  'posts.text',
  'posts.visibility',
  'posts.like_count as likeCount',
  'posts.comment_count as commentCount',
  'posts.view_count as viewCount',
  'posts.rank_at as rankAt',
  'posts.created_at as createdAt',
  'posts.edited_at as editedAt',
] as const;

/** Posts, their images, likes and comments. Who may see what is decided here, in the queries. */
export class PostsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a post and its images at once. */
  async create(post: { authorId: number; text: string; visibility: PostVisibility; images: readonly PostImageRecord[]; now: number }): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('posts')
        .values({ author_id: post.authorId, text: post.text, visibility: post.visibility, rank_at: post.now, created_at: post.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (post.images.length > 0) {
        await tx
          .insertInto('post_images')
          .values(post.images.map((image, position) => ({ post_id: id, position, blob_key: image.key, width: image.width, height: image.height, placeholder: image.placeholder, alt: image.alt })))
          .execute();
      }
      return Number(id);
    });
  }

  /** The post if `viewerId` may see it. */
  async find(postId: number, viewerId: number): Promise<PostRecord | undefined> {
    const [row] = await this.byId({ postId, viewerId });
    return row && toPost(row);
  }

  /** A page of a feed, as `viewerId` may see it, in the feed's order. */
  async feed(feed: Feed, viewerId: number, limit: number): Promise<PostRecord[]> {
    // No cursor is a cursor past the newest post: one query text per feed, whichever page.
    const beforeId = feed.after?.id ?? Number.MAX_SAFE_INTEGER;
    let rows: PostRow[];
    switch (feed.kind) {
      case 'latest':
        rows = await this.latest({ viewerId, beforeId, limit });
        break;
      case 'author':
        rows = await this.byAuthor({ viewerId, authorId: feed.authorId, beforeId, limit });
        break;
      case 'popular':
        rows = await this.popular({ viewerId, beforeRank: feed.after?.rankAt ?? Number.MAX_SAFE_INTEGER, beforeId, limit });
        break;
      case 'friends': {
        const authors = [viewerId, ...feed.friendIds];
        rows = engineOf(this.db) === 'postgres' ? await this.friendsOnPostgres({ viewerId, authors, beforeId, limit }) : await this.friendsOnSqlite(viewerId, authors, beforeId, limit);
        break;
      }
    }
    return rows.map(toPost);
  }

  private readonly byId = preparedQuery<{ postId: number; viewerId: number }, PostRow>(() => this.db, (slot) =>
    this.posts(slot('viewerId'))
      .where('posts.id', '=', slot('postId'))
      .where((eb) => visibleTo(eb, slot('viewerId'))),
  );

  private readonly latest = preparedQuery<{ viewerId: number; beforeId: number; limit: number }, PostRow>(() => this.db, (slot) =>
    newestFirst(
      this.posts(slot('viewerId')).where((eb) => visibleTo(eb, slot('viewerId'))),
      slot('beforeId'),
      slot('limit'),
    ),
  );

  private readonly byAuthor = preparedQuery<{ viewerId: number; authorId: number; beforeId: number; limit: number }, PostRow>(() => this.db, (slot) =>
    newestFirst(
      this.posts(slot('viewerId'))
        .where((eb) => visibleTo(eb, slot('viewerId')))
        .where('posts.author_id', '=', slot('authorId')),
      slot('beforeId'),
      slot('limit'),
    ),
  );

  /** A row-value comparison, so both engines seek posts_rank_at to the cursor instead of filtering from the top. */
  private readonly popular = preparedQuery<{ viewerId: number; beforeRank: number; beforeId: number; limit: number }, PostRow>(() => this.db, (slot) =>
    this.posts(slot('viewerId'))
      .where((eb) => visibleTo(eb, slot('viewerId')))
      .where((eb) => eb(eb.refTuple('posts.rank_at', 'posts.id'), '<', eb.tuple(slot('beforeRank'), slot('beforeId'))))
      .orderBy('posts.rank_at', 'desc')
      .orderBy('posts.id', 'desc')
      .limit(slot('limit')),
  );

  // The friends feed: my friends and I see each other's posts, whatever their visibility (a block
  // ends a friendship). The authors are named, so each is a short walk of posts_author_id (however
  // rarely they post), not a walk of every post looking for theirs. PostgreSQL is told so, with the
  // newest `limit` posts of each author (a LATERAL top-N) as candidates; SQLite plans its IN list so.
  private readonly friendsOnPostgres = preparedQuery<{ viewerId: number; authors: number[]; beforeId: number; limit: number }, PostRow>(() => this.db, (slot) =>
    this.posts(slot('viewerId'))
      .where(
        'posts.id',
        'in',
        // The page's ids are chosen in here (the newest of the candidates), so the outer query
        // fetches exactly those rows instead of walking posts from the newest, testing each.
        sql<number>`(select p.id from unnest(cast(${slot('authors')} as bigint[])) as a(author_id)
          cross join lateral (select id from posts where posts.author_id = a.author_id and posts.id < ${slot('beforeId')} order by id desc limit ${slot('limit')}) p
          order by p.id desc limit ${slot('limit')})`,
      )
      .orderBy('posts.id', 'desc')
      .limit(slot('limit')),
    // A plan kept for any number of friends was a poor one for most (the feed got ten times slower).
    { keepPlan: false },
  );

  /** An IN list has a length of its own, so this one is built each time. */
  private friendsOnSqlite(viewerId: number, authors: number[], beforeId: number, limit: number): Promise<PostRow[]> {
    return newestFirst(this.posts(viewerId).where('posts.author_id', 'in', authors), beforeId, limit).execute();
  }

  /** Changes the author's own post; false when it is not theirs or does not exist. */
  async update(postId: number, authorId: number, changes: { text?: string; visibility?: PostVisibility }, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('posts')
      .set({ ...changes, edited_at: now })
      .where('id', '=', postId)
      .where('author_id', '=', authorId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes the author's own post with its likes and comments; the keys of its images, or undefined when it was not theirs. */
  async delete(postId: number, authorId: number): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const images = await tx.selectFrom('post_images').select('blob_key').where('post_id', '=', postId).execute();
      const result = await tx.deleteFrom('posts').where('id', '=', postId).where('author_id', '=', authorId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1 ? images.map((image) => image.blob_key) : undefined;
    });
  }

  /** The image keys of every post of a user (their account is going: the rows go with it, the files do not). */
  async imageKeysOfAuthor(authorId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('post_images')
      .innerJoin('posts', 'posts.id', 'post_images.post_id')
      .select('post_images.blob_key')
      .where('posts.author_id', '=', authorId)
      .execute();
    return rows.map((row) => row.blob_key);
  }

  /** Likes the post; false when it was liked already (nothing changes). */
  async like(postId: number, userId: number, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('post_likes')
        .values({ post_id: postId, user_id: userId, created_at: now })
        .onConflict((oc) => oc.columns(['post_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await tx.updateTable('posts').set((eb) => ({ like_count: eb('like_count', '+', 1) })).where('id', '=', postId).execute();
      await tx.updateTable('posts').set({ rank_at: rankAt }).where('id', '=', postId).execute();
      return true;
    });
  }

  /** Takes the like back; false when there was none. */
  async unlike(postId: number, userId: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const deleted = await tx.deleteFrom('post_likes').where('post_id', '=', postId).where('user_id', '=', userId).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) return false;
      await tx.updateTable('posts').set((eb) => ({ like_count: eb('like_count', '-', 1) })).where('id', '=', postId).execute();
      await tx.updateTable('posts').set({ rank_at: rankAt }).where('id', '=', postId).execute();
      return true;
    });
  }

  /** Who liked the post, newest first, without the people `viewerId` blocked or is blocked by. */
  async likers(postId: number, viewerId: number, limit: number, after?: { likedAt: number; userId: number }): Promise<LikerRecord[]> {
    let query = this.db
      .selectFrom('post_likes')
      .innerJoin('users', 'users.id', 'post_likes.user_id')
      .select(['post_likes.user_id as authorId', ...authorColumns, 'post_likes.created_at as likedAt'])
      .where('post_likes.post_id', '=', postId)
      .where((eb) => eb.not(blockedEither(eb, viewerId, eb.ref('post_likes.user_id'))));
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('post_likes.created_at', '<', after.likedAt), eb.and([eb('post_likes.created_at', '=', after.likedAt), eb('post_likes.user_id', '<', after.userId)])]),
      );
    }
    const rows = await query.orderBy('post_likes.created_at', 'desc').orderBy('post_likes.user_id', 'desc').limit(limit).execute();
    return rows.map((row) => ({ user: authorOf(row), likedAt: row.likedAt }));
  }

  /** Adds a comment; undefined when `replyToId` is not a comment of this post. */
  async addComment(comment: { postId: number; authorId: number; text: string; replyToId: number | null; now: number }): Promise<CommentRecord | undefined> {
    const id = await this.db.transaction().execute(async (tx) => {
      if (comment.replyToId !== null) {
        const parent = await tx.selectFrom('post_comments').select('id').where('id', '=', comment.replyToId).where('post_id', '=', comment.postId).executeTakeFirst();
        if (!parent) return undefined;
      }
      const row = await tx
        .insertInto('post_comments')
        .values({ post_id: comment.postId, author_id: comment.authorId, reply_to_id: comment.replyToId, text: comment.text, created_at: comment.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx.updateTable('posts').set((eb) => ({ comment_count: eb('comment_count', '+', 1) })).where('id', '=', comment.postId).execute();
      await tx.updateTable('posts').set({ rank_at: rankAt }).where('id', '=', comment.postId).execute();
      return Number(row.id);
    });
    return id === undefined ? undefined : this.comment(id);
  }

  /** The post's comments, oldest first, without those of people `viewerId` blocked or is blocked by. */
  async comments(postId: number, viewerId: number, limit: number, after?: number): Promise<CommentRecord[]> {
    let query = this.commentQuery()
      .where('post_comments.post_id', '=', postId)
      .where((eb) => eb.not(blockedEither(eb, viewerId, eb.ref('post_comments.author_id'))));
    if (after !== undefined) query = query.where('post_comments.id', '>', after);
    return (await query.orderBy('post_comments.id', 'asc').limit(limit).execute()).map(toComment);
  }

  async comment(id: number): Promise<CommentRecord | undefined> {
    const row = await this.commentQuery().where('post_comments.id', '=', id).executeTakeFirst();
    return row && toComment(row);
  }

  /** Deletes a comment of the post if `userId` wrote it or wrote the post; false otherwise. */
  async deleteComment(postId: number, commentId: number, userId: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const result = await tx
        .deleteFrom('post_comments')
        .where('id', '=', commentId)
        .where('post_id', '=', postId)
        .where((eb) =>
          eb.or([
            eb('author_id', '=', userId),
            eb.exists(eb.selectFrom('posts').select(sql`1`.as('one')).where('posts.id', '=', postId).where('posts.author_id', '=', userId)),
          ]),
        )
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      await tx.updateTable('posts').set((eb) => ({ comment_count: eb('comment_count', '-', 1) })).where('id', '=', postId).execute();
      await tx.updateTable('posts').set({ rank_at: rankAt }).where('id', '=', postId).execute();
      return true;
    });
  }

  /**
   * Adds counted views, a few hundred posts to a statement (`UPDATE … FROM (VALUES …)`), yielding
   * between statements so that a large batch does not hold the server (SQLite runs on its thread).
   */
  async addViews(views: ReadonlyMap<number, number>): Promise<void> {
    const entries = [...views];
    for (let start = 0; start < entries.length; start += VIEW_CHUNK) {
      const rows = entries.slice(start, start + VIEW_CHUNK).map(([postId, count]) => sql`(cast(${postId} as bigint), cast(${count} as integer))`);
      // SET reads the old row, so the rank is computed from the new count.
      await sql`update posts set view_count = view_count + v.column2,
          rank_at = created_at + cast(log10(1 + like_count + 2 * comment_count + (view_count + v.column2) / 10.0) * 86400000 as bigint)
        from (values ${sql.join(rows)}) as v where posts.id = v.column1`.execute(this.db);
      if (start + VIEW_CHUNK < entries.length) await setImmediate();
    }
  }

  private commentQuery() {
    return this.db
      .selectFrom('post_comments')
      .innerJoin('users', 'users.id', 'post_comments.author_id')
      .select([
        'post_comments.id',
        'post_comments.post_id as postId',
        'post_comments.author_id as authorId',
        ...authorColumns,
        'post_comments.reply_to_id as replyToId',
        'post_comments.text',
        'post_comments.created_at as createdAt',
      ]);
  }

  /**
   * Posts with their author, whether `viewerId` likes each, and their images: one query, whatever
   * the page size (a post read by id is the hottest read there is).
   */
  private posts(viewerId: number) {
    const images =
      engineOf(this.db) === 'postgres'
        ? sql<string | null>`(select json_agg(json_build_array(position, blob_key, width, height, placeholder, alt)) from post_images where post_id = posts.id)`
        : sql<string | null>`(select json_group_array(json_array(position, blob_key, width, height, placeholder, alt)) from post_images where post_id = posts.id)`;
    return this.db
      .selectFrom('posts')
      .innerJoin('users', 'users.id', 'posts.author_id')
      .select(postColumns)
      .select((eb) => [
        eb
          .exists(eb.selectFrom('post_likes').select(sql`1`.as('one')).whereRef('post_likes.post_id', '=', 'posts.id').where('post_likes.user_id', '=', viewerId))
          .as('likedByMe'),
        images.as('images'),
      ]);
  }
}

/** A page of posts older than the cursor's, newest first: how every feed but the popular one pages. */
function newestFirst<O>(query: SelectQueryBuilder<Database, 'posts' | 'users', O>, beforeId: number, limit: number) {
  return query.where('posts.id', '<', beforeId).orderBy('posts.id', 'desc').limit(limit);
}

type PostRow = AuthorRow & Omit<PostRecord, 'author' | 'images' | 'likedByMe'> & { likedByMe: unknown; images: unknown };

/** An image as the query packs it: [position, key, width, height, placeholder]. */
type PackedImage = [number, string, number, number, string, string];

function toPost({ authorId, authorUsername, authorFirstName, authorLastName, authorAvatarKey, likedByMe, images, ...post }: PostRow): PostRecord {
  // SQLite answers JSON as text, PostgreSQL's driver parses it; no images is [] on one and null on the other.
  const packed = (typeof images === 'string' ? JSON.parse(images) : (images ?? [])) as PackedImage[];
  return {
    ...post,
    id: Number(post.id),
    author: authorOf({ authorId, authorUsername, authorFirstName, authorLastName, authorAvatarKey }),
    images: packed.sort((a, b) => a[0] - b[0]).map(([, key, width, height, placeholder, alt]) => ({ key, width, height, placeholder, alt })),
    likedByMe: likedByMe === true || likedByMe === 1,
  };
}

const toComment = ({ authorId, authorUsername, authorFirstName, authorLastName, authorAvatarKey, ...comment }: AuthorRow & Omit<CommentRecord, 'author'>): CommentRecord => ({
  ...comment,
  id: Number(comment.id),
  author: authorOf({ authorId, authorUsername, authorFirstName, authorLastName, authorAvatarKey }),
});

/** Whether a block stands between `viewerId` and the user in `other`, either way. */
function blockedEither<DB extends Database, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, viewerId: number, other: Expression<number>): Expression<SqlBool> {
  const e = eb as unknown as ExpressionBuilder<Database, never>;
  return e.exists(
    e
      .selectFrom('blocks')
      .select(sql`1`.as('one'))
      .where((b) => b.or([b.and([b('blocker_id', '=', viewerId), b('blocked_id', '=', other)]), b.and([b('blocker_id', '=', other), b('blocked_id', '=', viewerId)])])),
  );
}
