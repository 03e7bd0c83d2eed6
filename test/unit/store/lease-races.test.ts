import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Descriptor } from '../../../src/model/descriptor.js';
import { sha256Of } from '../../../src/model/digest.js';
import { familiarName, parseImageName } from '../../../src/model/image-name.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { ensureLayout } from '../../../src/store/layout.js';
import { openStore, Store } from '../../../src/store/store.js';
import { openLayoutSink } from '../../../src/transports/oci-layout/sink.js';
import { storeRef } from '../../../src/transports/store/transport.js';
import { raceBlobBytes } from './race-blobs.js';

/**
 * Races between a writer and whatever removes unpublished blobs (prune, a failed writer taking back its
 * blobs, a failed first load removing the store it made): the writer's commit must never find a blob
 * it put gone, nor the store it writes into half removed.
 */
const CHILD = resolve(import.meta.dirname, 'store-remover-child.ts');
const BLOBS = 12;
const children = new Set<ChildProcess>();
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-lease-race-'));
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** Starts the remover child; resolves once it runs its first pass. */
async function startRemover(store: string, mode: 'prune' | 'take-back'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, store, mode, String(BLOBS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  await new Promise<void>((res, rej) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) res();
    });
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => rej(new Error(`remover exited ${code}: ${out}`)));
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.on('exit', () => res());
    child.kill('SIGKILL');
  });
}

/**
 * One image whose blobs the writer streams without knowing their digests (as an import does), committed
 * and then untagged, so the next round puts them again as new files beside the remover.
 */
async function writeUnknownDigestImage(store: Store): Promise<void> {
  const w = store.writer();
  const put: Descriptor[] = [];
  for (let i = 0; i < BLOBS; i++) put.push(await w.putBlob(Readable.from([raceBlobBytes(i)]), { mediaType: MediaTypes.ociLayer }));
  const [config, ...layers] = put as [Descriptor, ...Descriptor[]];
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { ...config, mediaType: MediaTypes.ociConfig }, layers }));
  const md: Descriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
  await w.putManifest(manifest, md);
  w.addImage({ descriptor: md, name: parseImageName('race:1') });
  await w.commit();
  await store.remove(['race:1'], { force: true });
  // gone again, so the remover's next put makes them anew (a take-back takes only what it made)
  await store.prune({ dryRun: false });
}

/** Rounds of writeUnknownDigestImage beside a remover process; returns the failures. */
async function roundsBeside(mode: 'prune' | 'take-back', rounds: number): Promise<string[]> {
  const path = join(root, mode);
  const store = await openStore(path);
  const remover = await startRemover(path, mode);
  const failures: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      await writeUnknownDigestImage(store).catch((err: Error) => failures.push(`round ${round}: ${err.message}`));
    }
  } finally {
    await stop(remover);
  }
  return failures;
}

describe('a writer beside blob removers', () => {
  test('prune in another process never takes a blob whose digest the writer learnt while writing', async () => {
    assert.deepEqual(await roundsBeside('prune', 30), []);
  });

  test("another writer taking back its blobs never takes one this writer placed under the same digest", async () => {
    assert.deepEqual(await roundsBeside('take-back', 60), []);
  });
});

describe('two first loads into the same new store, one failing', () => {
  const blob = raceBlobBytes(0);
  const blobInfo = { mediaType: MediaTypes.ociLayer, digest: sha256Of(blob), size: blob.length };

  for (const known of [true, false]) {
    test(`the failing one removes the store it made just as the other is about to write (${known ? 'digest known' : 'digest learnt while writing'}): the other still commits`, async () => {
      const path = join(root, `first-loads-${known}`);
      const failing = await openLayoutSink(storeRef(path), path, undefined);
      await failing.putBlob(Readable.from([raceBlobBytes(1)]), { mediaType: MediaTypes.ociLayer });
      // the second load has found (made) the store and not yet written anything
      await ensureLayout(path);
      const second = new Store(path).writer();
      await failing[Symbol.asyncDispose]();
      const d = await second.putBlob(Readable.from([blob]), known ? blobInfo : { mediaType: MediaTypes.ociLayer });
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { ...d, mediaType: MediaTypes.ociConfig }, layers: [] }));
      const md: Descriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
      await second.putManifest(manifest, md);
      second.addImage({ descriptor: md, name: parseImageName('second:1') });
      await second.commit();
      const store = await openStore(path);
      assert.deepEqual((await store.images()).flatMap((i) => i.names.map(familiarName)), ['second:1']);
      assert.deepEqual((await store.fsck()).problems, []);
    });
  }

  test('racing freely, round after round: the succeeding load always commits, and the failing one leaves only its image-less remains', async () => {
    for (let round = 0; round < 25; round++) {
      const path = join(root, `free-race-${round}`);
      const failing = await openLayoutSink(storeRef(path), path, undefined);
      const succeeding = await openLayoutSink(storeRef(path), path, undefined);
      const fail = (async () => {
        await failing.putBlob(Readable.from([raceBlobBytes(1)]), { mediaType: MediaTypes.ociLayer });
        await failing[Symbol.asyncDispose]();
      })();
      const succeed = (async () => {
        // a different interleaving each round
        for (let tick = 0; tick < round; tick++) await new Promise((r) => setImmediate(r));
        const d = await succeeding.putBlob(Readable.from([blob]), { mediaType: MediaTypes.ociLayer });
        const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { ...d, mediaType: MediaTypes.ociConfig }, layers: [] }));
        const md: Descriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
        await succeeding.putManifest(manifest, md);
        await succeeding.addImage(md, parseImageName('second:1'));
        await succeeding.commit();
        await succeeding[Symbol.asyncDispose]();
      })();
      await Promise.all([fail, succeed]);
      assert.ok(existsSync(path), `round ${round}`);
      const store = await openStore(path);
      assert.deepEqual((await store.images()).flatMap((i) => i.names.map(familiarName)), ['second:1'], `round ${round}`);
    }
  });
});
