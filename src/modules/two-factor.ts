import { pngQrCodes } from '../adapters/qr-codes.js';
import { registerTwoFactorRoutes } from '../http/auth/two-factor-routes.js';
import type { TwoFactorContext } from '../services/auth/two-factor/context.js';
import { PRODUCT } from '../services/mail/templates.js';
import { MailedLoginCodes } from '../services/auth/two-factor/mailed-login-codes.js';
import { SecondFactorLogin } from '../services/auth/two-factor/second-factor-login.js';
import { TwoFactorSettings } from '../services/auth/two-factor/two-factor-settings.js';
import { TwoFactorRepository } from '../store/two-factor-repository.js';
import type { AccountsModule } from './accounts.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/**
 * Second factors: authenticator apps (TOTP), e-mailed codes, recovery codes and trusted devices.
 * It hooks into sign-in through `SessionService.addSecondFactor`; its routes sit beside the
 * account routes under /api/v1/auth.
 */
export function twoFactorModule(infra: Infrastructure, needs: { accounts: AccountsModule }) {
  const { accounts } = needs;
  const ctx: TwoFactorContext = {
    auth: accounts.context,
    users: accounts.users,
    repository: new TwoFactorRepository(infra.database.db),
    qrCodes: pngQrCodes,
    keys: { totpSecret: infra.key('totp-secret'), code: infra.key('one-time-code') },
    issuer: PRODUCT,
  };
  const settings = new TwoFactorSettings(ctx);
  const login = new SecondFactorLogin(ctx, accounts.sessions);
  accounts.sessions.addSecondFactor(login);
  // For clients whose every login needs a mailed code (a dialect's).
  const mailedCodes = new MailedLoginCodes(ctx, accounts.sessions);
  accounts.eviction.alsoRevoke((userId) => settings.forgetTrustedDevices(userId));

  const module: Module = {
    name: 'two-factor',
    routes: accounts.signedInRoutes('/api/v1/auth', (scope) => registerTwoFactorRoutes(scope, { config: infra.config, settings, login, now: () => infra.clock.now() })),
  };
  return { module, settings, login, mailedCodes };
}
export type TwoFactorModule = ReturnType<typeof twoFactorModule>;
