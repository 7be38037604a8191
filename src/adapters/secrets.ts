import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The server's root secret: AUTH_SECRET when set (required in production), otherwise one generated
 * once into DATA_DIR so development restarts keep sessions. Each use gets its own derived key.
 */
export function loadRootSecret(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'auth-secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48);
  try {
    fs.writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadRootSecret(undefined, dataDir);
    throw error;
  }
}

export type KeyPurpose = 'access-token' | 'refresh-token' | 'one-time-code' | 'csrf' | 'file-url' | 'totp-secret' | `compat-${string}`;

/** A 256-bit key for one purpose, so no two mechanisms share key material. */
export function deriveKey(root: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `messenger/${purpose}`, 32));
}
