import { basename, dirname, join } from 'node:path';
import { BalerError } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';

/**
 * The description of a split set, `NAME.baler.json` next to the parts `NAME….001`, `.002`, …:
 * written last, so its presence means every part was complete and renamed into place.
 *
 *     { "kind": "baler-split-set", "version": 1, "compression": "none", "totalSize": 5242880,
 *       "partSize": 1048576, "parts": [{ "name": "set.tar.001", "size": 1048576, "sha256": "<hex>" }, …] }
 *
 * Part names are relative to the JSON file's directory (the set can be moved as a whole).
 */
export interface SplitPart {
  name: string;
  size: number;
  /** Lowercase hex, no `sha256:` prefix (what sha256sum prints). */
  sha256: string;
}

export interface SplitSetManifest {
  kind: typeof SPLIT_SET_KIND;
  version: 1;
  /** The outer compression of the concatenated parts (the whole archive). */
  compression: LayerCompression;
  totalSize: number;
  partSize: number;
  parts: SplitPart[];
}

export const SPLIT_SET_KIND = 'baler-split-set';
export const SET_MANIFEST_SUFFIX = '.baler.json';
/** Manifests are a line per part; this bounds a hostile one (a million parts of fat32 is 4 PB). */
export const SET_MANIFEST_LIMIT = 64 * 1024 * 1024;

/** `set.tar.003` for part 3 of `-o set.tar` (three digits, more once there are over 999 parts). */
export function partPath(output: string, n: number): string {
  return `${output}.${String(n).padStart(3, '0')}`;
}

/** The archive name without `.tar`, `.tar.gz`, `.tgz`, `.tar.zst`…: `set.tar.zst` → `set`. */
function setBaseName(output: string): string {
  return output.replace(/(\.tar(\.(gz|zst|zstd|xz|bz2))?|\.tgz|\.tzst)$/i, '');
}

/** `-o dir/set.tar` → `dir/set.baler.json` (the NAME.baler.json). */
export function manifestPathFor(output: string): string {
  return `${setBaseName(output)}${SET_MANIFEST_SUFFIX}`;
}

/** `dir/set.tar.001` → `dir/set.tar` (the -o path that made it), or undefined if not a part name. */
export function outputOfPart(path: string): string | undefined {
  const m = /^(.+)\.(\d{3,})$/.exec(path);
  return m?.[1];
}

export function isFirstPartName(path: string): boolean {
  return /\.0*1$/.test(path) && /\.\d{3,}$/.test(path);
}

export function serializeSetManifest(m: SplitSetManifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
}

/** Parses and checks a set manifest; `what` names the file. Part names must be plain file names. */
export function parseSetManifest(bytes: Buffer, what: string): SplitSetManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BalerError('E_FORMAT', `${what}: not valid JSON (${(err as Error).message})`);
  }
  const bad = (why: string): BalerError => new BalerError('E_FORMAT', `${what}: not a baler split-set description (${why})`);
  if (typeof doc !== 'object' || doc === null) throw bad('not an object');
  const o = doc as Record<string, unknown>;
  if (o.kind !== SPLIT_SET_KIND) throw bad(`kind is ${JSON.stringify(o.kind)}`);
  if (o.version !== 1) throw new BalerError('E_UNSUPPORTED', `${what}: split-set version ${JSON.stringify(o.version)} is newer than this baler understands`);
  if (o.compression !== 'none' && o.compression !== 'gzip' && o.compression !== 'zstd') throw bad(`compression ${JSON.stringify(o.compression)}`);
  if (!isSize(o.totalSize) || !isSize(o.partSize)) throw bad('totalSize/partSize');
  if (!Array.isArray(o.parts) || o.parts.length === 0) throw bad('no parts');
  const parts: SplitPart[] = o.parts.map((p: unknown, i: number) => {
    const q = (p ?? {}) as Record<string, unknown>;
    if (typeof q.name !== 'string' || q.name === '' || basename(q.name) !== q.name || q.name === '..' || q.name === '.') throw bad(`parts[${i}].name`);
    if (!isSize(q.size)) throw bad(`parts[${i}].size`);
    if (typeof q.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(q.sha256)) throw bad(`parts[${i}].sha256`);
    return { name: q.name, size: q.size, sha256: q.sha256 };
  });
  const seen = new Map<string, number>();
  for (const [i, p] of parts.entries()) {
    const first = seen.get(p.name);
    if (first !== undefined) throw bad(`parts[${i}] names ${p.name} again, as parts[${first}] does`);
    seen.set(p.name, i);
  }
  const sum = parts.reduce((a, p) => a + p.size, 0);
  if (sum !== o.totalSize) throw bad(`the parts add up to ${sum} bytes, totalSize says ${o.totalSize}`);
  return { kind: SPLIT_SET_KIND, version: 1, compression: o.compression, totalSize: o.totalSize, partSize: o.partSize, parts };
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Where a part listed in a manifest lives, and how errors name it (beside the name the user gave). */
export function partLocation(manifestPath: string, manifestWhat: string, name: string): { path: string; what: string } {
  return { path: join(dirname(manifestPath), name), what: join(dirname(manifestWhat), name) };
}
