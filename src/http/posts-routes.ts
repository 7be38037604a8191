import { Type } from 'typebox';
import type { PostService } from '../services/posts/post-service.js';
import { COMMENT_TEXT_MAX, IMAGE_ALT_MAX, POST_IMAGES_MAX, POST_TEXT_MAX } from '../services/posts/post-service.js';
import { validationError } from '../services/errors.js';
import { CommentView, PostPersonView, PostView, commentView, postPersonView, postView, type PostImageLinks } from '../views/posts.js';
import { principalOf } from './auth/authenticate.js';
import { Cursor, decodeCursor, encodeCursor } from './cursors.js';
import { acceptFiles, isFileTooLarge, readParts, refuseUnfitBody, sendFileTooLarge } from './multipart.js';
import { Id, Timestamp, problems, iso } from './schemas.js';
import type { HttpServer } from './server.js';
import { findUnstorableText } from './untrusted-input.js';

export interface PostRouteDeps {
  posts: PostService<unknown>;
  links: PostImageLinks;
  /** The largest image file accepted (MAX_UPLOAD_BYTES). */
  maxImageBytes: number;
}

const Visibility = Type.Union([Type.Literal('public'), Type.Literal('friends')], { description: '`friends`: only the author’s friends (and the author) see it' });
const PostParams = Type.Object({ id: Id }, { additionalProperties: false });
const CommentParams = Type.Object({ postId: Id, id: Id }, { additionalProperties: false });
const Page = (items: Parameters<typeof Type.Array>[0]) =>
  Type.Object({ items: Type.Array(items), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last' }) });
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
const pageQuery = () => Type.Object({ cursor: Type.Optional(Cursor), limit: Limit }, { additionalProperties: false });
const FeedQuery = Type.Object(
  {
    feed: Type.Union([Type.Literal('latest'), Type.Literal('friends'), Type.Literal('popular')], { default: 'latest' }),
    cursor: Type.Optional(Cursor),
    limit: Limit,
  },
  { additionalProperties: false },
);

/** The cursor after a page's last item when the page is full (there may be more). */
const nextCursor = <T>(items: readonly T[], limit: number, values: (last: T) => Array<string | number>) => {
  const last = items.at(-1);
  return items.length === limit && last !== undefined ? encodeCursor(values(last)) : null;
};

/** `/api/v1/posts`: posts with images, the feeds, likes and comments; `/api/v1/users/:id/posts`. */
export async function registerPostRoutes(app: HttpServer, deps: PostRouteDeps): Promise<void> {
  const { posts, links, maxImageBytes } = deps;
  const tags = ['posts'];
  const view = (post: Parameters<typeof postView>[0]) => postView(post, links);
  const maxBody = maxImageBytes * (POST_IMAGES_MAX + 1);
  // Text, visibility and one description per image (each at most 4 bytes per character).
  await acceptFiles(app, { maxBytes: maxImageBytes, files: POST_IMAGES_MAX + 1, fieldSize: POST_TEXT_MAX * 4, fields: 2 + POST_IMAGES_MAX + 1 });

  app.post(
    '/posts',
    {
      onRequest: async (request, reply) => refuseUnfitBody(request, reply, maxBody),
      schema: {
        tags,
        operationId: 'createPost',
        summary: 'Publish a post: text, up to 10 images, or both (multipart/form-data)',
        description:
          `Fields: \`text\` (up to ${POST_TEXT_MAX} characters), \`visibility\` (\`public\`, the default, or \`friends\`), and up to ` +
          `${POST_IMAGES_MAX} image files (any field name; PNG, JPEG, WebP or GIF, read from the bytes). Each image is stored upright ` +
          'and without metadata as a WebP of at most 1,600 px and a 400 px thumbnail, with a ThumbHash placeholder. `alt[i]` describes ' +
          `the i-th image (from 0; up to ${IMAGE_ALT_MAX} characters) for people who cannot see it. One bad image ` +
          'refuses the whole post (the field names it: `images[2]`), and nothing is stored. The author’s friends get `post.created`.',
        multipartBody: Type.Object(
          {
            text: Type.Optional(Type.String({ maxLength: POST_TEXT_MAX, description: 'The text; may be empty with images' })),
            visibility: Type.Optional(Visibility),
            'alt[0]': Type.Optional(Type.String({ maxLength: IMAGE_ALT_MAX, description: 'What the first image shows (`alt[1]` the second, and so on): its alt text' })),
            'images[]': Type.Optional(
              Type.Array(Type.String({ format: 'binary' }), {
                maxItems: POST_IMAGES_MAX,
                description: 'Image files (the field name is free; `images[]` is conventional): PNG, JPEG, WebP or GIF',
              }),
            ),
          },
          { additionalProperties: false, description: 'Text, images, or both' },
        ),
        response: { 201: PostView, ...problems('post_empty', 'too_many_images', 'too_many_parts', 'empty_file', ['invalid_image', 400], ['unsupported_image', 400], ['image_too_large', 400]) },
      },
    },
    async (request, reply) => {
      let parts: Awaited<ReturnType<typeof readParts>>;
      try {
        parts = await readParts(request, { tooManyFiles: tooManyImages });
      } catch (error) {
        if (isFileTooLarge(error)) return sendFileTooLarge(request, reply, maxImageBytes);
        throw error;
      }
      const text = parts.fields.get('text');
      const visibility = parts.fields.get('visibility');
      const alts: Array<string | undefined> = [];
      for (const [field, value] of parts.fields) {
        const altOf = /^alt\[(\d{1,2})\]$/.exec(field);
        if (altOf) {
          if (Number(altOf[1]) >= parts.files.length) throw validationError('validation_failed', `${field} describes no image`, [{ field, message: 'has no image at this position' }]);
          alts[Number(altOf[1])] = value;
        } else if (!['text', 'visibility'].includes(field)) throw validationError('validation_failed', `${field} is not a field of a post`, [{ field, message: 'is not allowed' }]);
        if (findUnstorableText(value) !== undefined) throw validationError('validation_failed', `${field} has characters that cannot be stored`, [{ field, message: 'must be valid text' }]);
      }
      if (visibility !== undefined && visibility !== 'public' && visibility !== 'friends') {
        throw validationError('validation_failed', 'visibility must be public or friends', [{ field: 'visibility', message: 'must be public or friends' }]);
      }
      const post = await posts.create(principalOf(request).userId, { text, visibility, images: parts.files.map((file, i) => ({ data: file.data, alt: alts[i] })) });
      return reply.code(201).send(view(post));
    },
  );

  app.get(
    '/posts',
    {
      schema: {
        tags,
        operationId: 'listPosts',
        summary: 'A feed: `latest` (everything I may see), `friends` (my friends’ and mine) or `popular`',
        description:
          '`popular` ranks each post at its creation time moved a day forward for every tenfold of engagement (likes, comments ' +
          'counted twice, views a tenth): a post from yesterday with a few dozen likes stands above a silent one from a minute ago. ' +
          'Every post on a page counts as a view (once per viewer and post an hour).',
        querystring: FeedQuery,
        response: { 200: Page(PostView), ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { feed, limit, cursor } = request.query;
      const userId = principalOf(request).userId;
      if (feed === 'popular') {
        const after = cursor ? decodeCursor(cursor, ['int', 'int'] as const) : undefined;
        const items = await posts.feed(userId, feed, limit, after && { rankAt: after[0], id: after[1] });
        return { items: items.map(view), nextCursor: nextCursor(items, limit, (last) => [last.rankAt, last.id]) };
      }
      const after = cursor ? decodeCursor(cursor, ['int'] as const) : undefined;
      const items = await posts.feed(userId, feed, limit, after && { id: after[0] });
      return { items: items.map(view), nextCursor: nextCursor(items, limit, (last) => [last.id]) };
    },
  );

  app.get(
    '/users/:id/posts',
    {
      schema: { tags, operationId: 'listUserPosts', summary: 'A person’s posts, newest first, as I may see them', params: PostParams, querystring: pageQuery(), response: { 200: Page(PostView), ...problems('invalid_cursor', ['user_not_found', 404]) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int'] as const)[0] : undefined;
      const items = await posts.byAuthor(principalOf(request).userId, request.params.id, limit, after);
      return { items: items.map(view), nextCursor: nextCursor(items, limit, (last) => [last.id]) };
    },
  );

  app.get(
    '/posts/:id',
    { schema: { tags, operationId: 'getPost', summary: 'One post (404 when I may not see it)', params: PostParams, response: { 200: PostView, ...problems('post_not_found') } } },
    async (request) => view(await posts.get(principalOf(request).userId, request.params.id)),
  );

  app.patch(
    '/posts/:id',
    {
      schema: {
        tags,
        operationId: 'updatePost',
        summary: 'Change my post’s text or visibility',
        params: PostParams,
        body: Type.Object(
          { text: Type.Optional(Type.String({ maxLength: POST_TEXT_MAX })), visibility: Type.Optional(Visibility) },
          { additionalProperties: false, minProperties: 1, 'x-message': 'change text, visibility or both' },
        ),
        response: { 200: PostView, ...problems('post_not_found', 'not_post_author', 'post_empty') },
      },
    },
    async (request) => view(await posts.update(principalOf(request).userId, request.params.id, request.body)),
  );

  app.delete(
    '/posts/:id',
    {
      schema: { tags, operationId: 'deletePost', summary: 'Delete my post, its images, likes and comments', params: PostParams, response: { 204: Type.Null(), ...problems('post_not_found', 'not_post_author') } },
    },
    async (request, reply) => {
      await posts.delete(principalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/posts/:id/like',
    { schema: { tags, operationId: 'likePost', summary: 'Like a post (again changes nothing); its author gets `post.liked`', params: PostParams, response: { 200: PostView, ...problems('post_not_found') } } },
    async (request) => view(await posts.like(principalOf(request).userId, request.params.id)),
  );

  app.delete(
    '/posts/:id/like',
    { schema: { tags, operationId: 'unlikePost', summary: 'Take my like back (none is fine)', params: PostParams, response: { 200: PostView, ...problems('post_not_found') } } },
    async (request) => view(await posts.unlike(principalOf(request).userId, request.params.id)),
  );

  const Liker = Type.Object({ user: PostPersonView, likedAt: Timestamp });
  app.get(
    '/posts/:id/likes',
    { schema: { tags, operationId: 'listPostLikes', summary: 'Who liked a post, newest first', params: PostParams, querystring: pageQuery(), response: { 200: Page(Liker), ...problems('post_not_found', 'invalid_cursor') } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int', 'int'] as const) : undefined;
      const items = await posts.likers(principalOf(request).userId, request.params.id, limit, after && { likedAt: after[0], userId: after[1] });
      return {
        items: items.map((like) => ({ user: postPersonView(like.user), likedAt: iso(like.likedAt) })),
        nextCursor: nextCursor(items, limit, (last) => [last.likedAt, last.user.id]),
      };
    },
  );

  app.post(
    '/posts/:id/comments',
    {
      schema: {
        tags,
        operationId: 'createComment',
        summary: 'Comment on a post, or reply to one of its comments; the post’s author gets `comment.created`',
        params: PostParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: COMMENT_TEXT_MAX }), replyToId: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 201: CommentView, ...problems('post_not_found', 'reply_not_found') },
      },
    },
    async (request, reply) => reply.code(201).send(commentView(await posts.comment(principalOf(request).userId, request.params.id, request.body))),
  );

  app.get(
    '/posts/:id/comments',
    { schema: { tags, operationId: 'listComments', summary: 'A post’s comments, oldest first', params: PostParams, querystring: pageQuery(), response: { 200: Page(CommentView), ...problems('post_not_found', 'invalid_cursor') } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int'] as const)[0] : undefined;
      const items = await posts.comments(principalOf(request).userId, request.params.id, limit, after);
      return { items: items.map(commentView), nextCursor: nextCursor(items, limit, (last) => [last.id]) };
    },
  );

  app.delete(
    '/posts/:postId/comments/:id',
    {
      schema: { tags, operationId: 'deleteComment', summary: 'Delete a comment: mine, or any on my post', params: CommentParams, response: { 204: Type.Null(), ...problems('comment_not_found', 'not_comment_author') } },
    },
    async (request, reply) => {
      await posts.deleteComment(principalOf(request).userId, request.params.postId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

const tooManyImages = () => validationError('too_many_images', `A post has at most ${POST_IMAGES_MAX} images`, [{ field: 'images', message: `must be at most ${POST_IMAGES_MAX}` }]);
