import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../src/adapters/secrets.js';
import { bearer, login, problem, registerUser } from '../helpers/accounts.js';
import { direct, person, send } from '../helpers/chats.js';
import { blackPng } from '../helpers/images.js';
import { multipart, type Part } from '../helpers/multipart.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const AUTH_SECRET = randomBytes(32).toString('hex');
const clock = new TestClock();

const startUploadServer = (env: Record<string, string> = {}): Promise<TestServer> => startTestServer({ env: { AUTH_SECRET, ...env }, clock });

let server: TestServer;
let ann: { id: number; token: string };
let ben: { id: number; token: string };
beforeAll(async () => {
  server = await startUploadServer();
  const signUp = async () => {
    const user = await registerUser(server);
    return { id: user.id, token: (await login(server, user)).accessToken };
  };
  ann = await signUp();
  ben = await signUp();
});
afterAll(() => server?.close());

// --- helpers -------------------------------------------------------------------------------------

function postParts(target: TestServer, token: string | undefined, parts: Part[]): Promise<Response> {
  const { body, contentType } = multipart(parts);
  return target.request('/api/v1/uploads', {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? bearer(token) : {}) },
    body,
  });
}

interface UploadJson {
  id: number;
  name: string;
  size: number;
  contentType: string;
  url: string;
  width: number | null;
  height: number | null;
  thumbnailUrl: string | null;
}

async function uploadFile(token: string, filename: string, data: Buffer | string, type = 'application/octet-stream'): Promise<UploadJson> {
  const res = await postParts(server, token, [{ name: 'file', filename, type, data }]);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadJson;
}

async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const res = await server.request(url, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

const keyOf = (url: string) => decodeURIComponent(new URL(url, 'http://x').pathname.slice('/files/'.length));

/** A gradient, so that any rotation or flip changes the pixels. */
function gradient(width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / (width - 1);
      raw[i + 1] = (y * 255) / (height - 1);
      raw[i + 2] = 128;
    }
  }
  return raw;
}

const privateExif = {
  IFD0: { Copyright: 'COPY-MARK', Make: 'SpyCam' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
};

/** A photo as a phone takes it: stored sideways with an EXIF orientation, and where it was taken. */
async function phonePhoto(format: 'png' | 'jpeg', width = 64, height = 48): Promise<Buffer> {
  const image = sharp(gradient(width, height), { raw: { width, height, channels: 3 } }).withExif(privateExif).withMetadata({ orientation: 6 });
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

/** The GPS IFD pointer (tag 0x8825), little-endian as libvips writes it. */
const hasGps = (exif: Buffer | undefined) => exif !== undefined && exif.includes(Buffer.from([0x25, 0x88]));


// --- uploading -----------------------------------------------------------------------------------

describe('POST /api/v1/uploads — images', () => {
  it('stores a PNG upright with no metadata, same pixels, with its size and a thumbnail', async () => {
    const original = await phonePhoto('png');
    const before = await sharp(original).metadata();
    expect(before.orientation).toBe(6);
    expect(hasGps(before.exif)).toBe(true);
    expect(original.includes('COPY-MARK')).toBe(true);

    // Sent the way a browser would, with FormData.
    const form = new FormData();
    form.append('file', new Blob([original], { type: 'image/png' }), 'holiday.png');
    const res = await server.request('/api/v1/uploads', { method: 'POST', body: form, headers: bearer(ann.token) });
    expect(res.status, await res.clone().text()).toBe(201);
    const upload = (await res.json()) as UploadJson;
    expect(upload).toMatchObject({ name: 'holiday.png', contentType: 'image/png', width: 48, height: 64 });
    expect(upload.url).toMatch(/^\/files\/u\/[\w-]{22}\/holiday\.png\?exp=\d+&sig=[\w-]{43}$/);
    expect(upload.thumbnailUrl).toMatch(/^\/files\/t\/[\w-]{22}\/holiday\.png\.webp\?exp=\d+&sig=[\w-]{43}$/);

    const { res: file, bytes } = await fetchBytes(upload.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toBe(`inline; filename="holiday.png"; filename*=UTF-8''holiday.png`);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(bytes.length).toBe(upload.size);

    const stored = await sharp(bytes).metadata();
    expect(stored).toMatchObject({ format: 'png', width: 48, height: 64 });
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(stored.xmp).toBeUndefined();
    expect(bytes.includes('COPY-MARK')).toBe(false);
    expect(bytes.includes('eXIf')).toBe(false);
    // Lossless: exactly the pixels the phone meant to show.
    const expected = await sharp(original).autoOrient().raw().toBuffer();
    expect((await sharp(bytes).raw().toBuffer()).equals(expected)).toBe(true);
  });

  it('strips EXIF and GPS from a JPEG', async () => {
    const original = await phonePhoto('jpeg', 40, 30);
    expect(hasGps((await sharp(original).metadata()).exif)).toBe(true);
    const upload = await uploadFile(ann.token, 'IMG_0001.JPG', original);
    expect(upload).toMatchObject({ contentType: 'image/jpeg', width: 30, height: 40 });
    const { res, bytes } = await fetchBytes(upload.url);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const stored = await sharp(bytes).metadata();
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(bytes.includes('Exif')).toBe(false);
    expect(bytes.includes('SpyCam')).toBe(false);
  });

  it('converts an embedded colour profile to sRGB and drops it', async () => {
    const original = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c04020' } }).withIccProfile('p3').png().toBuffer();
    expect((await sharp(original).metadata()).hasProfile).toBe(true);
    const upload = await uploadFile(ann.token, 'p3.png', original);
    const stored = await sharp((await fetchBytes(upload.url)).bytes).metadata();
    expect(stored.hasProfile).toBe(false);
    expect(stored.icc).toBeUndefined();
  });

  it('makes a WebP thumbnail at most 320 px on its longer side', async () => {
    const big = await sharp(gradient(1000, 600), { raw: { width: 1000, height: 600, channels: 3 } }).jpeg().toBuffer();
    const upload = await uploadFile(ann.token, 'wide.jpg', big);
    expect(upload).toMatchObject({ width: 1000, height: 600 });
    const { res, bytes } = await fetchBytes(upload.thumbnailUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="wide\.webp"/);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 192 });

    // Small images are not enlarged.
    const small = await uploadFile(ann.token, 'small.png', await sharp({ create: { width: 50, height: 20, channels: 4, background: '#0000' } }).png().toBuffer());
    expect(await sharp((await fetchBytes(small.thumbnailUrl!)).bytes).metadata()).toMatchObject({ width: 50, height: 20 });
  });

  it('keeps an animated GIF animated, and thumbnails its first frame', async () => {
    const frame = (background: string) => sharp({ create: { width: 20, height: 20, channels: 3, background } }).png().toBuffer();
    const gif = await sharp([await frame('blue'), await frame('red')], { join: { animated: true } }).gif().toBuffer();
    const upload = await uploadFile(ann.token, 'blink.gif', gif);
    expect(upload).toMatchObject({ contentType: 'image/gif', width: 20, height: 20 });
    const stored = await sharp((await fetchBytes(upload.url)).bytes).metadata();
    expect(stored).toMatchObject({ format: 'gif', pages: 2 });
    const thumb = await sharp((await fetchBytes(upload.thumbnailUrl!)).bytes).metadata();
    expect(thumb).toMatchObject({ format: 'webp', width: 20, height: 20 });
    expect(thumb.pages ?? 1).toBe(1);
  });

  it('refuses a truncated PNG (400 invalid_image)', async () => {
    const png = await sharp(gradient(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const res = await postParts(server, ann.token, [{ name: 'file', filename: 'cut.png', type: 'image/png', data: png.subarray(0, png.length - 40) }]);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('invalid_image');
  });

  it('refuses a 100-megapixel PNG from its header, without decoding it (400 image_too_large)', async () => {
    const bomb = blackPng(10_000, 10_000);
    expect(bomb.length).toBeLessThan(20_000);
    const started = performance.now();
    const res = await postParts(server, ann.token, [{ name: 'file', filename: 'bomb.png', type: 'image/png', data: bomb }]);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('image_too_large');
    // Decoding 100 million pixels takes seconds and hundreds of megabytes; reading a header does not.
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('POST /api/v1/uploads — other files', () => {
  it('stores a text file named .png as application/octet-stream and serves it as a download', async () => {
    const upload = await uploadFile(ann.token, 'notes.png', 'not a picture at all\n', 'image/png');
    expect(upload).toMatchObject({ name: 'notes.png', contentType: 'application/octet-stream', width: null, height: null, thumbnailUrl: null, size: 21 });
    const { res, bytes } = await fetchBytes(upload.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="notes\.png"/);
    expect(bytes.toString()).toBe('not a picture at all\n');
  });

  it('never lets uploaded HTML or SVG run in our origin', async () => {
    for (const [filename, data] of [
      ['page.html', '<!doctype html><script>alert(document.cookie)</script>'],
      ['logo.svg', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ] as const) {
      const upload = await uploadFile(ann.token, filename, data, 'text/html');
      expect(upload.contentType).not.toMatch(/html|svg/);
      const { res } = await fetchBytes(upload.url);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('content-security-policy')).toContain('sandbox');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('keeps a type the bytes prove, such as PDF', async () => {
    const pdf = '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';
    const upload = await uploadFile(ann.token, 'report.pdf', pdf);
    expect(upload.contentType).toBe('application/pdf');
    expect((await fetchBytes(upload.url)).res.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('cleans the displayed name: no path, no control or bidi-override characters, at most 255 characters', async () => {
    const spoof = await uploadFile(ann.token, 'C:\\Users\\ann\\evil\u0007\u202Egnp.exe', 'x');
    expect(spoof.name).toBe('evilgnp.exe');
    expect(spoof.url).toMatch(/\/evilgnp\.exe\?/);

    const long = await uploadFile(ann.token, `${'ж'.repeat(300)}.txt`, 'x');
    expect(Array.from(long.name)).toHaveLength(255);
    expect(long.name.endsWith('ж.txt')).toBe(true);
    expect(long.url).toMatch(/^\/files\/u\/[\w-]+\/file\.txt\?/);

    const unicode = await uploadFile(ann.token, 'Grüße 👋.txt', 'x');
    expect(unicode.name).toBe('Grüße 👋.txt');
    const { res } = await fetchBytes(unicode.url);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Gr__e __.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%91%8B.txt`);
  });

  it('refuses an empty file (400 empty_file)', async () => {
    const res = await postParts(server, ann.token, [{ name: 'file', filename: 'empty.txt', data: '' }]);
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ code: 'empty_file', errors: [{ field: 'file', message: 'must not be empty' }] });
  });

  it('refuses a body with no file part (400 no_file), and an empty multipart body', async () => {
    const res = await postParts(server, ann.token, [{ name: 'caption', data: 'just a field' }]);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('no_file');

    const empty = await server.request('/api/v1/uploads', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz', ...bearer(ann.token) }, body: '' });
    expect(empty.status).toBe(400);
    expect((await problem(empty)).code).toBe('no_file');
  });

  it('refuses two files (400 too_many_files)', async () => {
    const res = await postParts(server, ann.token, [
      { name: 'file', filename: 'a.txt', data: 'a' },
      { name: 'file', filename: 'b.txt', data: 'b' },
    ]);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('too_many_files');
  });

  it('refuses a malformed multipart body (400)', async () => {
    const res = await server.request('/api/v1/uploads', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=abc', ...bearer(ann.token) },
      body: '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nno closing boundary',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('malformed_multipart');
  });

  it('refuses JSON and other non-multipart bodies (415)', async () => {
    const json = await server.request('/api/v1/uploads', { method: 'POST', json: { file: 'aGVsbG8=' }, headers: bearer(ann.token) });
    expect(json.status).toBe(415);
    expect((await problem(json)).code).toBe('unsupported_media_type');
    expect(json.headers.get('accept-post')).toBe('multipart/form-data');

    const raw = await server.request('/api/v1/uploads', { method: 'POST', headers: { 'content-type': 'image/png', ...bearer(ann.token) }, body: await phonePhoto('png') });
    expect(raw.status).toBe(415);
  });

  it('needs credentials (401), checked before the body', async () => {
    const res = await postParts(server, undefined, [{ name: 'file', filename: 'a.txt', data: 'a' }]);
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('missing_credentials');
    const bad = await postParts(server, 'not-a-token', [{ name: 'file', filename: 'a.txt', data: 'a' }]);
    expect(bad.status).toBe(401);
  });
});

describe('POST /api/v1/uploads — size limit', () => {
  let small: TestServer;
  let token: string;
  beforeAll(async () => {
    small = await startUploadServer({ MAX_UPLOAD_BYTES: '1000' });
    const user = await registerUser(small);
    token = (await login(small, user)).accessToken;
  });
  afterAll(() => small?.close());

  it('accepts a file of exactly the limit', async () => {
    const res = await postParts(small, token, [{ name: 'file', filename: 'max.bin', data: randomBytes(1000) }]);
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('refuses a file one byte over the limit (413) while reading it', async () => {
    const res = await postParts(small, token, [{ name: 'file', filename: 'big.bin', data: randomBytes(1001) }]);
    expect(res.status).toBe(413);
    expect(await problem(res)).toMatchObject({ code: 'payload_too_large', detail: 'The file is larger than 1000 bytes' });
  });

  it('refuses a body whose declared length is far over the limit (413) before reading it', async () => {
    const res = await postParts(small, token, [{ name: 'file', filename: 'huge.bin', data: Buffer.alloc(300_000) }]);
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe('payload_too_large');
  });
});

// --- downloading ---------------------------------------------------------------------------------

describe('GET /files/*', () => {
  let upload: UploadJson;
  let content: Buffer;
  beforeAll(async () => {
    content = randomBytes(5000);
    upload = await uploadFile(ann.token, 'data.bin', content);
  });
  const path = () => upload.url.split('?')[0]!;

  it('serves a signed URL without credentials, cacheable for the rest of its lifetime', async () => {
    const { res, bytes } = await fetchBytes(upload.url);
    expect(res.status).toBe(200);
    expect(bytes.equals(content)).toBe(true);
    expect(res.headers.get('content-length')).toBe('5000');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{43}"$/);
    const exp = Number(new URL(upload.url, server.url).searchParams.get('exp'));
    const left = exp - Math.ceil(clock.now() / 1000);
    expect(left).toBeGreaterThanOrEqual(86_400);
    expect(res.headers.get('cache-control')).toBe(`private, max-age=${left}, immutable`);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('answers HEAD from the metadata', async () => {
    const res = await server.request(upload.url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('5000');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('signs key and expiry with the file-url key: HMAC-SHA256 over "<key>\\n<exp>"', async () => {
    const key = keyOf(upload.url);
    const sign = (exp: number) =>
      createHmac('sha256', deriveKey(Buffer.from(AUTH_SECRET), 'file-url')).update(`${key}\n${exp}`).digest('base64url');
    const future = Math.floor(clock.now() / 1000) + 600;
    expect((await fetchBytes(`${path()}?exp=${future}&sig=${sign(future)}`)).res.status).toBe(200);
    // Correctly signed, but expired.
    const past = Math.floor(clock.now() / 1000) - 1;
    const expired = await server.request(`${path()}?exp=${past}&sig=${sign(past)}`);
    expect(expired.status).toBe(404);
    expect((await problem(expired)).code).toBe('not_found');
  });

  it('refuses tampered, transplanted and missing signatures with 404', async () => {
    const url = new URL(upload.url, server.url);
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    const other = await uploadFile(ann.token, 'other.bin', 'other');
    const otherSig = new URL(other.url, server.url).searchParams.get('sig')!;
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    for (const query of [
      `?exp=${exp}&sig=${flipped}`,
      `?exp=${Number(exp) + 3600}&sig=${sig}`,
      `?exp=${exp}&sig=${otherSig}`,
      `?exp=${exp}&sig=${sig}.`,
      `?exp=${exp}`,
      `?sig=${sig}`,
      '',
    ]) {
      const res = await server.request(`${path()}${query}`);
      expect(res.status, query).toBe(404);
      expect((await problem(res)).code).toBe('not_found');
    }
  });

  it('stops serving a URL once it has expired', async () => {
    clock.advance(3 * 86_400_000);
    try {
      expect((await fetchBytes(upload.url)).res.status).toBe(404);
    } finally {
      clock.advance(-3 * 86_400_000);
    }
    expect((await fetchBytes(upload.url)).res.status).toBe(200);
  });

  it('serves the uploader with credentials and no signature, and no one else while unattached', async () => {
    const own = await server.request(path(), { headers: bearer(ann.token) });
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('private, no-cache');
    expect(own.headers.get('cross-origin-resource-policy')).toBe('same-site');
    expect(Buffer.from(await own.arrayBuffer()).equals(content)).toBe(true);

    const stranger = await server.request(path(), { headers: bearer(ben.token) });
    expect(stranger.status).toBe(404);
    expect((await problem(stranger)).code).toBe('not_found');
    // Same answer as for a file that does not exist.
    const unknown = await server.request('/files/u/AAAAAAAAAAAAAAAAAAAAAA/data.bin', { headers: bearer(ben.token) });
    expect(unknown.status).toBe(404);

    // Credentials that do not check out are a 401, whatever the file.
    const bad = await server.request(path(), { headers: bearer('garbage') });
    expect(bad.status).toBe(401);
  });

  it('serves an attached file to the members of its chat, and to no one else', async () => {
    const image = await uploadFile(ann.token, 'shared.png', await phonePhoto('png'));
    const cat = await registerUser(server);
    const catToken = (await login(server, cat)).accessToken;
    const db = server.app.database.db;
    const now = Date.now();
    const chat = await db
      .insertInto('chats')
      .values({ kind: 'group', name: 'trip', created_by: ann.id, created_at: now, updated_at: now, activity_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('chat_members')
      .values([ann.id, cat.id].map((user_id) => ({ chat_id: chat.id, user_id, role: 'member' as const, joined_at: now })))
      .execute();
    const message = await db
      .insertInto('messages')
      .values({ chat_id: chat.id, seq: 1, sender_id: ann.id, text: 'look', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.updateTable('uploads').set({ message_id: message.id, chat_id: chat.id }).where('id', '=', image.id).execute();

    for (const url of [image.url, image.thumbnailUrl!]) {
      const unsigned = url.split('?')[0]!;
      expect((await server.request(unsigned, { headers: bearer(catToken) })).status, url).toBe(200);
      expect((await server.request(unsigned, { headers: bearer(ann.token) })).status, url).toBe(200);
      expect((await server.request(unsigned, { headers: bearer(ben.token) })).status, url).toBe(404);
    }

    // Deleting the message detaches the file: it is the uploader's alone again.
    await db.updateTable('uploads').set({ message_id: null }).where('id', '=', image.id).execute();
    expect((await server.request(image.url.split('?')[0]!, { headers: bearer(catToken) })).status).toBe(404);
    expect((await server.request(image.url.split('?')[0]!, { headers: bearer(ann.token) })).status).toBe(200);
  });

  it('answers Range requests with 206 and exactly those bytes', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-9', 0, 9],
      ['bytes=4990-', 4990, 4999],
      ['bytes=-5', 4995, 4999],
      ['bytes=100-99999', 100, 4999],
    ];
    for (const [range, start, end] of cases) {
      const { res, bytes } = await fetchBytes(upload.url, { range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/5000`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(bytes.equals(content.subarray(start, end + 1)), range).toBe(true);
    }
    // Several ranges, or a malformed one: the whole file.
    for (const range of ['bytes=0-1,5-6', 'bytes=5-1', 'items=0-1']) {
      const { res, bytes } = await fetchBytes(upload.url, { range });
      expect(res.status, range).toBe(200);
      expect(bytes.length).toBe(5000);
    }
    // If-Range naming this version: the range; naming another: the whole file.
    const etag = (await fetchBytes(upload.url)).res.headers.get('etag')!;
    expect((await fetchBytes(upload.url, { range: 'bytes=0-9', 'if-range': etag })).res.status).toBe(206);
    expect((await fetchBytes(upload.url, { range: 'bytes=0-9', 'if-range': '"other"' })).res.status).toBe(200);
  });

  it('answers an unsatisfiable range with 416', async () => {
    for (const range of ['bytes=5000-', 'bytes=6000-7000', 'bytes=-0']) {
      const res = await server.request(upload.url, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */5000');
      expect((await problem(res)).code).toBe('range_not_satisfiable');
    }
  });

  it('answers If-None-Match with 304 when the ETag matches', async () => {
    const etag = (await fetchBytes(upload.url)).res.headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const { res, bytes } = await fetchBytes(upload.url, { 'if-none-match': header });
      expect(res.status, header).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(bytes.length).toBe(0);
    }
    expect((await fetchBytes(upload.url, { 'if-none-match': '"nope"' })).res.status).toBe(200);
    // A 304 is only for those who may read the file.
    expect((await server.request(path(), { headers: { 'if-none-match': etag, ...bearer(ben.token) } })).status).toBe(404);
  });

  it('refuses path traversal and odd keys with 404', async () => {
    for (const target of [
      '/files/..%2f..%2fetc/passwd',
      '/files/%2e%2e/%2e%2e/etc/passwd',
      '/files/u/x/..%2f..%2f..%2fapp.db',
      '/files/..%2fauth-secret',
      '/files/.meta/u',
      '/files/%2fetc%2fpasswd',
      '/files/u/a%00b',
      '/files/u%5c..%5c..%5cauth-secret',
      '/files/',
    ]) {
      const res = await server.request(target, { headers: bearer(ann.token) });
      expect(res.status, target).toBe(404);
    }
  });
});

describe('deleting the account', () => {
  it('deletes the files it never sent, blobs included, and keeps the ones in chat history', async () => {
    const leaver = await person(server);
    const friend = await person(server);
    const kept = await uploadFile(leaver.token, 'sent.png', await phonePhoto('png'));
    const drafts = [await uploadFile(leaver.token, 'draft.png', await phonePhoto('png')), await uploadFile(leaver.token, 'notes.txt', 'private notes')];
    const chat = await direct(server, leaver, friend);
    await send(server, leaver, chat.id, 'the photo', { attachmentIds: [kept.id] });

    const urls = (upload: UploadJson) => [upload.url, ...(upload.thumbnailUrl ? [upload.thumbnailUrl] : [])];
    const blobOf = (url: string) => path.join(server.environment.dataDir, 'files', ...keyOf(url).split('/'));
    const draftUrls = drafts.flatMap(urls);
    expect(draftUrls).toHaveLength(3);
    for (const url of draftUrls) expect((await fetchBytes(url)).res.status, url).toBe(200);

    const deleted = await server.request('/api/v1/users/me', { method: 'DELETE', headers: bearer(leaver.token), json: { password: leaver.password } });
    expect(deleted.status, await deleted.clone().text()).toBe(204);

    // Signed URLs handed out before are dead, and no byte of those files is left.
    for (const url of draftUrls) {
      const { res } = await fetchBytes(url);
      expect(res.status, url).toBe(404);
      expect(existsSync(blobOf(url)), url).toBe(false);
    }
    // The message stays, from a deleted user, and so does its photo for the chat.
    for (const url of urls(kept)) {
      expect((await fetchBytes(url)).res.status, url).toBe(200);
      expect((await fetchBytes(url.split('?')[0]!, bearer(friend.token))).res.status, url).toBe(200);
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes the upload and download endpoints', async () => {
    const doc = (await (await server.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const post = doc.paths['/api/v1/uploads']?.post;
    expect(Object.keys(post!.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '413', '415']));
    expect(post!.security).toHaveLength(3);
    const download = Object.entries(doc.paths).find(([path]) => path.startsWith('/files/'))?.[1];
    expect(Object.keys(download!.get!.responses)).toEqual(expect.arrayContaining(['401', '404', '416']));
  });
});
