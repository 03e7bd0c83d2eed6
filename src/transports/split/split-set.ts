import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import { HashingStream } from '../../io/hashing.js';
import { readAtMost } from '../../io/read-all.js';
import { pipeline } from 'node:stream/promises';
import type { PartFile } from './multi-part-file.js';
import { corruptPartError, PartCheck } from './part-check.js';
import {
  isFirstPartName,
  manifestPathFor,
  outputOfPart,
  parseSetManifest,
  partLocation,
  partPath,
  SET_MANIFEST_LIMIT,
  SET_MANIFEST_SUFFIX,
  type SplitPart,
} from './set-manifest.js';

/** A split set found from what the user named (`set.tar.001` or `set.baler.json`). */
export interface SplitSet {
  parts: PartFile[];
  /** Recorded size and sha256 per part; undefined when the parts were found without the JSON. */
  recorded?: SplitPart[];
  /** Set when the digests could not be checked (no JSON): the warning to show. */
  warning?: string;
}

/**
 * Recognises a split set by name: `*.baler.json` is one; `X.001` is the first part of one when
 * X's `NAME.baler.json` exists or `X.002` does (a lone `X.001` is an ordinary file). Returns
 * undefined for anything else. `path` is what is opened, `what` how errors name it.
 */
export async function findSplitSet(path: string, what: string): Promise<SplitSet | undefined> {
  if (path.endsWith(SET_MANIFEST_SUFFIX)) return fromManifest(path, what);
  const output = outputOfPart(path);
  if (output === undefined) return undefined;
  if (!isFirstPartName(path)) {
    // a later part read alone is a tar cut at an arbitrary byte: point at the start of the set instead
    if (await exists(partPath(output, 1))) {
      throw new BalerError('E_USAGE', `${what}: a later part of a split set; give ${basename(partPath(output, 1))} or ${basename(manifestPathFor(output))}`);
    }
    return undefined;
  }
  const manifest = manifestPathFor(output);
  if (await exists(manifest)) {
    const set = await fromManifest(manifest, join(dirname(what), basename(manifest)));
    // the JSON beside it may describe another set saved under a similar name
    if (set.parts[0]?.path === path) return set;
  }
  if (!(await exists(partPath(output, 2)))) return undefined;
  const parts: PartFile[] = [];
  const whatOutput = join(dirname(what), basename(output));
  for (let n = 1; ; n++) {
    const p = partPath(output, n);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) break;
    parts.push({ path: p, what: partPath(whatOutput, n), size: st.size });
  }
  return { parts, warning: `${what}: no ${basename(manifest)} beside it; reading ${parts.length} parts in order, their digests could not be checked` };
}

async function fromManifest(path: string, what: string): Promise<SplitSet> {
  let bytes: Buffer;
  try {
    bytes = await readAtMost(createReadStream(path), SET_MANIFEST_LIMIT, what);
  } catch (err) {
    throw fromSystemError(err, what);
  }
  const m = parseSetManifest(bytes, what);
  const parts = m.parts.map((p) => ({ ...partLocation(path, what, p.name), size: p.size }));
  return { parts, recorded: m.parts };
}

/**
 * Checks every part before any is read: present, the recorded size (cheap, all parts first), then the
 * recorded sha256 (streamed). Errors name the part: `set.tar.003: missing (part 3 of 4)`,
 * `part 2 of 4 (set.tar.002) is corrupt: sha256 …, expected …`. A load checks the sizes only and
 * hashes the parts while it reads them (part-check.ts).
 */
export async function checkSplitSet(set: SplitSet, signal?: AbortSignal): Promise<void> {
  const recorded = set.recorded;
  if (!recorded) return;
  await checkSplitSetSizes(set);
  for (const [i, part] of set.parts.entries()) {
    const want = (recorded[i] as SplitPart).sha256;
    const h = new HashingStream();
    h.resume();
    try {
      await pipeline(createReadStream(part.path, { highWaterMark: 1024 * 1024 }), h, signal ? { signal } : {});
    } catch (err) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', `${part.what}: cancelled`, { cause: err });
      throw fromSystemError(err, part.what);
    }
    const got = h.digest().slice('sha256:'.length);
    if (got !== want) throw corruptPartError(i, recorded.length, part.what, got, want);
  }
}

/** Every part is there with its recorded size (one stat each, nothing read); errors name the part. */
export async function checkSplitSetSizes(set: SplitSet): Promise<void> {
  const recorded = set.recorded;
  if (!recorded) return;
  for (const [i, part] of set.parts.entries()) {
    const want = recorded[i] as SplitPart;
    const st = await stat(part.path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BalerError('E_NOT_FOUND', `${part.what}: missing (part ${i + 1} of ${recorded.length})`);
      throw fromSystemError(err, part.what);
    });
    if (!st.isFile()) throw new BalerError('E_FORMAT', `${part.what}: not a regular file`);
    if (st.size < want.size) throw new BalerError('E_TRUNCATED', `${part.what}: truncated (expected ${want.size} bytes, got ${st.size})`);
    if (st.size > want.size) throw new BalerError('E_DIGEST_MISMATCH', `${part.what}: size mismatch (expected ${want.size} bytes, got ${st.size})`);
  }
}

/** The check a load does while it reads (part-check.ts), for a set with its JSON; undefined without. */
export function partCheckFor(set: SplitSet): PartCheck | undefined {
  const recorded = set.recorded;
  if (!recorded) return undefined;
  return new PartCheck(set.parts.map((p, i) => ({ what: p.what, size: p.size, sha256: (recorded[i] as SplitPart).sha256 })));
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
