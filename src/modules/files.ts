import { SharpImageProcessor } from '../adapters/images.js';
import { FontInitialsRenderer } from '../adapters/initials-renderer.js';
import { registerAvatarRoutes } from '../http/avatar-routes.js';
import { registerUploads } from '../http/uploads-routes.js';
import { AvatarService } from '../services/avatar-service.js';
import { UploadService } from '../services/upload-service.js';
import { AvatarsRepository } from '../store/avatars-repository.js';
import { UploadsRepository } from '../store/uploads-repository.js';
import type { AccountsModule } from './accounts.js';
import type { ChatsModule } from './chats.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** Files: uploads and attachments served by signed URLs to chat members, and avatars. */
export function filesModule(infra: Infrastructure, { accounts, chats }: { accounts: AccountsModule; chats: ChatsModule }) {
  const { config, database, blobs, clock, log, fileUrls } = infra;
  const reportError = (error: unknown, message: string) => log.warn({ err: error }, message);
  const uploads = new UploadService({
    uploads: new UploadsRepository(database.db),
    blobs,
    images: new SharpImageProcessor({ maxPixels: config.uploads.maxImagePixels }),
    clock,
    isChatMember: chats.isMember,
    reportError,
  });
  const avatars = new AvatarService({
    avatars: new AvatarsRepository(database.db),
    blobs,
    images: new SharpImageProcessor({ maxPixels: config.avatars.maxPixels }),
    initials: new FontInitialsRenderer(),
    clock,
    // Profiles show the new avatar at once, on every node.
    userChanged: (userId) => accounts.users.invalidate(userId),
    reportError,
  });

  const module: Module = {
    name: 'files',
    // Its paths live under two roots (/api/v1 for uploading, /files for serving), so its prefix is the root.
    routes: accounts.signedInRoutes('', async (scope) => {
      await registerUploads(scope, { config, uploads, fileUrls, authenticate: accounts.authenticate });
      await registerAvatarRoutes(scope, { config, avatars });
    }),
  };
  return { module, uploads, avatars };
}

export type FilesModule = ReturnType<typeof filesModule>;
