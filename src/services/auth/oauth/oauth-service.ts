import { createHash } from 'node:crypto';
import type { Clock } from '../../../adapters/clock.js';
import { ProviderError, type OAuthProvider, type ProviderProfile } from '../../../adapters/oauth/provider.js';
import type { IdentitiesRepository, IdentityRecord } from '../../../store/identities-repository.js';
import type { OAuthExchangeCodesRepository } from '../../../store/oauth-exchange-codes-repository.js';
import type { OAuthStatesRepository } from '../../../store/oauth-states-repository.js';
import type { UsersRepository } from '../../../store/users-repository.js';
import { DomainError } from '../../errors.js';
import type { MailQueue } from '../../mail/mail-queue.js';
import { securityNoticeMail } from '../../mail/templates.js';
import type { User } from '../../users/user.js';
import { normalizeEmail, usernameKey } from '../account-rules.js';
import type { AccountService } from '../account-service.js';
import type { LoginChallenge, LoginResult, SessionService, SignInRequest } from '../session-service.js';
import { equalSecrets, randomSecret, sha256 } from '../secrets.js';
import { oauthErrors } from './errors.js';
import { allowedRedirect, redirectWith } from './redirects.js';
import { usernameCandidates } from './usernames.js';

const STATE_TTL_MS = 10 * 60 * 1000;
const EXCHANGE_CODE_TTL_MS = 60 * 1000;
const NAME_MAX = 100;

/** A provider account linked to one of ours, as its owner sees it. */
export type LinkedIdentity = IdentityRecord;

export interface OAuthServiceDeps {
  providers: readonly OAuthProvider[];
  identities: Pick<IdentitiesRepository, 'findBySubject' | 'listForUser' | 'link' | 'refresh' | 'unlink'>;
  states: Pick<OAuthStatesRepository, 'create' | 'consume'>;
  codes: Pick<OAuthExchangeCodesRepository, 'issue' | 'consume'>;
  users: Pick<UsersRepository, 'findById' | 'findByEmail' | 'usernameKeyTaken' | 'delete'>;
  accounts: Pick<AccountService, 'createWithoutPassword'>;
  sessions: Pick<SessionService, 'signIn'>;
  /** The avatar pipeline, for the provider's picture on a new account. */
  setAvatar: (userId: number, image: Buffer) => Promise<unknown>;
  /** Downloads a picture (with its own timeout and size cap). */
  fetchPicture: (url: string) => Promise<Buffer>;
  mail: Pick<MailQueue, 'enqueue'>;
  clock: Clock;
  /** Failures worth a log line that do not fail the sign-in (a provider's error, a picture not imported). */
  report: (error: unknown, message: string) => void;
  /** Origins sign-in may send the browser back to. */
  allowedOrigins: ReadonlySet<string>;
  /** REQUIRE_EMAIL_VERIFICATION: a provider sign-in, like a login, waits for the address to be confirmed. */
  requireEmailVerification: boolean;
}

/** Where a sign-in starts: the provider's URL, and the browser-binding value for the state cookie. */
export interface OAuthStart {
  url: string;
  browserSecret: string;
}

/** What the provider's callback comes to: where to send the browser, and the failure if there was one. */
export type CallbackOutcome = { ok: true; redirectUrl: string } | { ok: false; error: DomainError; redirectUrl?: string };

export interface CallbackInput {
  provider: string;
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
  /** The value of the browser's state cookie. */
  browserSecret?: string;
}

const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * Sign-in through OAuth and OpenID Connect providers. A start records a single-use state (bound to
 * the browser by a cookie, with its PKCE verifier and where to send the browser back); the callback
 * proves who the user is at the provider, then signs in the linked account, links an existing one
 * whose address both sides have verified, or creates one. The browser goes back to the app with a
 * one-time code, never tokens; the app trades it for a session (`exchange`), second factor included.
 */
export class OAuthService {
  private readonly providers: ReadonlyMap<string, OAuthProvider>;

  constructor(private readonly deps: OAuthServiceDeps) {
    this.providers = new Map(deps.providers.map((p) => [p.id, p]));
  }

  /** The enabled providers, for sign-in buttons. */
  list(): Array<{ id: string; name: string }> {
    return [...this.providers.values()].map(({ id, name }) => ({ id, name }));
  }

  /**
   * Starts a sign-in, or with `linkUserId` the linking of a provider to that signed-in user.
   * `ownOrigin` is the origin the start was asked on: sending the browser back there is no open
   * redirect (a page served by this API, such as a dialect's), so it is allowed besides the list.
   */
  async start(input: { provider: string; redirect: string; callbackUrl: string; browserSecret?: string; linkUserId?: number; ownOrigin?: string }): Promise<OAuthStart> {
    const provider = this.provider(input.provider);
    const allowed = input.ownOrigin ? new Set([...this.deps.allowedOrigins, input.ownOrigin]) : this.deps.allowedOrigins;
    const redirect = allowedRedirect(input.redirect, allowed);
    // One browser keeps one binding value, so sign-ins started in two tabs both finish.
    const browserSecret = input.browserSecret ?? randomSecret();
    const state = randomSecret();
    const codeVerifier = randomSecret(48);
    const now = this.deps.clock.now();
    let url: string;
    try {
      url = await provider.authorizationUrl(state, pkceChallenge(codeVerifier), input.callbackUrl);
    } catch (error) {
      throw this.providerFailure(provider, error);
    }
    await this.deps.states.create({
      stateHash: sha256(state),
      browserHash: sha256(browserSecret),
      provider: provider.id,
      codeVerifier,
      callbackUrl: input.callbackUrl,
      redirect,
      linkUserId: input.linkUserId ?? null,
      now,
      expiresAt: now + STATE_TTL_MS,
    });
    return { url, browserSecret };
  }

  async callback(input: CallbackInput): Promise<CallbackOutcome> {
    const provider = this.providers.get(input.provider);
    if (!provider) return { ok: false, error: oauthErrors.unknownProvider(input.provider) };
    if (input.state === undefined) return { ok: false, error: oauthErrors.stateMissing() };
    const now = this.deps.clock.now();
    // Used up whatever happens next: a state works once.
    const state = await this.deps.states.consume(sha256(input.state), now);
    if (!state || state.provider !== provider.id) return { ok: false, error: oauthErrors.invalidState() };
    // A state from another browser is someone else's sign-in (login CSRF): never sent anywhere.
    if (input.browserSecret === undefined || !equalSecrets(sha256(input.browserSecret), state.browserHash)) {
      return { ok: false, error: oauthErrors.stateMismatch() };
    }
    try {
      if (state.expiresAt <= now) throw oauthErrors.stateExpired();
      if (input.error !== undefined) throw input.error === 'access_denied' ? oauthErrors.accessDenied(provider.name) : oauthErrors.providerRefused(provider.name);
      if (input.code === undefined) throw oauthErrors.codeMissing();
      const profile = await this.profileFrom(provider, { code: input.code, state: input.state, iss: input.iss }, state.codeVerifier, state.callbackUrl);
      if (state.linkUserId !== null) {
        await this.linkTo(state.linkUserId, provider, profile);
        return { ok: true, redirectUrl: redirectWith(state.redirect, { linked: provider.id }) };
      }
      const user = await this.userFor(provider, profile);
      if (this.deps.requireEmailVerification && user.emailVerifiedAt === null) throw oauthErrors.emailNotVerified();
      const code = randomSecret();
      await this.deps.codes.issue({ codeHash: sha256(code), userId: user.id, provider: provider.id, now, expiresAt: now + EXCHANGE_CODE_TTL_MS });
      return { ok: true, redirectUrl: redirectWith(state.redirect, { code }) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ok: false, error, redirectUrl: redirectWith(state.redirect, { error: error.code }) };
    }
  }

  /** Trades the one-time code of a finished provider sign-in for what a login answers. */
  async exchange(code: string, request: SignInRequest): Promise<LoginResult | LoginChallenge> {
    const found = await this.deps.codes.consume(sha256(code), this.deps.clock.now());
    const user = found && (await this.deps.users.findById(found.userId));
    if (!user) throw oauthErrors.invalidExchangeCode();
    return this.deps.sessions.signIn(user, request);
  }

  identities(userId: number): Promise<LinkedIdentity[]> {
    return this.deps.identities.listForUser(userId);
  }

  /** Unlinks a provider account, unless it is the last way into the account. */
  async unlink(userId: number, identityId: number): Promise<void> {
    const result = await this.deps.identities.unlink(userId, identityId);
    if (result === 'not_found') throw oauthErrors.identityNotFound();
    if (result === 'last_way_in') throw oauthErrors.lastWayIn();
  }

  private provider(id: string): OAuthProvider {
    const provider = this.providers.get(id);
    if (!provider) throw oauthErrors.unknownProvider(id);
    return provider;
  }

  private async profileFrom(provider: OAuthProvider, response: { code: string; state: string; iss?: string }, codeVerifier: string, callbackUrl: string) {
    try {
      return await provider.profile(await provider.exchange(response, codeVerifier, callbackUrl));
    } catch (error) {
      throw this.providerFailure(provider, error);
    }
  }

  private providerFailure(provider: OAuthProvider, error: unknown): DomainError {
    if (!(error instanceof ProviderError)) throw error;
    this.deps.report(error, `${provider.id} sign-in failed at the provider`);
    return error.reason === 'code_rejected' ? oauthErrors.codeRejected(provider.name) : oauthErrors.providerUnavailable(provider.name);
  }

  /** The account this provider account signs in to: linked already, linked now by a verified address, or new. */
  private async userFor(provider: OAuthProvider, profile: ProviderProfile): Promise<User> {
    const { identities, users } = this.deps;
    const linked = await identities.findBySubject(provider.id, profile.id);
    if (linked) {
      const email = profile.email && normalizeEmail(profile.email);
      if (linked.login !== profile.login || linked.email !== email) await identities.refresh(linked.id, { login: profile.login, email });
      const user = await users.findById(linked.userId);
      if (!user) throw oauthErrors.accountGone();
      return user;
    }
    if (profile.email === null) throw oauthErrors.emailRequired(provider.name);
    const email = normalizeEmail(profile.email);
    const existing = await users.findByEmail(email);
    if (existing) {
      // Both sides must vouch for the address: otherwise whoever registered it first (or claims it
      // at the provider) would take the other's account.
      if (!profile.emailVerified || existing.emailVerifiedAt === null) throw oauthErrors.accountExists(provider.name);
      await this.link(existing, provider, profile);
      return existing;
    }
    return this.createAccount(provider, profile, email);
  }

  private async createAccount(provider: OAuthProvider, profile: ProviderProfile, email: string): Promise<User> {
    const [firstName = '', ...rest] = profile.name.trim().split(/\s+/);
    const names = { firstName: firstName.slice(0, NAME_MAX), lastName: rest.join(' ').slice(0, NAME_MAX) };
    let user: User | undefined;
    for (const username of usernameCandidates(profile.login)) {
      if (await this.deps.users.usernameKeyTaken(usernameKey(username))) continue;
      try {
        user = await this.deps.accounts.createWithoutPassword({ username, email, emailVerified: profile.emailVerified, ...names });
        break;
      } catch (error) {
        // Taken between the check and the insert: the next name.
        if (error instanceof DomainError && error.code === 'username_taken') continue;
        if (error instanceof DomainError && error.code === 'email_taken') throw oauthErrors.accountExists(provider.name);
        throw error;
      }
    }
    if (!user) throw new DomainError('conflict', 'username_taken', 'No free username could be made from the provider’s login; register with a password instead');
    const result = await this.deps.identities.link({ userId: user.id, provider: provider.id, subject: profile.id, login: profile.login, email, now: this.deps.clock.now() });
    if ('conflict' in result) {
      // The same provider account finished signing in twice at once: the other request's account stays.
      await this.deps.users.delete(user.id);
      const winner = await this.deps.identities.findBySubject(provider.id, profile.id);
      const existing = winner && (await this.deps.users.findById(winner.userId));
      if (!existing) throw oauthErrors.identityTaken(provider.name);
      return existing;
    }
    if (profile.avatarUrl !== null) await this.importPicture(user.id, provider, profile.avatarUrl);
    return user;
  }

  /** Links the provider to the signed-in user who asked to (POST /auth/identities). */
  private async linkTo(userId: number, provider: OAuthProvider, profile: ProviderProfile): Promise<void> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw oauthErrors.accountGone();
    const linked = await this.deps.identities.findBySubject(provider.id, profile.id);
    if (linked?.userId === user.id) return;
    if (linked) throw oauthErrors.identityTaken(provider.name);
    await this.link(user, provider, profile);
  }

  private async link(user: User, provider: OAuthProvider, profile: ProviderProfile): Promise<void> {
    const email = profile.email && normalizeEmail(profile.email);
    const result = await this.deps.identities.link({ userId: user.id, provider: provider.id, subject: profile.id, login: profile.login, email, now: this.deps.clock.now() });
    if ('conflict' in result) {
      throw result.conflict === 'provider_linked' ? oauthErrors.providerAlreadyLinked(provider.name) : oauthErrors.identityTaken(provider.name);
    }
    const what = `The ${provider.name} account "${profile.login}" can now sign in to your account; unlink it from your sign-in methods if this was not you.`;
    this.deps.mail.enqueue({ to: user.email, ...securityNoticeMail({ username: user.username, subject: `${provider.name} was linked`, what }) });
  }

  /** The provider's picture as the new account's avatar, if it can be had: never a reason to fail the sign-in. */
  private async importPicture(userId: number, provider: OAuthProvider, pictureUrl: string): Promise<void> {
    try {
      const url = new URL(pictureUrl);
      // Plain http only from the provider's own (configured) origins: a picture URL is not a way into our network.
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && provider.origins.includes(url.origin))) {
        throw new Error(`not importing a picture from ${url.protocol}//${url.host}`);
      }
      await this.deps.setAvatar(userId, await this.deps.fetchPicture(url.href));
    } catch (error) {
      this.deps.report(error, `could not import the ${provider.id} picture of a new account`);
    }
  }
}
