import { useRef } from 'preact/hooks';
import { client } from '../../api.js';
import { forgetSession } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';

/** Deleting the account, behind a dialog that asks for the password (Escape closes it). */
export function DeleteAccountPanel() {
  const dialog = useRef<HTMLDialogElement>(null);
  const { busy, error, fields, run } = useTask();

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const password = formText(formOf(event), 'password');
    await run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/users/me', { body: { password } }));
      dialog.current?.close();
      // The session died with the account: forget it here too.
      await forgetSession();
    });
  };

  return (
    <section class="panel danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>Your profile, picture, friends and posts go; your messages stay in their chats without your name.</p>
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
        Delete my account…
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby="delete-dialog-title">
        <form onSubmit={onSubmit} noValidate>
          <h2 id="delete-dialog-title">Delete your account?</h2>
          <p>This cannot be undone.</p>
          <FormError message={error} />
          <Field label="Your password" name="password" type="password" autoComplete="current-password" required autoFocus error={fields.password} />
          <div class="dialog-actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" class="danger" disabled={busy}>
              {busy ? 'Deleting…' : 'Delete for good'}
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
