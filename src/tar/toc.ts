import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BalerError, fromSystemError } from '../errors.js';
import { ExtendedHeaderState, isMetaType } from './extended-headers.js';
import { BLOCK, decodeRawHeader, isZeroBlock, type TarHeader } from './header.js';
import { normalizeEntryPath, resolveLinkTarget } from './paths.js';

/** One entry of a tar file: its header, normalised path and where its bytes live. */
export interface TocEntry extends TarHeader {
  /** normalizeEntryPath(name); `name` keeps the raw spelling (`./etc/`). */
  path: string;
  /** Offset of the first header of the entry (its PAX/GNU meta header when it has one). */
  headerOffset: number;
  dataOffset: number;
}

export interface Toc {
  /** In archive order; a path may appear more than once (the later entry wins, as on extraction). */
  entries: TocEntry[];
  /** The last entry with this path (the argument is normalised first). */
  get(path: string): TocEntry | undefined;
  /** Follows symlinks and hard links inside the archive (e.g. docker save's `<v1id>/layer.tar` -> `../<other>/layer.tar`) to a regular file. */
  resolve(path: string): TocEntry | undefined;
  /** Offset just after the end-of-archive marker (or after the last entry if the marker is missing). */
  endOffset: number;
}

const WINDOW = 64 * 1024;

/**
 * Reads headers at given offsets through a 64 KiB window, so an archive of small files costs one read
 * per window and an archive of large files one read per header: data is skipped by offset, never read.
 */
class HeaderWindow {
  private buf = Buffer.alloc(WINDOW);
  private start = 0;
  private len = 0;
  constructor(
    private readonly fh: PositionedReader,
    readonly fileSize: number,
  ) {}

  async read(offset: number, n: number): Promise<Buffer> {
    if (offset >= this.start && offset + n <= this.start + this.len) {
      return this.buf.subarray(offset - this.start, offset - this.start + n);
    }
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    const want = Math.min(this.buf.length, this.fileSize - offset);
    const { bytesRead } = await this.fh.read(this.buf, 0, Math.max(want, 0), offset);
    this.start = offset;
    this.len = bytesRead;
    return this.buf.subarray(0, Math.min(n, bytesRead));
  }
}

function truncated(what: string, detail: string): BalerError {
  return new BalerError('E_TRUNCATED', `${what}: truncated tar archive (${detail})`);
}

/**
 * Anything read by offset like a FileHandle: one file, or several files read as one (split volumes,
 * transports/split/multi-part-file.ts).
 */
export interface PositionedReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Header-only scan of a seekable tar file. `what` names the file in errors. */
export async function buildToc(file: string, what: string): Promise<Toc> {
  return withFile(file, what, (fh, size) => buildTocFromReader(fh, size, what));
}

/** scanTocFromReader over a tar file: every entry to `onEntry`, none kept. Returns the end offset. */
export async function scanToc(file: string, what: string, onEntry: (e: TocEntry) => void): Promise<number> {
  return withFile(file, what, (fh, size) => scanTocFromReader(fh, size, what, onEntry));
}

async function withFile<T>(file: string, what: string, fn: (fh: FileHandle, size: number) => Promise<T>): Promise<T> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw fromSystemError(err, what);
  }
  try {
    return await fn(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** buildToc over the first `size` bytes of any positioned reader. */
export async function buildTocFromReader(fh: PositionedReader, size: number, what: string): Promise<Toc> {
  const entries: TocEntry[] = [];
  const endOffset = await scanTocFromReader(fh, size, what, (e) => entries.push(e));
  return makeToc(entries, endOffset);
}

/**
 * The header-only scan behind buildTocFromReader, handing each entry to `onEntry` instead of keeping
 * them (memory stays flat for any number of entries). Returns the end offset.
 */
export async function scanTocFromReader(fh: PositionedReader, size: number, what: string, onEntry: (e: TocEntry) => void): Promise<number> {
  if (size === 0) throw new BalerError('E_FORMAT', `${what}: empty file, not a tar archive`);
  const win = new HeaderWindow(fh, size);
  const meta = new ExtendedHeaderState();
  let offset = 0;
  let entryStart = 0;
  let endOffset = -1;
  while (offset < size) {
    const block = await win.read(offset, BLOCK);
    if (block.length < BLOCK) throw truncated(what, `header at offset ${offset} is cut short`);
    if (isZeroBlock(block)) {
      // GNU tar writes two zero blocks; a lone one is accepted as the end too (as GNU tar does)
      endOffset = Math.min(offset + 2 * BLOCK, size);
      break;
    }
    const raw = decodeRawHeader(block, offset, what);
    const dataOffset = offset + BLOCK;
    if (isMetaType(raw.typeflag)) {
      meta.checkMetaSize(raw, what, offset);
      if (dataOffset + raw.size > size) throw truncated(what, `extended header at offset ${offset} is cut short`);
      const body = Buffer.from(await win.read(dataOffset, raw.size));
      meta.absorb(raw, body, what, offset);
      offset = dataOffset + padded(raw.size);
      continue;
    }
    const h = meta.resolve(raw, what, offset);
    if (dataOffset + h.size > size) {
      throw truncated(what, `entry "${h.name}" needs ${h.size} bytes at offset ${dataOffset}, the file has ${size - dataOffset}`);
    }
    onEntry({ ...h, path: normalizeEntryPath(h.name, what), headerOffset: entryStart, dataOffset });
    offset = dataOffset + padded(h.size);
    entryStart = offset;
  }
  if (endOffset === -1) {
    if (offset > size) throw truncated(what, 'last entry padding is cut short');
    if (meta.pending) throw truncated(what, 'extended header without an entry at the end');
    endOffset = offset;
  }
  return endOffset;
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

export function makeToc(entries: TocEntry[], endOffset: number): Toc {
  const byPath = new Map<string, TocEntry>();
  for (const e of entries) byPath.set(e.path, e);
  // lookups never throw: a path (or link target) that would escape simply is not in the archive
  const lookup = (p: string): TocEntry | undefined => {
    try {
      return byPath.get(normalizeEntryPath(p, 'path'));
    } catch {
      return undefined;
    }
  };
  const get = lookup;
  const resolve = (p: string): TocEntry | undefined => {
    let e = get(p);
    for (let hops = 0; e && hops < 40; hops++) {
      if (e.type === 'symlink' && e.linkname !== undefined) {
        const target = resolveLinkTarget(e.path, e.linkname);
        e = target === undefined ? undefined : byPath.get(target);
      } else if (e.type === 'hardlink' && e.linkname !== undefined) {
        e = lookup(e.linkname);
      } else return e;
    }
    return undefined;
  };
  return { entries, get, resolve, endOffset };
}

/** The entry's data bytes, read with positioned reads from the file (entries are independent). */
export function openTocEntry(file: string, e: TocEntry): Readable {
  if (e.size === 0) return Readable.from([]);
  return createReadStream(file, { start: e.dataOffset, end: e.dataOffset + e.size - 1, highWaterMark: 1024 * 1024 });
}
