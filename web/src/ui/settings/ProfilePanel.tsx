import { useId, useState } from 'preact/hooks';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';

/** Names, username and bio: what others see of me. */
export function ProfilePanel() {
  const user = me.value;
  const bioId = useId();
  const { busy, error, fields, run } = useTask();
  const [saved, setSaved] = useState(false);
  if (!user) return null;

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    setSaved(false);
    const body = { firstName: formText(form, 'firstName').trim(), lastName: formText(form, 'lastName').trim(), username: formText(form, 'username').trim(), bio: formText(form, 'bio') };
    const ok = await run(async () => {
      me.value = await client.unwrap(client.api.PATCH('/api/v1/users/me', { body }));
    });
    setSaved(ok);
  };

  return (
    <section class="panel" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError message={error} />
        <div class="pair">
          <Field label="First name" name="firstName" autoComplete="given-name" maxLength={100} defaultValue={user.firstName} error={fields.firstName} />
          <Field label="Last name" name="lastName" autoComplete="family-name" maxLength={100} defaultValue={user.lastName} error={fields.lastName} />
        </div>
        <Field label="Username" name="username" autoComplete="username" maxLength={30} defaultValue={user.username} error={fields.username} hint="3–30 letters, digits, _ . or -" />
        <div class="field">
          <label for={bioId}>Bio</label>
          <textarea id={bioId} name="bio" rows={3} maxLength={500} defaultValue={user.bio} aria-invalid={fields.bio ? 'true' : undefined} />
          {fields.bio && (
            <small class="error" role="alert">
              {fields.bio}
            </small>
          )}
        </div>
        <div class="actions-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save profile'}
          </button>
          {saved && <span role="status">Saved</span>}
        </div>
      </form>
    </section>
  );
}
