import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, type LoginResult, type SecondFactorMethod } from '@messenger/sdk';
import { client } from '../../api.js';
import { signedIn } from '../../state/session.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';
import { AuthLayout } from './AuthLayout.js';

type Challenge = Extract<LoginResult, { status: 'twoFactorRequired' }>;

const METHOD_LABELS: Record<SecondFactorMethod, string> = {
  totp: 'Code from your authenticator app',
  email: 'Code from the e-mail we sent',
  recovery: 'One of your recovery codes',
};

/** Sign in by username or e-mail, then a second factor when the account has one. */
export function SignIn() {
  const { route } = useLocation();
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const { busy, error, run } = useTask();

  const finish = async (result: LoginResult) => {
    if (result.status === 'twoFactorRequired') {
      setChallenge(result);
      return;
    }
    await signedIn(result);
    route('/', true);
  };

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    await run(async () => {
      const result = await client.login({ login: formText(form, 'login').trim(), password: formText(form, 'password') }).catch((caught: unknown) => {
        if (caught instanceof ApiError && caught.code === 'email_not_verified') throw new Error('Confirm your e-mail address first: open the link we sent you.');
        throw caught;
      });
      await finish(result);
    });
  };

  if (challenge) return <SecondFactor challenge={challenge} onDone={finish} onCancel={() => setChallenge(null)} />;

  return (
    <AuthLayout title="Sign in">
      <form onSubmit={onSubmit} noValidate>
        <FormError message={error} />
        <Field label="Username or e-mail" name="login" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <Providers />
      <p class="links">
        <a href="/forgot-password">Forgot your password?</a>
        <a href="/signup">Create an account</a>
      </p>
    </AuthLayout>
  );
}

/** The sign-in buttons of the providers this server has turned on. */
function Providers() {
  const [providers, setProviders] = useState<Array<{ id: string; name: string }>>([]);
  useEffect(() => {
    client.api.GET('/api/v1/auth/providers').then(({ data }) => setProviders(data?.items ?? []), () => undefined);
  }, []);
  if (providers.length === 0) return null;
  const back = encodeURIComponent(`${location.origin}/oauth/callback`);
  return (
    <div class="providers">
      <p class="divider">or</p>
      {providers.map((provider) => (
        <a key={provider.id} class="button" href={`/api/v1/auth/oauth/${encodeURIComponent(provider.id)}?redirect=${back}`}>
          Continue with {provider.name}
        </a>
      ))}
    </div>
  );
}

function SecondFactor({ challenge, onDone, onCancel }: { challenge: Challenge; onDone: (result: LoginResult) => Promise<void>; onCancel: () => void }) {
  const [method, setMethod] = useState<SecondFactorMethod>(challenge.methods[0] ?? 'totp');
  const [notice, setNotice] = useState<string>();
  const { busy, error, run } = useTask();

  const sendCode = () =>
    run(async () => {
      await client.sendLoginCode(challenge.challenge);
      setNotice('We sent a code to your e-mail address.');
    });
  useEffect(() => {
    if (method === 'email') void sendCode();
  }, [method]);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    await run(async () => onDone(await client.finishLogin({ challenge: challenge.challenge, method, code: formText(form, 'code').trim(), trustDevice: form.get('trust') === 'on' })));
  };

  return (
    <AuthLayout title="Two-step sign-in">
      <form onSubmit={onSubmit} noValidate>
        {challenge.methods.length > 1 && (
          <fieldset class="choices">
            <legend>Confirm with</legend>
            {challenge.methods.map((m) => (
              <label key={m}>
                <input type="radio" name="method" value={m} checked={method === m} onChange={() => setMethod(m)} /> {METHOD_LABELS[m]}
              </label>
            ))}
          </fieldset>
        )}
        {notice && <p role="status">{notice}</p>}
        <FormError message={error} />
        <Field label={METHOD_LABELS[method]} name="code" autoComplete="one-time-code" inputMode={method === 'recovery' ? 'text' : 'numeric'} required autoFocus />
        <label class="check">
          <input type="checkbox" name="trust" /> Trust this browser for 30 days
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
        {method === 'email' && (
          <button type="button" class="link" onClick={() => void sendCode()}>
            Send the code again
          </button>
        )}
        <button type="button" class="link" onClick={onCancel}>
          Back
        </button>
      </form>
    </AuthLayout>
  );
}
