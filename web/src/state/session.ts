import { signal } from '@preact/signals';
import { ApiError, type LoginResult, type Me } from '@messenger/sdk';
import { client, realtime } from '../api.js';

/** The signed-in person: undefined while we find out, null when signed out. */
export const me = signal<Me | null | undefined>(undefined);

/** Finds out whether the browser's session is still open (the cookie outlives the page). */
export async function restoreSession(): Promise<void> {
  if (!(await client.isSignedIn())) {
    me.value = null;
    return;
  }
  try {
    me.value = await client.unwrap(client.api.GET('/api/v1/users/me'));
    void realtime.connect();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await client.useSession(null);
      me.value = null;
    } else {
      // The server is unreachable: stay signed in, offline; the socket retries on its own.
      me.value = null;
    }
  }
}

/** After a finished sign-in: who we are, and the live connection. */
export async function signedIn(result: Extract<LoginResult, { status: 'signedIn' }>): Promise<void> {
  me.value = await client.unwrap(client.api.GET('/api/v1/users/me')).catch(() => result.user as Me);
  void realtime.connect();
}

export async function signOut(): Promise<void> {
  realtime.close();
  await client.logout().catch(() => undefined);
  localStorage.removeItem('msg.sync');
  me.value = null;
}

/** The server has already ended this session (logged out everywhere, the account deleted): forget it here, without asking it again. */
export async function forgetSession(): Promise<void> {
  realtime.close();
  await client.useSession(null);
  localStorage.removeItem('msg.sync');
  me.value = null;
}

/** The server ended the session (logged out elsewhere, the account gone): back to sign-in. */
client.on('sessionEnded', () => {
  realtime.close();
  me.value = null;
});
realtime.on('signedOut', () => {
  me.value = null;
});
