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

/**
 * The layer tar, byte for byte as Docker stored it: segments from tar-split, file contents from the
 * layer directory, each file checked against its CRC-64. Streams; holds at most one read chunk.
 * A changed file fails the stream with E_DIGEST_MISMATCH naming it (the pipeline would also catch the
 * wrong sha256, but this says which file).
 */
export function regenerateLayerTar(tarSplitPath: string, layerRoot: string, what: string, signal?: AbortSignal): Readable {
  const dir = new LayerDir(layerRoot);
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const r of readTarSplitFile(tarSplitPath)) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', `${what}: cancelled`);
      if (r.kind === 'segment') {
        if (r.bytes.length > 0) yield r.bytes;
        continue;
      }
      if (r.size === 0) continue;
      const parts = LayerDir.components(r.name, tarSplitPath);
      const fh = await dir.openFile(parts, r.size);
      const crc = new Crc64();
      try {
        let left = r.size;
        while (left > 0) {
          if (signal?.aborted) throw new BalerError('E_CANCELLED', `${what}: cancelled`);
          const buf = Buffer.allocUnsafe(Math.min(left, READ_CHUNK));
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) throw new BalerError('E_IO', `${dir.display(parts)}: file shrank while it was read`);
          const got = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
          crc.update(got);
          left -= bytesRead;
          yield got;
        }
      } finally {
        await fh.close();
      }
      if (r.crc && !crc.digestBytes().equals(r.crc)) {
        throw new BalerError('E_DIGEST_MISMATCH', `${what}: ${dir.display(parts)} does not match its recorded CRC-64 (the layer directory was changed after Docker stored it)`);
      }
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
