import { useId, useState } from 'preact/hooks';

/** A secret shown once (a key, a token): a read-only field to select, and a button that copies it. */
export function Copyable({ label, value }: { label: string; value: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, or refused): the field stays there to copy by hand.
      (document.getElementById(id) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="row">
        <input id={id} readOnly value={value} class="secret" spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
