import { BalerError } from '../errors.js';
import { parseDigest, type Digest } from './digest.js';
import { expectArray, expectObject, expectSize, expectString, JsonLimits, parseJsonBytes } from './json-limits.js';
import type { InventoryHolds } from './inventory.js';

/**
 * `baler-delta.json`, the top-level file that makes an archive a delta: every layer blob its manifests
 * name but the archive leaves out, because the destination it was made for already holds it.
 * The archive's index.json carries the annotation DELTA_ANNOTATION (value: this file's name) too,
 * so tools that read only the OCI layout can tell. A delta is for `baler load`; `docker load` fails on it.
 */
export const DELTA_FILE = 'baler-delta.json';
export const DELTA_KIND = 'baler-delta';
export const DELTA_VERSION = 1;
export const DELTA_ANNOTATION = 'io.baler.delta';

export interface ExpectedBlob {
  digest: Digest;
  size: number;
  diffId: Digest;
  mediaType: string;
  /** Images (names, else IDs) whose manifests name this layer, for "which image needs it". */
  images: string[];
}

export interface DeltaBase {
  /** sha256 of the inventory document the delta was made against. */
  inventory: Digest;
  /** Where that inventory was taken (`store:/…`, `docker`, `docker-archive:/old.tar`). */
  source: string;
  holds: InventoryHolds;
}

export interface DeltaManifest {
  kind: typeof DELTA_KIND;
  version: typeof DELTA_VERSION;
  base: DeltaBase;
  expected: ExpectedBlob[];
}

export function serializeDeltaManifest(d: DeltaManifest): Buffer {
  return Buffer.from(`${JSON.stringify(d, null, 2)}\n`, 'utf8');
}

export function parseDeltaManifest(bytes: Uint8Array, what: string): DeltaManifest {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.kind !== DELTA_KIND) throw new BalerError('E_FORMAT', `${what}: kind ${JSON.stringify(o.kind)}, expected "${DELTA_KIND}"`);
  if (o.version !== DELTA_VERSION) throw new BalerError('E_UNSUPPORTED', `${what}: delta version ${JSON.stringify(o.version)} is not supported (expected ${DELTA_VERSION})`);
  const b = expectObject(o.base, `${what}: base`);
  if (b.holds !== 'blobs' && b.holds !== 'layers') throw new BalerError('E_FORMAT', `${what}: base.holds must be "blobs" or "layers"`);
  const expected = expectArray(o.expected, `${what}: expected`).map((e, i): ExpectedBlob => {
    const at = `${what}: expected[${i}]`;
    const eo = expectObject(e, at);
    return {
      digest: parseDigest(eo.digest, `${at}.digest`),
      size: expectSize(eo.size, `${at}.size`),
      diffId: parseDigest(eo.diffId, `${at}.diffId`),
      mediaType: expectString(eo.mediaType, `${at}.mediaType`),
      images: expectArray(eo.images, `${at}.images`).map((n, j) => expectString(n, `${at}.images[${j}]`)),
    };
  });
  return {
    kind: DELTA_KIND,
    version: DELTA_VERSION,
    base: { inventory: parseDigest(b.inventory, `${what}: base.inventory`), source: expectString(b.source, `${what}: base.source`), holds: b.holds },
    expected,
  };
}
