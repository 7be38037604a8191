import { Type, type Static } from 'typebox';
import type { FileUrls } from '../adapters/file-urls.js';
import type { Upload } from '../services/upload-service.js';
import { Id } from './scalars.js';

/** A stored file as the API shows it, on its own or attached to a message. */
export const Attachment = Type.Object({
  id: Id,
  name: Type.String({ description: 'The uploaded file name, without path or control characters' }),
  size: Type.Integer({ minimum: 1, description: 'Bytes, as stored (images are re-encoded without metadata)' }),
  contentType: Type.String({ description: 'From the bytes, never from the name: application/octet-stream when unknown' }),
  url: Type.String({ description: 'Signed URL relative to the API origin; needs no credentials until it expires' }),
  width: Type.Union([Type.Integer(), Type.Null()], { description: 'Images only, as displayed' }),
  height: Type.Union([Type.Integer(), Type.Null()]),
  thumbnailUrl: Type.Union([Type.String(), Type.Null()], { description: 'Images only: a WebP at most 320 px on its longer side' }),
});
export type AttachmentView = Static<typeof Attachment>;

/** The fields the view needs, so any row selected from uploads (an upload, a message's attachment) fits. */
export type AttachmentSource = Pick<Upload, 'id' | 'name' | 'size' | 'contentType' | 'width' | 'height' | 'storageKey' | 'thumbnailKey'>;

export function uploadView(upload: AttachmentSource, fileUrls: FileUrls): AttachmentView {
  return {
    id: upload.id,
    name: upload.name,
    size: upload.size,
    contentType: upload.contentType,
    url: fileUrls.sign(upload.storageKey),
    width: upload.width,
    height: upload.height,
    thumbnailUrl: upload.thumbnailKey === null ? null : fileUrls.sign(upload.thumbnailKey),
  };
}
