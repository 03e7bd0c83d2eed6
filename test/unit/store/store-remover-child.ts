// Child process for the lease race tests: removes unpublished blobs from a store over and over until killed.
//   node --import tsx store-remover-child.ts STORE prune
//   node --import tsx store-remover-child.ts STORE take-back BLOB_COUNT
// prune: `baler prune` passes. take-back: a writer that puts the blobs blobBytes(0..BLOB_COUNT-1) and then
// fails (abandon), taking back those it created. Prints "ready" before the first pass.
import { Readable } from 'node:stream';
import { sha256Of } from '../../../src/model/digest.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { openStore } from '../../../src/store/store.js';
import { raceBlobBytes } from './race-blobs.js';

const [storePath, mode, countArg] = process.argv.slice(2);
if (!storePath || (mode !== 'prune' && mode !== 'take-back')) throw new Error('usage: STORE prune|take-back [BLOB_COUNT]');
const store = await openStore(storePath);
const blobs = Array.from({ length: Number(countArg ?? 0) }, (_, i) => raceBlobBytes(i));
process.stdout.write('ready\n');
for (;;) {
  if (mode === 'prune') {
    await store.prune({ dryRun: false });
    continue;
  }
  const w = store.writer();
  for (const bytes of blobs) {
    await w.putBlob(Readable.from([bytes]), { mediaType: MediaTypes.ociLayer, digest: sha256Of(bytes), size: bytes.length });
  }
  await w.abandon();
}
