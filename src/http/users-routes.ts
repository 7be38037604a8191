import { Type } from 'typebox';
import type { MyAccount, ProfileService } from '../services/users/profile-service.js';
import { BIO_MAX } from '../services/users/profile-service.js';
import { GroupAdds, PrivacySettings, PublicProfile, personView } from '../views/people.js';
import { principalOf, sessionPrincipalOf } from './auth/authenticate.js';
import { Email, GivenPassword, Name, Username } from './auth/fields.js';
import { CurrentUser, currentUserView } from './auth/views.js';
import { Cursor, decodeCursor, encodeCursor } from './cursors.js';
import { IdParams, problems } from './schemas.js';
import type { HttpServer } from './server.js';

export interface UserRouteDeps {
  profiles: ProfileService;
}

// Several lines are fine in a bio; other control characters are not.
const Bio = Type.String({
  maxLength: BIO_MAX * 2,
  pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
  'x-message': 'must not contain control characters other than line breaks and tabs',
  description: `At most ${BIO_MAX} characters; line breaks allowed`,
});
const body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });
/** My account with my privacy settings: only I see these. */
const Me = Type.Intersect([CurrentUser, PrivacySettings]);
const meView = ({ user, online }: MyAccount) => ({ ...currentUserView(user, online), groupAdds: user.groupAdds });
const SearchPage = Type.Object({
  items: Type.Array(PublicProfile),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last' }),
});

/** My profile, other people's profiles, and the user directory, registered under /api/v1/users in a signed-in scope. */
export function registerUserRoutes(app: HttpServer, deps: UserRouteDeps): void {
  const { profiles } = deps;
  const tags = ['users'];

  app.get(
    '/me',
    {
      schema: { tags, operationId: 'getMe', summary: 'The signed-in user', response: { 200: Me } },
    },
    async (request) => meView(await profiles.me(principalOf(request).userId)),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags,
        operationId: 'updateMe',
        summary: 'Change my username, names, bio, e-mail address or privacy settings',
        description:
          'Absent fields stay as they are. A new `email` needs `currentPassword`; a link is mailed to it and it shows as ' +
          '`pendingEmail` until that link is opened (POST /api/v1/auth/verify-email), while the current address stays in force ' +
          'and is told of the change. Giving the current address again cancels a pending change. `groupAdds` sets who may add ' +
          'me to a group. Changing `email` takes a signed-in session (403 `session_required` with a personal access token), and ' +
          'a wrong `currentPassword` counts as a failed login for the account (429 with Retry-After past the limit).',
        body: body({
          username: Type.Optional(Username),
          firstName: Type.Optional(Name),
          lastName: Type.Optional(Name),
          bio: Type.Optional(Bio),
          email: Type.Optional(Email),
          currentPassword: Type.Optional(GivenPassword),
          groupAdds: Type.Optional(GroupAdds),
        }),
        response: { 200: Me, ...problems('rate_limited', 'wrong_password', 'username_taken', 'email_taken') },
      },
    },
    async (request) => {
      // The e-mail address is a credential (password resets go there): only a session may change it.
      const principal = request.body.email !== undefined ? sessionPrincipalOf(request) : principalOf(request);
      return meView(await profiles.update(principal.userId, request.body));
    },
  );

  app.delete(
    '/me',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'deleteMe',
        summary: 'Delete my account',
        description:
          'Needs a signed-in session (not a personal access token) and the password; a wrong password counts as a failed ' +
          'login (429 with Retry-After past the limit). Every session and token ends and their sockets close; the avatar, friendships, requests and ' +
          'blocks are removed, and I leave every chat (a group I own passes to its longest-standing admin, else member). ' +
          'My messages stay in their chats with `sender: null`. The username and address can be registered again.',
        body: body({ password: Type.Optional(GivenPassword) }),
        response: { 204: Type.Null(), ...problems('rate_limited', 'wrong_password') },
      },
    },
    async (request, reply) => {
      await profiles.delete(sessionPrincipalOf(request).userId, request.body?.password);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '',
    {
      schema: {
        tags,
        operationId: 'searchUsers',
        summary: 'Find people by username or name',
        description:
          'Case-insensitive prefix search: usernames starting with `search` first (an exact match leads), then first names, ' +
          'then last names; two words match a first and a last name in either order. People who block me or whom I block ' +
          'are left out.',
        querystring: Type.Object(
          {
            search: Type.String({ minLength: 1, maxLength: 100 }),
            cursor: Type.Optional(Cursor),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SearchPage, ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { search, cursor, limit } = request.query;
      const after = cursor ? decodeCursor(cursor, ['int', 'string', 'int'] as const) : undefined;
      const found = await profiles.search(principalOf(request).userId, search, {
        after: after ? { band: after[0], key: after[1], id: after[2] } : undefined,
        limit,
      });
      const last = found.at(-1);
      return {
        items: found.map(({ person, online, friendship }) => ({ ...personView(person, online), friendship })),
        nextCursor: found.length === limit && last ? encodeCursor([last.person.cursor.band, last.person.cursor.key, last.person.cursor.id]) : null,
      };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'getUser',
        summary: "Someone's public profile, with where we stand",
        description: 'Across a block, either way, presence is hidden: `isOnline` is false and `lastSeenAt` null.',
        params: IdParams,
        response: { 200: PublicProfile, ...problems(['user_not_found', 404]) },
      },
    },
    async (request) => {
      const { person, online, friendship } = await profiles.profile(principalOf(request).userId, request.params.id);
      return { ...personView(person, online), friendship };
    },
  );
}
