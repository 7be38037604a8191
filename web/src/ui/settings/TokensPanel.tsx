import { useEffect, useState } from 'preact/hooks';
import { client } from '../../api.js';
import { Copyable } from '../common/Copyable.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';

type Token = Awaited<ReturnType<typeof loadTokens>>[number];

const loadTokens = async () => (await client.unwrap(client.api.GET('/api/v1/auth/tokens'))).items;

/** Personal access tokens for scripts and bots: made here, shown once, revoked here. */
export function TokensPanel() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const list = useTask();
  const create = useTask();
  useEffect(() => {
    void list.run(async () => setTokens(await loadTokens()));
  }, []);

  const onCreate = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = formOf(event);
    await create.run(async () => {
      const body = { name: formText(form, 'name').trim(), password: formText(form, 'password'), expiresInDays: Number(formText(form, 'days')) };
      const token = await client.unwrap(client.api.POST('/api/v1/auth/tokens', { body }));
      setCreated({ name: token.name, token: token.token });
      formElement.reset();
      setTokens(await loadTokens());
    });
  };
  const revoke = (id: number) =>
    list.run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/auth/tokens/{id}', { params: { path: { id } } }));
      setTokens(await loadTokens());
    });

  return (
    <section class="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Personal access tokens</h2>
      <p class="hint">For scripts and bots: send it as “Authorization: Token …”. A token acts as you, but cannot change your sign-in settings.</p>
      <FormError message={list.error} />
      {tokens !== null && tokens.length === 0 && <p class="empty">No tokens.</p>}
      {tokens !== null && tokens.length > 0 && (
        <ul role="list" class="settings-list" aria-label="Tokens">
          {tokens.map((token) => (
            <li key={token.id} class="settings-row">
              <span class="grow">
                <strong>{token.name}</strong> <code>…{token.hint}</code>
                <small>
                  made {shortTime(token.createdAt)} · {token.lastUsedAt ? `used ${shortTime(token.lastUsedAt)}` : 'never used'} · {token.expiresAt ? `expires ${shortTime(token.expiresAt)}` : 'never expires'}
                </small>
              </span>
              <button type="button" disabled={list.busy} onClick={() => void revoke(token.id)} aria-label={`Revoke ${token.name}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {created && (
        <div class="once" role="status">
          <p>
            Your new token “{created.name}”. Copy it now: it will not be shown again.
          </p>
          <Copyable label="Your new token" value={created.token} />
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <form onSubmit={onCreate} noValidate aria-labelledby="new-token-title">
        <h3 id="new-token-title">Create a token</h3>
        <FormError message={create.error} />
        <Field label="Token name" name="name" maxLength={100} required error={create.fields.name} />
        <div class="field">
          <label for="token-days">Expires after</label>
          <select id="token-days" name="days" defaultValue="90">
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="366">A year</option>
          </select>
        </div>
        <Field label="Your password" name="password" type="password" autoComplete="current-password" required error={create.fields.password} />
        <button type="submit" class="primary" disabled={create.busy}>
          Create token
        </button>
      </form>
    </section>
  );
}
