import { SharpImageProcessor } from '../adapters/images.js';
import { memorySeenOnce, redisSeenOnce } from '../adapters/seen-once.js';
import { registerPostImageRoutes } from '../http/post-image-routes.js';
import { registerPostRoutes } from '../http/posts-routes.js';
import { PostImages } from '../services/posts/post-images.js';
import { PostService } from '../services/posts/post-service.js';
import { ViewCounter } from '../services/posts/view-counter.js';
import { PostsRepository } from '../store/posts-repository.js';
import type { AccountsModule } from './accounts.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { SocialModule } from './social.js';

/** How often counted views are written (a crash loses at most this much of them). */
const VIEW_FLUSH_MS = 5_000;

/** Posts: photos, the feeds, likes, comments and views; `/api/v1/posts`, `/api/v1/users/:id/posts`, `/files/posts/*`. */
export function postsModule(infra: Infrastructure, { accounts, social }: { accounts: AccountsModule; social: SocialModule }) {
  const { config, database, blobs, clock, log, redis, delivery, fileUrls, links } = infra;
  const repository = new PostsRepository(database.db);
  const views = new ViewCounter({
    seen: redis ? redisSeenOnce(redis, `${config.redis.keyPrefix}post-view:`) : memorySeenOnce(),
    addViews: (counts) => repository.addViews(counts),
    clock,
    intervalMs: VIEW_FLUSH_MS,
    onError: (error) => log.warn({ err: error }, 'post views not counted'),
  });
  const posts = new PostService({
    posts: repository,
    social: social.repository,
    person: async (userId) => {
      const user = await accounts.users.findById(userId);
      return user && { id: user.id, username: user.username, firstName: user.firstName, lastName: user.lastName, avatarKey: user.avatarKey };
    },
    images: new PostImages({
      images: new SharpImageProcessor({ maxPixels: config.uploads.maxImagePixels }),
      blobs,
      reportError: (error, message) => log.warn({ err: error }, message),
    }),
    events: delivery,
    views,
    clock,
  });

  const module: Module = {
    name: 'posts',
    // Its paths live under two roots (/api/v1 for posts, /files for their images), so its prefix is the root.
    routes: accounts.signedInRoutes('', async (scope) => {
      await scope.register((api) => registerPostRoutes(api, { posts, links, maxImageBytes: config.uploads.maxBytes }), { prefix: '/api/v1' });
      registerPostImageRoutes(scope, { blobs, fileUrls, directUrlTtlSeconds: config.s3?.urlTtlSeconds ?? 0 });
    }),
    start: () => views.start(),
    stop: () => views.stop(),
  };
  return { module, posts, views };
}

export type PostsModule = ReturnType<typeof postsModule>;
