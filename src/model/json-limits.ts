import { BalerError } from '../errors.js';

/** Caps for metadata documents; sources are untrusted (architecture.md rule 3). */
export const JsonLimits = {
  manifest: 4 * 1024 * 1024,
  config: 8 * 1024 * 1024,
  small: 1024 * 1024,
} as const;

export type JsonObject = { [k: string]: unknown };

export function parseJsonBytes(bytes: Uint8Array | string, what: string, limit: number = JsonLimits.manifest): unknown {
  const len = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (len > limit) throw new BalerError('E_FORMAT', `${what}: larger than ${limit} bytes`);
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message.replace(/\s+/g, ' ');
    throw new BalerError('E_FORMAT', `${what}: invalid JSON (${msg})`);
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw new BalerError('E_FORMAT', `${what}: expected a JSON object`);
  return v;
}

export function expectString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new BalerError('E_FORMAT', `${what}: expected a string`);
  return v;
}

export function optionalString(v: unknown, what: string): string | undefined {
  return v === undefined || v === null ? undefined : expectString(v, what);
}

export function expectArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new BalerError('E_FORMAT', `${what}: expected a JSON array`);
  return v;
}

export function expectSize(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new BalerError('E_FORMAT', `${what}: expected a non-negative integer size`);
  }
  return v;
}

export function stringRecord(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const o = expectObject(v, what);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) out[k] = expectString(val, `${what}.${k}`);
  return out;
}

/** Canonical bytes for a document baler itself creates (never re-serialise foreign JSON: formats.md §3.2). */
export function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v), 'utf8');
}
