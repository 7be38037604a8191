import { useId } from 'preact/hooks';

interface FieldProps {
  label: string;
  name: string;
  type?: 'text' | 'email' | 'password' | 'search' | 'url';
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'email';
  required?: boolean;
  autoFocus?: boolean;
  maxLength?: number;
  defaultValue?: string;
  /** The server's message for this field, shown under it and tied to it for screen readers. */
  error?: string | undefined;
  hint?: string;
}

/** A labelled input with its error and hint. */
export function Field({ label, error, hint, type = 'text', ...input }: FieldProps) {
  const id = useId();
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {/* eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Preact's input types are a union by `type`, which a variable cannot pick */}
      <input id={id} type={type as 'text'} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...input} />
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** A message about the whole form (the server's `detail`). */
export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p class="form-error" role="alert">
      {message}
    </p>
  ) : null;
}
