import { useState } from 'preact/hooks';
import { useFocusSwap } from './useFocusSwap.js';

interface Props {
  /** What goes, as in "Delete this post?". */
  what: string;
  /** The first button's text and accessible name. */
  label: string;
  ariaLabel?: string | undefined;
  busy: boolean;
  onDelete: () => void;
}

/**
 * A Delete button that asks once more in place ("Delete this post? Delete / Keep"). The keyboard
 * goes to Keep when asking, and back to the button when kept; Escape keeps.
 */
export function ConfirmDelete({ what, label, ariaLabel, busy, onDelete }: Props) {
  const [confirming, setConfirming] = useState(false);
  const focus = useFocusSwap(confirming);
  const question = `Delete this ${what}?`;
  if (!confirming) {
    return (
      <button ref={focus.opener} type="button" class="link" aria-label={ariaLabel} onClick={() => setConfirming(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={question} onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}>
      {question}
      <button type="button" class="danger" disabled={busy} onClick={onDelete}>
        Delete
      </button>
      <button ref={focus.inside} type="button" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}
