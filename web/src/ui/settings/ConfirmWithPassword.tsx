import type { ComponentChildren } from 'preact';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';
import { useTask } from '../common/useTask.js';

interface Props {
  /** What the form does, as its heading. */
  title: string;
  submitLabel: string;
  /** Gets the password and the form's other fields; throws the server's problem to show it. */
  onConfirm: (password: string, form: FormData) => Promise<void>;
  onCancel: () => void;
  /** Fields asked for besides the password. */
  children?: ComponentChildren;
}

/** A step of the security settings that the server lets through only with the current password. */
export function ConfirmWithPassword({ title, submitLabel, onConfirm, onCancel, children }: Props) {
  const { busy, error, fields, run } = useTask();
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = formOf(event);
    void run(() => onConfirm(formText(form, 'password'), form));
  };
  return (
    <form class="subform" onSubmit={onSubmit} noValidate aria-label={title}>
      <h3>{title}</h3>
      <FormError message={error} />
      {children}
      <Field label="Your password" name="password" type="password" autoComplete="current-password" required autoFocus error={fields.password} />
      <div class="actions-row">
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
