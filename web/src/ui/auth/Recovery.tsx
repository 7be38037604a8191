import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client, problemText } from '../../api.js';
import { me, signedIn } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';
import { AuthLayout } from './AuthLayout.js';
import { providerErrorText } from './providerErrors.js';

/** A forgotten password: a code by e-mail, then a new password with it. */
export function ForgotPassword() {
  const [email, setEmail] = useState<string>();
  const [error, setError] = useState<string>();

  const ask = async (event: SubmitEvent) => {
    event.preventDefault();
    const address = formText(formOf(event), 'email').trim();
    setError(undefined);
    try {
      await client.unwrap(client.api.POST('/api/v1/auth/password/forgot', { body: { email: address } }));
      setEmail(address);
    } catch (caught) {
      setError(problemText(caught));
    }
  };

  const { done, errors, error: resetError, reset: sendReset } = usePasswordReset();
  const reset = (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    void sendReset({ email, code: formText(form, 'code').trim(), newPassword: formText(form, 'newPassword') });
  };

  if (done) return <PasswordChanged />;
  return (
    <AuthLayout title="Reset your password">
      {email === undefined ? (
        <form onSubmit={ask} noValidate>
          <p>We will send a 6-digit code to your e-mail address.</p>
          <FormError message={error} />
          <Field label="E-mail" name="email" type="email" autoComplete="email" required autoFocus />
          <button type="submit" class="primary">
            Send the code
          </button>
        </form>
      ) : (
        <form onSubmit={reset} noValidate>
          <p role="status">If {email} has an account, a code is on its way.</p>
          <FormError message={resetError} />
          <Field label="Code from the e-mail" name="code" inputMode="numeric" autoComplete="one-time-code" required autoFocus error={errors.code} />
          <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required error={errors.newPassword} />
          <button type="submit" class="primary">
            Set the new password
          </button>
        </form>
      )}
      <p class="links">
        <a href="/signin">Back to sign-in</a>
      </p>
    </AuthLayout>
  );
}

/** The link from the reset mail (`/reset-password?token=`). */
export function ResetPassword() {
  const { query } = useLocation();
  const { done, error, errors, reset } = usePasswordReset();
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    void reset({ token: query.token ?? '', newPassword: formText(formOf(event), 'newPassword') });
  };
  if (done) return <PasswordChanged />;
  return (
    <AuthLayout title="Choose a new password">
      <form onSubmit={onSubmit} noValidate>
        <FormError message={error} />
        <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required autoFocus error={errors.newPassword} />
        <button type="submit" class="primary">
          Set the new password
        </button>
      </form>
    </AuthLayout>
  );
}

/** Sets a new password with a mailed code or link token: whether it is done, and the server's refusal. */
function usePasswordReset() {
  const [done, setDone] = useState(false);
  const { error, fields: errors, run } = useTask();
  const reset = (body: { email?: string; code?: string; token?: string; newPassword: string }) =>
    run(async () => {
      await client.unwrap(client.api.POST('/api/v1/auth/password/reset', { body }));
      setDone(true);
    });
  return { done, error, errors, reset };
}

function PasswordChanged() {
  return (
    <AuthLayout title="Password changed">
      <p role="status">Your password is changed, and every session that used the old one has ended.</p>
      <p class="links">
        <a href="/signin">Sign in</a>
      </p>
    </AuthLayout>
  );
}

/** The link from a verification mail (`/verify-email?token=`): a new address, or a new account's. */
export function VerifyEmail() {
  const { query } = useLocation();
  // 'checking', 'done', or what went wrong.
  const [state, setState] = useState<string>('checking');
  useEffect(() => {
    client.unwrap(client.api.POST('/api/v1/auth/verify-email', { body: { token: query.token ?? '' } })).then(
      async () => {
        // Signed in here: the settings should show the new address, not the one this page loaded with.
        if (me.value) me.value = await client.unwrap(client.api.GET('/api/v1/users/me')).catch(() => me.value);
        setState('done');
      },
      (caught: unknown) => setState(problemText(caught)),
    );
  }, [query.token]);
  return (
    <AuthLayout title="Confirm your e-mail">
      {state === 'checking' && <p role="status">Checking the link…</p>}
      {state === 'done' && <p role="status">Your address is confirmed.</p>}
      {state !== 'checking' && state !== 'done' && <FormError message={state} />}
      <p class="links">
        <a href="/">Continue</a>
      </p>
    </AuthLayout>
  );
}

/** Where a provider sign-in comes back: trade its one-time code for a session. */
export function OAuthCallback() {
  const { query, route } = useLocation();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (query.error) {
      setError(providerErrorText(query.error, Boolean(me.value)));
      return;
    }
    if (query.linked) {
      // The settings page says which account was linked.
      route(`/settings?linked=${encodeURIComponent(query.linked)}`, true);
      return;
    }
    client.exchangeOAuthCode(query.code ?? '').then(
      async (result) => {
        if (result.status === 'signedIn') {
          await signedIn(result);
          route('/', true);
        } else setError('This account uses two-step sign-in: sign in with your password and code.');
      },
      (caught: unknown) => setError(problemText(caught)),
    );
  }, []);
  return (
    <AuthLayout title="Signing in">
      {error ? <FormError message={error} /> : <p role="status">One moment…</p>}
      <p class="links">{me.value ? <a href="/settings">Back to settings</a> : <a href="/signin">Back to sign-in</a>}</p>
    </AuthLayout>
  );
}
