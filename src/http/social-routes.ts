import { Type } from 'typebox';
import type { SocialContact, SocialService } from '../services/social/social-service.js';
import { Contact, FriendshipStatus, contactView } from '../views/people.js';
import { principalOf } from './auth/authenticate.js';
import { Cursor, decodeCursor, encodeCursor } from './cursors.js';
import { Id, problems } from './schemas.js';
import type { HttpServer } from './server.js';

export interface SocialRouteDeps {
  social: SocialService;
}

const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });
const Status = Type.Object({ status: FriendshipStatus });
const ContactPage = Type.Object({
  items: Type.Array(Contact),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last' }),
});
const pageQuery = <T extends Parameters<typeof Type.Object>[0]>(extra: T) =>
  Type.Object({ cursor: Type.Optional(Cursor), limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }), ...extra }, { additionalProperties: false });

/** A page of contacts, and the cursor after its last one when the page is full. */
function contactPage<T extends SocialContact>(rows: Array<{ person: T; online: boolean }>, limit: number, cursorOf: (person: T) => Array<string | number>) {
  const last = rows.at(-1);
  return {
    items: rows.map(({ person, online }) => contactView(person, online)),
    nextCursor: rows.length === limit && last ? encodeCursor(cursorOf(last.person)) : null,
  };
}

/** Friends, friend requests and blocks: /friends and /blocks, registered under /api/v1 in a signed-in scope. */
export function registerSocialRoutes(app: HttpServer, deps: SocialRouteDeps): void {
  const { social } = deps;
  const friendTags = ['friends'];
  const blockTags = ['blocks'];

  app.get(
    '/friends',
    {
      schema: {
        tags: friendTags,
        operationId: 'listFriends',
        summary: 'My friends, by username, with presence',
        querystring: pageQuery({}),
        response: { 200: ContactPage, ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = cursor ? decodeCursor(cursor, ['string', 'int'] as const) : undefined;
      const rows = await social.friends(principalOf(request).userId, { after, limit });
      return contactPage(rows, limit, (p) => [p.sortKey, p.id]);
    },
  );

  app.get(
    '/friends/requests',
    {
      schema: {
        tags: friendTags,
        operationId: 'listFriendRequests',
        summary: 'Pending friend requests to me (incoming) or from me (outgoing), newest first',
        querystring: pageQuery({ direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')], { default: 'incoming' }) }),
        response: { 200: ContactPage, ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { cursor, limit, direction } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int', 'int'] as const) : undefined;
      const rows = await social.requests(principalOf(request).userId, direction, { after, limit });
      return contactPage(rows, limit, (p) => [p.since, p.id]);
    },
  );

  app.get(
    '/friends/:userId',
    {
      schema: {
        tags: friendTags,
        operationId: 'getFriendship',
        summary: 'Where I stand with someone',
        params: UserParams,
        response: { 200: Status, ...problems('self', ['user_not_found', 404]) },
      },
    },
    async (request) => ({ status: await social.status(principalOf(request).userId, request.params.userId) }),
  );

  app.put(
    '/friends/:userId',
    {
      schema: {
        tags: friendTags,
        operationId: 'addFriend',
        summary: 'Send a friend request, or accept theirs',
        description:
          'Accepts when they already asked me; otherwise sends a request (or, with FRIENDS_AUTO_ACCEPT, befriends at once). ' +
          'Repeating it changes nothing. Both people get `friend.request` or `friend.added` over the WebSocket. ' +
          '403 `blocked` when either blocks the other.',
        params: UserParams,
        response: { 200: Status, ...problems('self', ['user_not_found', 404], 'blocked') },
      },
    },
    async (request) => social.befriend(principalOf(request).userId, request.params.userId),
  );

  app.delete(
    '/friends/:userId',
    {
      schema: {
        tags: friendTags,
        operationId: 'removeFriend',
        summary: 'Remove a friend, decline their request, or cancel mine',
        description: 'Both people get `friend.removed`. 404 when there is no friendship or request between us.',
        params: UserParams,
        response: { 204: Type.Null(), ...problems('self', ['user_not_found', 404], 'not_friends') },
      },
    },
    async (request, reply) => {
      await social.unfriend(principalOf(request).userId, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/blocks',
    {
      schema: {
        tags: blockTags,
        operationId: 'listBlocks',
        summary: 'The people I block, newest first',
        querystring: pageQuery({}),
        response: { 200: ContactPage, ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int', 'int'] as const) : undefined;
      const rows = await social.blocked(principalOf(request).userId, { after, limit });
      return contactPage(rows, limit, (p) => [p.since, p.id]);
    },
  );

  app.put(
    '/blocks/:userId',
    {
      schema: {
        tags: blockTags,
        operationId: 'blockUser',
        summary: 'Block someone',
        description:
          'Ends any friendship and pending request between us. Neither of us finds the other in search; they cannot send ' +
          'me friend requests, open a direct chat with me or send into our direct chat. 409 when I already block them.',
        params: UserParams,
        response: { 204: Type.Null(), ...problems('self', ['user_not_found', 404], 'already_blocked') },
      },
    },
    async (request, reply) => {
      await social.block(principalOf(request).userId, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/blocks/:userId',
    {
      schema: {
        tags: blockTags,
        operationId: 'unblockUser',
        summary: 'Unblock someone',
        description: '404 when I do not block them. Unblocking does not restore an earlier friendship.',
        params: UserParams,
        response: { 204: Type.Null(), ...problems('self', ['user_not_found', 404], 'not_blocked') },
      },
    },
    async (request, reply) => {
      await social.unblock(principalOf(request).userId, request.params.userId);
      return reply.code(204).send(null);
    },
  );
}
