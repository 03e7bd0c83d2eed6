import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressAuto, sniffCompression, type Compression } from '../codecs/index.js';
import { BalerError, fromSystemError } from '../errors.js';
import { readAtMost } from '../io/read-all.js';
import { makeTempDir, type TempDir } from '../io/temp.js';
import { normalizeEntryPath } from '../tar/paths.js';
import { buildToc, buildTocFromReader, openTocEntry, type Toc, type TocEntry } from '../tar/toc.js';
import { MultiPartFile } from './split/multi-part-file.js';
import { checkSplitSet, checkSplitSetSizes, findSplitSet, partCheckFor, type SplitSet } from './split/split-set.js';

export type ArchiveKind = 'docker-archive' | 'oci-archive' | 'unknown-tar';

/** Links inside an archive are followed at most this many times (a loop is a malformed archive). */
const MAX_LINK_HOPS = 16;

/**
 * A tar archive opened for random access: a TOC of its members (header-only scan) over a seekable
 * file, read with positioned reads. Compressed or non-seekable input (`-`, a pipe) is decompressed
 * once into a private temp file first (architecture.md "Random access to archives").
 */
export interface ArchiveFile extends AsyncDisposable {
  /** The user's name for the archive, used in every error (`x.tar`, `stdin`). */
  readonly what: string;
  /** The seekable plain tar on disk (the input itself, the spooled temp copy, or a split set's first part). */
  readonly file: string;
  /** The outer compression the input had. */
  readonly compression: Compression;
  readonly toc: Toc;
  kind(): ArchiveKind;
  has(path: string): boolean;
  /**
   * The regular-file member a path written inside the archive (manifest.json, index.json) names,
   * following symlinks and hard links within the archive. `role` says what the path is for
   * (`manifest.json[0].Layers[1]`). Throws E_PATH_ESCAPE / E_NOT_FOUND naming the archive and path.
   */
  resolve(path: string, role: string): TocEntry;
  /** Like resolve, but undefined when the member does not exist (escapes still throw). */
  find(path: string, role: string): TocEntry | undefined;
  open(e: TocEntry): Readable;
  /**
   * A split set opened with `partHashes: 'while-reading'`: hashes what was not read yet and throws the
   * first corrupt part. Call after the last read, before anything is published. Absent otherwise.
   */
  confirmIntact?(signal?: AbortSignal): Promise<void>;
  /** Same set: the error to report for a failed read, a corrupt part when there is one (else `err`). */
  explainFailure?(err: unknown, signal?: AbortSignal): Promise<unknown>;
  /** Reads a small member (JSON) whole, refusing more than `limit` bytes. */
  readSmall(e: TocEntry, limit: number, role: string): Promise<Buffer>;
  /** The first `n` bytes of a member (magic-byte sniffing). */
  head(e: TocEntry, n: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface OpenArchiveOptions {
  signal?: AbortSignal;
  /** What `-` reads; process.stdin by default (tests pass their own stream). */
  stdin?: Readable;
  /** A problem worked around (a split set read without its JSON, so unchecked). */
  onWarning?: (code: string, message: string) => void;
  /**
   * A split set's part sha256s: 'before' (default) reads every part once to check it before opening;
   * 'while-reading' checks only sizes up front and hashes the parts from the bytes the caller reads,
   * which then MUST call confirmIntact() before it publishes anything (copyImages does, through
   * ImageSource.confirmIntact) and may ask explainFailure() about an error.
   */
  partHashes?: 'before' | 'while-reading';
}

export async function openArchiveFile(path: string, what: string = path === '-' ? 'stdin' : path, o: OpenArchiveOptions = {}): Promise<ArchiveFile> {
  if (path === '-') return spoolAndIndex(o.stdin ?? process.stdin, what, o.signal);
  const set = await findSplitSet(path, what);
  if (set) return openSplitSet(set, what, o);
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw fromSystemError(err, what);
  }
  if (st.isDirectory()) throw new BalerError('E_USAGE', `${what}: is a directory, not an archive file`);
  if (!st.isFile()) return spoolAndIndex(createReadStream(path), what, o.signal);
  if (st.size === 0) throw emptyError(what);
  const compression = sniffCompression(await readFileHead(path, 8, what));
  if (compression !== 'none') return spoolAndIndex(createReadStream(path, { highWaterMark: 1024 * 1024 }), what, o.signal);
  return indexArchive(path, what, 'none', undefined);
}

/**
 * A split set (save --split) is checked part by part (all present with their recorded sizes, and their
 * sha256 either first or while read, OpenArchiveOptions.partHashes), then read as one archive: in place
 * through positioned reads across the parts when uncompressed, else as one concatenated stream through
 * the usual decompress-and-spool path (which reads it once, in order, so it is fully checked here).
 */
async function openSplitSet(set: SplitSet, what: string, o: OpenArchiveOptions): Promise<ArchiveFile> {
  if (set.warning) o.onWarning?.('W_SPLIT_UNCHECKED', set.warning);
  const whileReading = o.partHashes === 'while-reading';
  if (whileReading) await checkSplitSetSizes(set);
  else await checkSplitSet(set, o.signal);
  const parts = new MultiPartFile(set.parts, whileReading ? partCheckFor(set) : undefined);
  try {
    if (parts.size === 0) throw emptyError(what);
    const head = Buffer.alloc(8);
    const { bytesRead } = await parts.read(head, 0, head.length, 0);
    const compression = sniffCompression(head.subarray(0, bytesRead));
    if (compression !== 'none') {
      const archive = await spoolAndIndex(parts.openAll(), what, o.signal);
      try {
        await parts.confirmIntact(o.signal);
      } catch (err) {
        await archive.close();
        throw err;
      }
      await parts.close();
      return archive;
    }
    const toc = await buildTocFromReader(parts, parts.size, what);
    if (toc.entries.length === 0) throw new BalerError('E_FORMAT', `${what}: not an image archive (the tar has no entries)`);
    return new TocArchive(what, (set.parts[0] as { path: string }).path, 'none', toc, undefined, parts);
  } catch (err) {
    const reported = await parts.explainFailure(err, o.signal);
    await parts.close();
    throw reported;
  }
}

function emptyError(what: string): BalerError {
  return new BalerError('E_FORMAT', `${what}: empty file, not an image archive`);
}

async function readFileHead(path: string, n: number, what: string): Promise<Buffer> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fromSystemError(err, what);
  }
}

/** Decompresses (if needed) a one-pass input into a temp file exactly once, then indexes that. */
async function spoolAndIndex(input: Readable, what: string, signal: AbortSignal | undefined): Promise<ArchiveFile> {
  const temp = await makeTempDir('baler-archive-');
  try {
    const file = join(temp.path, 'archive.tar');
    // a whole archive, as `gzip -d` reads it: zero padding to a tape or dd block may follow its last member
    const { compression, stream } = await decompressAuto(input, what, { gzipEnding: 'zero-padding' });
    try {
      await pipeline(stream, createWriteStream(file, { highWaterMark: 1024 * 1024 }), signal ? { signal } : {});
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw new BalerError('E_CANCELLED', `${what}: cancelled`, { cause: err });
      throw fromSystemError(err, what);
    }
    if ((await stat(file)).size === 0) throw emptyError(what);
    return await indexArchive(file, what, compression, temp);
  } catch (err) {
    await temp.remove();
    throw err;
  }
}

async function indexArchive(file: string, what: string, compression: Compression, temp: TempDir | undefined): Promise<ArchiveFile> {
  const toc = await buildToc(file, what);
  if (toc.entries.length === 0) throw new BalerError('E_FORMAT', `${what}: not an image archive (the tar has no entries)`);
  return new TocArchive(what, file, compression, toc, temp);
}

class TocArchive implements ArchiveFile {
  constructor(
    readonly what: string,
    readonly file: string,
    readonly compression: Compression,
    readonly toc: Toc,
    private readonly temp: TempDir | undefined,
    /** A split set read in place; `file` is then its first part. */
    private readonly parts?: MultiPartFile,
  ) {}

  kind(): ArchiveKind {
    if (this.has('manifest.json')) return 'docker-archive';
    if (this.has('index.json') && this.has('oci-layout')) return 'oci-archive';
    return 'unknown-tar';
  }

  has(path: string): boolean {
    return this.toc.get(path) !== undefined;
  }

  resolve(path: string, role: string): TocEntry {
    const e = this.find(path, role);
    if (!e) throw new BalerError('E_NOT_FOUND', `${this.what}: ${role} ${JSON.stringify(path)} is not in the archive`);
    return e;
  }

  find(path: string, role: string): TocEntry | undefined {
    const where = `${this.what}: ${role} ${JSON.stringify(path)}`;
    let current = normalizeEntryPath(path, where);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const e = this.toc.get(current);
      if (!e) return undefined;
      if (e.type === 'file' || e.type === 'contiguous') return e;
      if (e.type === 'symlink' && e.linkname !== undefined) {
        // a relative symlink is resolved against its own directory; an absolute one against the archive root
        const target = e.linkname.startsWith('/') ? e.linkname : posix.join(posix.dirname(e.path), e.linkname);
        current = normalizeEntryPath(target, `${where} (link to ${JSON.stringify(e.linkname)})`);
      } else if (e.type === 'hardlink' && e.linkname !== undefined) {
        current = normalizeEntryPath(e.linkname, `${where} (link to ${JSON.stringify(e.linkname)})`);
      } else {
        throw new BalerError('E_FORMAT', `${where} is a ${e.type}, not a regular file`);
      }
    }
    throw new BalerError('E_FORMAT', `${where}: more than ${MAX_LINK_HOPS} links (a link loop?)`);
  }

  open(e: TocEntry): Readable {
    return this.parts ? this.parts.openRange(e.dataOffset, e.size) : openTocEntry(this.file, e);
  }

  async confirmIntact(signal?: AbortSignal): Promise<void> {
    await this.parts?.confirmIntact(signal);
  }

  async explainFailure(err: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.parts ? this.parts.explainFailure(err, signal) : err;
  }

  async readSmall(e: TocEntry, limit: number, role: string): Promise<Buffer> {
    if (e.size > limit) throw new BalerError('E_FORMAT', `${this.what}: ${role} (${e.path}) is larger than ${limit} bytes`);
    return readAtMost(this.open(e), limit, `${this.what}: ${role}`);
  }

  async head(e: TocEntry, n: number): Promise<Buffer> {
    const want = Math.min(n, e.size);
    if (want === 0) return Buffer.alloc(0);
    if (this.parts) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await this.parts.read(buf, 0, want, e.dataOffset);
      return buf.subarray(0, bytesRead);
    }
    const fh = await open(this.file, 'r');
    try {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, e.dataOffset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> {
    await this.parts?.close();
    await this.temp?.remove();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
