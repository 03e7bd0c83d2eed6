import { createHash } from 'node:crypto';
import { BalerError } from '../errors.js';

/** "sha256:" + 64 lowercase hex. Only parseDigest/sha256Of mint one. */
export type Digest = string & { readonly __brand: 'Digest' };

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

export function parseDigest(s: unknown, what = 'digest'): Digest {
  if (isDigest(s)) return s;
  if (typeof s === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s) && !s.startsWith('sha256:')) {
    throw new BalerError('E_UNSUPPORTED', `${what}: unsupported digest algorithm in ${JSON.stringify(s)} (only sha256)`);
  }
  throw new BalerError('E_FORMAT', `${what}: invalid digest ${JSON.stringify(s)}`);
}

/** Accepts bare 64-hex too (image IDs, v1 ids, file names). */
export function digestFromHex(hex: string, what = 'digest'): Digest {
  return parseDigest(hex.startsWith('sha256:') ? hex : `sha256:${hex}`, what);
}

export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function shortId(d: Digest): string {
  return hexOf(d).slice(0, 12);
}

export function sha256Of(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}
