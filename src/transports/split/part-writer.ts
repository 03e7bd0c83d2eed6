import { createHash, type Hash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Writable } from 'node:stream';
import { BalerError, fromSystemError } from '../../errors.js';
import { createAtomicFile, fsyncDir } from '../../io/atomic-file.js';
import { ownedTempName } from '../../io/temp-name.js';
import { writeFully } from '../../io/write-fully.js';
import { onInterruptCleanup } from '../../io/cleanup.js';
import type { LayerCompression } from '../../model/media-types.js';
import { manifestPathFor, partPath, serializeSetManifest, SPLIT_SET_KIND, type SplitPart } from './set-manifest.js';

/** A finished part still under its temp name, fsynced and closed. */
interface DonePart extends SplitPart {
  temp: string;
  target: string;
}

/** The open part: bytes go to its temp file and its hash at the same time (no second read). */
interface OpenPart {
  fh: FileHandle;
  temp: string;
  target: string;
  hash: Hash;
  size: number;
}

/**
 * save --resume: parts are written under fixed names a later run finds (partial-parts.ts), a discard
 * keeps them, and writing starts after the parts an earlier run left and this run verified.
 */
export interface PartResume {
  /** Where part n (1-based) is written until commit. */
  partialName(n: number): string;
  /** Complete parts kept (their sha256 from the verified bytes). */
  kept: readonly SplitPart[];
  /** The verified start of the next part, already in its partial file: its size and its bytes' hash so far. */
  open?: { size: number; hash: Hash };
}

/**
 * The bytes of one archive cut into numbered files of at most `partSize` bytes (`-o set.tar` →
 * `set.tar.001`, `.002`, …), each hashed while written. Parts stay under temp names until commit(),
 * which renames them in order and then writes `NAME.baler.json` (set-manifest.ts) atomically, last:
 * a failure or abort before that leaves neither parts nor JSON (with PartResume: the partial parts are
 * kept for the next --resume instead). Only one file is open at a time.
 */
export class SplitPartWriter extends Writable {
  private readonly done: DonePart[] = [];
  private current: OpenPart | undefined;
  private readonly renamed: string[] = [];
  /** fsync+close of finished parts, running while the next part fills; _final waits for all of them. */
  private readonly closing: Array<Promise<void>> = [];
  /** Every temp name ever created, so a discard racing an open or a close still removes it. */
  private readonly temps = new Set<string>();
  private state: 'open' | 'committed' | 'discarded' = 'open';
  private readonly unregister: () => void;
  readonly manifestPath: string;
  /** Where a finished set is found (archive-output.ts reports it as the sink's location). */
  readonly location: string;

  constructor(
    /** The -o path; parts are named after it. */
    readonly output: string,
    readonly partSize: number,
    private readonly compression: LayerCompression,
    private readonly resume?: PartResume,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    for (const [i, p] of (resume?.kept ?? []).entries()) this.done.push({ ...p, temp: resume?.partialName(i + 1) as string, target: partPath(output, i + 1) });
    this.manifestPath = manifestPathFor(output);
    this.location = this.manifestPath;
    this.unregister = onInterruptCleanup(() => this.discard());
  }

  /** The Writable archive bytes go to (this object; FileTarget shape for archive-output.ts). */
  get stream(): Writable {
    return this;
  }

  /** Bytes in the part files so far (the kept ones included). */
  get bytesOnDisk(): number {
    return this.done.reduce((a, p) => a + p.size, 0) + (this.current?.size ?? 0);
  }

  /** The parts written so far (complete ones), for reports. */
  parts(): readonly SplitPart[] {
    return this.done.map(({ name, size, sha256 }) => ({ name, size, sha256 }));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeChunk(chunk).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  /** Chunks that queued up while a write was in flight (tar headers are 512 bytes each) go out as one. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writeChunk(Buffer.concat(chunks.map((c) => c.chunk))).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.closeCurrent();
    Promise.all(this.closing).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // an aborted write: close the open part (its temp is removed by discard)
    const fh = this.current?.fh;
    if (!fh) return cb(err);
    fh.close().then(() => cb(err), () => cb(err));
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      const part = this.current ?? (await this.openNext());
      const n = Math.min(chunk.length - at, this.partSize - part.size);
      const slice = chunk.subarray(at, at + n);
      // the write runs in libuv's pool while this thread hashes the same bytes
      const written = writeFully(part.fh, slice, part.size);
      part.hash.update(slice);
      try {
        await written;
      } catch (err) {
        throw fromSystemError(err, part.target);
      }
      part.size += n;
      at += n;
      if (part.size === this.partSize) this.closeCurrent();
    }
  }

  private async openNext(): Promise<OpenPart> {
    const n = this.done.length + 1;
    const target = partPath(this.output, n);
    const resume = this.resume;
    const temp = resume ? resume.partialName(n) : ownedTempName(target);
    // a resumed save's partial parts are kept by a discard, so they are not in `temps`
    const continued = resume?.open && n === resume.kept.length + 1 ? resume.open : undefined;
    if (!resume) this.temps.add(temp);
    let fh: FileHandle;
    try {
      fh = await open(temp, continued ? 'r+' : resume ? 'w' : 'wx', 0o644);
    } catch (err) {
      throw fromSystemError(err, dirname(target));
    }
    if (this.state !== 'open') {
      // discarded while the file was being created: removeAll() may have run before it existed
      await fh.close().catch(() => undefined);
      if (!resume) await unlink(temp).catch(() => undefined); // a resumed save's part keeps what it held
      throw new BalerError('E_CANCELLED', `${target}: not written, the save was stopped`);
    }
    this.current = { fh, temp, target, hash: continued?.hash ?? createHash('sha256'), size: continued?.size ?? 0 };
    return this.current;
  }

  /** Seals the open part (its hash is final) and starts its fsync+close without waiting for it. */
  private closeCurrent(): void {
    const part = this.current;
    if (!part) return;
    this.current = undefined;
    this.done.push({ name: basename(part.target), size: part.size, sha256: part.hash.digest('hex'), temp: part.temp, target: part.target });
    const closing = part.fh.sync().then(
      () => part.fh.close(),
      async (err: unknown) => {
        await part.fh.close().catch(() => undefined);
        throw fromSystemError(err, part.target);
      },
    );
    closing.catch(() => undefined); // reported through _final, which waits for every part
    this.closing.push(closing);
  }

  /** Call after the stream finished: parts into place in order, then the JSON, atomically, last. */
  async commit(): Promise<void> {
    if (this.state !== 'open') return;
    try {
      await Promise.all(this.closing); // every part is on disk before any is renamed
      for (const p of this.done) {
        await rename(p.temp, p.target);
        this.renamed.push(p.target);
      }
      await this.removeStaleParts();
      await fsyncDir(dirname(this.output));
      const json = await createAtomicFile(this.manifestPath, { overwrite: true });
      try {
        const totalSize = this.done.reduce((a, p) => a + p.size, 0);
        json.stream.end(serializeSetManifest({ kind: SPLIT_SET_KIND, version: 1, compression: this.compression, totalSize, partSize: this.partSize, parts: this.parts() as SplitPart[] }));
        await json.commit();
      } finally {
        await json.discard();
      }
      this.state = 'committed';
      this.unregister();
    } catch (err) {
      await this.discard();
      throw fromSystemError(err, this.output);
    }
  }

  /** An older, longer set saved to the same name must not leave its later parts behind. */
  private async removeStaleParts(): Promise<void> {
    for (let n = this.done.length + 1; ; n++) {
      try {
        await unlink(partPath(this.output, n));
      } catch {
        return;
      }
    }
  }

  /**
   * Removes every part written (temp or already renamed); a no-op after commit. A resumed save keeps
   * its partial parts instead (the open one fsynced) for the next --resume.
   */
  async discard(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    this.unregister();
    // what the open part holds is kept: on disk before _destroy closes it
    if (this.resume) await this.current?.fh.sync().catch(() => undefined);
    if (!this.destroyed) this.destroy();
    if (this.resume) {
      await Promise.all(this.closing.map((c) => c.catch(() => undefined)));
      // a commit that failed half-way (a later rename, the JSON) renamed some parts already: back to their
      // partial names, so no set without its JSON is left and the next --resume still finds them all
      for (const p of this.done) if (this.renamed.includes(p.target)) await rename(p.target, p.temp).catch(() => undefined);
    } else await this.removeAll();
  }

  private async removeAll(): Promise<void> {
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      await cur.fh.close().catch(() => undefined);
      await unlink(cur.temp).catch(() => undefined);
    }
    for (const t of this.temps) await unlink(t).catch(() => undefined);
    for (const t of this.renamed) await unlink(t).catch(() => undefined);
  }
}
