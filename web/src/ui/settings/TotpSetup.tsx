import { useState } from 'preact/hooks';
import { client } from '../../api.js';
import { Copyable } from '../common/Copyable.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';
import { ConfirmWithPassword } from './ConfirmWithPassword.js';
import type { TwoFactorStatus } from './twoFactorStatus.js';

interface Props {
  onEnabled: (recoveryCodes: string[], status: TwoFactorStatus) => void;
  onCancel: () => void;
}

/** The authenticator app: the password, then a QR code (or its key typed in), then the app's first code. */
export function TotpSetup({ onEnabled, onCancel }: Props) {
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, fields, run } = useTask();

  if (secret === null) {
    return (
      <ConfirmWithPassword
        title="Set up an authenticator app"
        submitLabel="Continue"
        onCancel={onCancel}
        onConfirm={async (password) => {
          const setup = await client.unwrap(client.api.POST('/api/v1/auth/2fa/totp/setup', { body: { password } }));
          setSecret(setup.secret);
        }}
      />
    );
  }

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const code = formText(formOf(event), 'code').replace(/\s/g, '');
    void run(async () => {
      const answer = await client.unwrap(client.api.POST('/api/v1/auth/2fa/totp/enable', { body: { code } }));
      onEnabled(answer.recoveryCodes, answer.status);
    });
  };

  return (
    <form class="subform" onSubmit={onSubmit} noValidate aria-label="Set up an authenticator app">
      <h3>Scan this code with your authenticator app</h3>
      {/* Same origin: the session cookie goes with it, and the server never caches it. */}
      <img class="qr" src="/api/v1/auth/2fa/totp/qr.png" alt="QR code for your authenticator app" width={200} height={200} />
      <Copyable label="Or type this key into the app" value={secret} />
      <FormError message={error} />
      <Field label="Code from the app" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={8} required error={fields.code} />
      <div class="actions-row">
        <button type="submit" class="primary" disabled={busy}>
          Turn on
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
