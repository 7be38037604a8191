import { useState } from 'preact/hooks';
import { client } from '../../api.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';

/** A new password; this browser stays signed in, every other session and token ends. */
export function PasswordPanel() {
  const { busy, error, fields, run } = useTask();
  const [done, setDone] = useState<string>();
  const [mismatch, setMismatch] = useState(false);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = formOf(event);
    setDone(undefined);
    const newPassword = formText(form, 'newPassword');
    // Checked here: the server never sees the repeat.
    const differs = newPassword !== formText(form, 'repeat');
    setMismatch(differs);
    if (differs) return;
    await run(async () => {
      const ended = await client.unwrap(client.api.POST('/api/v1/auth/password/change', { body: { currentPassword: formText(form, 'currentPassword'), newPassword } }));
      formElement.reset();
      setDone(`Password changed. ${ended.endedSessions} other sessions and ${ended.revokedTokens} access tokens ended.`);
    });
  };

  return (
    <section class="panel" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError message={error} />
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={fields.currentPassword} />
        <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required error={fields.newPassword} hint="At least 8 characters" />
        <Field label="Repeat the new password" name="repeat" type="password" autoComplete="new-password" required error={mismatch ? 'The two new passwords differ' : undefined} />
        <div class="actions-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
          {done && <span role="status">{done}</span>}
        </div>
      </form>
    </section>
  );
}
