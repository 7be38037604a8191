import { useState } from 'preact/hooks';
import { client, problemText } from '../../api.js';
import { Field } from '../common/Field.js';
import { formText } from '../common/forms.js';
import { ConfirmWithPassword } from './ConfirmWithPassword.js';
import type { TwoFactorStatus } from './twoFactorStatus.js';

type Which = 'all' | 'totp' | 'email';

interface Props {
  status: TwoFactorStatus;
  onDone: (status: TwoFactorStatus) => void;
  onCancel: () => void;
}

/** Turns one factor off, or all: the password and a code from a factor that is on (or a recovery code). */
export function TurnOffTwoFactor({ status, onDone, onCancel }: Props) {
  const both = status.totp.enabled && status.email.enabled;
  const [notice, setNotice] = useState<string>();

  const mailCode = async () => {
    try {
      const answer = await client.unwrap(client.api.POST('/api/v1/auth/2fa/email/send'));
      setNotice(answer.message);
    } catch (caught) {
      setNotice(problemText(caught));
    }
  };

  return (
    <ConfirmWithPassword
      title="Turn off two-step sign-in"
      submitLabel="Turn off"
      onCancel={onCancel}
      onConfirm={async (password, form) => {
        const which = (formText(form, 'which') || 'all') as Which;
        const body = { password, code: formText(form, 'code').replace(/\s/g, ''), ...(which === 'all' ? {} : { method: which }) };
        onDone(await client.unwrap(client.api.POST('/api/v1/auth/2fa/disable', { body })));
      }}
    >
      {both && (
        <fieldset class="choices">
          <legend>Turn off</legend>
          <label>
            <input type="radio" name="which" value="all" defaultChecked /> Both
          </label>
          <label>
            <input type="radio" name="which" value="totp" /> The authenticator app
          </label>
          <label>
            <input type="radio" name="which" value="email" /> Codes by e-mail
          </label>
        </fieldset>
      )}
      <Field label="Code from your app or e-mail, or a recovery code" name="code" autoComplete="one-time-code" required />
      {status.email.enabled && (
        <p>
          <button type="button" class="link" onClick={() => void mailCode()}>
            E-mail me a code
          </button>
          {notice && <span role="status"> {notice}</span>}
        </p>
      )}
    </ConfirmWithPassword>
  );
}
