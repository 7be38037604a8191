import { Copyable } from '../common/Copyable.js';

/** Fresh recovery codes, shown this once: each signs in one time when the phone is gone. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div class="once" role="region" aria-labelledby="recovery-title">
      <h3 id="recovery-title">Your recovery codes</h3>
      <p>Keep them somewhere safe, away from your phone. Each works once, and they will not be shown again.</p>
      <ol class="codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <Copyable label="All codes, to copy" value={codes.join(' ')} />
      <button type="button" class="primary" onClick={onDone}>
        I saved them
      </button>
    </div>
  );
}
