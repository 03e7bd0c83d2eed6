/**
 * A rootfs tarball (any compression, or stdin) → the layer of an imported image.
 *
 * Like `docker import` (formats.md §4.2) the layer is the input's DECOMPRESSED bytes, verbatim, so the
 * diff_id is sha256 of them — `./` prefixes, GNU headers and record padding included. Only when an
 * entry could not be applied as written is the tar rewritten:
 *   - absolute names (`/etc/passwd`) and absolute hard-link targets are CLEANED (made relative);
 *   - `.`/empty components (`a//b`, `a/./b`) and non-escaping `..` (`a/../b`) are cleaned;
 *   - names or hard-link targets that climb out of the root (`../x`, `a/../../x`) are REFUSED
 *     with E_PATH_ESCAPE. Symlink targets are data: kept as written, never followed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError } from '../../errors.js';
import { HashingStream } from '../../io/hashing.js';
import { spoolToFile } from '../../io/spool.js';
import type { Digest } from '../../model/digest.js';
import type { TarHeader } from '../../tar/header.js';
import { normalizeEntryPath } from '../../tar/paths.js';
import { readTarEntries } from '../../tar/read.js';
import { scanToc } from '../../tar/toc.js';
import { TarWriter } from '../../tar/write.js';

export interface LayerFile {
  path: string;
  diffId: Digest;
  size: number;
  entries: number;
  /** True when names had to be cleaned (the layer is then not the input's bytes). */
  rewritten: boolean;
}

/** True when `name` is already a clean relative path, optionally with a leading `./` (or is the root). */
export function isCleanEntryName(name: string): boolean {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  if (n === '' || n === '.') return true;
  if (n.endsWith('/')) n = n.slice(0, -1);
  if (n.startsWith('/')) return false;
  return n.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}

function needsCleaning(h: TarHeader): boolean {
  return !isCleanEntryName(h.name) || (h.type === 'hardlink' && h.linkname !== undefined && !isCleanEntryName(h.linkname));
}

/** normalizeEntryPath names the entry on a refusal; absolute names are made relative first. */
function cleanName(name: string, what: string): string {
  return normalizeEntryPath(name.replace(/^\/+/, ''), what);
}

async function drain(body: Readable): Promise<void> {
  for await (const _ of body) {
    // headers only
  }
}

/**
 * Reads every header to decide whether the tar can be kept as it is. Data is skipped by offset, never
 * read: the spooled file is seekable, and its bytes were hashed while it was written.
 */
async function scanTar(file: string, what: string): Promise<{ entries: number; clean: boolean }> {
  let entries = 0;
  let clean = true;
  await scanToc(file, what, (header) => {
    entries++;
    if (needsCleaning(header)) {
      clean = false;
      // refuse escapes now, before anything is rewritten
      cleanName(header.name, what);
      if (header.type === 'hardlink' && header.linkname !== undefined) cleanName(header.linkname, `${what}: hard link ${JSON.stringify(header.name)}, target`);
    }
  });
  return { entries, clean };
}

async function rewriteTar(from: string, to: string, what: string, signal?: AbortSignal): Promise<{ diffId: Digest; size: number }> {
  const hash = new HashingStream();
  const out = createWriteStream(to, { highWaterMark: 1024 * 1024 });
  const done = pipeline(hash, out, signal ? { signal } : {});
  const writer = new TarWriter(hash);
  try {
    for await (const { header, body } of readTarEntries(createReadStream(from, { highWaterMark: 1024 * 1024 }), what)) {
      const name = cleanName(header.name, what);
      if (name === '') {
        await drain(body); // the root itself: docker export has no such entry either
        continue;
      }
      const h: TarHeader = { ...header, name };
      if (header.type === 'hardlink' && header.linkname !== undefined) h.linkname = cleanName(header.linkname, `${what}: hard link ${JSON.stringify(header.name)}, target`);
      await writer.add(h, header.type === 'file' || header.type === 'contiguous' ? body : undefined);
      if (!(header.type === 'file' || header.type === 'contiguous')) await drain(body);
    }
    await writer.finish();
    await done;
  } catch (err) {
    hash.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  return { diffId: hash.digest(), size: hash.bytes };
}

/**
 * Spools the (already decompressed) tar stream into `dir`, checks every header, and rewrites it
 * only when a name must be cleaned. Errors name `what` (the input file or stdin).
 */
export async function layerFromTarStream(tar: Readable, what: string, dir: string, signal?: AbortSignal): Promise<LayerFile> {
  const spooled = await spoolToFile(tar, dir, 'input.tar', signal);
  if (spooled.size === 0) throw new BalerError('E_FORMAT', `${what}: is empty, not a tar archive`);
  let scan: { entries: number; clean: boolean };
  try {
    scan = await scanTar(spooled.path, what);
  } catch (err) {
    if (err instanceof BalerError && err.code === 'E_FORMAT' && !/tar/i.test(err.message)) {
      throw new BalerError('E_FORMAT', `${what}: not a tar archive, or compressed in a way baler does not know (${err.message})`, { cause: err });
    }
    throw err;
  }
  if (scan.entries === 0) throw new BalerError('E_FORMAT', `${what}: is not a tar archive (no entries)`);
  if (scan.clean) return { path: spooled.path, diffId: spooled.digest, size: spooled.size, entries: scan.entries, rewritten: false };
  const cleaned = join(dir, 'cleaned.tar');
  const r = await rewriteTar(spooled.path, cleaned, what, signal);
  return { path: cleaned, diffId: r.diffId, size: r.size, entries: scan.entries, rewritten: true };
}
