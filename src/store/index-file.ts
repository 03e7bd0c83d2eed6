import { readFile } from 'node:fs/promises';
import { BalerError, fromSystemError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import { parseDescriptor } from '../model/descriptor.js';
import { expectArray, expectObject, jsonBytes, parseJsonBytes, JsonLimits, type JsonObject } from '../model/json-limits.js';
import { createAtomicFile } from '../io/atomic-file.js';
import { indexFile } from './layout.js';
import type { HeldLock } from './lock.js';

/**
 * index.json kept as the JSON objects it was read as, so fields baler does not know (other tools'
 * annotations, `data`, top-level extras) survive a read-modify-write untouched. `manifests` is the
 * live array of entry objects; edits go through store/index-edit.ts.
 */
export interface IndexDocument {
  readonly raw: JsonObject;
  manifests: JsonObject[];
}

export interface IndexEntry {
  readonly descriptor: Descriptor;
  /** Position in index.json's `manifests`, for messages ("index.json entry 3"). */
  readonly position: number;
}

export function parseIndexDocument(bytes: Uint8Array, what: string): IndexDocument {
  const raw = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (raw.schemaVersion !== 2) throw new BalerError('E_FORMAT', `${what}: schemaVersion must be 2`);
  if (raw.manifests === undefined || raw.manifests === null) throw new BalerError('E_FORMAT', `${what}: missing "manifests"`);
  const manifests = expectArray(raw.manifests, `${what}.manifests`).map((m, i) => expectObject(m, `${what}.manifests[${i}]`));
  // validate every entry now so later code can trust descriptors
  manifests.forEach((m, i) => parseDescriptor(m, `${what}.manifests[${i}]`));
  return { raw, manifests };
}

export function indexEntries(doc: IndexDocument, what = 'index.json'): IndexEntry[] {
  return doc.manifests.map((m, i) => ({ descriptor: parseDescriptor(m, `${what}.manifests[${i}]`), position: i }));
}

export async function readIndexDocument(root: string): Promise<IndexDocument> {
  const path = indexFile(root);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BalerError('E_FORMAT', `${root}: not an OCI image layout (no index.json)`);
    throw fromSystemError(err, path);
  }
  return parseIndexDocument(bytes, path);
}

/** Replaces index.json atomically; callers hold the layout lock and read the document under it. */
export async function writeIndexLocked(root: string, doc: IndexDocument, lock: HeldLock): Promise<void> {
  const out = await createAtomicFile(indexFile(root), { overwrite: true });
  try {
    out.stream.end(jsonBytes({ ...doc.raw, manifests: doc.manifests }));
    lock.assertHeld();
    await out.commit();
  } finally {
    await out.discard();
  }
}
