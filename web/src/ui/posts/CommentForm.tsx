import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';

interface Props {
  label: string;
  submit: string;
  onSend: (text: string) => Promise<unknown>;
  /** For a reply: a Cancel button, and Escape does the same. */
  onCancel?: () => void;
}

/** A one-line field for a comment or a reply; what was typed stays when sending fails. */
export function CommentForm({ label, submit, onSend, onCancel }: Props) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const { busy, error, run } = useTask();
  // A reply form opens where the reader asked for it: straight into its field.
  useEffect(() => {
    if (onCancel) field.current?.focus();
  }, []);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (text.trim() === '') return;
    if (await run(() => onSend(text.trim()))) setText('');
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !onCancel) return;
    event.preventDefault();
    onCancel();
  };

  return (
    <>
      <form class="comment-form" onSubmit={onSubmit} onKeyDown={onKeyDown}>
        <label for={id} class="visually-hidden">
          {label}
        </label>
        <input ref={field} id={id} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder={label} maxLength={2000} autoComplete="off" />
        <button type="submit" class="primary" disabled={busy || text.trim() === ''}>
          {submit}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </form>
      <FormError message={error} />
    </>
  );
}
