import { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { Crc64 } from './crc64.js';
import { LayerDir } from './layer-files.js';
import { readTarSplitFile } from './tar-split.js';
import { zeroChunks } from './zero-fill.js';

/** What a look at the tar-split records (and a stat of each file) tells before any byte is served. */
export interface LayerTarPlan {
  /** Exact byte length of the regenerated tar: segment bytes + file sizes (formats.md §5.1). */
  size: number;
  files: number;
  /** Why the tar cannot be regenerated from this directory (file missing, size changed…). */
  problem?: string;
}

/**
 * Reads every record once, sums the size without reading file contents, and lstat()s each file with
 * content so a damaged layer directory is found before a manifest is promised.
 */
export async function planLayerTar(tarSplitPath: string, layerRoot: string): Promise<LayerTarPlan> {
  const dir = new LayerDir(layerRoot);
  let size = 0;
  let files = 0;
  let problem: string | undefined;
  for await (const r of readTarSplitFile(tarSplitPath)) {
    if (r.kind === 'segment') {
      size += r.bytes.length;
      continue;
    }
    if (r.size === 0) continue;
    size += r.size;
    files++;
    if (problem === undefined) problem = await dir.checkFile(LayerDir.components(r.name, tarSplitPath), r.size);
  }
  return problem === undefined ? { size, files } : { size, files, problem };
}

const READ_CHUNK = 1024 * 1024;
/** Files up to this size are read whole, ahead of the output, several at a time. */
const SMALL_FILE = 1024 * 1024;
/** Read-ahead bounds: entries queued, and bytes of small files read but not yet served. */
const AHEAD_ENTRIES = 64;
const AHEAD_BYTES = 8 * 1024 * 1024;

/** One entry of the regenerated tar, in order: raw tar bytes, a small file being read, or a large file. */
type Pending =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'small'; readonly parts: string[]; readonly size: number; readonly crc?: Buffer; readonly data: Promise<Buffer> }
  | { readonly kind: 'large'; readonly parts: string[]; readonly size: number; readonly crc?: Buffer };

/**
 * The layer tar, byte for byte as Docker stored it: segments from tar-split, file contents from the
 * layer directory, each file checked against its CRC-64. Streams with bounded memory: small files are
 * read whole and ahead of the output (up to AHEAD_BYTES, several reads in flight so the disk and the
 * consumer overlap), large files in READ_CHUNK pieces when their turn comes.
 * A changed file fails the stream with E_DIGEST_MISMATCH naming it (the pipeline would also catch the
 * wrong sha256, but this says which file).
 */
export function regenerateLayerTar(tarSplitPath: string, layerRoot: string, what: string, signal?: AbortSignal): Readable {
  const dir = new LayerDir(layerRoot);
  const cancelled = (): BalerError => new BalerError('E_CANCELLED', `${what}: cancelled`);
  const checkCrc = (crc: Crc64, expected: Buffer | undefined, parts: readonly string[]): void => {
    if (expected && !crc.digestBytes().equals(expected)) {
      throw new BalerError('E_DIGEST_MISMATCH', `${what}: ${dir.display(parts)} does not match its recorded CRC-64 (the layer directory was changed after Docker stored it)`);
    }
  };

  async function* largeFile(item: { parts: string[]; size: number; crc?: Buffer }): AsyncGenerator<Buffer> {
    const fh = await dir.openFile(item.parts, item.size);
    const crc = new Crc64();
    try {
      for (let at = 0; at < item.size; ) {
        if (signal?.aborted) throw cancelled();
        // a fresh buffer per chunk: the consumer may still hold the previous one
        const buf = Buffer.allocUnsafe(Math.min(item.size - at, READ_CHUNK));
        const { bytesRead } = await fh.read(buf, 0, buf.length, at);
        if (bytesRead === 0) throw new BalerError('E_IO', `${dir.display(item.parts)}: file shrank while it was read`);
        const got = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
        crc.update(got);
        at += bytesRead;
        yield got;
      }
    } finally {
      await fh.close();
    }
    checkCrc(crc, item.crc, item.parts);
  }

  async function* generate(): AsyncGenerator<Buffer> {
    const records = readTarSplitFile(tarSplitPath);
    const queue: Pending[] = [];
    let aheadBytes = 0;
    let exhausted = false;
    // pulls records until a bound is reached, starting the read of every small file on the way
    const fill = async (): Promise<void> => {
      while (!exhausted && queue.length < AHEAD_ENTRIES && aheadBytes < AHEAD_BYTES) {
        const next = await records.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const r = next.value;
        if (r.kind === 'segment') {
          if (r.bytes.length > 0) queue.push({ kind: 'bytes', bytes: r.bytes });
          continue;
        }
        if (r.size === 0) continue;
        const parts = LayerDir.components(r.name, tarSplitPath);
        const crc = r.crc ? { crc: r.crc } : {};
        if (r.size > SMALL_FILE) {
          queue.push({ kind: 'large', parts, size: r.size, ...crc });
          continue;
        }
        const data = dir.readWhole(parts, r.size);
        data.catch(() => undefined); // observed when its turn comes; never an unhandled rejection
        queue.push({ kind: 'small', parts, size: r.size, ...crc, data });
        aheadBytes += r.size;
      }
    };
    try {
      await fill();
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        if (signal?.aborted) throw cancelled();
        if (item.kind === 'bytes') {
          yield item.bytes;
        } else if (item.kind === 'large') {
          yield* largeFile(item);
        } else {
          const data = await item.data;
          aheadBytes -= item.size;
          checkCrc(new Crc64().update(data), item.crc, item.parts);
          await fill();
          yield data;
          continue;
        }
        await fill();
      }
    } finally {
      // a failed or abandoned stream: let reads in flight finish (they close their files) and stop the reader
      await Promise.allSettled(queue.map((q) => (q.kind === 'small' ? q.data : undefined)));
      await records.return(undefined);
    }
  }
  return Readable.from(generate(), { objectMode: false, highWaterMark: READ_CHUNK });
}

/**
 * The layer tar with every file's content replaced by zeros, from tar-split alone: the exact headers and
 * sizes without opening a single file, for readers that skip bodies (pass 1 of a container export).
 */
export function skeletonLayerTar(tarSplitPath: string, what: string, signal?: AbortSignal): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const r of readTarSplitFile(tarSplitPath)) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', `${what}: cancelled`);
      if (r.kind === 'segment') {
        if (r.bytes.length > 0) yield r.bytes;
      } else yield* zeroChunks(r.size);
    }
  }
  return Readable.from(generate(), { objectMode: false, highWaterMark: READ_CHUNK });
}

/**
 * Reads the whole layer once, checking every file's CRC-64 without producing output: the deep check that
 * decides, before a manifest is promised, whether the tar can be regenerated exactly.
 */
export async function verifyLayerContent(tarSplitPath: string, layerRoot: string, what: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    for await (const _ of regenerateLayerTar(tarSplitPath, layerRoot, what, signal)) {
      // contents are only checked
    }
    return undefined;
  } catch (err) {
    if (err instanceof BalerError && (err.code === 'E_DIGEST_MISMATCH' || err.code === 'E_NOT_FOUND')) return err.message;
    throw err;
  }
}
