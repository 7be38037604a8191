import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../../api.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';

type Identity = Awaited<ReturnType<typeof loadIdentities>>[number];
type Provider = Awaited<ReturnType<typeof loadProviders>>[number];

const loadIdentities = async () => (await client.unwrap(client.api.GET('/api/v1/auth/identities'))).items;
const loadProviders = async () => (await client.unwrap(client.api.GET('/api/v1/auth/providers'))).items;

/** Accounts at sign-in providers that open this one: unlink one, or link another. */
export function LinkedAccountsPanel() {
  // Back from a provider after linking: /settings?linked=<provider>.
  const { linked } = useLocation().query;
  const [identities, setIdentities] = useState<Identity[] | null>(null);
  const [providers, setProviders] = useState<Provider[]>([]);
  const { busy, error, run } = useTask();
  useEffect(() => {
    void run(async () => {
      const [mine, enabled] = await Promise.all([loadIdentities(), loadProviders()]);
      setIdentities(mine);
      setProviders(enabled);
    });
  }, []);

  const nameOf = (provider: string) => providers.find((p) => p.id === provider)?.name ?? provider;
  const unlink = (id: number) =>
    run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/auth/identities/{id}', { params: { path: { id } } }));
      setIdentities(await loadIdentities());
    });
  // The server answers where to send the browser; the provider sends it back to /oauth/callback?linked=.
  const link = (provider: string) =>
    run(async () => {
      const body = { provider, redirect: `${location.origin}/oauth/callback` };
      const { redirectUrl } = await client.unwrap(client.api.POST('/api/v1/auth/identities', { body }));
      location.assign(redirectUrl);
    });

  const unlinked = providers.filter((provider) => !identities?.some((identity) => identity.provider === provider.id));
  return (
    <section class="panel" aria-labelledby="linked-title">
      <h2 id="linked-title">Linked sign-in accounts</h2>
      {linked && identities?.some((identity) => identity.provider === linked) && <p role="status">Your {nameOf(linked)} account is linked.</p>}
      <FormError message={error} />
      {identities === null && !error && <p role="status">Loading…</p>}
      {identities !== null && identities.length === 0 && <p class="empty">No linked accounts.</p>}
      {identities !== null && identities.length > 0 && (
        <ul role="list" class="settings-list" aria-label="Linked accounts">
          {identities.map((identity) => (
            <li key={identity.id} class="settings-row">
              <span class="grow">
                <strong>
                  {nameOf(identity.provider)}: {identity.login}
                </strong>
                <small>
                  {identity.email ?? 'No address given'} · linked {shortTime(identity.createdAt)}
                </small>
              </span>
              <button type="button" disabled={busy} onClick={() => void unlink(identity.id)} aria-label={`Unlink ${nameOf(identity.provider)} account ${identity.login}`}>
                Unlink
              </button>
            </li>
          ))}
        </ul>
      )}
      {identities !== null && unlinked.length > 0 && (
        <div class="actions-row">
          {unlinked.map((provider) => (
            <button key={provider.id} type="button" disabled={busy} onClick={() => void link(provider.id)}>
              Link a {provider.name} account
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
