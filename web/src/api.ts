import { ApiError, MessengerClient, webStorageSyncTokenStore, webStorageTokenStore } from '@messenger/sdk';

/**
 * The one client of the API this page uses: same origin, so the session is an HTTP-only cookie
 * (the SDK sends the CSRF token on every change), and the live events come over one socket that
 * reconnects and catches up from its last sync token.
 */
export const client = new MessengerClient({ baseUrl: location.origin, auth: 'cookie', tokenStore: webStorageTokenStore(localStorage, 'msg.session') });

export const realtime = client.realtime({ syncTokenStore: webStorageSyncTokenStore(localStorage, 'msg.sync') });

/** What to tell a person about a failed call: the server's `detail`, else something plain. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail ?? error.problem.title ?? `The server answered ${error.status}`;
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : 'Something went wrong';
}

/** The server's message for each field, by field name (`errors` of a validation problem). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries((error.problem.errors ?? []).map((e) => [e.field, e.message]));
}
