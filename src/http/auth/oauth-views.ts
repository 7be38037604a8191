import { Type } from 'typebox';
import type { LinkedIdentity } from '../../services/auth/oauth/oauth-service.js';
import { Id, Timestamp, iso } from '../schemas.js';

/** What leaves the API about sign-in providers and linked identities. */

export const Provider = Type.Object({
  id: Type.String({ description: 'For GET /api/v1/auth/oauth/{provider}: `github`, `42`, `oidc`' }),
  name: Type.String({ description: 'For the button' }),
});

export const Identity = Type.Object({
  id: Id,
  provider: Type.String(),
  login: Type.String({ description: 'The account’s name at the provider' }),
  email: Type.Union([Type.String(), Type.Null()], { description: 'The address the provider gave, as it last said' }),
  createdAt: Timestamp,
});

export const identityView = (identity: LinkedIdentity) => ({
  id: identity.id,
  provider: identity.provider,
  login: identity.login,
  email: identity.email,
  createdAt: iso(identity.createdAt),
});
