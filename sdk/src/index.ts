export { MessengerClient, type LoginResult, type MessengerClientOptions } from './client.js';
export { RealtimeClient, type EventMeta, type RealtimeEvents, type RealtimeOptions, type RealtimeStatus, type SendOptions, type WebSocketConstructor, type WebSocketLike } from './realtime.js';
export type { SessionEvents, SessionManager } from './session.js';
export type { UploadProgress } from './xhr.js';
export { ApiError, RealtimeError, SessionEndedError, type Problem } from './errors.js';
export {
  memorySyncTokenStore,
  memoryTokenStore,
  webStorageSyncTokenStore,
  webStorageTokenStore,
  type KeyValueStorage,
  type StoredSession,
  type SyncTokenStore,
  type TokenStore,
} from './storage.js';
export { EVENT_TYPES, isServerEvent } from './events.js';
export type * from './events.js';
export type * from './types.js';
export type { components, operations, paths } from './generated/api.js';
