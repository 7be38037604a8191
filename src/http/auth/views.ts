import { Type } from 'typebox';
import type { PersonalAccessToken } from '../../services/auth/api-token-service.js';
import type { ActiveSession } from '../../services/auth/session-service.js';
import type { User } from '../../services/users/user.js';
import { Avatar, avatarView } from '../../views/avatars.js';
import { Id, NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js';

/** What leaves the API about accounts. Response schemas serialize only these fields. */

export const CurrentUser = Type.Object(
  {
    id: Id,
    username: Type.String(),
    email: Type.String(),
    emailVerified: Type.Boolean(),
    pendingEmail: Type.Union([Type.String(), Type.Null()], { description: 'A new address waiting for its mailed link; `email` stays in force until then' }),
    firstName: Type.String(),
    lastName: Type.String(),
    bio: Type.String(),
    avatar: Avatar,
    isOnline: Type.Boolean({ description: 'True while any of my sockets is open' }),
    signInMethods: Type.Array(Type.String(), {
      description: 'How this account signs in: `password`, the second factors turned on (`totp`, `email`), and each linked OAuth provider (`github`, `42`, `oidc`)',
    }),
    createdAt: Timestamp,
    lastSeenAt: NullableTimestamp,
  },
);

export const currentUserView = (user: User, online = false) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  emailVerified: user.emailVerifiedAt !== null,
  pendingEmail: user.pendingEmail,
  firstName: user.firstName,
  lastName: user.lastName,
  bio: user.bio,
  avatar: avatarView(user),
  isOnline: online,
  signInMethods: [...(user.hasPassword ? ['password'] : []), ...user.secondFactors, ...user.linkedProviders],
  createdAt: iso(user.createdAt),
  lastSeenAt: isoOrNull(user.lastSeenAt),
});

export const Session = Type.Object({
  id: Id,
  kind: Type.Union([Type.Literal('token'), Type.Literal('cookie')], { description: 'token: an app holding a refresh token; cookie: a browser' }),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
  current: Type.Boolean({ description: 'The session making this request' }),
});

export const sessionView = (session: ActiveSession, currentId: number | undefined) => ({
  id: session.id,
  kind: session.kind,
  userAgent: session.userAgent,
  ip: session.ip,
  createdAt: iso(session.createdAt),
  lastUsedAt: iso(session.lastUsedAt),
  expiresAt: iso(session.expiresAt),
  current: session.id === currentId,
});

export const ApiToken = Type.Object({
  id: Id,
  name: Type.String(),
  hint: Type.String({ description: 'The last four characters of the token' }),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  expiresAt: NullableTimestamp,
});

export const apiTokenView = (token: PersonalAccessToken) => ({
  id: token.id,
  name: token.name,
  hint: token.tokenHint,
  createdAt: iso(token.createdAt),
  lastUsedAt: isoOrNull(token.lastUsedAt),
  expiresAt: isoOrNull(token.expiresAt),
});

export const TokenPair = Type.Object({
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String({ description: 'Signed JWT; send as Authorization: Bearer <token>' }),
  refreshToken: Type.String({ description: 'Opaque; exchange at /api/v1/auth/refresh. Single use: each refresh returns a new one' }),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  sessionId: Id,
});

export const Eviction = Type.Object({
  endedSessions: Type.Integer({ description: 'Sessions signed out (their sockets closed)' }),
  revokedTokens: Type.Integer({ description: 'Personal access tokens revoked (their sockets closed)' }),
});
