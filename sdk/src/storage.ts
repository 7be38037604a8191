/**
 * Where the SDK keeps what must outlive a page or a process: the session's credentials and the
 * realtime sync token. Both stores may answer synchronously or with a promise (IndexedDB, a file,
 * a keychain). Memory stores are the default; `webStorage*` use localStorage or sessionStorage.
 */

/** The credentials of a signed-in session. */
export type StoredSession =
  | { mode: 'tokens'; accessToken: string; refreshToken: string; sessionId: number }
  | { mode: 'cookie'; csrfToken: string; sessionId: number };

export interface TokenStore {
  load(): StoredSession | null | Promise<StoredSession | null>;
  /** `null`: signed out. */
  save(session: StoredSession | null): void | Promise<void>;
}

export interface SyncTokenStore {
  load(): string | null | Promise<string | null>;
  save(token: string | null): void | Promise<void>;
}

/** The part of the Web Storage API the stores use (localStorage, sessionStorage, or a stand-in). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function memoryTokenStore(initial: StoredSession | null = null): TokenStore {
  let session = initial;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

export function memorySyncTokenStore(initial: string | null = null): SyncTokenStore {
  let token = initial;
  return {
    load: () => token,
    save: (next) => {
      token = next;
    },
  };
}

/** Keeps the session as JSON under `key` (e.g. in localStorage: it survives reloads, and tabs share it). */
export function webStorageTokenStore(storage: KeyValueStorage, key = 'messenger.session'): TokenStore {
  return {
    load: () => {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        const value = JSON.parse(raw) as StoredSession;
        return value.mode === 'tokens' || value.mode === 'cookie' ? value : null;
      } catch {
        return null;
      }
    },
    save: (session) => (session ? storage.setItem(key, JSON.stringify(session)) : storage.removeItem(key)),
  };
}

export function webStorageSyncTokenStore(storage: KeyValueStorage, key = 'messenger.syncToken'): SyncTokenStore {
  return {
    load: () => storage.getItem(key),
    save: (token) => (token === null ? storage.removeItem(key) : storage.setItem(key, token)),
  };
}
