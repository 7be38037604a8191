import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';
import { NewRecoveryCodes, TurnOnEmailCodes } from './TwoFactorSteps.js';
import { RecoveryCodes } from './RecoveryCodes.js';
import { TotpSetup } from './TotpSetup.js';
import { TurnOffTwoFactor } from './TurnOffTwoFactor.js';
import { loadTwoFactorStatus, type TwoFactorStatus } from './twoFactorStatus.js';

/** Which step is open: one at a time, so the panel stays short. */
type Step = 'totp' | 'email' | 'off' | 'codes' | null;

/** Two-step sign-in: what is on, and the steps that turn each factor on or off. */
export function TwoFactorPanel() {
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [step, setStep] = useState<Step>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const { error, run } = useTask();
  useEffect(() => {
    void run(async () => setStatus(await loadTwoFactorStatus()));
  }, []);

  const done = (next: TwoFactorStatus, recoveryCodes?: string[]) => {
    setStatus(next);
    setStep(null);
    if (recoveryCodes) setCodes(recoveryCodes);
  };
  const cancel = () => setStep(null);

  return (
    <section class="panel" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">Two-step sign-in</h2>
      <FormError message={error} />
      {status === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Authenticator app</dt>
            <dd>{status.totp.enabled ? 'On' : 'Off'}</dd>
            <dt>Codes by e-mail</dt>
            <dd>{status.email.enabled ? 'On' : 'Off'}</dd>
            {status.enabled && (
              <>
                <dt>Recovery codes left</dt>
                <dd>{status.recoveryCodesLeft}</dd>
              </>
            )}
          </dl>
          {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
          {step === null && !codes && (
            <div class="actions-row">
              {!status.totp.enabled && (
                <button type="button" class="primary" onClick={() => setStep('totp')}>
                  Set up an authenticator app
                </button>
              )}
              {!status.email.enabled && (
                <button type="button" onClick={() => setStep('email')}>
                  Turn on codes by e-mail
                </button>
              )}
              {status.enabled && (
                <>
                  <button type="button" onClick={() => setStep('codes')}>
                    New recovery codes
                  </button>
                  <button type="button" class="danger" onClick={() => setStep('off')}>
                    Turn off…
                  </button>
                </>
              )}
            </div>
          )}
          {step === 'totp' && <TotpSetup onEnabled={(recoveryCodes, next) => done(next, recoveryCodes)} onCancel={cancel} />}
          {step === 'email' && <TurnOnEmailCodes onDone={done} onCancel={cancel} />}
          {step === 'codes' && <NewRecoveryCodes onDone={(recoveryCodes) => void loadTwoFactorStatus().then((next) => done(next, recoveryCodes))} onCancel={cancel} />}
          {step === 'off' && <TurnOffTwoFactor status={status} onDone={done} onCancel={cancel} />}
        </>
      )}
    </section>
  );
}
