import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface UploadRecord {
  id: number;
  /** Null once the uploader's account is gone. */
  ownerId: number | null;
  storageKey: string;
  /** The name to show, already sanitized. */
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  thumbnailKey: string | null;
  createdAt: number;
  messageId: number | null;
  chatId: number | null;
}

export interface NewUpload {
  ownerId: number;
  storageKey: string;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  thumbnailKey: string | null;
  now: number;
}

const columns = [
  'id',
  'owner_id as ownerId',
  'storage_key as storageKey',
  'name',
  'size',
  'content_type as contentType',
  'width',
  'height',
  'thumbnail_key as thumbnailKey',
  'created_at as createdAt',
  'message_id as messageId',
  'chat_id as chatId',
] as const;

export class UploadsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  create(upload: NewUpload): Promise<UploadRecord> {
    return this.db
      .insertInto('uploads')
      .values({
        owner_id: upload.ownerId,
        storage_key: upload.storageKey,
        name: upload.name,
        size: upload.size,
        content_type: upload.contentType,
        width: upload.width,
        height: upload.height,
        thumbnail_key: upload.thumbnailKey,
        created_at: upload.now,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
  }

  findById(id: number): Promise<UploadRecord | undefined> {
    return this.db.selectFrom('uploads').select(columns).where('id', '=', id).executeTakeFirst();
  }

  /** By the key of the original file (unique and indexed). */
  findByStorageKey(storageKey: string): Promise<UploadRecord | undefined> {
    return this.db.selectFrom('uploads').select(columns).where('storage_key', '=', storageKey).executeTakeFirst();
  }

  /** Deletes the owner's uploads that are in no message, in one statement (one being attached at that moment either goes first or stays); returns their keys. */
  /** The owner's uploads in no message; only those of `ids` when given. */
  deleteUnattached(ownerId: number, ids?: number[]): Promise<Array<Pick<UploadRecord, 'storageKey' | 'thumbnailKey'>>> {
    if (ids?.length === 0) return Promise.resolve([]);
    let q = this.db.deleteFrom('uploads').where('owner_id', '=', ownerId).where('message_id', 'is', null);
    if (ids) q = q.where('id', 'in', ids);
    return q.returning(['storage_key as storageKey', 'thumbnail_key as thumbnailKey']).execute();
  }
}
