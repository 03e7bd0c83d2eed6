import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Writable, addAbortSignal, pipeline as joinStreams, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError } from '../errors.js';
import { VerifyingStream, isVouchedFor } from '../io/hashing.js';
import { spoolToFile } from '../io/spool.js';
import type { TempDir } from '../io/temp.js';
import { makeTempDir } from '../io/temp.js';
import type { Descriptor, BlobInfo } from '../model/descriptor.js';
import { hexOf, sha256Of, type Digest } from '../model/digest.js';
import type { TarHeader } from '../tar/header.js';
import { encodeEntryHeaders, TarWriter } from '../tar/write.js';
import { PROGRESS_MIN_SIZE, ProgressTap } from './resume/progress-tap.js';
import type { SaveJournal } from './resume/save-journal.js';

/** formats.md §1.2: Docker writes this constant string (with the space); readers parse it. */
export const OCI_LAYOUT_BYTES = Buffer.from('{"imageLayoutVersion": "1.0.0"}');

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/**
 * Writes an OCI image layout as a tar stream, deterministically (uid/gid 0, mtime 0, 0644/0755, no
 * owner names): `blobs/`, `blobs/sha256/`, `oci-layout`, then each blob ONCE in the order it is put,
 * then the top-level documents the caller adds (index.json, manifest.json, repositories).
 * A tar cannot take an entry back, so any failure breaks the writer for good; the caller discards
 * the whole output (formats.md §1.2 "[R] Writer recipe").
 */
export class LayoutTarWriter {
  private readonly tar: TarWriter;
  private readonly written = new Map<Digest, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private broken: unknown;
  private started = false;
  private spoolDir: TempDir | undefined;
  private spools = 0;
  /** save --resume: blobs an interrupted run left in the kept prefix, with their media types. */
  private readonly resumed = new Map<Digest, string>();
  /** Offset of the first byte this writer writes (the kept prefix's length when resuming). */
  private readonly base: number;

  constructor(
    out: Writable,
    /** The output's name in errors. */
    private readonly what: string,
    /** When given, every complete blob entry is recorded; its kept entries count as written. */
    private readonly journal?: SaveJournal,
  ) {
    this.tar = new TarWriter(out);
    this.base = journal?.offset ?? 0;
    if (journal && journal.kept.length > 0) {
      this.started = true; // the kept prefix starts with the layout entries
      for (const e of journal.kept) {
        this.written.set(e.digest, e.size);
        this.resumed.set(e.digest, e.mediaType);
      }
    }
  }

  /** The media type a blob kept from an interrupted run was put with, if it is one. */
  resumedMediaType(d: Digest): string | undefined {
    return this.resumed.get(d);
  }

  has(d: Digest): boolean {
    return this.written.has(d);
  }

  /** Blobs written so far, by digest, with their sizes. */
  blobs(): ReadonlyMap<Digest, number> {
    return this.written;
  }

  /**
   * Streams a blob into `blobs/sha256/<hex>`, verifying digest and size while writing. An unknown digest
   * or size is learned by spooling to a temp file first (a tar header needs both before the bytes).
   * A blob already written is drained and not written again.
   */
  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.serialized(async () => {
      if (info.digest !== undefined && info.size !== undefined) return this.putKnown(body, info.mediaType, info.digest, info.size, signal);
      return this.putSpooled(body, info, signal);
    });
  }

  putBytes(bytes: Uint8Array, mediaType: string, expect?: Digest): Promise<Descriptor> {
    return this.serialized(async () => {
      const digest = sha256Of(bytes);
      if (expect !== undefined && digest !== expect) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: blob ${expect}: digest mismatch, expected ${expect}, got ${digest}`);
      }
      if (!this.written.has(digest)) await this.addEntry(blobName(digest), Buffer.from(bytes), bytes.length, digest, mediaType);
      return { mediaType, digest, size: bytes.length };
    });
  }

  /** A top-level file (index.json, manifest.json, repositories). */
  addFile(name: string, bytes: Uint8Array): Promise<void> {
    return this.serialized(async () => {
      await this.tar.add(fileHeader(name, bytes.length), bytes);
    });
  }

  finish(): Promise<void> {
    return this.serialized(async () => {
      await this.tar.finish();
      await this.spoolDir?.remove();
    });
  }

  /** Releases temp files; the output itself is the caller's to discard. */
  async abort(reason?: unknown): Promise<void> {
    this.broken ??= reason ?? new BalerError('E_CANCELLED', `${this.what}: aborted`);
    await this.queue.catch(() => undefined);
    await this.spoolDir?.remove();
  }

  private async putKnown(body: Readable, mediaType: string, digest: Digest, size: number, signal?: AbortSignal): Promise<Descriptor> {
    if (this.written.has(digest)) {
      await drain(body, signal);
      return { mediaType, digest, size };
    }
    if (isVouchedFor(body, digest, size)) {
      // the pipeline checks these bytes already (its verifier fails `body` before it ends); tar.add checks the size
      await this.addEntry(blobName(digest), signal ? addAbortSignal(signal, body) : body, size, digest, mediaType);
      return { mediaType, digest, size };
    }
    const verify = new VerifyingStream(digest, size, `${this.what}: blob ${digest}`);
    const piping = pipeline(body, verify, signal ? { signal } : {});
    piping.catch(() => undefined); // its error also destroys `verify`, which fails tar.add below
    await this.addEntry(blobName(digest), verify, size, digest, mediaType);
    await piping;
    return { mediaType, digest, size };
  }

  private async putSpooled(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    this.spoolDir ??= await makeTempDir('baler-spool-');
    const spooled = await spoolToFile(body, this.spoolDir.path, `blob-${this.spools++}`, signal);
    try {
      if (info.digest !== undefined && spooled.digest !== info.digest) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: blob ${info.digest}: digest mismatch, expected ${info.digest}, got ${spooled.digest}`);
      }
      if (info.size !== undefined && spooled.size !== info.size) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: blob ${spooled.digest}: size mismatch, expected ${info.size} bytes, got ${spooled.size}`);
      }
      if (!this.written.has(spooled.digest)) {
        await this.addEntry(blobName(spooled.digest), createReadStream(spooled.path, { highWaterMark: 1024 * 1024 }), spooled.size, spooled.digest, info.mediaType);
      }
      return { mediaType: info.mediaType, digest: spooled.digest, size: spooled.size };
    } finally {
      await unlink(spooled.path).catch(() => undefined);
    }
  }

  private async addEntry(name: string, body: Readable | Buffer, size: number, digest: Digest, mediaType: string): Promise<void> {
    await this.ensureStarted();
    const start = this.base + this.tar.bytesWritten;
    await this.tar.add(fileHeader(name, size), this.withProgress(body, size, digest, mediaType, start));
    this.written.set(digest, size);
    this.journal?.record({ digest, size, mediaType, start, end: this.base + this.tar.bytesWritten });
  }

  /** save --resume: a large blob's way into the tar is journaled every few MiB, so a rerun fetches only the rest. */
  private withProgress(body: Readable | Buffer, size: number, digest: Digest, mediaType: string, start: number): Readable | Buffer {
    const journal = this.journal;
    if (!journal?.progress || Buffer.isBuffer(body) || size < PROGRESS_MIN_SIZE) return body;
    const dataStart = start + blobHeaderBytes(digest, size).length;
    const tap = new ProgressTap({ digest, size, mediaType, start, dataStart }, (p, end) => journal.progress?.(p, end));
    // a failing body, or one destroyed short of its end, fails the tap and so tar.add (pipeline reports the
    // premature close that pipe() would swallow, leaving tar.add waiting); tar.add stopping early stops the body
    return joinStreams(body, tap, () => undefined);
  }

  private async ensureStarted(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.tar.add(dirHeader('blobs/'));
    await this.tar.add(dirHeader('blobs/sha256/'));
    await this.tar.add(fileHeader('oci-layout', OCI_LAYOUT_BYTES.length), OCI_LAYOUT_BYTES);
  }

  /** One operation at a time (a tar is one stream); the first failure breaks every later call. */
  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.broken !== undefined) throw brokenError(this.broken, this.what);
      try {
        return await op();
      } catch (err) {
        this.broken ??= err;
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Makes sure the layout files exist even when no blob was ever put (an empty layout). */
  start(): Promise<void> {
    return this.serialized(() => this.ensureStarted());
  }
}

function brokenError(cause: unknown, what: string): BalerError {
  if (cause instanceof BalerError) return new BalerError(cause.code, `${what}: an earlier write failed: ${cause.message}`, { cause });
  return new BalerError('E_IO', `${what}: an earlier write failed: ${String((cause as Error)?.message ?? cause)}`, { cause });
}

/**
 * The exact bytes LayoutTarWriter writes before the first blob (`blobs/`, `blobs/sha256/`, `oci-layout`):
 * save --resume compares a kept prefix with them byte for byte (resume/prefix-check.ts).
 */
export function layoutHeadBytes(): Buffer {
  const pad = Buffer.alloc((512 - (OCI_LAYOUT_BYTES.length % 512)) % 512);
  return Buffer.concat([
    ...encodeEntryHeaders(dirHeader('blobs/'), 0),
    ...encodeEntryHeaders(dirHeader('blobs/sha256/'), 0),
    ...encodeEntryHeaders(fileHeader('oci-layout', OCI_LAYOUT_BYTES.length), OCI_LAYOUT_BYTES.length),
    OCI_LAYOUT_BYTES,
    pad,
  ]);
}

/** The header block(s) LayoutTarWriter writes in front of a blob's bytes. */
export function blobHeaderBytes(d: Digest, size: number): Buffer {
  return Buffer.concat(encodeEntryHeaders(fileHeader(blobName(d), size), size));
}

function blobName(d: Digest): string {
  return `blobs/sha256/${hexOf(d)}`;
}

function fileHeader(name: string, size: number): TarHeader {
  return { name, type: 'file', size, mode: FILE_MODE, uid: 0, gid: 0, mtime: 0 };
}

function dirHeader(name: string): TarHeader {
  return { name, type: 'dir', size: 0, mode: DIR_MODE, uid: 0, gid: 0, mtime: 0 };
}

async function drain(body: Readable, signal?: AbortSignal): Promise<void> {
  await pipeline(body, new Writable({ write: (_c, _e, cb) => cb() }), signal ? { signal } : {});
}
