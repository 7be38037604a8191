import { client } from '../../api.js';
import { ConfirmWithPassword } from './ConfirmWithPassword.js';
import type { TwoFactorStatus } from './twoFactorStatus.js';

interface StepProps<T> {
  onDone: T;
  onCancel: () => void;
}

/** E-mailed sign-in codes on; the first factor turned on brings recovery codes. */
export function TurnOnEmailCodes({ onDone, onCancel }: StepProps<(status: TwoFactorStatus, recoveryCodes?: string[]) => void>) {
  return (
    <ConfirmWithPassword
      title="Turn on codes by e-mail"
      submitLabel="Turn on"
      onCancel={onCancel}
      onConfirm={async (password) => {
        const answer = await client.unwrap(client.api.POST('/api/v1/auth/2fa/email/enable', { body: { password } }));
        onDone(answer.status, answer.recoveryCodes);
      }}
    />
  );
}

/** A fresh set of recovery codes; the old ones stop working. */
export function NewRecoveryCodes({ onDone, onCancel }: StepProps<(recoveryCodes: string[]) => void>) {
  return (
    <ConfirmWithPassword
      title="Make new recovery codes"
      submitLabel="Make new codes"
      onCancel={onCancel}
      onConfirm={async (password) => {
        const answer = await client.unwrap(client.api.POST('/api/v1/auth/2fa/recovery-codes', { body: { password } }));
        onDone(answer.recoveryCodes);
      }}
    >
      <p>The codes you have now will stop working.</p>
    </ConfirmWithPassword>
  );
}
