import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../model/digest.js';
import { digestFromHex } from '../model/digest.js';
import { sha256OfFile } from '../io/hashing.js';
import { isTempBlobName } from '../io/temp-name.js';
import { isStaleTemp } from './blobs.js';
import { indexEntries, readIndexDocument, type IndexEntry } from './index-file.js';
import { blobsDir, checkLayout } from './layout.js';
import { walkReachable } from './reachability.js';

/**
 * `baler fsck`: oci-layout and index.json valid, every blob file re-hashed against its name, every
 * reference from the index down to layers present with the size its descriptor states. Temp files
 * of writers (live or crashed) are not problems; those of writers that are gone are counted, so the
 * CLI can point to prune, which removes them.
 */
export interface FsckProblem {
  digest?: Digest;
  message: string;
}

export interface FsckReport {
  root: string;
  problems: FsckProblem[];
  blobsChecked: number;
  bytesChecked: number;
  images: number;
  /** Child manifests of an index the store lacks: platforms not included (a sparse index). Not problems. */
  notIncluded: Array<{ digest: Digest; from: string }>;
  /** Temp blob files whose writer is gone (a killed load): not problems, `baler prune` removes them. */
  staleTemps: { files: number; bytes: number };
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function fsckLayout(root: string, signal?: AbortSignal): Promise<FsckReport> {
  const report: FsckReport = { root, problems: [], blobsChecked: 0, bytesChecked: 0, images: 0, notIncluded: [], staleTemps: { files: 0, bytes: 0 } };
  const problem = (message: string, digest?: Digest): void => {
    report.problems.push(digest ? { digest, message } : { message });
  };
  try {
    await checkLayout(root);
  } catch (err) {
    problem((err as Error).message);
  }
  let entries: IndexEntry[] = [];
  try {
    entries = indexEntries(await readIndexDocument(root));
  } catch (err) {
    problem((err as Error).message);
  }
  report.images = new Set(entries.map((e) => e.descriptor.digest)).size;

  const sizes = new Map<Digest, number>();
  const dir = blobsDir(root);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') problem(`${dir}: ${err.message}`);
    else problem(`${root}: no blobs/sha256 directory`);
    return [] as string[];
  });
  for (const name of names.sort()) {
    signal?.throwIfAborted();
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st) continue; // removed meanwhile (a concurrent prune)
    if (isTempBlobName(name)) {
      if (st.isFile() && isStaleTemp(name, st.mtimeMs, Date.now())) {
        report.staleTemps.files++;
        report.staleTemps.bytes += st.size;
      }
      continue;
    }
    if (!HEX64.test(name) || !st.isFile()) {
      problem(`blobs/sha256/${name}: not a blob (name is not a sha256 hex digest or not a regular file)`);
      continue;
    }
    const want = digestFromHex(name);
    try {
      const got = await sha256OfFile(path);
      report.blobsChecked++;
      report.bytesChecked += got.size;
      sizes.set(want, got.size);
      if (got.digest !== want) problem(`blob ${want}: content hashes to ${got.digest} (corrupt)`, want);
    } catch (err) {
      problem(`blob ${want}: cannot read: ${(err as Error).message}`, want);
    }
  }

  const walk = await walkReachable(root, entries);
  report.notIncluded = walk.notIncluded;
  for (const m of walk.missing) problem(`blob ${m.digest} is missing (referenced by ${m.from})`, m.digest);
  for (const u of walk.unreadable) problem(`manifest ${u.digest} (${u.from}) is unreadable: ${u.message}`, u.digest);
  for (const [digest, r] of walk.reachable) {
    const actual = sizes.get(digest);
    if (actual !== undefined && actual !== r.size) problem(`blob ${digest}: ${actual} bytes on disk, but ${r.from} says ${r.size}`, digest);
  }
  return report;
}
