import type { ErrorShape, Failure } from '../dialect.js';

/** The document's words for a caller it cannot identify. */
export const NOT_AUTHENTICATED = 'Не удалось подтвердить учетные данные';

/**
 * 004's error bodies, FastAPI's `{"detail": "<message>"}`, with `detail` a string even for invalid
 * input (FastAPI's own validation answer is a list; its clients print `detail`): each field's
 * message after its name, joined. A caller without valid credentials gets the document's sentence.
 */
export const errors004: ErrorShape = {
  body(failure: Failure) {
    // Wrong credentials at login keep their own sentence; every other 401 is the document's one.
    if (failure.status === 401 && failure.code !== 'invalid_credentials') return { detail: NOT_AUTHENTICATED };
    if (failure.fields && failure.fields.length > 0) return { detail: failure.fields.map(({ field, message }) => `${field}: ${message}`).join('; ') };
    return { detail: failure.detail };
  },
  // FastAPI answers invalid input, a body that is not JSON included, with 422.
  status: (failure) => ((failure.status === 400 && failure.fields) || failure.code === 'malformed_json' ? 422 : failure.status),
  notFound: () => ({ detail: 'Not Found' }),
};
