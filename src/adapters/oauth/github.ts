import { callProvider, isObject, objectOf, stringOr, subjectOf } from './provider-http.js';
import { CodeFlowProvider } from './code-flow-provider.js';
import type { ProviderGrant, ProviderProfile } from './provider.js';

/** GitHub (or GitHub Enterprise) OAuth app: the profile from /user, the verified primary address from /user/emails. */
export class GitHubProvider extends CodeFlowProvider {
  override readonly id = 'github';
  override readonly name = 'GitHub';
  protected readonly scope = 'read:user user:email';

  override async profile(grant: ProviderGrant): Promise<ProviderProfile> {
    const headers = { accept: 'application/vnd.github+json', authorization: `Bearer ${grant.accessToken}`, 'user-agent': 'messenger-backend' };
    const user = objectOf(await callProvider(`${this.app.apiUrl}/user`, { headers }, this.timeoutMs), this.host);
    const emails = await callProvider(`${this.app.apiUrl}/user/emails`, { headers }, this.timeoutMs);
    // Without the user:email grant (403/404) only the public address is known, and it is not vouched for.
    const list = emails.status === 200 && Array.isArray(emails.body) ? emails.body.filter(isObject) : [];
    const primary = list.find((entry) => entry.primary === true && typeof entry.email === 'string');
    const login = stringOr(user.login, subjectOf(user.id, this.host));
    return {
      id: subjectOf(user.id, this.host),
      login,
      name: stringOr(user.name, login),
      email: stringOr(primary?.email, stringOr(user.email, null)),
      emailVerified: primary?.verified === true,
      avatarUrl: stringOr(user.avatar_url, null),
    };
  }
}
