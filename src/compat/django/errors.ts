import { DomainError, type FieldError } from '../../services/errors.js';
import type { ErrorShape, Failure } from '../dialect.js';

/**
 * Django REST framework's error bodies: `{"<field>": ["<message>"]}` for invalid input
 * (`non_field_errors` for the body as a whole), `{"detail": "<message>"}` for everything else.
 */
export const djangoErrors: ErrorShape = {
  body(failure: Failure) {
    if (failure.fields && failure.fields.length > 0) {
      // A Map, then plain data: a field may be named like a property every object has (`constructor`).
      const byField = new Map<string, string[]>();
      for (const { field, message } of failure.fields) byField.set(field, [...(byField.get(field) ?? []), message]);
      return Object.fromEntries(byField);
    }
    return { detail: failure.detail };
  },
  // A taken username or address is a field error to Django (400), a conflict to us (409).
  status: (failure) => (failure.status === 409 && failure.fields ? 400 : failure.status),
  notFound: () => ({ detail: 'Not found.' }),
};

/**
 * Runs `work`, renaming the fields its validation errors name from ours to the document's
 * (`passwordConfirm` → `password2`), so that a client highlights the right input.
 */
export async function withFieldNames<T>(names: Record<string, string>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DomainError) || !error.details.fields) throw error;
    const fields = error.details.fields;
    const renamed: FieldError[] = fields.map((f) => ({ field: names[f.field] ?? f.field, message: f.message }));
    throw new DomainError(error.kind, error.code, error.message, { ...error.details, fields: renamed });
  }
}
