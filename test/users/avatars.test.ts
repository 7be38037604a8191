import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PALETTE } from '../../src/services/avatar-keys.js';
import { bearer, login, problem, registerUser } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { multipart, type Part } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface AvatarJson {
  small: string;
  large: string;
  isDefault: boolean;
}

interface SignedIn {
  id: number;
  token: string;
}

let server: TestServer;
let ann: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  ann = await signUp(server);
});
afterAll(() => server?.close());

// --- helpers -------------------------------------------------------------------------------------

async function signUp(target: TestServer): Promise<SignedIn> {
  const user = await registerUser(target);
  return { id: user.id, token: (await login(target, user)).accessToken };
}

function putParts(token: string | undefined, parts: Part[], target = server): Promise<Response> {
  const { body, contentType } = multipart(parts);
  return target.request('/api/v1/users/me/avatar', { method: 'PUT', headers: { 'content-type': contentType, ...(token ? bearer(token) : {}) }, body });
}

async function putAvatar(user: SignedIn, data: Buffer, filename = 'me.png', target = server): Promise<AvatarJson> {
  const res = await putParts(user.token, [{ name: 'file', filename, type: 'image/png', data }], target);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as AvatarJson;
}

async function resetAvatar(user: SignedIn): Promise<AvatarJson> {
  const res = await server.request('/api/v1/users/me/avatar', { method: 'DELETE', headers: bearer(user.token) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as AvatarJson;
}

async function fetchImage(url: string, headers: Record<string, string> = {}) {
  const res = await server.request(url, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Fetches both sizes and checks they are square WebPs of the right size. */
async function expectServed(avatar: AvatarJson): Promise<{ large: Buffer; small: Buffer }> {
  const large = await fetchImage(avatar.large);
  const small = await fetchImage(avatar.small);
  for (const [{ res, bytes }, side] of [[large, 512], [small, 128]] as const) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: side, height: side });
  }
  return { large: large.bytes, small: small.bytes };
}

const statusOf = async (url: string) => {
  const res = await server.request(url);
  await res.arrayBuffer();
  return res.status;
};

const avatarKeyOf = async (userId: number) =>
  (await server.app.database.db.selectFrom('users').select('avatar_key').where('id', '=', userId).executeTakeFirstOrThrow()).avatar_key;

async function setNames(userId: number, firstName: string, lastName: string): Promise<void> {
  await server.app.database.db.updateTable('users').set({ first_name: firstName, last_name: lastName }).where('id', '=', userId).execute();
}

/** Three vertical bands, red | green | blue, so a centre crop keeps only green. */
function bands(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[(y * width + x) * 3 + Math.min(2, Math.floor((x * 3) / width))] = 255;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

const solid = (background: string, width = 64, height = 64) => sharp({ create: { width, height, channels: 3, background } });

/** The colour of one pixel, as [r, g, b]. */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

const near = (actual: number[], expected: number[], tolerance = 24) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Every file below `dir`, as paths relative to it. */
const filesUnder = async (dir: string) => ((await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) as Dirent[])
  .filter((entry) => entry.isFile())
  .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
  .sort();

const uploadedUrl = (userId: number, side: number) => new RegExp(`^/files/avatars/${userId}/[\\w-]{22}/${side}\\.webp$`);

// --- uploading -----------------------------------------------------------------------------------

describe('PUT /api/v1/users/me/avatar', () => {
  it('takes PNG, JPEG, WebP and GIF, and serves each as square WebPs of 512 and 128 px', async () => {
    const fixtures: Array<[string, Buffer]> = [
      ['me.png', await bands(300, 100).png().toBuffer()],
      ['me.jpg', await bands(300, 100).jpeg().toBuffer()],
      ['me.webp', await bands(300, 100).webp({ lossless: true }).toBuffer()],
      ['me.gif', await bands(300, 100).gif().toBuffer()],
    ];
    for (const [filename, data] of fixtures) {
      const avatar = await putAvatar(ann, data, filename);
      expect(avatar.isDefault).toBe(false);
      expect(avatar.large).toMatch(uploadedUrl(ann.id, 512));
      expect(avatar.small).toMatch(uploadedUrl(ann.id, 128));
      expect(await avatarKeyOf(ann.id)).toBe(avatar.large.slice('/files/'.length, -'/512.webp'.length));
      const { large, small } = await expectServed(avatar);
      // Centre-cropped: only the green middle band is left, corners included.
      for (const [image, side] of [[large, 512], [small, 128]] as const) {
        const inset = side / 16;
        expect(near(await pixel(image, inset, inset), [0, 255, 0]), filename).toBe(true);
        expect(near(await pixel(image, side - inset, side - inset), [0, 255, 0]), filename).toBe(true);
      }
    }
  });

  it('turns a photo upright before cropping it', async () => {
    // Stored sideways, red above blue, with the EXIF orientation (90° clockwise) that shows it as blue | red.
    const raw = Buffer.alloc(300 * 100 * 3);
    for (let i = 0; i < 300 * 100; i++) raw[i * 3 + (i < 300 * 50 ? 0 : 2)] = 255;
    const sideways = await sharp(raw, { raw: { width: 300, height: 100, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const { large } = await expectServed(await putAvatar(ann, sideways, 'sideways.jpg'));
    expect(near(await pixel(large, 10, 128), [0, 0, 255])).toBe(true);
    expect(near(await pixel(large, 500, 128), [255, 0, 0])).toBe(true);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all(['#0000ff', '#ff0000'].map((c) => solid(c, 40, 40).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { large } = await expectServed(await putAvatar(ann, gif, 'blink.gif'));
    expect((await sharp(large).metadata()).pages ?? 1).toBe(1);
    expect(near(await pixel(large, 256, 256), [0, 0, 255])).toBe(true);
  });

  it('removes EXIF, GPS and every other metadata', async () => {
    const photo = await solid('#808080', 200, 150)
      .withExif({
        IFD0: { Copyright: 'COPY-MARK', Make: 'SpyCam' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
      })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const before = await sharp(photo).metadata();
    expect(before.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // the GPS IFD pointer
    expect(before.hasProfile).toBe(true);

    const { large, small } = await expectServed(await putAvatar(ann, photo, 'IMG_0001.JPG'));
    for (const image of [large, small]) {
      const stored = await sharp(image).metadata();
      expect(stored.exif).toBeUndefined();
      expect(stored.xmp).toBeUndefined();
      expect(stored.icc).toBeUndefined();
      expect(stored.orientation).toBeUndefined();
      expect(image.includes('SpyCam')).toBe(false);
      expect(image.includes('COPY-MARK')).toBe(false);
      expect(image.includes('EXIF')).toBe(false);
    }
  });

  it('gives every upload new URLs, and the old ones stop working', async () => {
    const first = await putAvatar(ann, await solid('#ff0000').png().toBuffer());
    const second = await putAvatar(ann, await solid('#0000ff').png().toBuffer());
    expect(second.large).not.toBe(first.large);
    expect(second.small).not.toBe(first.small);
    for (const url of [first.large, first.small]) {
      const res = await server.request(url);
      expect(res.status, url).toBe(404);
      expect((await problem(res)).code).toBe('not_found');
    }
    const { large } = await expectServed(second);
    expect(near(await pixel(large, 10, 10), [0, 0, 255])).toBe(true);
  });

  it('keeps exactly one avatar when two uploads race', async () => {
    const user = await signUp(server);
    const images = await Promise.all(['#ff0000', '#00ff00'].map((c) => solid(c).png().toBuffer()));
    const [a, b] = await Promise.all(images.map((image) => putAvatar(user, image)));
    const key = await avatarKeyOf(user.id);
    const winner = [a!, b!].find((avatar) => avatar.large === `/files/${key}/512.webp`);
    const loser = [a!, b!].find((avatar) => avatar !== winner);
    expect(winner).toBeDefined();
    await expectServed(winner!);
    // The replaced upload's files are gone, not left behind.
    expect(await statusOf(loser!.large)).toBe(404);
    expect(await statusOf(loser!.small)).toBe(404);
  });

  it('needs credentials (401), checked before the body', async () => {
    const res = await putParts(undefined, [{ name: 'file', filename: 'a.png', data: await solid('#ff0000').png().toBuffer() }]);
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('missing_credentials');
  });
});

describe('PUT /api/v1/users/me/avatar — refusals change nothing', () => {
  let user: SignedIn;
  let current: AvatarJson;
  beforeAll(async () => {
    user = await signUp(server);
    current = await putAvatar(user, await solid('#123456').png().toBuffer());
  });

  /** Sends `parts`, expects the status and code, then checks the previous avatar is untouched. */
  async function expectRefused(send: () => Promise<Response>, status: number, code: string) {
    const key = await avatarKeyOf(user.id);
    const res = await send();
    expect(res.status).toBe(status);
    expect((await problem(res)).code).toBe(code);
    expect(await avatarKeyOf(user.id)).toBe(key);
    await expectServed(current);
  }

  const sendFile = (data: Buffer | string, filename = 'me.png') => () => putParts(user.token, [{ name: 'file', filename, type: 'image/png', data }]);

  it('an empty file (400 empty_file)', async () => {
    await expectRefused(sendFile(''), 400, 'empty_file');
  });

  it('a text file named .png (415 unsupported_image)', async () => {
    await expectRefused(sendFile('not a picture at all\n'), 415, 'unsupported_image');
  });

  it('files of other types, even images we do not take (415 unsupported_image)', async () => {
    await expectRefused(sendFile('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'me.pdf'), 415, 'unsupported_image');
    await expectRefused(sendFile(await solid('#ff0000').tiff().toBuffer(), 'me.tiff'), 415, 'unsupported_image');
    await expectRefused(
      sendFile('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>', 'me.svg'),
      415,
      'unsupported_image',
    );
  });

  it('a truncated PNG or JPEG (422 invalid_image)', async () => {
    const png = await bands(300, 300).png().toBuffer();
    await expectRefused(sendFile(png.subarray(0, png.length - 40)), 422, 'invalid_image');
    const jpeg = await bands(300, 300).jpeg().toBuffer();
    await expectRefused(sendFile(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'me.jpg'), 422, 'invalid_image');
  });

  it('a 100-megapixel PNG, from its header without decoding it (422 image_too_large)', async () => {
    const bomb = blackPng(10_000, 10_000);
    expect(bomb.length).toBeLessThan(20_000);
    const started = performance.now();
    await expectRefused(sendFile(bomb), 422, 'image_too_large');
    // Decoding 100 million pixels takes seconds and hundreds of megabytes; reading a header does not.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('two files (400 too_many_files)', async () => {
    const image = await solid('#ff0000').png().toBuffer();
    await expectRefused(
      () =>
        putParts(user.token, [
          { name: 'file', filename: 'a.png', data: image },
          { name: 'file', filename: 'b.png', data: image },
        ]),
      400,
      'too_many_files',
    );
  });

  it('a body with no file part (400 no_file)', async () => {
    await expectRefused(() => putParts(user.token, [{ name: 'caption', data: 'just a field' }]), 400, 'no_file');
  });

  it('a body that is not multipart (415)', async () => {
    const image = await solid('#ff0000').png().toBuffer();
    await expectRefused(
      () => server.request('/api/v1/users/me/avatar', { method: 'PUT', json: { file: image.toString('base64') }, headers: bearer(user.token) }),
      415,
      'unsupported_media_type',
    );
    await expectRefused(
      () => server.request('/api/v1/users/me/avatar', { method: 'PUT', headers: { 'content-type': 'image/png', ...bearer(user.token) }, body: image }),
      415,
      'unsupported_media_type',
    );
  });

  it('no credentials, or bad ones (401)', async () => {
    const image = await solid('#ff0000').png().toBuffer();
    await expectRefused(() => putParts(undefined, [{ name: 'file', filename: 'a.png', data: image }]), 401, 'missing_credentials');
    await expectRefused(() => putParts('not-a-token', [{ name: 'file', filename: 'a.png', data: image }]), 401, 'invalid_token');
  });
});

describe('PUT /api/v1/users/me/avatar — size limit', () => {
  let small: TestServer;
  let user: SignedIn;
  beforeAll(async () => {
    small = await startTestServer({ env: { AVATAR_MAX_BYTES: '2000' } });
    user = await signUp(small);
  });
  afterAll(() => small?.close());

  it('takes a file within the limit, and refuses one over it (413) keeping the avatar', async () => {
    const tiny = await solid('#00ff00', 16, 16).png().toBuffer();
    expect(tiny.length).toBeLessThanOrEqual(2000);
    const avatar = await putAvatar(user, tiny, 'tiny.png', small);
    const key = (await small.app.database.db.selectFrom('users').select('avatar_key').where('id', '=', user.id).executeTakeFirstOrThrow()).avatar_key;

    const noise = await sharp(randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    expect(noise.length).toBeGreaterThan(2000);
    for (const data of [noise, Buffer.alloc(300_000)]) {
      const res = await putParts(user.token, [{ name: 'file', filename: 'big.png', data }], small);
      expect(res.status).toBe(413);
      expect(await problem(res)).toMatchObject({ code: 'payload_too_large', detail: 'The file is larger than 2000 bytes' });
    }
    const after = (await small.app.database.db.selectFrom('users').select('avatar_key').where('id', '=', user.id).executeTakeFirstOrThrow()).avatar_key;
    expect(after).toBe(key);
    const served = await small.request(avatar.large);
    expect(served.status).toBe(200);
    await served.arrayBuffer();
  });
});

// --- the generated default -----------------------------------------------------------------------

describe('DELETE /api/v1/users/me/avatar and the default avatar', () => {
  it('goes back to the default, deletes the upload, and changes nothing the second time', async () => {
    const user = await signUp(server);
    await setNames(user.id, 'Ann', 'Lee');
    const uploaded = await putAvatar(user, await solid('#ff0000').png().toBuffer());

    const avatar = await resetAvatar(user);
    expect(avatar).toEqual({
      isDefault: true,
      large: `/files/avatars/default/v1/AL-${user.id % PALETTE.length}/512.webp`,
      small: `/files/avatars/default/v1/AL-${user.id % PALETTE.length}/128.webp`,
    });
    expect(await avatarKeyOf(user.id)).toBeNull();
    expect(await statusOf(uploaded.large)).toBe(404);
    expect(await statusOf(uploaded.small)).toBe(404);

    const { large, small } = await expectServed(avatar);
    // The palette colour in the corner, white letters in the middle.
    const colour = rgb(PALETTE[user.id % PALETTE.length]!);
    expect(near(await pixel(large, 4, 4), colour)).toBe(true);
    expect(near(await pixel(small, 1, 1), colour)).toBe(true);
    const { data } = await sharp(large).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let white = 0;
    for (let i = 0; i < data.length; i += 3) if (data[i]! > 230 && data[i + 1]! > 230 && data[i + 2]! > 230) white++;
    expect(white).toBeGreaterThan(512 * 512 * 0.03);

    expect(await resetAvatar(user)).toEqual(avatar);
    await expectServed(avatar);
  });

  it('is cached for good: ETag, 304 on If-None-Match, public and immutable, HEAD', async () => {
    const avatar = await resetAvatar(ann);
    for (const url of [avatar.large, (await putAvatar(ann, await solid('#ff0000').png().toBuffer())).large]) {
      // No credentials needed: avatars are public.
      const { res, bytes } = await fetchImage(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);

      for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
        const again = await server.request(url, { headers: { 'if-none-match': tag } });
        expect(again.status, tag).toBe(304);
        expect(again.headers.get('etag')).toBe(etag);
        expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect((await again.arrayBuffer()).byteLength).toBe(0);
      }
      const changed = await server.request(url, { headers: { 'if-none-match': '"other"' } });
      expect(changed.status).toBe(200);
      await changed.arrayBuffer();

      const head = await server.request(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('image/webp');
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    }
  });

  it('draws the same bytes again for the same URL, on any server, and stores none of them', async () => {
    const avatar = await resetAvatar(ann);
    const [a, b] = await Promise.all([fetchImage(avatar.large), fetchImage(avatar.large)]);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.res.headers.get('etag')).toBe(b.res.headers.get('etag'));
    const stored = path.join(server.environment.dataDir, 'files', ...avatar.large.slice('/files/'.length).split('/'));
    await expect(fs.stat(stored)).rejects.toThrow();

    // Another server (another node, or this one after a restart) draws the same bytes under the same ETag.
    const other = await startTestServer();
    try {
      const res = await other.request(avatar.large);
      expect(res.headers.get('etag')).toBe(a.res.headers.get('etag'));
      expect(Buffer.from(await res.arrayBuffer()).equals(a.bytes)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('creates no file for any number of made-up keys: each is drawn or refused, never kept', async () => {
    const filesDir = path.join(server.environment.dataDir, 'files');
    const before = await filesUnder(filesDir);
    const encode = (text: string) => `x${Buffer.from(text).toString('base64url')}`;
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const initials = letters[i % 26]! + letters[(i * 7) % 26]!;
      keys.push(`default/v1/${initials}-${i % PALETTE.length}/${i % 2 ? 128 : 512}.webp`);
    }
    keys.push(`default/v1/${encode('ЖЁ')}-3/128.webp`, `default/v1/${encode('ЖЁЯ')}-3/128.webp`, 'default/v1/QQQ-1/512.webp');
    for (const key of keys) {
      const res = await server.request(`/files/avatars/${key}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status === 200) {
        expect(res.headers.get('content-type'), key).toBe('image/webp');
        expect((await sharp(body).metadata()).format, key).toBe('webp');
      } else {
        expect(res.status, key).toBe(404);
      }
    }
    expect(await filesUnder(filesDir)).toEqual(before);
  });

  it('is shared by people with the same initials and colour; other initials get another', async () => {
    const first = await signUp(server);
    let twin = await signUp(server);
    while (twin.id % PALETTE.length !== first.id % PALETTE.length) twin = await signUp(server);
    const other = await signUp(server);
    await setNames(first.id, 'Mary', 'Kim');
    await setNames(twin.id, 'mike', 'kowalski');
    await setNames(other.id, 'Olga', 'Zhou');

    const [a, b, c] = await Promise.all([first, twin, other].map(resetAvatar));
    expect(a!.large).toBe(`/files/avatars/default/v1/MK-${first.id % PALETTE.length}/512.webp`);
    expect(b).toEqual(a);
    expect(c!.large).toMatch(/^\/files\/avatars\/default\/v1\/OZ-\d\/512\.webp$/);
    const images = await Promise.all([a!, c!].map(expectServed));
    expect(images[0]!.large.equals(images[1]!.large)).toBe(false);
  });

  it('uses the username without names, and draws any script or none', async () => {
    const user = await signUp(server);
    const index = user.id % PALETTE.length;
    const defaultFor = async (firstName: string, lastName: string) => {
      await setNames(user.id, firstName, lastName);
      const avatar = await resetAvatar(user);
      await expectServed(avatar);
      return decodeURIComponent(avatar.large.split('/')[5]!);
    };
    // The test usernames are user<n>_<hex>: "U", then the first letter of the hex part if it has one.
    expect(await defaultFor('', '')).toMatch(new RegExp(`^U[A-F]?-${index}$`));
    expect(await defaultFor('  émile', 'zola')).toBe(`x${Buffer.from('ÉZ').toString('base64url')}-${index}`);
    expect(await defaultFor('жанна', 'ёлкина')).toBe(`x${Buffer.from('ЖЁ').toString('base64url')}-${index}`);
    expect(await defaultFor('Ａnn', '')).toBe(`A-${index}`); // full-width letters folded
    expect(await defaultFor('straße', '')).toBe(`S-${index}`);
    expect(await defaultFor('ßa', '')).toBe(`x${Buffer.from('ß').toString('base64url')}-${index}`); // "SS" would be two letters
    expect(await defaultFor('🎸 Jimi', '"Hendrix"')).toBe(`JH-${index}`); // the first letters, not the first characters
    expect(await defaultFor('李', '小龙')).toBe(`x${Buffer.from('李小').toString('base64url')}-${index}`); // drawn as a silhouette
    expect(await defaultFor('Zoë', 'Ng')).toBe(`ZN-${index}`);
  });

  it('serves only keys it hands out: anything else is 404 and stores nothing', async () => {
    const avatarsDir = path.join(server.environment.dataDir, 'files', 'avatars', 'default', 'v1');
    const before = await fs.readdir(avatarsDir).catch(() => []);
    const encode = (text: string) => `x${Buffer.from(text).toString('base64url')}`;
    for (const key of [
      'default/v1/al-0/512.webp', // lower case
      `default/v1/AL-${PALETTE.length}/512.webp`, // no such colour
      'default/v1/AL-01/512.webp',
      'default/v1/AL-1/256.webp', // no such size
      'default/v1/AL-1/512.png',
      'default/v2/AL-1/512.webp', // no such style
      'default/AL-1/512.webp',
      'default/v1/ABC-1/512.webp', // three letters
      `default/v1/${encode('AL')}-1/512.webp`, // another spelling of AL
      `default/v1/${encode('al')}-1/512.webp`,
      `default/v1/${encode('1')}-1/512.webp`, // not a letter
      `default/v1/${encode('A B')}-1/512.webp`,
      `default/v1/${encode('ЖЁЯ')}-1/512.webp`,
      'default/v1/x-1/512.webp',
      'default/v1/none-1/512.webp/extra',
      'default/v1/%2E%2E-1/512.webp',
      '../u/x/512.webp',
      `${ann.id}/AAAAAAAAAAAAAAAAAAAAAA/512.webp`, // never uploaded
      `${ann.id}/short/512.webp`,
      '0/AAAAAAAAAAAAAAAAAAAAAA/512.webp',
      '',
    ]) {
      const res = await server.request(`/files/avatars/${key}`);
      expect(res.status, key).toBe(404);
      expect((await problem(res)).code).toBe('not_found');
    }
    expect(await fs.readdir(avatarsDir).catch(() => [])).toEqual(before);
    // A well-formed key nobody has yet is drawn all the same: the key is the whole recipe.
    expect(await statusOf(`/files/avatars/default/v1/none-0/128.webp`)).toBe(200);
    expect(await fs.readdir(avatarsDir).catch(() => [])).toEqual(before);
  });

  it('needs credentials to reset (401)', async () => {
    const res = await server.request('/api/v1/users/me/avatar', { method: 'DELETE' });
    expect(res.status).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('describes the avatar routes', async () => {
    const document = (await (await server.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    const avatar = document.paths['/api/v1/users/me/avatar']!;
    for (const method of ['put', 'delete']) {
      expect(avatar[method]?.tags).toEqual(['users']);
      expect(avatar[method]?.security).toEqual([{ bearer: [] }, { token: [] }, { cookie: [] }]);
      expect(Object.keys(avatar[method]!.responses)).toContain('200');
    }
    expect(Object.keys(avatar.put!.responses)).toEqual(expect.arrayContaining(['413', '415', '422']));
    expect(document.paths['/files/avatars/{path}']?.get).toBeDefined();
  });
});
