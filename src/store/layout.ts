import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { hexOf, isDigest } from '../model/digest.js';
import { isObject, parseJsonBytes, JsonLimits } from '../model/json-limits.js';
import { MediaTypes } from '../model/media-types.js';
import { createAtomicFile } from '../io/atomic-file.js';

/**
 * The OCI image layout on disk (formats.md §2.1), shared by the embedded store and `oci:DIR`:
 *
 *   DIR/oci-layout              {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json              the only mutable file; rewritten under DIR/index.json.lock
 *   DIR/blobs/sha256/<hex>      immutable, content-addressed
 *   DIR/blobs/sha256/.baler-tmp-<pid>-<tag><rand>   a blob being written (ignored by fsck, removed by prune; tag: io/owner.ts)
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

/**
 * Makes DIR a valid (possibly empty) layout, keeping whatever is already there. A new layout is
 * built in a temp dir beside DIR and renamed into place, so a crash never leaves half a layout;
 * several processes may race here and all end up with the same one.
 */
export async function ensureLayout(root: string): Promise<void> {
  if (!(await exists(root))) {
    const parent = dirname(root);
    try {
      await mkdir(parent, { recursive: true });
      const temp = await mkdtemp(join(parent, `.${basename(root)}.baler-tmp-`));
      try {
        await chmod(temp, 0o755); // mkdtemp makes it private; a layout is as readable as mkdir would make it
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
  // an existing dir: fill in what is missing (index first, so a dir never has oci-layout without
  // index.json) — but never turn a directory holding other things into a layout
  if (!(await exists(ociLayoutFile(root))) && !(await exists(indexFile(root)))) {
    const entries = await readdir(root).catch((err: unknown) => {
      throw fromSystemError(err, root);
    });
    if (entries.length > 0) throw new BalerError('E_CONFLICT', `${root}: exists, is not empty and is not an OCI image layout; choose another directory`);
  }
  await populate(root);
  await checkLayout(root);
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
