import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { digestFromHex, hexOf, isDigest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { parseImageName } from '../../model/image-name.js';
import { expectObject, isObject, JsonLimits, parseJsonBytes } from '../../model/json-limits.js';
import type { StorageDriver } from './drivers.js';

/**
 * `image/<driver>/repositories.json` = {"Repositories": {"<repo>": {"<ref>": "sha256:<image id>"}}}
 * (formats.md §5). Tag refs become names; digest refs (`name@sha256:…`, written by push/pull) point at a
 * registry manifest baler does not have, so they are not names here. Pure: bytes in, map out.
 */
export function parseRepositoriesJson(bytes: Uint8Array, what: string): Map<Digest, ImageName[]> {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  const repos = o.Repositories ?? {};
  const out = new Map<Digest, ImageName[]>();
  if (!isObject(repos)) throw new BalerError('E_FORMAT', `${what}: "Repositories" is not an object`);
  for (const refs of Object.values(repos)) {
    if (!isObject(refs)) continue;
    for (const [ref, id] of Object.entries(refs)) {
      if (!isDigest(id) || ref.includes('@')) continue;
      let name: ImageName;
      try {
        name = parseImageName(ref);
      } catch {
        continue; // a name Docker accepted but we cannot parse is not worth failing the whole list
      }
      if (name.tag === undefined) continue;
      const list = out.get(id) ?? [];
      list.push(name);
      out.set(id, list);
    }
  }
  return out;
}

/** Image database of one driver: configs by image ID plus local-build parent links. */
export interface StoredImage {
  id: Digest;
  configPath: string;
  /** `imagedb/metadata/sha256/<id>/parent`: set for images made by a local build step. */
  parent?: Digest;
}

export function imageDbDir(root: string, driver: StorageDriver): string {
  return join(root, 'image', driver, 'imagedb');
}

export async function readRepositories(root: string, driver: StorageDriver): Promise<Map<Digest, ImageName[]>> {
  const path = join(root, 'image', driver, 'repositories.json');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw fromSystemError(err, path);
  }
  return parseRepositoriesJson(bytes, path);
}

export async function listStoredImages(root: string, driver: StorageDriver): Promise<StoredImage[]> {
  const contentDir = join(imageDbDir(root, driver), 'content', 'sha256');
  let names: string[];
  try {
    names = await readdir(contentDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fromSystemError(err, contentDir);
  }
  const out: StoredImage[] = [];
  for (const hex of names.sort()) {
    if (!/^[0-9a-f]{64}$/.test(hex)) continue;
    const id = digestFromHex(hex);
    const img: StoredImage = { id, configPath: join(contentDir, hex) };
    const parentPath = join(imageDbDir(root, driver), 'metadata', 'sha256', hex, 'parent');
    const parent = await readFile(parentPath, 'utf8').then((s) => s.trim(), () => '');
    if (isDigest(parent)) img.parent = parent;
    out.push(img);
  }
  return out;
}

/** The exact config bytes (their sha256 is the image ID: never re-serialise, formats.md §3.2). */
export async function readConfigBytes(root: string, driver: StorageDriver, id: Digest): Promise<Buffer> {
  const path = join(imageDbDir(root, driver), 'content', 'sha256', hexOf(id));
  try {
    const st = await stat(path);
    if (st.size > JsonLimits.config) throw new BalerError('E_FORMAT', `${path}: larger than ${JsonLimits.config} bytes`);
    return await readFile(path);
  } catch (err) {
    throw fromSystemError(err, path);
  }
}
