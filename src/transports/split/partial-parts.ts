import { open, readdir, stat, truncate, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';
import type { PartialStore, StoreWriter } from '../resume/partial-store.js';
import { partialPathFor } from '../resume/save-journal.js';
import { MultiPartFile, type PartFile } from './multi-part-file.js';
import { PartHashes } from './part-hashes.js';
import { SplitPartWriter } from './part-writer.js';
import { partPath, type SplitPart } from './set-manifest.js';

/** `-o set.tar` → `set.tar.baler-partial.003`: part 3 of a split save --resume until it is complete. */
export function partialPartPath(output: string, n: number): string {
  return partPath(partialPathFor(output), n);
}

/**
 * A split save --resume: parts are written as `NAME.baler-partial.001`, `.002`, … (each fsynced when
 * full) and renamed to `NAME.001`, … when the whole set is complete, NAME.baler.json last. A rerun reads
 * the parts an earlier run left as one stream (MultiPartFile) while it verifies them and hashes each part
 * from the same bytes (PartHashes); kept parts are not rewritten, the part the cut falls in is truncated
 * there and continued. Parts of another size (a different --split) end what can be kept.
 */
export async function openPartialParts(output: string, partSize: number, compression: LayerCompression): Promise<PartialStore> {
  const files: PartFile[] = [];
  for (let n = 1; ; n++) {
    const path = partialPartPath(output, n);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile() || st.size > partSize) break;
    files.push({ path, what: path, size: st.size });
    if (st.size < partSize) break; // only the last part is short
  }
  const reader = new MultiPartFile(files);
  const tap = new PartHashes(partSize);
  return {
    existing: { reader, size: reader.size, what: partialPathFor(output) },
    tap,
    close: () => reader.close(),
    async continueAt(offset: number): Promise<StoreWriter> {
      await reader.close();
      const kept: SplitPart[] = tap.completeParts().map((sha256, i) => ({ name: basename(partPath(output, i + 1)), size: partSize, sha256 }));
      const openPart = tap.openPart();
      if (kept.length * partSize + (openPart?.size ?? 0) !== offset) {
        throw new BalerError('E_INTERNAL', `Internal error: ${partialPathFor(output)}: the part hashes cover other bytes than the ${offset} verified`);
      }
      const next = kept.length + 1;
      try {
        if (openPart) await truncate(partialPartPath(output, next), openPart.size);
        await removePartialParts(output, openPart ? next + 1 : next);
        // an earlier run killed before a part's fsync: make the kept parts durable before building on them
        for (let n = 1; n <= kept.length + (openPart ? 1 : 0); n++) {
          const fh = await open(partialPartPath(output, n), 'r');
          await fh.sync().finally(() => fh.close());
        }
      } catch (err) {
        throw fromSystemError(err, partialPathFor(output));
      }
      const writer = new SplitPartWriter(output, partSize, compression, { partialName: (n) => partialPartPath(output, n), kept, ...(openPart ? { open: openPart } : {}) });
      return {
        stream: writer,
        location: writer.location,
        onDisk: () => writer.bytesOnDisk,
        publish: () => writer.commit(),
        keep: () => writer.discard(),
      };
    },
  };
}

/** Removes the partial parts numbered `from` and up (all of them by default), gaps or not. */
export async function removePartialParts(output: string, from = 1): Promise<void> {
  const prefix = `${basename(partialPathFor(output))}.`;
  const names = await readdir(dirname(output)).catch(() => [] as string[]);
  for (const name of names) {
    const n = name.startsWith(prefix) && /^\d{3,}$/.test(name.slice(prefix.length)) ? Number(name.slice(prefix.length)) : 0;
    if (n < from || n === 0) continue;
    const path = join(dirname(output), name);
    await unlink(path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, path);
    });
  }
}
