import type { AccountService } from '../services/auth/account-service.js';
import { principalOf, type createAuthenticate } from './auth/authenticate.js';
import { CurrentUser, currentUserView } from './auth/views.js';
import { errors, signedIn } from './schemas.js';
import type { HttpServer } from './server.js';

export function registerUserRoutes(app: HttpServer, deps: { accounts: AccountService; authenticate: ReturnType<typeof createAuthenticate> }): void {
  app.get(
    '/api/v1/users/me',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['users'],
        security: signedIn,
        summary: 'The signed-in user',
        response: { 200: CurrentUser, ...errors(401) },
      },
    },
    async (request) => currentUserView(await deps.accounts.me(principalOf(request).userId)),
  );
}
