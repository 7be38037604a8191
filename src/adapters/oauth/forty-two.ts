import { callProvider, isObject, objectOf, stringOr, subjectOf } from './provider-http.js';
import { CodeFlowProvider } from './code-flow-provider.js';
import type { ProviderGrant, ProviderProfile } from './provider.js';

/**
 * The 42 intranet (api.intra.42.fr): /oauth/authorize, /oauth/token, /v2/me. Its API does not say
 * whether the address is verified, so it is not taken as vouched for: a 42 sign-in never links
 * to an existing account by address.
 */
export class FortyTwoProvider extends CodeFlowProvider {
  override readonly id = '42';
  override readonly name = '42';
  protected readonly scope = 'public';

  override async profile(grant: ProviderGrant): Promise<ProviderProfile> {
    const headers = { accept: 'application/json', authorization: `Bearer ${grant.accessToken}` };
    const me = objectOf(await callProvider(`${this.app.apiUrl}/v2/me`, { headers }, this.timeoutMs), this.host);
    const login = stringOr(me.login, subjectOf(me.id, this.host));
    const image = isObject(me.image) ? me.image : {};
    return {
      id: subjectOf(me.id, this.host),
      login,
      name: stringOr(me.usual_full_name, stringOr(me.displayname, login)),
      email: stringOr(me.email, null),
      emailVerified: false,
      avatarUrl: stringOr(image.link, null),
    };
  }
}
