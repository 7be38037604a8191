import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '@messenger/sdk';
import { client, fieldErrors, problemText } from '../../api.js';
import { signedIn } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { AuthLayout } from './AuthLayout.js';

/** Create an account, then sign straight in (or wait for the e-mail link when the server asks for it). */
export function SignUp() {
  const { route } = useLocation();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [verifyAt, setVerifyAt] = useState<string>();

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    const body = {
      username: formText(form, 'username').trim(),
      email: formText(form, 'email').trim(),
      password: formText(form, 'password'),
      passwordConfirm: formText(form, 'passwordConfirm'),
    };
    setBusy(true);
    setErrors({});
    setError(undefined);
    try {
      await client.unwrap(client.api.POST('/api/v1/auth/register', { body }));
      try {
        const result = await client.login({ login: body.username, password: body.password });
        if (result.status === 'signedIn') {
          await signedIn(result);
          route('/', true);
        }
      } catch (caught) {
        if (caught instanceof ApiError && caught.code === 'email_not_verified') setVerifyAt(body.email);
        else throw caught;
      }
    } catch (caught) {
      setErrors(fieldErrors(caught));
      setError(problemText(caught));
    } finally {
      setBusy(false);
    }
  };

  if (verifyAt) {
    return (
      <AuthLayout title="Check your e-mail">
        <p>
          We sent a link to <strong>{verifyAt}</strong>. Open it to confirm your address, then sign in.
        </p>
        {import.meta.env.DEV || location.hostname === 'localhost' ? (
          <p>
            In development the mail is kept in the <a href="/dev/outbox">outbox</a>.
          </p>
        ) : null}
        <p class="links">
          <a href="/signin">Sign in</a>
        </p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Create your account">
      <form onSubmit={onSubmit} noValidate>
        <FormError message={Object.keys(errors).length > 0 ? undefined : error} />
        <Field label="Username" name="username" autoComplete="username" required autoFocus error={errors.username} hint="3–30 letters, digits, dots, dashes or underscores" />
        <Field label="E-mail" name="email" type="email" autoComplete="email" required error={errors.email} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required error={errors.password} hint="At least 8 characters, hard to guess" />
        <Field label="Repeat the password" name="passwordConfirm" type="password" autoComplete="new-password" required error={errors.passwordConfirm} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p class="links">
        <a href="/signin">I already have an account</a>
      </p>
    </AuthLayout>
  );
}
