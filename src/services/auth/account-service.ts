import { conflict, DomainError, notFound, validationError, type FieldError } from '../errors.js';
import { uniqueViolation } from '../../store/errors.js';
import { emailChangeMail, emailChangeNoticeMail, verifyEmailMail } from '../mail/templates.js';
import type { User } from '../users/user.js';
import { EMAIL_MAX, normalizeEmail, passwordProblems, usernameKey, usernameProblem } from './account-rules.js';
import type { AuthContext } from './context.js';
import { usernameCandidates } from './oauth/usernames.js';
import { randomSecret, sha256 } from './secrets.js';

// A loose check for the availability probe; registration validates with the schema's format.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;

export interface Registration {
  username: string;
  email: string;
  password: string;
  passwordConfirm?: string;
  firstName?: string;
  lastName?: string;
}

/** How a registration is confirmed: by default the mailed link opens the web client (APP_URL). */
export interface RegistrationOptions {
  /** The link to mail instead, for a client whose confirmation page lives elsewhere (a dialect's). */
  verifyLink?: (token: string) => string;
}

export interface Availability {
  available: boolean;
  reason?: 'taken' | 'invalid' | 'reserved';
  message?: string;
}

export class AccountService {
  constructor(private readonly ctx: AuthContext) {}

  async register(input: Registration, options: RegistrationOptions = {}): Promise<User> {
    const { users, hasher, clock } = this.ctx;
    const email = normalizeEmail(input.email);
    const nameProblem = usernameProblem(input.username);
    const problems: FieldError[] = [
      ...(nameProblem ? [{ field: 'username', message: nameProblem.message }] : []),
      ...passwordProblems(input.password, input.username, { requireMixed: this.ctx.settings.passwordRequireMixed }),
    ];
    if (input.passwordConfirm !== undefined && input.passwordConfirm !== input.password) {
      problems.push({ field: 'passwordConfirm', message: 'does not match the password' });
    }
    if (problems.length > 0) throw validationError('validation_failed', describe(problems), problems);

    // Checked first for a precise answer; the unique indexes settle any race.
    if (await users.usernameKeyTaken(usernameKey(input.username))) throw taken('username');
    if (await users.emailTaken(email)) throw taken('email');

    let user: User;
    try {
      user = await users.create({
        username: input.username,
        usernameKey: usernameKey(input.username),
        email,
        passwordHash: await hasher.hash(input.password),
        firstName: input.firstName?.trim() ?? '',
        lastName: input.lastName?.trim() ?? '',
        now: clock.now(),
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint) throw taken(constraint.includes('email') ? 'email' : 'username');
      throw error;
    }
    await this.sendVerification(user, options.verifyLink);
    return user;
  }

  /**
   * Registers an account known by its e-mail address alone (clients that never ask for a
   * username): the username is made from the address, numbered when taken.
   */
  async registerByEmail(input: Omit<Registration, 'username'>, options: RegistrationOptions = {}): Promise<User> {
    const email = normalizeEmail(input.email);
    if (await this.ctx.users.emailTaken(email)) throw taken('email');
    for (const username of usernameCandidates(email)) {
      if (await this.ctx.users.usernameKeyTaken(usernameKey(username))) continue;
      try {
        return await this.register({ ...input, username }, options);
      } catch (error) {
        // Taken between the check and the insert: try the next name.
        if (!(error instanceof DomainError && error.code === 'username_taken')) throw error;
      }
    }
    throw taken('username');
  }

  /**
   * Creates an account that a sign-in provider vouches for: no password (one can be set through
   * the reset flow), the address verified when the provider says it is, a link mailed otherwise.
   * Throws 409 `username_taken` or `email_taken` when either is taken, as registration does.
   */
  async createWithoutPassword(input: { username: string; email: string; emailVerified: boolean; firstName: string; lastName: string }): Promise<User> {
    const { users, clock } = this.ctx;
    const problem = usernameProblem(input.username);
    if (problem) throw validationError('validation_failed', `username ${problem.message}`, [{ field: 'username', message: problem.message }]);
    const now = clock.now();
    let user: User;
    try {
      user = await users.create({
        username: input.username,
        usernameKey: usernameKey(input.username),
        email: normalizeEmail(input.email),
        passwordHash: null,
        emailVerifiedAt: input.emailVerified ? now : undefined,
        firstName: input.firstName.trim(),
        lastName: input.lastName.trim(),
        now,
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint) throw taken(constraint.includes('email') ? 'email' : 'username');
      throw error;
    }
    if (!input.emailVerified) await this.sendVerification(user);
    return user;
  }

  /**
   * Confirms an address with the token from a mailed link: the account's own address after
   * registration, or the new address of an e-mail change, which then replaces the old one.
   */
  async verifyEmail(token: string): Promise<User> {
    const { oneTimeTokens, users, clock } = this.ctx;
    const now = clock.now();
    const tokenHash = sha256(token);
    const record = await oneTimeTokens.findLiveByTokenHash(tokenHash, 'verify_email', now);
    const change = record ? undefined : await oneTimeTokens.findLiveByTokenHash(tokenHash, 'change_email', now);
    const found = record ?? change;
    if (!found || !(await oneTimeTokens.consume(found.id, now))) throw invalidLink();
    if (record) {
      await users.markEmailVerified(record.userId, now);
    } else {
      const user = await users.findById(found.userId);
      // Issuing a token replaces the last one, so a live token always belongs to the pending address.
      if (!user?.pendingEmail) throw invalidLink();
      try {
        if (!(await users.confirmPendingEmail(user.id, user.pendingEmail, now))) throw invalidLink();
      } catch (error) {
        if (uniqueViolation(error)) throw taken('email');
        throw error;
      }
    }
    const user = await users.findById(found.userId);
    if (!user) throw notFound('user_not_found', 'The account no longer exists');
    return user;
  }

  /**
   * Starts moving the account to `newEmail`: a link goes to the new address and a notice to the
   * old one; the old address stays in force until the link is opened. The same address as now
   * cancels a pending change.
   */
  async requestEmailChange(user: User, newEmail: string): Promise<void> {
    const { users, oneTimeTokens, clock, mail, settings } = this.ctx;
    const email = normalizeEmail(newEmail);
    const now = clock.now();
    if (email === user.email) {
      if (user.pendingEmail !== null) await users.setPendingEmail(user.id, null, now);
      return;
    }
    if (await users.emailTaken(email)) throw taken('email');
    await users.setPendingEmail(user.id, email, now);
    const token = randomSecret();
    await oneTimeTokens.issue({ userId: user.id, purpose: 'change_email', tokenHash: sha256(token), codeHash: null, now, expiresAt: now + VERIFY_TTL_MS });
    const link = `${settings.appUrl}/verify-email?token=${encodeURIComponent(token)}`;
    mail.enqueue({ to: email, ...emailChangeMail({ username: user.username, link, expiresInHours: 24 }) });
    mail.enqueue({ to: user.email, ...emailChangeNoticeMail({ username: user.username, newEmail: email }) });
  }

  /** Sends a new link when the address belongs to an unverified account; silent otherwise. */
  async resendVerification(email: string): Promise<void> {
    const user = await this.ctx.users.findByEmail(normalizeEmail(email));
    if (user && user.emailVerifiedAt === null) await this.sendVerification(user);
  }

  async availability(query: { username?: string; email?: string }): Promise<{ username?: Availability; email?: Availability }> {
    const result: { username?: Availability; email?: Availability } = {};
    if (query.username !== undefined) result.username = await this.usernameAvailability(query.username);
    if (query.email !== undefined) {
      const email = normalizeEmail(query.email);
      if (!EMAIL_SHAPE.test(email) || email.length > EMAIL_MAX) result.email = { available: false, reason: 'invalid', message: 'must be a valid e-mail address' };
      else if (await this.ctx.users.emailTaken(email)) result.email = { available: false, reason: 'taken', message: 'is already registered' };
      else result.email = { available: true };
    }
    return result;
  }

  async me(userId: number): Promise<User> {
    const user = await this.ctx.users.findById(userId);
    if (!user) throw notFound('user_not_found', 'The account no longer exists');
    return user;
  }

  private async usernameAvailability(username: string): Promise<Availability> {
    const problem = usernameProblem(username);
    if (problem) return { available: false, reason: problem.kind, message: problem.message };
    if (await this.ctx.users.usernameKeyTaken(usernameKey(username))) return { available: false, reason: 'taken', message: 'is taken' };
    return { available: true };
  }

  private async sendVerification(user: User, verifyLink?: (token: string) => string): Promise<void> {
    const { oneTimeTokens, clock, mail, settings } = this.ctx;
    const token = randomSecret();
    const now = clock.now();
    await oneTimeTokens.issue({ userId: user.id, purpose: 'verify_email', tokenHash: sha256(token), codeHash: null, now, expiresAt: now + VERIFY_TTL_MS });
    const link = verifyLink?.(token) ?? `${settings.appUrl}/verify-email?token=${encodeURIComponent(token)}`;
    mail.enqueue({ to: user.email, ...verifyEmailMail({ username: user.username, link, token, expiresInHours: 24 }) });
  }
}

const invalidLink = () =>
  validationError('invalid_token', 'This verification link is invalid, used or expired; ask for a new one', [{ field: 'token', message: 'is invalid or expired' }]);

export function taken(field: 'username' | 'email') {
  const what = field === 'username' ? 'That username is taken' : 'That e-mail address is already registered';
  return conflict(`${field}_taken`, what, [{ field, message: field === 'username' ? 'is taken' : 'is already registered' }]);
}

export function describe(problems: FieldError[]): string {
  return problems.map((p) => `${p.field} ${p.message}`).join('; ');
}
