import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sha256Of, type Digest } from '../../../src/model/digest.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { blobPath, blobsDir, ensureLayout } from '../../../src/store/layout.js';
import { removeUnleased } from '../../../src/store/lease.js';
import { openPresentStore } from '../../../src/store/store.js';
import { openLayoutSink } from '../../../src/transports/oci-layout/sink.js';
import { storeRef } from '../../../src/transports/store/transport.js';

/** What failed writers leave of a layout: no store at all, or a valid one, never blobs without a layout. */
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-failed-writers-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const layer = (text: string) => [Readable.from([Buffer.from(text)]), { mediaType: MediaTypes.ociLayer }] as const;

describe('two first loads into a new store that both fail', () => {
  test('the second, which had opened the store the first made and removed, leaves a valid empty store', async () => {
    const path = join(root, 'taken-back');
    const first = await openLayoutSink(storeRef(path), path, undefined);
    await first.putBlob(...layer('blob-one'));
    const second = await openLayoutSink(storeRef(path), path, undefined);
    await first[Symbol.asyncDispose]();
    await second.putBlob(...layer('blob-two'));
    await second[Symbol.asyncDispose]();
    assert.deepEqual((await readdir(path)).sort(), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(await readdir(blobsDir(path)), [], 'its blob taken back');
    const store = await openPresentStore(path);
    assert.deepEqual(await store.images(), []);
    assert.deepEqual(await store.prune({ dryRun: false }), { blobs: [], temps: [], bytes: 0, dryRun: false });
  });

  test('the second keeping its blobs for a rerun (--resume) leaves them in a valid store', async () => {
    const path = join(root, 'kept');
    const first = await openLayoutSink(storeRef(path), path, undefined);
    await first.putBlob(...layer('blob-one'));
    const second = await openLayoutSink(storeRef(path), path, { resume: true });
    await first[Symbol.asyncDispose]();
    const kept = await second.putBlob(...layer('blob-two'));
    await second[Symbol.asyncDispose]();
    assert.deepEqual((await readdir(path)).sort(), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(await readdir(blobsDir(path)), [kept.digest.slice('sha256:'.length)]);
    assert.deepEqual(await (await openPresentStore(path)).images(), []);
  });
});

describe('removing unpublished blobs', () => {
  test('a removal failing partway puts every blob it had moved aside and not yet decided back', async () => {
    const path = join(root, 'partway');
    await ensureLayout(path);
    const blob = async (text: string): Promise<Digest> => {
      const d = sha256Of(Buffer.from(text));
      await writeFile(blobPath(path, d), text);
      return d;
    };
    const removable = await blob('removable');
    // a directory under a blob's name moves aside like a file, but cannot be unlinked: the removal fails there
    const stuck = sha256Of(Buffer.from('stuck'));
    await mkdir(blobPath(path, stuck));
    const after = await blob('after');
    await assert.rejects(removeUnleased(path, [removable, stuck, after]), /: is a directory$/);
    const hex = (d: Digest): string => d.slice('sha256:'.length);
    assert.deepEqual((await readdir(blobsDir(path))).sort(), [hex(stuck), hex(after)].sort(), 'no blob left under a temp name');
  });
});
