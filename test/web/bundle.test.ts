import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureWebClientBuilt } from './browser.js';

const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));

beforeAll(() => ensureWebClientBuilt());

describe('the web client build', () => {
  it('sends at most 150 KB of JavaScript, gzipped, for the first screen, and nothing inline', async () => {
    const html = await readFile(`${dist}index.html`, 'utf8');
    // What the first screen loads: the entry script and the modules it preloads.
    const scripts = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const script of scripts) gzipped += gzipSync(await readFile(`${dist}${script.replace(/^\//, '')}`)).length;
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
    // The content-security policy allows no inline script: there must be none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
