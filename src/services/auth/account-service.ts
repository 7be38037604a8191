import { conflict, notFound, validationError, type FieldError } from '../errors.js';
import { uniqueViolation } from '../../store/errors.js';
import type { UserRecord } from '../../store/users-repository.js';
import { verifyEmailMail } from '../mail/templates.js';
import { EMAIL_MAX, normalizeEmail, passwordProblems, usernameKey, usernameProblem } from './account-rules.js';
import type { AuthContext } from './context.js';
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

export interface Availability {
  available: boolean;
  reason?: 'taken' | 'invalid' | 'reserved';
  message?: string;
}

export class AccountService {
  constructor(private readonly ctx: AuthContext) {}

  async register(input: Registration): Promise<UserRecord> {
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

    let user: UserRecord;
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
    await this.sendVerification(user);
    return user;
  }

  async verifyEmail(token: string): Promise<UserRecord> {
    const { oneTimeTokens, users, clock } = this.ctx;
    const now = clock.now();
    const record = await oneTimeTokens.findLiveByTokenHash(sha256(token), 'verify_email', now);
    if (!record || !(await oneTimeTokens.consume(record.id, now))) {
      throw validationError('invalid_token', 'This verification link is invalid, used or expired; ask for a new one', [
        { field: 'token', message: 'is invalid or expired' },
      ]);
    }
    await users.markEmailVerified(record.userId, now);
    const user = await users.findById(record.userId);
    if (!user) throw notFound('user_not_found', 'The account no longer exists');
    return user;
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

  async me(userId: number): Promise<UserRecord> {
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

  private async sendVerification(user: UserRecord): Promise<void> {
    const { oneTimeTokens, clock, mail, settings } = this.ctx;
    const token = randomSecret();
    const now = clock.now();
    await oneTimeTokens.issue({ userId: user.id, purpose: 'verify_email', tokenHash: sha256(token), codeHash: null, now, expiresAt: now + VERIFY_TTL_MS });
    const link = `${settings.appUrl}/verify-email?token=${encodeURIComponent(token)}`;
    mail.enqueue({ to: user.email, ...verifyEmailMail({ username: user.username, link, token, expiresInHours: 24 }) });
  }
}

function taken(field: 'username' | 'email') {
  const what = field === 'username' ? 'That username is taken' : 'That e-mail address is already registered';
  return conflict(`${field}_taken`, what, [{ field, message: field === 'username' ? 'is taken' : 'is already registered' }]);
}

export function describe(problems: FieldError[]): string {
  return problems.map((p) => `${p.field} ${p.message}`).join('; ');
}
