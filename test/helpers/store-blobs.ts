import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The path of the biggest blob in a store or OCI layout: a layer, in the small fixtures. */
export async function biggestBlob(store: string): Promise<string> {
  const dir = join(store, 'blobs', 'sha256');
  let best = { path: '', size: -1 };
  for (const name of await readdir(dir)) {
    const { size } = await stat(join(dir, name));
    if (size > best.size) best = { path: join(dir, name), size };
  }
  return best.path;
}
