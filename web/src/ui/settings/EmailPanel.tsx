import { useState } from 'preact/hooks';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';

/** The sign-in and mail address: a new one takes effect once the link mailed to it is opened. */
export function EmailPanel() {
  const user = me.value;
  const { busy, error, fields, run } = useTask();
  const [cancelled, setCancelled] = useState(false);
  if (!user) return null;
  // An account made through a provider has no password to confirm with; the server then asks for none.
  const hasPassword = user.signInMethods.includes('password');

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = formOf(event);
    setCancelled(false);
    const wasPending = user.pendingEmail !== null;
    const body = { email: formText(form, 'email').trim(), ...(hasPassword ? { currentPassword: formText(form, 'currentPassword') } : {}) };
    const ok = await run(async () => {
      me.value = await client.unwrap(client.api.PATCH('/api/v1/users/me', { body }));
    });
    if (ok) formElement.reset();
    setCancelled(ok && wasPending && !me.value?.pendingEmail);
  };

  return (
    <section class="panel" aria-labelledby="email-title">
      <h2 id="email-title">E-mail address</h2>
      <p>
        Your address is <strong>{user.email}</strong>
        {!user.emailVerified && <span class="tag">Not confirmed</span>}
      </p>
      {user.pendingEmail && (
        <p role="status">
          Waiting for confirmation: open the link we sent to <strong>{user.pendingEmail}</strong>. Until then {user.email} stays in use.
        </p>
      )}
      {cancelled && <p role="status">The change is cancelled: {user.email} stays in use.</p>}
      <form onSubmit={onSubmit} noValidate aria-labelledby="email-change-title">
        <h3 id="email-change-title">Change the address</h3>
        <FormError message={error} />
        <Field label="New e-mail" name="email" type="email" autoComplete="email" maxLength={254} required error={fields.email} hint="Entering your current address cancels a change that waits for confirmation." />
        {hasPassword && <Field label="Your password" name="currentPassword" type="password" autoComplete="current-password" required error={fields.currentPassword} />}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send the confirmation link'}
        </button>
      </form>
    </section>
  );
}
