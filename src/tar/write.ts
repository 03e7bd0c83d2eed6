import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { BalerError } from '../errors.js';
import { BLOCK, byteLength, encodeUstarBlock, fitsOctal, hasData, splitUstarName, typeflagOf, type TarHeader } from './header.js';
import { encodePaxRecords } from './pax.js';

export interface TarWriterOptions {
  /** End `out` in finish() (default true). */
  end?: boolean;
}

const ZERO = Buffer.alloc(BLOCK * 2);

/**
 * Writes a POSIX tar: ustar headers, with a PAX header in front whenever a value does not fit ustar
 * (names over 100/255 bytes, link targets over 100, sizes of 8 GiB and more, big ids, fractional
 * mtimes) or the entry has PAX records of its own (xattrs). Sizes come first, so a body's length must
 * be known and must match; a mismatch is a bug in the caller and fails the archive.
 */
export class TarWriter {
  bytesWritten = 0;
  private busy = false;
  private finished = false;

  constructor(
    private readonly out: Writable,
    private readonly opts: TarWriterOptions = {},
  ) {}

  async add(h: TarHeader, body?: Readable | Uint8Array): Promise<void> {
    if (this.busy) throw new BalerError('E_INTERNAL', 'Internal error: TarWriter.add called before the previous add finished');
    if (this.finished) throw new BalerError('E_INTERNAL', 'Internal error: TarWriter.add after finish');
    this.busy = true;
    try {
      const size = hasData(h.type) ? h.size : 0;
      for (const block of encodeEntryHeaders(h, size)) await this.write(block);
      let written = 0;
      if (body instanceof Uint8Array) {
        written = body.length;
        if (written !== size) throw sizeMismatch(h, size, written);
        if (written > 0) await this.write(body);
      } else if (body) {
        for await (const chunk of body) {
          const b = chunk as Buffer;
          written += b.length;
          if (written > size) {
            body.destroy();
            throw sizeMismatch(h, size, written);
          }
          await this.write(b);
        }
        if (written !== size) throw sizeMismatch(h, size, written);
      } else if (size !== 0) throw sizeMismatch(h, size, 0);
      const padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (padding) await this.write(ZERO.subarray(0, padding));
    } finally {
      this.busy = false;
    }
  }

  /** Writes the two zero blocks that end an archive and (by default) ends `out`. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.write(ZERO);
    if (this.opts.end ?? true) {
      this.out.end();
      if (!this.out.writableFinished) await once(this.out, 'finish');
    }
  }

  private async write(b: Uint8Array): Promise<void> {
    if (this.out.destroyed) throw this.out.errored ?? new BalerError('E_IO', 'tar output closed early');
    this.bytesWritten += b.length;
    if (!this.out.write(b)) await drainOrClose(this.out);
  }
}

/** Waits for 'drain'; rejects if the output errors or closes first instead of hanging. */
function drainOrClose(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onDrain = (): void => (cleanup(), resolve());
    const onError = (err: Error): void => (cleanup(), reject(err));
    const onClose = (): void => (cleanup(), reject(out.errored ?? new BalerError('E_IO', 'tar output closed early')));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

function sizeMismatch(h: TarHeader, size: number, got: number): BalerError {
  const had = got > size ? `more than ${size}` : String(got);
  return new BalerError('E_INTERNAL', `Internal error: tar entry "${h.name}" declared ${size} bytes but its body had ${had}`);
}

/** The PAX header (if needed) and the ustar header of one entry. Pure. */
export function encodeEntryHeaders(h: TarHeader, size: number): Buffer[] {
  const pax: Record<string, string> = {};
  const split = splitUstarName(h.name);
  if (!split) pax.path = h.name;
  const linkname = h.linkname ?? '';
  if (byteLength(linkname) > 100) pax.linkpath = linkname;
  if (!fitsOctal(size, 12)) pax.size = String(size);
  if (!fitsOctal(h.uid, 8)) pax.uid = String(h.uid);
  if (!fitsOctal(h.gid, 8)) pax.gid = String(h.gid);
  if (!fitsOctal(h.mtime, 12)) pax.mtime = String(h.mtime);
  if (h.uname && byteLength(h.uname) > 32) pax.uname = h.uname;
  if (h.gname && byteLength(h.gname) > 32) pax.gname = h.gname;
  Object.assign(pax, h.pax ?? {});

  const ustar = encodeUstarBlock({
    name: split ? split.name : truncateBytes(h.name, 100),
    prefix: split ? split.prefix : '',
    mode: h.mode,
    uid: fitsOctal(h.uid, 8) ? h.uid : 0,
    gid: fitsOctal(h.gid, 8) ? h.gid : 0,
    size: fitsOctal(size, 12) ? size : 0,
    mtime: fitsOctal(h.mtime, 12) ? h.mtime : Math.max(0, Math.min(Math.floor(h.mtime), 8 ** 11 - 1)),
    typeflag: typeflagOf(h.type),
    linkname: pax.linkpath ? truncateBytes(linkname, 100) : linkname,
    uname: pax.uname ? '' : (h.uname ?? ''),
    gname: pax.gname ? '' : (h.gname ?? ''),
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  });
  if (Object.keys(pax).length === 0) return [ustar];

  const records = encodePaxRecords(pax);
  const paxHeader = encodeUstarBlock({
    name: truncateBytes(`PaxHeaders/${baseName(h.name)}`, 100),
    prefix: '',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: 0,
    typeflag: 'x',
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  });
  const padding = Buffer.alloc((BLOCK - (records.length % BLOCK)) % BLOCK);
  return [paxHeader, records, padding, ustar];
}

function baseName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || 'root';
}

/** Cuts at a character boundary so the stored fallback name stays valid UTF-8. */
function truncateBytes(s: string, max: number): string {
  if (byteLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}
