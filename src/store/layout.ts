import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { hexOf, isDigest } from '../model/digest.js';
import { isObject, parseJsonBytes, JsonLimits } from '../model/json-limits.js';
import { MediaTypes } from '../model/media-types.js';
import { createAtomicFile } from '../io/atomic-file.js';
import { removeDeadTempFiles } from '../io/leftovers.js';
import { isLeaseName, ownedTempName, parseTempNameBeside } from '../io/temp-name.js';

/**
 * The OCI image layout on disk (formats.md §2.1), shared by the embedded store and `oci:DIR`:
 *
 *   DIR/oci-layout              {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json              the only mutable file; rewritten under DIR/index.json.lock
 *   DIR/blobs/sha256/<hex>      immutable, content-addressed
 *   DIR/blobs/sha256/.baler-tmp-<pid>-<tag><rand>   a blob being written (ignored by fsck, removed by prune; io/temp-name.ts)
 */
export const LAYOUT_VERSION = '1.0.0';

export function ociLayoutFile(root: string): string {
  return join(root, 'oci-layout');
}

export function indexFile(root: string): string {
  return join(root, 'index.json');
}

export function blobsDir(root: string): string {
  return join(root, 'blobs', 'sha256');
}

export function lockPath(root: string): string {
  return join(root, 'index.json.lock');
}

/** The file of a blob; the digest is re-checked so a hostile descriptor cannot name a path outside blobs/. */
export function blobPath(root: string, d: Digest): string {
  if (!isDigest(d)) throw new BalerError('E_FORMAT', `${root}: invalid blob digest ${JSON.stringify(d)}`);
  return join(blobsDir(root), hexOf(d));
}

const EMPTY_INDEX = `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[]}`;

/**
 * Reads and checks `oci-layout`; a missing or wrong file means DIR is not a layout. Parses the JSON
 * rather than comparing strings: skopeo, podman and Docker write it with a space after the colon.
 */
export async function checkLayout(root: string): Promise<void> {
  let st;
  try {
    st = await stat(root);
  } catch (err) {
    throw fromSystemError(err, root);
  }
  if (!st.isDirectory()) throw new BalerError('E_FORMAT', `${root}: not a directory, so not an OCI image layout`);
  let bytes: Buffer;
  try {
    bytes = await readFile(ociLayoutFile(root));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BalerError('E_FORMAT', `${root}: not an OCI image layout (no oci-layout file)`);
    throw fromSystemError(err, ociLayoutFile(root));
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBytes(bytes, `${root}/oci-layout`, JsonLimits.small);
  } catch {
    throw new BalerError('E_FORMAT', `${root}: not an OCI image layout (oci-layout is not valid JSON)`);
  }
  if (!isObject(parsed) || typeof parsed.imageLayoutVersion !== 'string') {
    throw new BalerError('E_FORMAT', `${root}: not an OCI image layout (oci-layout has no imageLayoutVersion)`);
  }
  if (!parsed.imageLayoutVersion.startsWith('1.')) {
    throw new BalerError('E_UNSUPPORTED', `${root}: unsupported OCI layout version ${JSON.stringify(parsed.imageLayoutVersion)}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Whether DIR has still to be made a layout: it does not exist, or is an empty directory. A writer
 * makes it one only when it writes something, so a refused command leaves DIR as it was.
 */
export async function layoutToMake(root: string): Promise<'absent' | 'empty' | undefined> {
  if (!(await exists(root))) return 'absent';
  const entries = await readdir(root).catch(() => undefined);
  return entries?.length === 0 ? 'empty' : undefined;
}

/** Writes a small file only if it is absent; losing a race to another writer of the same file is fine. */
async function writeIfAbsent(path: string, text: string): Promise<void> {
  if (await exists(path)) return;
  const out = await createAtomicFile(path);
  try {
    out.stream.end(text);
    await out.commit();
  } catch (err) {
    if (!(err instanceof BalerError && err.code === 'E_CONFLICT')) throw err;
  } finally {
    await out.discard();
  }
}

/** What a layout is made of: a directory holding only these is one, or the remains of one. */
const LAYOUT_NAMES = new Set(['oci-layout', 'index.json', 'blobs', 'index.json.lock']);
/** The layout files written through a temp name beside them (populate): a kill there leaves the temp. */
const TEMP_WRITTEN = ['index.json', 'oci-layout'] as const;

/** A layout's own name, or the temp name a baler writes one of its files through (io/temp-name.ts). */
function isLayoutName(name: string): boolean {
  if (LAYOUT_NAMES.has(name)) return true;
  return TEMP_WRITTEN.some((target) => {
    const temp = parseTempNameBeside(name, target);
    return temp !== undefined && !temp.part;
  });
}

/**
 * Makes DIR a valid (possibly empty) layout, keeping whatever is already there. A new layout is
 * built in a temp dir beside DIR and renamed into place, so a crash never leaves half a layout;
 * several processes may race here and all end up with the same one. A failed writer that made DIR
 * may be removing it again meanwhile (transports/oci-layout/sink.ts): what it removed is made again.
 */
export async function ensureLayout(root: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (!(await exists(root))) await createLayoutDir(root);
    // a writer killed while writing index.json or oci-layout back left its temp file (restoreLayoutFiles)
    for (const target of TEMP_WRITTEN) await removeDeadTempFiles(join(root, target));
    // an existing dir: fill in what is missing (index first, so a dir never has oci-layout without
    // index.json) — but never turn a directory holding other things into a layout
    if (!(await exists(ociLayoutFile(root))) && !(await exists(indexFile(root)))) {
      const entries = await readdir(root).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw fromSystemError(err, root);
      });
      if (!entries.every(isLayoutName)) {
        throw new BalerError('E_CONFLICT', `${root}: exists, is not empty and is not an OCI image layout; choose another directory`);
      }
    }
    try {
      await populate(root);
      await checkLayout(root);
      return;
    } catch (err) {
      // only a file that vanished under us is worth another round; a wrong one stays wrong
      if (attempt >= 4 || (await exists(ociLayoutFile(root)))) throw err;
    }
  }
}

/** A new layout at the absent DIR, made in an owner-named temp dir beside it (io/temp-name.ts) and renamed. */
async function createLayoutDir(root: string): Promise<void> {
  try {
    await mkdir(dirname(root), { recursive: true });
    await removeDeadTempFiles(root, { dirs: true });
    const temp = ownedTempName(root);
    await mkdir(temp, { mode: 0o755 });
    try {
      await populate(temp);
      await rename(temp, root);
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } catch (err) {
    throw fromSystemError(err, root);
  }
}

/**
 * Writes back oci-layout and index.json when oci-layout is gone: a failed writer that made DIR removes
 * them (oci-layout first), while another writer, whose lease keeps blobs/ standing, is about to commit.
 * Callers hold the layout lock, so no removal is under way. An index.json missing beside its oci-layout
 * is damage, not a removal: left for readIndexDocument to report.
 */
export async function restoreLayoutFiles(root: string): Promise<void> {
  if (await layoutFilesPresent(root)) return;
  await populate(root);
}

/** Whether DIR has its oci-layout file, which makes it a layout (written after index.json, removed before it). */
export function layoutFilesPresent(root: string): Promise<boolean> {
  return exists(ociLayoutFile(root));
}

/**
 * What DIR holds when it holds only what the making or the removal of a layout leaves while under way
 * or killed (blobs/ holding no blob, the lock dir, perhaps index.json or a temp one, but no oci-layout):
 * no layout yet for a reader, while a writer makes it one (ensureLayout). undefined when DIR holds
 * anything else or is a layout. A blob there is damage (a layout whose oci-layout was deleted), not
 * remains: the removal takes blobs back before the layout files; unless a writer's lease lies beside
 * it (holdsBlob). So is an index.json listing images: the caller's to check.
 */
export async function layoutRemains(root: string): Promise<{ index: boolean } | undefined> {
  if (await layoutFilesPresent(root)) return undefined;
  const entries = await readdir(root).catch(() => undefined);
  if (entries === undefined || !entries.every(isLayoutName)) return undefined;
  if (await holdsBlob(root)) return undefined;
  return { index: entries.includes('index.json') };
}

/**
 * Whether blobs/sha256 holds a blob (a 64-hex name) that no layout-making explains: not only temp
 * blobs, leases or nothing. Blobs beside a lease file are a writer's, put there while it makes the
 * layout again after a failed first writer removed it (lease.ts): remains until it commits, and
 * still remains if it was killed first, which the next write into DIR heals.
 */
async function holdsBlob(root: string): Promise<boolean> {
  const names = await readdir(blobsDir(root)).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    // an unreadable blobs dir might hold anything: not taken for remains
    return code === 'ENOENT' ? [] : undefined;
  });
  if (names === undefined) return true;
  return !names.some(isLeaseName) && names.some((n) => /^[0-9a-f]{64}$/.test(n));
}

async function populate(root: string): Promise<void> {
  try {
    await mkdir(blobsDir(root), { recursive: true });
  } catch (err) {
    throw fromSystemError(err, root);
  }
  await writeIfAbsent(indexFile(root), EMPTY_INDEX);
  await writeIfAbsent(ociLayoutFile(root), `{"imageLayoutVersion":"${LAYOUT_VERSION}"}`);
}
