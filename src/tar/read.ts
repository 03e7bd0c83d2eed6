import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BalerError } from '../errors.js';
import { ChunkSource } from './chunk-source.js';
import { ExtendedHeaderState, isMetaType } from './extended-headers.js';
import { BLOCK, decodeRawHeader, isZeroBlock, type TarHeader } from './header.js';

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; read it (or let the iterator skip it) before asking for the next entry. */
  body: Readable;
}

function truncated(what: string, detail: string): BalerError {
  return new BalerError('E_TRUNCATED', `${what}: truncated tar archive (${detail})`);
}

/**
 * Streams the entries of a tar. Bodies are read straight from `s` without buffering whole entries.
 * When the consumer moves on without reading a body, the rest of it is skipped (a body that is being
 * piped somewhere is first allowed to finish). After the end-of-archive marker the remaining input
 * (record padding) is drained, so digests computed upstream cover every byte.
 */
export async function* readTarEntries(s: Readable, what: string): AsyncGenerator<TarEntry> {
  const src = new ChunkSource(s);
  const meta = new ExtendedHeaderState();
  let completed = false;
  try {
    for (;;) {
      const offset = src.position;
      const block = await src.readExact(BLOCK);
      if (block.length === 0) {
        if (offset === 0) throw new BalerError('E_FORMAT', `${what}: empty input, not a tar archive`);
        if (meta.pending) throw truncated(what, 'extended header without an entry at the end');
        break; // EOF on a header boundary without end marker: accepted, like Go's archive/tar
      }
      if (block.length < BLOCK) throw truncated(what, `header at offset ${offset} is cut short`);
      if (isZeroBlock(block)) {
        await src.drain();
        break;
      }
      const raw = decodeRawHeader(block, offset, what);
      if (isMetaType(raw.typeflag)) {
        meta.checkMetaSize(raw, what, offset);
        const body = await src.readExact(raw.size);
        if (body.length < raw.size) throw truncated(what, `extended header at offset ${offset} is cut short`);
        meta.absorb(raw, body, what, offset);
        if ((await src.skip(pad(raw.size))) < pad(raw.size)) throw truncated(what, `padding after offset ${offset}`);
        continue;
      }
      const header = meta.resolve(raw, what, offset);
      const body = new EntryBody(src, header.size, () => truncated(what, `entry "${header.name}" is cut short`));
      yield { header, body };
      await body.settle();
      if ((await src.skip(pad(header.size))) < pad(header.size)) throw truncated(what, 'last entry padding is cut short');
    }
    completed = true;
  } finally {
    if (!completed) await src.close();
  }
}

function pad(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/** A Readable over the next `size` bytes of the shared source. */
class EntryBody extends Readable {
  private left: number;
  private reading = false;
  private failure: Error | undefined;

  constructor(
    private readonly src: ChunkSource,
    size: number,
    private readonly onShort: () => BalerError,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.left = size;
    if (size === 0) this.push(null);
  }

  override _read(): void {
    if (this.reading || this.left === 0) return;
    this.reading = true;
    this.src.readSome(Math.min(this.left, 1024 * 1024)).then(
      (b) => {
        this.reading = false;
        if (!b) {
          this.failure = this.onShort();
          this.destroy(this.failure);
          return;
        }
        this.left -= b.length;
        const more = this.push(b);
        if (this.left === 0) this.push(null);
        else if (more) this._read();
      },
      (err: unknown) => {
        this.reading = false;
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.destroy(this.failure);
      },
    );
  }

  /** Waits until the body's bytes are off the source, reading the rest if nobody else does. */
  async settle(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.left > 0 && this.untouched()) {
      // nobody asked for the data (a header-only scan): skip it on the source, no stream machinery per chunk
      this.destroy();
      const wanted = this.left;
      const got = await this.waitAndSkip(wanted);
      if (got < wanted) throw this.onShort();
      return;
    }
    if (this.left > 0 && !this.destroyed) {
      if (this.listenerCount('data') === 0 && !this.readableFlowing) this.resume();
      await finished(this).catch(() => undefined);
    }
    if (this.failure) throw this.failure;
    if (this.left > 0) {
      // the consumer destroyed the body early: skip what it did not read
      const wanted = this.left;
      const got = await this.waitAndSkip(wanted);
      if (got < wanted) throw this.onShort();
    }
  }

  /** True while no consumer has read from or subscribed to this body. */
  private untouched(): boolean {
    return !this.destroyed && !this.reading && this.readableFlowing === null && this.readableLength === 0 && this.listenerCount('data') === 0 && this.listenerCount('readable') === 0;
  }

  private async waitAndSkip(n: number): Promise<number> {
    while (this.reading) await new Promise((r) => setImmediate(r));
    const got = await this.src.skip(n);
    this.left -= got;
    return got;
  }
}
