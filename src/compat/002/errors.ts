import type { ErrorShape, Failure } from '../dialect.js';

/**
 * 002's error bodies: `{"errors": ["<message>", ...]}`, always a list of strings; a field's
 * message names the field (`username must be at least 3 characters`).
 */
export const errors002: ErrorShape = {
  body(failure: Failure) {
    if (failure.fields && failure.fields.length > 0) return { errors: failure.fields.map(({ field, message }) => sentence(field, message)) };
    return { errors: [failure.detail] };
  },
  // A taken username or address is bad input to its document (400), a conflict to us (409).
  status: (failure) => (failure.status === 409 ? 400 : failure.status),
  notFound: () => ({ errors: ['Not found'] }),
};

/**
 * A field's message as a sentence that names the field: ours read after it (`must be …`), the
 * body reader's stand alone (`This field is required.`), 002's own name it already (`Password must …`).
 */
function sentence(field: string, message: string): string {
  if (field === 'non_field_errors' || message.toLowerCase().startsWith(field.toLowerCase())) return message;
  return /^[a-z]/.test(message) ? `${field} ${message}` : `${field}: ${message}`;
}
